package sla

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Process is the Process of the events timers emit, and the name errors use.
const Process = "sla"

// Event types emitted by [Timer.Evaluate].
const (
	// EventWarning is a warning threshold reached. Its Payload is a
	// *[Details]; read as text (by [lifecycle.Notification.Value], or in
	// the JSON's "data") it holds:
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
	// EventBreached is the target used up; Payload as for
	// [EventWarning], with percent "100".
	EventBreached = "sla.breached"
)

// Keys of the events' details as text (see [EventWarning]).
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

// Details is the payload of a warning or a breach: its details typed,
// one value per event and no map. [DetailsOf] reads them from an event,
// whether it carries them as its Payload or, decoded from JSON, in Data.
type Details struct {
	// Record is the record's ID.
	Record string
	// Agreement is the agreement's ID.
	Agreement string
	// AgreementType is the agreement's type.
	AgreementType AgreementType
	// Target is the agreement's target.
	Target Target
	// Percent is the threshold reached, in percent of the goal.
	Percent float64
	// Cycle is the cycle's number.
	Cycle int
	// Goal is the cycle's target duration.
	Goal time.Duration
	// Due is when the target is (or was) used up, in UTC; zero while it
	// is not known (a paused cycle).
	Due time.Time
}

// Value returns the detail named key as text, as [EventWarning]
// describes it, and whether d has it.
func (d *Details) Value(key string) (string, bool) {
	switch key {
	case DataRecord:
		return d.Record, true
	case DataAgreement:
		return d.Agreement, true
	case DataAgreementType:
		return string(d.AgreementType), true
	case DataTarget:
		return string(d.Target), true
	case DataPercent:
		return percentText(d.Percent), true
	case DataCycle:
		return cycleText(d.Cycle), true
	case DataGoal:
		return d.Goal.String(), true
	case DataDue:
		if d.Due.IsZero() {
			return "", false
		}
		return d.Due.UTC().Format(time.RFC3339Nano), true
	}
	return "", false
}

// dataKeys are the keys of [Details.Data], in the order of [EventWarning].
var dataKeys = [...]string{DataRecord, DataAgreement, DataAgreementType, DataTarget, DataPercent, DataCycle, DataGoal, DataDue}

// Data returns d's details as a new map, keyed as [EventWarning] lists
// them; without [DataDue] while the due instant is not known.
func (d *Details) Data() map[string]string {
	m := make(map[string]string, len(dataKeys))
	for _, k := range dataKeys {
		if v, ok := d.Value(k); ok {
			m[k] = v
		}
	}
	return m
}

// DetailsOf returns the details of e, a warning or a breach: its Payload
// when e carries one, else parsed from its Data, as an event decoded from
// JSON (of either schema version) holds them. It reports false when e is
// not an SLA warning or breach, or when its Data does not parse.
func DetailsOf(e lifecycle.Notification) (Details, bool) {
	if e.Process != Process || (e.Type != EventWarning && e.Type != EventBreached) {
		return Details{}, false
	}
	if d, ok := e.Payload.(*Details); ok {
		return *d, true
	}
	d := Details{
		Record:        e.Data[DataRecord],
		Agreement:     e.Data[DataAgreement],
		AgreementType: AgreementType(e.Data[DataAgreementType]),
		Target:        Target(e.Data[DataTarget]),
	}
	var err1, err2, err3, err4 error
	d.Percent, err1 = strconv.ParseFloat(e.Data[DataPercent], 64)
	d.Cycle, err2 = strconv.Atoi(e.Data[DataCycle])
	d.Goal, err3 = time.ParseDuration(e.Data[DataGoal])
	if due, ok := e.Data[DataDue]; ok {
		d.Due, err4 = time.Parse(time.RFC3339Nano, due)
	}
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return Details{}, false
	}
	return d, true
}

// eventIDs builds the IDs of the events one evaluation of a timer fires
// in one buffer, sized once. The strings it returns share that memory; a
// strings.Builder only appends, so they never change.
type eventIDs struct {
	buf strings.Builder
}

// maxIntText is the length of the longest decimal int64. A longer ID only
// makes the buffer grow.
const maxIntText = 20

// grow sizes x for the IDs of the events of t that fire at at.
func (x *eventIDs) grow(t *Timer, at time.Time) {
	size := 0
	add := func(c *Cycle) {
		for i := range c.Deadlines {
			if c.Deadlines[i].fires(at) {
				size += len(Process) + len(t.ID) + 3 + decimalLen(c.Number) + decimalLen(i)
			}
		}
	}
	for i := range t.Cycles {
		add(&t.Cycles[i])
	}
	add(&t.Cycle)
	x.buf.Grow(size)
}

// decimalLen returns the length of n in decimal.
func decimalLen(n int) int {
	l := 1
	if n < 0 {
		l++
	}
	for n >= 10 || n <= -10 {
		n /= 10
		l++
	}
	return l
}

// id returns the ID of deadline i of c.
func (x *eventIDs) id(t *Timer, c *Cycle, i int) string {
	from := x.buf.Len()
	num := make([]byte, 0, maxIntText) // append grows it if ever too small
	x.buf.WriteString(Process)
	x.buf.WriteByte('/')
	x.buf.WriteString(t.ID)
	x.buf.WriteByte('/')
	x.buf.Write(strconv.AppendInt(num, int64(c.Number), 10))
	x.buf.WriteByte('/')
	x.buf.Write(strconv.AppendInt(num, int64(i), 10))
	return x.buf.String()[from:]
}

// event returns the event of deadline d of c, with its ID, and its
// details in details, which it fills.
func (t *Timer) event(c *Cycle, d *Deadline, id string, details *Details) lifecycle.Notification {
	typ := EventWarning
	if d.Breach {
		typ = EventBreached
	}
	*details = Details{
		Record:        t.RecordID,
		Agreement:     t.AgreementID,
		AgreementType: t.Type,
		Target:        t.Target,
		Percent:       d.Percent,
		Cycle:         c.Number,
		Goal:          c.Goal,
		Due:           c.Due.UTC(),
	}
	return lifecycle.Notification{
		ID:       id,
		Process:  Process,
		Subject:  t.ID,
		Type:     typ,
		From:     string(c.Stage),
		To:       string(c.Stage),
		Actor:    lifecycle.System.ID,
		Time:     d.At,
		Version:  t.Version,
		Snapshot: t.Snapshot.Clone(),
		Payload:  details,
	}
}

// cycleText returns n in decimal, without allocating for the usual small
// cycle numbers.
func cycleText(n int) string {
	if n >= 0 && n < len(percentTexts) {
		return percentTexts[n]
	}
	return strconv.Itoa(n)
}
