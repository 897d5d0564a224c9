// Package request is service request management, the ITIL 4 practice of
// handling the routine, pre-defined orders that users place with the
// service desk: "a new laptop", "access to the finance share", "onboard a
// new starter". Unlike an incident, a service request is expected: what
// may be ordered, who approves it and what work fulfils it are defined in
// advance, in the service catalogue.
//
// # The catalogue
//
// The catalogue is pure in-memory definitions with no storage of their
// own. A [CatalogItem] is one thing a
// requester can order:
//
//   - its name and category, for browsing;
//   - the [Variable]s the requester fills in, typed ([VariableText],
//     [VariableNumber], [VariableBoolean], [VariableDate], [VariableChoice],
//     [VariableMultiChoice], [VariableUser], [VariableConfigItem]),
//     required or optional, with a default and a rule (length, range,
//     pattern); [CatalogItem.CheckValues] checks a requester's [Values]
//     and returns them in normal form;
//   - its [Approval] policy: none, the requester's manager, or a named
//     group deciding by all, any or a quorum;
//   - its fulfilment [Plan]: stages worked in order, tasks worked side by
//     side within a stage, each with an assignment group and optionally a
//     [Condition] on a variable's value; [Plan.Expand] gives the tasks that
//     apply to an order's values;
//   - the IDs of the SLA agreements that apply.
//
// A [Catalog] is the host's registry of items. [Catalog.Register]
// validates an item and stores it as a new version, so that an order
// keeps the version it was placed at ([Catalog.ItemVersion]);
// [Catalog.Retire] stops new orders ([Catalog.Orderable] refuses them with
// [ErrRetired]) and leaves orders already placed alone.
//
// Every refusal of a definition or of a value is a
// *lifecycle.ValidationError naming the field as a client spells it
// ("variables[2].pattern", "plan.stages[0].tasks[1].group",
// "variables.laptop"), matching [lifecycle.ErrValidation].
//
// # Requests, items and tasks
//
// A [Request] is one order, placed through [Service.Order]: a requester
// asking, possibly for someone else, for one or more catalogue items. It
// holds its requested items ([Item]: a catalogue item at the version it
// was ordered at, with its checked [Values]) and their fulfilment tasks
// ([Task]: those [Plan.Expand] gives, stage by stage). Each moves under
// its own machine ([ItemDiagram], [TaskDiagram], [RequestDiagram]).
//
// They are one record because the roll-up rules ([ItemOutcome],
// [Progress], [RequestOutcome]) tie them together: closing a task opens
// the next stage or closes the item, and the last item closes the
// request. As one record, that roll-up is part of the same stored change
// as the task's close, through the process kernel's version check: two
// tasks closed at once roll up exactly once, and a task is never open
// under a closed item. Each item and task still emits its own events
// (processes [ProcessItem] and [ProcessTask]), so the SLA engine and
// notifiers follow them as records of their own.
//
// Approvals follow the item's [Approval]: the approvers (the manager of
// the person the request is for, or a group's members, from the host's
// [Directory]) never include the requester nor that person; each decides
// once, and the item is approved when any, all or a quorum of them have.
package request
