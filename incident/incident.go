package incident

import (
	"encoding/json"
	"maps"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Incident is an unplanned interruption to an IT service, or a reduction in
// its quality, as a record moving through the incident lifecycle.
//
// An Incident is a plain value: services load it from the [Store], change a
// copy and store it with its version. Change it only through commands
// ([Incident.Apply], [Service]); a value changed by hand and stored is not
// checked.
type Incident struct {
	ID      string `json:"id"`      // unique, from Config.IDs
	Version int64  `json:"version"` // 1 when created, +1 per stored change
	State   State  `json:"state"`   // where it is in the incident machine

	Title       string `json:"title"`                 // a one-line summary
	Description string `json:"description,omitempty"` // what is wrong, in detail
	Caller      string `json:"caller,omitempty"`      // who reported it; comments are visible to them
	Tenant      string `json:"tenant,omitempty"`      // the tenant (company, organisation) it belongs to; never changes
	Category    string `json:"category,omitempty"`    // the host's classification
	Service     string `json:"service,omitempty"`     // the affected IT service
	ConfigItem  string `json:"config_item,omitempty"` // the affected configuration item
	// AffectedServices are the IDs of the business services a failure of
	// ConfigItem affects, sorted: set with the configuration item, from
	// [Config].ConfigItems when the Service has it (see [Open]), and
	// recorded in the history like any field.
	AffectedServices []string `json:"affected_services,omitempty"`
	OpenedBy         string   `json:"opened_by"` // the actor who logged it

	Impact   lifecycle.Impact   `json:"impact"`   // how widely the business is affected
	Urgency  lifecycle.Urgency  `json:"urgency"`  // how soon a resolution is needed
	Priority lifecycle.Priority `json:"priority"` // always the matrix's value for Impact and Urgency

	Group           string `json:"group,omitempty"`            // the assignment group
	Assignee        string `json:"assignee,omitempty"`         // the person working on it
	EscalationLevel int    `json:"escalation_level,omitempty"` // hierarchical escalation, 0 when never escalated

	HoldReason HoldReason  `json:"hold_reason,omitempty"` // set exactly when State is on_hold
	Major      MajorStatus `json:"major,omitempty"`       // "" unless proposed as a major incident

	Parent   string   `json:"parent,omitempty"`   // the parent incident's ID
	Problems []string `json:"problems,omitempty"` // IDs of linked problem records
	Changes  []string `json:"changes,omitempty"`  // IDs of linked change records
	Request  string   `json:"request,omitempty"`  // the service request it became, if any

	Comments  []Note `json:"comments,omitempty"`   // visible to the caller
	WorkNotes []Note `json:"work_notes,omitempty"` // internal to the service desk

	ResolutionCode  ResolutionCode `json:"resolution_code,omitempty"`  // how it was resolved; cleared by a reopen
	ResolutionNotes string         `json:"resolution_notes,omitempty"` // what was done, for the caller
	ResolvedBy      string         `json:"resolved_by,omitempty"`      // who resolved it
	ResolvedAt      time.Time      `json:"resolved_at,omitzero"`       // when it was resolved
	// ClosedBy and ClosedAt tell who ended the incident and when: closed
	// (for an auto-close, the resolver, as ServiceNow records it) or
	// canceled.
	ClosedBy     string    `json:"closed_by,omitempty"`
	ClosedAt     time.Time `json:"closed_at,omitzero"`      // see ClosedBy
	CancelReason string    `json:"cancel_reason,omitempty"` // why it was canceled
	ReopenCount  int       `json:"reopen_count,omitempty"`  // how often it was reopened

	// Attributes holds whatever else the host wants notifications and SLA
	// conditions to see; it is copied into every event's snapshot.
	Attributes map[string]string `json:"attributes,omitempty"`

	// Reactions names the reactions to other processes' events that
	// happen at most once per incident and cause and have happened: an
	// escalation for one SLA breach ("breach/<event>/<agreement>/<target>/<cycle>"),
	// a known error's workaround noted ("workaround/<problem>"). A
	// redelivered event finds its reaction here, on the incident a command
	// loads, and changes nothing; it never reads the history.
	Reactions []string `json:"reactions,omitempty"`

	History   []lifecycle.Record `json:"history"`    // the audit trail: one record per stored change, oldest first
	CreatedAt time.Time          `json:"created_at"` // when it was opened
	UpdatedAt time.Time          `json:"updated_at"` // the last stored change; any update restarts auto-close's count
}

// Note is a comment or a work note.
type Note struct {
	Time   time.Time `json:"time"`   // when it was written
	Author string    `json:"author"` // the actor who wrote it
	Text   string    `json:"text"`   // what it says
	// FromCaller is set on a comment made through [CallerUpdate].
	FromCaller bool `json:"from_caller,omitempty"`
	// Version is the incident's version that the change writing the note
	// stored, in an export (see [ExportFrom]); a command leaves it 0.
	Version int64 `json:"version,omitempty"`
}

// Clone returns a deep copy of x: changing the copy, including its history,
// notes, links and attributes, never changes x. Clone of nil is nil.
func (x *Incident) Clone() *Incident {
	if x == nil {
		return nil
	}
	c := *x
	c.AffectedServices = cloneStrings(x.AffectedServices)
	c.Problems = cloneStrings(x.Problems)
	c.Changes = cloneStrings(x.Changes)
	c.Comments = cloneNotes(x.Comments)
	c.WorkNotes = cloneNotes(x.WorkNotes)
	c.Attributes = maps.Clone(x.Attributes)
	c.Reactions = cloneStrings(x.Reactions)
	c.History = cloneHistory(x.History)
	return &c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append(make([]string, 0, len(s)), s...)
}

func cloneNotes(s []Note) []Note {
	if s == nil {
		return nil
	}
	return append(make([]Note, 0, len(s)), s...)
}

// cloneHistory deep-copies h like lifecycle.CloneHistory, but in two
// allocations whatever its length (one for the records, one shared by all
// their changes) and with room for one more record, because a clone is
// usually made to append the next one. Each record's Changes is capped at
// its length, so appending to it cannot write into its neighbour.
func cloneHistory(h []lifecycle.Record) []lifecycle.Record {
	if h == nil {
		return nil
	}
	out := make([]lifecycle.Record, len(h), len(h)+1)
	copy(out, h)
	n := 0
	for i := range h {
		n += len(h[i].Changes)
	}
	if n == 0 {
		return out
	}
	all := make([]lifecycle.FieldChange, 0, n)
	for i := range out {
		if out[i].Changes == nil {
			continue
		}
		start := len(all)
		all = append(all, out[i].Changes...)
		out[i].Changes = all[start:len(all):len(all)]
	}
	return out
}

// Snapshot returns the process-neutral view of x that events carry: state,
// priority, group, assignee, hold reason, whether it is an accepted major
// incident, affected service and configuration item, when it was opened and
// a copy of its attributes.
func (x *Incident) Snapshot() lifecycle.Snapshot {
	return lifecycle.Snapshot{
		State:      string(x.State),
		Title:      x.Title,
		Priority:   int(x.Priority),
		Group:      x.Group,
		Assignee:   x.Assignee,
		Caller:     x.Caller,
		Tenant:     x.Tenant,
		HoldReason: string(x.HoldReason),
		Major:      x.Major == MajorAccepted,
		Service:    x.Service,
		ConfigItem: x.ConfigItem,
		OpenedAt:   x.CreatedAt,
		Attributes: maps.Clone(x.Attributes),
	}
}

// IsLinkedToProblem reports whether problem is among x's linked problems.
func (x *Incident) IsLinkedToProblem(problem string) bool { return contains(x.Problems, problem) }

// IsLinkedToChange reports whether change is among x's linked changes.
func (x *Incident) IsLinkedToChange(change string) bool { return contains(x.Changes, change) }

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// incidentJSON has Incident's fields without its methods, so that
// UnmarshalJSON can use the standard decoder.
type incidentJSON Incident

// UnmarshalJSON decodes an incident into x, replacing all of it (fields
// absent from the JSON become zero). It rejects, with a
// *lifecycle.ValidationError naming the field, a missing state; unknown
// state, hold reason, resolution code and major status names; and an
// impact, urgency or priority below 1 (the upper bounds are the host's
// matrix's, which the decoder cannot know). A history, when the JSON has
// one, is replayed through the incident machine (see
// [lifecycle.Replay.Check]) and rejected, with a *lifecycle.HistoryError,
// if the machine could not have produced it: a close from new, a record
// whose From is not the previous record's To, a history that does not end
// in the incident's state, a version other than the number of records.
// Guards (a major incident proposed before it is accepted, ...) are not
// replayed. An incident without history is accepted as it is: it is the
// form a store that keeps history apart from its records returns. On
// error, and for the JSON null, x is unchanged.
func (x *Incident) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var v incidentJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.State == "" {
		return lifecycle.Invalid("state", "missing")
	}
	switch {
	case v.Impact < 1:
		return lifecycle.Invalid("impact", "%d is below 1", v.Impact)
	case v.Urgency < 1:
		return lifecycle.Invalid("urgency", "%d is below 1", v.Urgency)
	case v.Priority < 1:
		return lifecycle.Invalid("priority", "%d is below 1", v.Priority)
	}
	if len(v.History) > 0 {
		if err := checkHistory(v.History, v.State, v.Version); err != nil {
			return err
		}
	}
	*x = Incident(v)
	return nil
}

// replay replays incident histories through the incident machine. A
// caller update on an incident awaiting the caller also resumes it, in the
// same record (see [CallerUpdate]).
var replay = lifecycle.Replay[State, Event, *Incident]{
	Machine:  machine,
	Creation: eventOpen,
	Then:     map[Event][]Event{EventCallerUpdate: {EventResume}},
}

// checkHistory checks a decoded history (see [Incident.UnmarshalJSON]).
func checkHistory(h []lifecycle.Record, state State, version int64) error {
	return replay.Check(h, state, version)
}
