package cmdb

import (
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

// Status is a CI's operational status (see [Diagram]).
type Status string

// The operational statuses.
const (
	StatusPlanned     Status = "planned"           // ordered or designed, not there yet
	StatusInstalled   Status = "installed"         // there, not yet in service
	StatusOperational Status = "operational"       // in service
	StatusMaintenance Status = "under_maintenance" // in service, being worked on
	StatusDegraded    Status = "degraded"          // in service, not fully working
	StatusRetired     Status = "retired"           // final: out of service for good
)

var statuses = []Status{StatusPlanned, StatusInstalled, StatusOperational, StatusMaintenance, StatusDegraded, StatusRetired}

// Statuses returns every status, in display order.
func Statuses() []Status { return slices.Clone(statuses) }

// Valid reports whether s is one of [Statuses].
func (s Status) Valid() bool { return slices.Contains(statuses, s) }

// InService reports whether a CI in status s is in service: operational,
// under maintenance or degraded. A CI in service depends on what it
// relates to, and these are not retired under it (see [Retire]).
func (s Status) InService() bool {
	return s == StatusOperational || s == StatusMaintenance || s == StatusDegraded
}

// MarshalText returns the status's spelling, or a
// *lifecycle.ValidationError for an unknown status.
func (s Status) MarshalText() ([]byte, error) { return lifecycle.MarshalEnum("status", statuses, s) }

// UnmarshalText parses a status, refusing unknown spellings with a
// *lifecycle.ValidationError.
func (s *Status) UnmarshalText(b []byte) (err error) {
	*s, err = lifecycle.ParseEnum("status", statuses, string(b))
	return err
}

// Event is an event of the status machine: the event of the command that
// fires it.
type Event string

// The status machine's events.
const (
	EventInstall  Event = "install"  // planned → installed
	EventOperate  Event = "operate"  // installed → operational
	EventMaintain Event = "maintain" // operational or degraded → under_maintenance
	EventDegrade  Event = "degrade"  // operational or under_maintenance → degraded
	EventRestore  Event = "restore"  // under_maintenance or degraded → operational
	EventRetire   Event = "retire"   // any status but retired → retired
)

var events = []Event{EventInstall, EventOperate, EventMaintain, EventDegrade, EventRestore, EventRetire}

var machine = lifecycle.NewMachine(lifecycle.Definition[Status, Event, struct{}]{
	Process: Process,
	Initial: StatusPlanned,
	States:  statuses,
	Events:  events,
	Transitions: []lifecycle.Transition[Status, Event, struct{}]{
		{Event: EventInstall, From: []Status{StatusPlanned}, To: StatusInstalled},
		{Event: EventOperate, From: []Status{StatusInstalled}, To: StatusOperational},
		{Event: EventMaintain, From: []Status{StatusOperational, StatusDegraded}, To: StatusMaintenance},
		{Event: EventDegrade, From: []Status{StatusOperational, StatusMaintenance}, To: StatusDegraded},
		{Event: EventRestore, From: []Status{StatusMaintenance, StatusDegraded}, To: StatusOperational},
		{Event: EventRetire, From: []Status{StatusPlanned, StatusInstalled, StatusOperational, StatusMaintenance, StatusDegraded}, To: StatusRetired},
	},
})

// Allowed returns the events the status machine allows from s.
func Allowed(s Status) []Event { return machine.Allowed(s) }

// Diagram returns the status machine as a Mermaid state diagram.
func Diagram() string { return machine.Mermaid() }
