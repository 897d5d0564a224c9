package sla

import (
	"strconv"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Process is the Process of the events timers emit, and the name errors use.
const Process = "sla"

// Event types emitted by [Timer.Evaluate].
const (
	// EventWarning is a warning threshold reached. Its Data holds:
	//
	//	record          the record's ID
	//	agreement       the agreement's ID
	//	agreement_type  "sla", "ola" or "underpinning_contract"
	//	target          "response" or "resolution"
	//	percent         the threshold, e.g. "75"
	//	cycle           the cycle number, e.g. "1"
	//	priority        the priority the goal comes from, e.g. "2"
	//	goal            the target duration, e.g. "4h0m0s"
	//	due             when the target is (or was) used up, RFC 3339, if known
	EventWarning = "sla.warning"
	// EventBreached is the target used up; Data as for [EventWarning],
	// with percent "100".
	EventBreached = "sla.breached"
)

// Keys of the events' Data.
const (
	DataRecord        = "record"
	DataAgreement     = "agreement"
	DataAgreementType = "agreement_type"
	DataTarget        = "target"
	DataPercent       = "percent"
	DataCycle         = "cycle"
	DataPriority      = "priority"
	DataGoal          = "goal"
	DataDue           = "due"
)

func (t *Timer) event(c *Cycle, i int, d *Deadline) lifecycle.Event {
	typ := EventWarning
	if d.Breach {
		typ = EventBreached
	}
	data := map[string]string{
		DataRecord:        t.RecordID,
		DataAgreement:     t.AgreementID,
		DataAgreementType: string(t.Type),
		DataTarget:        string(t.Target),
		DataPercent:       strconv.FormatFloat(d.Percent, 'f', -1, 64),
		DataCycle:         strconv.Itoa(c.Number),
		DataPriority:      strconv.Itoa(c.Priority),
		DataGoal:          c.Goal.String(),
	}
	if !c.Due.IsZero() {
		data[DataDue] = c.Due.UTC().Format(time.RFC3339Nano)
	}
	return lifecycle.Event{
		ID:       lifecycle.EventID(Process, t.ID, int64(c.Number), i),
		Process:  Process,
		Subject:  t.ID,
		Type:     typ,
		From:     string(c.Stage),
		To:       string(c.Stage),
		Actor:    lifecycle.System.ID,
		Time:     d.At,
		Version:  t.Version,
		Snapshot: t.Snapshot.Clone(),
		Data:     data,
	}
}
