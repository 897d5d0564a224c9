// Package cmdb is configuration management: configuration items (CIs) of
// host-defined classes, with an operational status machine (planned →
// installed → operational ⇄ under maintenance / degraded → retired, see
// [Diagram]) and a criticality; typed, directed relationships between
// them, each type saying which way impact flows; and impact analysis,
// upstream to the business services a failure affects and downstream to
// what a service depends on.
//
// # Where relationships live
//
// A relationship "[parent] type [child]" is held on its parent's record,
// so that adding or removing it is one stored change of the parent,
// through the process kernel: versioned, audited (who and when) and
// announced like any other. The rules that span CIs are atomic through
// the kernel's read sets:
//
//   - uniqueness per (parent, type, child) is a check within the
//     parent's own record, which the version check protects;
//   - the child must exist, in the parent's tenant, and not be retired:
//     the rule records the child at the version seen;
//   - every write that adds or removes a relationship to a child takes
//     the child's guard "in/<child>", and retiring a CI takes its own
//     guard before it reads the CIs that depend on it (recording each),
//     so that a retirement and a new dependent can never both commit;
//   - putting a CI in service ([Operate]) takes its own guard before it
//     reads the CIs it depends on (recording each), and is refused over a
//     retired one, so that a retirement and its dependent's start can
//     never both commit.
//
// The Store keeps an index of each CI's incoming relationships for the
// neighbour query ([Relationships]) and the walk ([Traversal]).
package cmdb
