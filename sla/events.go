package sla

import (
	"math"
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
	//	goal            the target duration, e.g. "4h0m0s"
	//	due             when the target is (or was) used up, RFC 3339, if known
	//
	// The record's priority, group and assignee are in the event's
	// Snapshot (the record as the timer last observed it).
	EventWarning = "sla.warning"
	// EventBreached is the target used up; Data as for [EventWarning],
	// with percent "100".
	EventBreached = "sla.breached"
)

// Keys of the events' Data (see [EventWarning]).
const (
	// DataRecord is the record's ID.
	DataRecord = "record"
	// DataAgreement is the agreement's ID.
	DataAgreement = "agreement"
	// DataAgreementType is the agreement's [AgreementType].
	DataAgreementType = "agreement_type"
	// DataTarget is the agreement's [Target].
	DataTarget = "target"
	// DataPercent is the threshold reached, in percent of the goal.
	DataPercent = "percent"
	// DataCycle is the cycle's number.
	DataCycle = "cycle"
	// DataGoal is the cycle's target duration, as time.Duration.String.
	DataGoal = "goal"
	// DataDue is when the target is (or was) used up, RFC 3339 in UTC;
	// absent while it is not known (a paused cycle).
	DataDue = "due"
)

// percentTexts holds "0" ... "100", so that the usual whole thresholds
// cost no allocation.
var percentTexts = func() (out [101]string) {
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

func percentText(p float64) string {
	if p >= 0 && p <= 100 && p == math.Trunc(p) {
		return percentTexts[int(p)]
	}
	return strconv.FormatFloat(p, 'f', -1, 64)
}

func (t *Timer) event(c *Cycle, i int, d *Deadline) lifecycle.Event {
	typ := EventWarning
	if d.Breach {
		typ = EventBreached
	}
	// At most 8 entries: the map then fits one allocation group.
	data := make(map[string]string, 8)
	data[DataRecord] = t.RecordID
	data[DataAgreement] = t.AgreementID
	data[DataAgreementType] = string(t.Type)
	data[DataTarget] = string(t.Target)
	data[DataPercent] = percentText(d.Percent)
	data[DataCycle] = strconv.Itoa(c.Number)
	data[DataGoal] = c.Goal.String()
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
