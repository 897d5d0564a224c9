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

// eventText builds the strings of the events one evaluation of a timer
// fires in one buffer, sized once: each event's ID, and each cycle's goal
// and due instant (shared by the cycle's events). The strings it returns
// share that memory; a strings.Builder only appends, so they never change.
type eventText struct {
	buf strings.Builder
}

// Sizes of the texts: the longest decimal int64, and an RFC 3339 instant
// with nanoseconds in UTC for years 0 to 9999. A longer text only makes
// the buffer grow.
const (
	maxIntText     = 20
	maxInstantText = len("2006-01-02T15:04:05.999999999Z")
)

// grow sizes text for the events of t that fire at at: n of them, over
// the given number of cycles.
func (x *eventText) grow(t *Timer, at time.Time, n, cycles int) {
	size := 0
	add := func(c *Cycle) {
		k := 0
		for i := range c.Deadlines {
			if c.Deadlines[i].fires(at) {
				size += len(Process) + len(t.ID) + 3 + decimalLen(c.Number) + decimalLen(i)
				k++
			}
		}
		if k > 0 {
			size += len(c.Goal.String()) + maxInstantText
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

// since returns what was written from byte from on.
func (x *eventText) since(from int) string { return x.buf.String()[from:] }

// id returns the ID of deadline i of c.
func (x *eventText) id(t *Timer, c *Cycle, i int) string {
	from := x.buf.Len()
	num := make([]byte, 0, maxIntText) // append grows it if ever too small
	x.buf.WriteString(Process)
	x.buf.WriteByte('/')
	x.buf.WriteString(t.ID)
	x.buf.WriteByte('/')
	x.buf.Write(strconv.AppendInt(num, int64(c.Number), 10))
	x.buf.WriteByte('/')
	x.buf.Write(strconv.AppendInt(num, int64(i), 10))
	return x.since(from)
}

// goal returns c's goal, as time.Duration.String.
func (x *eventText) goal(c *Cycle) string {
	from := x.buf.Len()
	x.buf.WriteString(c.Goal.String())
	return x.since(from)
}

// due returns c's due instant, RFC 3339 in UTC, or "" when it is not
// known.
func (x *eventText) due(c *Cycle) string {
	if c.Due.IsZero() {
		return ""
	}
	from := x.buf.Len()
	x.buf.Write(c.Due.UTC().AppendFormat(make([]byte, 0, maxInstantText), time.RFC3339Nano))
	return x.since(from)
}

// event returns the event of deadline i of c, with its ID, c's goal and
// c's due instant as text.
func (t *Timer) event(c *Cycle, i int, d *Deadline, id, goal, due string) lifecycle.Notification {
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
	data[DataCycle] = cycleText(c.Number)
	data[DataGoal] = goal
	if due != "" {
		data[DataDue] = due
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
		Data:     data,
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
