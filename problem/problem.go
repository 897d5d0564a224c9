package problem

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Process is the process name problems carry in events, records and errors.
const Process = "problem"

// RoleProblemManager is the role that may reanalyze a resolved or closed
// problem ([EventReanalyze]), by the default access rules ([AccessRules]).
const RoleProblemManager = "problem-manager"

// Problem is the cause of one or more incidents, tracked from logging to
// closure. Values are plain data: copy them with [Problem.Clone], change
// them with [Problem.Apply] or through a [Service].
type Problem struct {
	// ID identifies the problem, e.g. "PRB0000042"; never changes.
	ID string `json:"id"`
	// Version is 1 when created and grows by one per stored change; the
	// Store's optimistic concurrency checks it.
	Version int64 `json:"version"`
	// State is where the problem stands in its lifecycle.
	State State `json:"state"`

	// Title is the one-line summary.
	Title string `json:"title"`
	// Description is the free-text detail.
	Description string `json:"description,omitempty"`
	// Tenant is the tenant (company, organisation) the problem belongs
	// to, "" for none; it never changes.
	Tenant string `json:"tenant,omitempty"`

	// Impact is how widely the problem affects the business.
	Impact lifecycle.Impact `json:"impact"`
	// Urgency is how soon it must be dealt with.
	Urgency lifecycle.Urgency `json:"urgency"`
	// Priority comes from Impact × Urgency by the service's matrix.
	Priority lifecycle.Priority `json:"priority"`

	// Group is the assignment group.
	Group string `json:"group,omitempty"`
	// Assignee is the problem coordinator or analyst.
	Assignee string `json:"assignee,omitempty"`

	// Service is the affected IT service.
	Service string `json:"service,omitempty"`
	// ConfigItem is the affected configuration item.
	ConfigItem string `json:"config_item,omitempty"`

	// KnownError holds the error-control data. The problem is a known
	// error once RootCause and Workaround are both recorded; see
	// [Problem.IsKnownError].
	KnownError KnownError `json:"known_error,omitzero"`
	// KnownErrorAt is when the problem became a known error (zero before).
	KnownErrorAt time.Time `json:"known_error_at,omitzero"`

	// Incidents are the linked incidents' IDs, in link order.
	Incidents []string `json:"incidents,omitempty"`
	// Changes are the fixing changes' IDs, in link order.
	Changes []string `json:"changes,omitempty"`

	// Resolution says how the problem ended; empty while it is open.
	Resolution ResolutionCode `json:"resolution,omitempty"`
	// ResolutionNotes explain the resolution.
	ResolutionNotes string `json:"resolution_notes,omitempty"`
	// DuplicateOf is the original's ID, for a problem closed as a
	// duplicate.
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// MovedIncidents are the incidents a duplicate had when it was marked
	// one, which move to its original; [Service.MoveDuplicateIncidents]
	// reads them here to redo the move.
	MovedIncidents []string `json:"moved_incidents,omitempty"`
	// Reanalyzed counts how many times the problem was reanalyzed.
	Reanalyzed int `json:"reanalyzed,omitempty"`

	// WorkNotes are the internal notes, oldest first. A problem read
	// from a [Store] carries only those its command appended (none from
	// Get); the Store keeps them in its journal ([Service.Journal]).
	WorkNotes []WorkNote `json:"work_notes,omitempty"`

	// OpenedBy is the ID of the actor who logged the problem.
	OpenedBy string `json:"opened_by"`
	// History is the audit trail: one record per version, oldest first.
	// Like WorkNotes, it is kept by the Store apart from the problem
	// ([Service.History]); [Service.Export] reads the problem whole.
	History []lifecycle.Record `json:"history"`
	// CreatedAt is when the problem was logged.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when the last change was stored.
	UpdatedAt time.Time `json:"updated_at"`
	// ResolvedAt is when it was resolved (resolve, accept_risk); zero
	// otherwise, and again after a reanalysis.
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// ClosedAt is when it was closed or canceled; zero otherwise, and
	// again after a reanalysis.
	ClosedAt time.Time `json:"closed_at,omitzero"`
}

// KnownError is what error control records about a problem: how it shows,
// why it happens, how to live with it and how it is fixed. iTop keeps the
// same four fields on its known-error class.
type KnownError struct {
	// Symptom is what users and monitors see.
	Symptom string `json:"symptom,omitempty"`
	// RootCause is why it happens.
	RootCause string `json:"root_cause,omitempty"`
	// Workaround is how to restore service meanwhile.
	Workaround string `json:"workaround,omitempty"`
	// Fix is the permanent solution.
	Fix string `json:"fix,omitempty"`
}

// WorkNote is an internal note added to a problem with [AddWorkNote].
type WorkNote struct {
	// Time is when the note was added.
	Time time.Time `json:"time"`
	// Author is the ID of the actor who added it.
	Author string `json:"author"`
	// Text is the note.
	Text string `json:"text"`
}

// IsKnownError reports whether the problem is a known error: its root cause
// and workaround are both recorded. Once a problem is a known error it stays
// one: neither field can be cleared.
func (p *Problem) IsKnownError() bool {
	return p.KnownError.RootCause != "" && p.KnownError.Workaround != ""
}

// HasIncident reports whether the incident is linked to the problem.
func (p *Problem) HasIncident(id string) bool { return slices.Contains(p.Incidents, id) }

// Clone returns a deep copy of p (nil for nil).
func (p *Problem) Clone() *Problem {
	if p == nil {
		return nil
	}
	c := *p
	c.Incidents = slices.Clone(p.Incidents)
	c.MovedIncidents = slices.Clone(p.MovedIncidents)
	c.Changes = slices.Clone(p.Changes)
	c.WorkNotes = slices.Clone(p.WorkNotes)
	c.History = lifecycle.CloneHistory(p.History)
	return &c
}

// Snapshot returns the process-neutral view of p that events carry. Its
// Attributes hold "known_error" ("true" once it is one), "resolution" and
// "duplicate_of" when set.
func (p *Problem) Snapshot() lifecycle.Snapshot {
	s := lifecycle.Snapshot{
		State:      string(p.State),
		Title:      p.Title,
		Priority:   int(p.Priority),
		Group:      p.Group,
		Assignee:   p.Assignee,
		Service:    p.Service,
		ConfigItem: p.ConfigItem,
		Tenant:     p.Tenant,
		OpenedAt:   p.CreatedAt,
	}
	if p.IsKnownError() || p.Resolution != "" || p.DuplicateOf != "" {
		s.Attributes = map[string]string{}
		if p.IsKnownError() {
			s.Attributes["known_error"] = "true"
		}
		if p.Resolution != "" {
			s.Attributes["resolution"] = string(p.Resolution)
		}
		if p.DuplicateOf != "" {
			s.Attributes["duplicate_of"] = p.DuplicateOf
		}
	}
	return s
}

// UnmarshalJSON decodes a problem, rejecting unknown states, events and
// resolution codes, and a missing id or state, with a
// *lifecycle.ValidationError. A history, when the JSON has one, is
// replayed through the problem machine (see [lifecycle.Replay.Check]) and
// rejected, with a *lifecycle.HistoryError, if the machine could not have
// produced it: a completion from new, a record whose From is not the
// previous record's To, a history that does not end in the problem's
// state, a version other than the number of records. Guards (an
// assignment group before assess, a root cause before start_fix, ...) are
// not replayed. A problem without history is accepted as it is: it is the
// form a store that keeps history apart from its records returns. On
// error p is unchanged.
func (p *Problem) UnmarshalJSON(b []byte) error {
	type plain Problem
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.ID == "" {
		return lifecycle.Invalid("id", "is required")
	}
	if v.State == "" {
		return lifecycle.Invalid("state", "is required")
	}
	if len(v.History) > 0 {
		if err := checkHistory(v.History, v.State, v.Version); err != nil {
			return err
		}
	}
	*p = Problem(v)
	return nil
}

// replay replays problem histories through the problem machine: lifecycle
// edges and updates alike, each record firing exactly its own event. The
// creation is "open", the event [NewProblem] gives the first record.
var replay = lifecycle.Replay[State, Event, *Problem]{Machine: machine, Creation: "open"}

// checkHistory checks a decoded history (see [Problem.UnmarshalJSON]).
func checkHistory(h []lifecycle.Record, state State, version int64) error {
	return replay.Check(h, state, version)
}

// fieldChanges lists what differs between before and after as audit
// changes, using the lifecycle's standard field names where they exist. The
// state is not listed: a Record's From and To carry it.
func fieldChanges(before, after *Problem) []lifecycle.FieldChange {
	var c []lifecycle.FieldChange
	c = lifecycle.Diff(c, "title", before.Title, after.Title)
	c = lifecycle.Diff(c, "description", before.Description, after.Description)
	c = lifecycle.Diff(c, "impact", itoa(int(before.Impact)), itoa(int(after.Impact)))
	c = lifecycle.Diff(c, "urgency", itoa(int(before.Urgency)), itoa(int(after.Urgency)))
	c = lifecycle.Diff(c, lifecycle.FieldPriority, itoa(int(before.Priority)), itoa(int(after.Priority)))
	c = lifecycle.Diff(c, lifecycle.FieldGroup, before.Group, after.Group)
	c = lifecycle.Diff(c, lifecycle.FieldAssignee, before.Assignee, after.Assignee)
	c = lifecycle.Diff(c, "service", before.Service, after.Service)
	c = lifecycle.Diff(c, "config_item", before.ConfigItem, after.ConfigItem)
	c = lifecycle.Diff(c, "symptom", before.KnownError.Symptom, after.KnownError.Symptom)
	c = lifecycle.Diff(c, "root_cause", before.KnownError.RootCause, after.KnownError.RootCause)
	c = lifecycle.Diff(c, "workaround", before.KnownError.Workaround, after.KnownError.Workaround)
	c = lifecycle.Diff(c, "fix", before.KnownError.Fix, after.KnownError.Fix)
	c = lifecycle.Diff(c, "known_error", strconv.FormatBool(before.IsKnownError()), strconv.FormatBool(after.IsKnownError()))
	c = lifecycle.Diff(c, "incidents", joinIDs(before.Incidents), joinIDs(after.Incidents))
	c = lifecycle.Diff(c, "changes", joinIDs(before.Changes), joinIDs(after.Changes))
	c = lifecycle.Diff(c, "resolution", string(before.Resolution), string(after.Resolution))
	c = lifecycle.Diff(c, "resolution_notes", before.ResolutionNotes, after.ResolutionNotes)
	c = lifecycle.Diff(c, "duplicate_of", before.DuplicateOf, after.DuplicateOf)
	return c
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func joinIDs(ids []string) string {
	n := 0
	for _, id := range ids {
		n += len(id) + 1
	}
	b := make([]byte, 0, n)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, id...)
	}
	return string(b)
}
