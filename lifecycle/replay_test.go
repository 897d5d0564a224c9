package lifecycle_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

// The replay tests' machine: a ticket that is opened (new), worked on
// (work), put on hold (wait) and done; notes keep its state, and a reply on
// a waiting ticket also resumes it. The express machine closes a ticket
// straight from new; a ticket's "kind" change moves it between the two.
type (
	rpState string
	rpEvent string
)

var errRpGuard = errors.New("never")

var rpTicket = lifecycle.NewMachine(lifecycle.Definition[rpState, rpEvent, *int]{
	Process: "ticket",
	Initial: "new",
	States:  []rpState{"new", "work", "wait", "done"},
	Events:  []rpEvent{"start", "hold", "resume", "finish", "note", "reply"},
	Transitions: []lifecycle.Transition[rpState, rpEvent, *int]{
		{Event: "start", From: []rpState{"new"}, To: "work"},
		// A guard that always refuses: replays never run guards.
		{Event: "hold", From: []rpState{"work"}, To: "wait", Guard: func(*int) error { return errRpGuard }},
		{Event: "resume", From: []rpState{"wait"}, To: "work"},
		{Event: "finish", From: []rpState{"work"}, To: "done"},
		{Event: "note", From: []rpState{"new", "work", "wait"}, To: "new"},
		{Event: "reply", From: []rpState{"wait"}, To: "wait"},
	},
})

var rpExpress = lifecycle.NewMachine(lifecycle.Definition[rpState, rpEvent, *int]{
	Process:     "ticket",
	Initial:     "new",
	States:      []rpState{"new", "done"},
	Events:      []rpEvent{"finish"},
	Transitions: []lifecycle.Transition[rpState, rpEvent, *int]{{Event: "finish", From: []rpState{"new"}, To: "done"}},
})

// rpReplay replays tickets. The ticket machine's note leads to new from
// every state, so that a note record that claims to keep the state shows
// that To is checked against the machine's target.
var rpReplay = lifecycle.Replay[rpState, rpEvent, *int]{
	Machine:  rpTicket,
	Creation: "open",
	Then:     map[rpEvent][]rpEvent{"reply": {"resume"}},
}

var rpT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// rpHistory builds a history from "event:from>to" steps, numbered from 1.
func rpHistory(steps ...string) []lifecycle.Record {
	h := make([]lifecycle.Record, len(steps))
	for i, s := range steps {
		ev, path, _ := strings.Cut(s, ":")
		from, to, _ := strings.Cut(path, ">")
		h[i] = lifecycle.Record{Seq: i + 1, Time: rpT0.Add(time.Duration(i) * time.Minute), Actor: "ann", Event: ev, From: from, To: to}
	}
	return h
}

// rpSwitch moves a ticket to the machine its "kind" change names.
func rpSwitch(r lifecycle.Record) (*lifecycle.Machine[rpState, rpEvent, *int], error) {
	c, ok := r.Changed("kind")
	switch {
	case !ok:
		return nil, nil
	case c.New == "ticket":
		return rpTicket, nil
	case c.New == "express":
		return rpExpress, nil
	}
	return nil, fmt.Errorf("no kind %q", c.New)
}

func TestReplayAccepts(t *testing.T) {
	for name, c := range map[string]struct {
		h       []lifecycle.Record
		state   rpState
		version int64
	}{
		"the creation alone": {rpHistory("open:>new"), "new", 1},
		"a full life":        {rpHistory("open:>new", "start:new>work", "hold:work>wait", "resume:wait>work", "finish:work>done"), "done", 5},
		"a refusing guard":   {rpHistory("open:>new", "start:new>work", "hold:work>wait"), "wait", 3},
		"a chained event":    {rpHistory("open:>new", "start:new>work", "hold:work>wait", "reply:wait>work"), "work", 4},
		"a self-loop":        {rpHistory("open:>new", "start:new>work", "hold:work>wait", "reply:wait>wait"), "wait", 4},
		"no history, new":    {nil, "new", 0},
	} {
		assert.NoError(t, rpReplay.Check(c.h, c.state, c.version), name)
	}
}

func TestReplayRefuses(t *testing.T) {
	long := strings.Repeat("x", 500)
	for name, c := range map[string]struct {
		h       []lifecycle.Record
		state   rpState
		version int64
		index   int
		field   string
		reason  string
	}{
		"a finish from new": {rpHistory("open:>new", "finish:new>done"), "done", 2, 1, "event",
			"no finish from new (allowed: note, start)"},
		"a done ticket with no history": {nil, "done", 0, -1, "history",
			"none for a record in done: only one in new may have no history"},
		"a stored record with no history": {nil, "new", 7, -1, "history",
			"none for version 7: every stored change adds one record"},
		"a version behind": {rpHistory("open:>new", "start:new>work"), "work", 1, -1, "version",
			"1, but the history has 2 records (every stored change adds one)"},
		"a version ahead": {rpHistory("open:>new"), "new", 2, -1, "version", "2, but"},
		"a From that does not chain": {rpHistory("open:>new", "start:new>work", "finish:wait>done"), "done", 3, 2, "from",
			`"wait" does not follow on from the record before, which ends in work`},
		"an unknown event": {rpHistory("open:>new", "explode:new>work"), "work", 2, 1, "event",
			`the ticket machine has no event "explode"`},
		"an event from a final state": {rpHistory("open:>new", "start:new>work", "finish:work>done", "note:done>done"), "done", 4, 3, "event",
			"no note from done: it is a final state"},
		"a To the event does not lead to": {rpHistory("open:>new", "start:new>work", "note:work>work"), "work", 3, 2, "to",
			`note from work leads to new, not to "work"`},
		"a chained event to the wrong state": {rpHistory("open:>new", "start:new>work", "hold:work>wait", "reply:wait>done"), "done", 4, 3, "to",
			`reply from wait leads to wait, not to "done"`},
		"a gap in the numbering": {append(rpHistory("open:>new"), lifecycle.Record{Seq: 3, Event: "start", From: "new", To: "work"}), "work", 2, 1, "seq",
			"3 where 2 was due"},
		"no creation":          {rpHistory("start:new>work"), "work", 1, 0, "event", `the first record is "start", not the creation (open)`},
		"a creation from":      {rpHistory("open:work>new"), "new", 1, 0, "from", `the creation starts from nothing, not from "work"`},
		"a creation elsewhere": {rpHistory("open:>work"), "work", 1, 0, "to", `the creation leads to new, not to "work"`},
		"another end state":    {rpHistory("open:>new", "start:new>work"), "done", 2, 1, "to", `the history ends in "work", but the ticket is done`},
		"a huge event name": {rpHistory("open:>new", long+":new>work"), "work", 2, 1, "event",
			`the ticket machine has no event "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…(500 bytes)"`},
		"a huge from": {rpHistory("open:>new", "start:"+long+">work"), "work", 2, 1, "from", `…(500 bytes)" does not follow on`},
	} {
		err := rpReplay.Check(c.h, c.state, c.version)
		require.Error(t, err, name)
		assert.ErrorIs(t, err, lifecycle.ErrValidation, name)
		var he *lifecycle.HistoryError
		require.ErrorAs(t, err, &he, name)
		assert.Equal(t, "ticket", he.Process, name)
		assert.Equal(t, c.index, he.Index, name)
		assert.Equal(t, c.field, he.Field, name)
		assert.Contains(t, he.Reason, c.reason, name)
		assert.Less(t, len(he.Reason), 200, name+": the reason quotes the input clipped")

		var ve *lifecycle.ValidationError
		require.ErrorAs(t, err, &ve, name+": a HistoryError is a ValidationError too")
		assert.Equal(t, he.Path(), ve.Field, name)
		assert.Equal(t, he.Reason, ve.Reason, name)
		assert.Equal(t, "invalid ticket "+he.Path()+": "+he.Reason, err.Error(), name)
	}
}

func TestHistoryErrorPath(t *testing.T) {
	assert.Equal(t, "history[3].from", (&lifecycle.HistoryError{Index: 3, Field: "from"}).Path())
	assert.Equal(t, "version", (&lifecycle.HistoryError{Index: -1, Field: "version"}).Path())
	e := &lifecycle.HistoryError{Process: "incident", Index: 1, Field: "event", Reason: "no close from new"}
	assert.Equal(t, "invalid incident history[1].event: no close from new", e.Error())
	assert.NotErrorIs(t, e, lifecycle.ErrInvalidTransition, "a refused history is bad input, not a refused transition")
}

func TestReplaySwitchesMachines(t *testing.T) {
	kind := func(r lifecycle.Record, old, new string) lifecycle.Record {
		r.Changes = []lifecycle.FieldChange{{Field: "kind", Old: old, New: new}}
		return r
	}
	h := rpHistory("open:>new", "note:new>new", "finish:new>done")
	h[0] = kind(h[0], "", "ticket")
	h[1] = kind(h[1], "ticket", "express")

	express := lifecycle.Replay[rpState, rpEvent, *int]{Machine: rpExpress, Creation: "open", Switch: rpSwitch}
	ticket := express
	ticket.Machine = rpTicket

	assert.NoError(t, express.Check(h, "done", 3), "note on the ticket machine, then finish on the express one")
	assert.NoError(t, ticket.Check(h[:1], "new", 1), "the creation picks the machine it is on")

	var he *lifecycle.HistoryError
	require.ErrorAs(t, ticket.Check(h, "done", 3), &he, "the record is on the ticket machine, its history ends on express")
	assert.Equal(t, 1, he.Index)
	assert.Equal(t, "changes", he.Field)
	assert.Contains(t, he.Reason, "another machine than its own")

	h[0] = kind(h[0], "", "express")
	require.ErrorAs(t, express.Check(h, "done", 3), &he, "express has no note")
	assert.Equal(t, 1, he.Index)
	assert.Equal(t, "event", he.Field)

	h[0] = kind(h[0], "", "bogus")
	require.ErrorAs(t, express.Check(h, "done", 3), &he)
	assert.Equal(t, 0, he.Index)
	assert.Equal(t, "changes", he.Field)
	assert.Equal(t, `no kind "bogus"`, he.Reason)

	// A state the machine switched to does not have is not known there.
	h = rpHistory("open:>new", "start:new>work", "finish:work>done")
	h[0] = kind(h[0], "", "ticket")
	h[1] = kind(h[1], "ticket", "express")
	require.ErrorAs(t, express.Check(h, "done", 3), &he)
	assert.Equal(t, 2, he.Index)
	assert.Equal(t, "event", he.Field)
	assert.Equal(t, `the ticket machine has no state "work"`, he.Reason)
}

// ExampleReplay_Check replays a door's history through its machine: a
// history the machine could have produced is accepted, one it could not is
// refused with a *lifecycle.HistoryError naming the record at fault.
func ExampleReplay_Check() {
	type (
		state string
		event string
	)
	door := lifecycle.NewMachine(lifecycle.Definition[state, event, struct{}]{
		Process: "door",
		Initial: "closed",
		States:  []state{"closed", "open", "locked"},
		Events:  []event{"open", "close", "lock", "unlock"},
		Transitions: []lifecycle.Transition[state, event, struct{}]{
			{Event: "open", From: []state{"closed"}, To: "open"},
			{Event: "close", From: []state{"open"}, To: "closed"},
			{Event: "lock", From: []state{"closed"}, To: "locked"},
			{Event: "unlock", From: []state{"locked"}, To: "closed"},
		},
	})
	replay := lifecycle.Replay[state, event, struct{}]{Machine: door, Creation: "install"}
	history := []lifecycle.Record{
		{Seq: 1, Event: "install", To: "closed"},
		{Seq: 2, Event: "open", From: "closed", To: "open"},
		{Seq: 3, Event: "close", From: "open", To: "closed"},
		{Seq: 4, Event: "lock", From: "closed", To: "locked"},
	}
	fmt.Println(replay.Check(history, "locked", 4))

	history[3] = lifecycle.Record{Seq: 4, Event: "lock", From: "open", To: "locked"}
	err := replay.Check(history, "locked", 4)
	fmt.Println(err)
	var he *lifecycle.HistoryError
	if errors.As(err, &he) {
		fmt.Println(he.Index, he.Field, errors.Is(err, lifecycle.ErrValidation))
	}
	fmt.Println(replay.Check(history[:3], "closed", 2))
	fmt.Println(replay.Check(nil, "locked", 0))
	// Output:
	// <nil>
	// invalid door history[3].from: "open" does not follow on from the record before, which ends in closed
	// 3 from true
	// invalid door version: 2, but the history has 3 records (every stored change adds one)
	// invalid door history: none for a record in locked: only one in closed may have no history
}

// rpExport is what FuzzReplay decodes: a record's state, version and
// history, as a record's JSON carries them.
type rpExport struct {
	State   rpState            `json:"state"`
	Version int64              `json:"version"`
	History []lifecycle.Record `json:"history"`
}

// FuzzReplay decodes arbitrary bytes as a record and replays it, with
// the chained reply and the kind switch: Check never panics, refuses only
// with a *lifecycle.HistoryError, and whatever it accepts encodes, decodes
// to the same record and is accepted again.
func FuzzReplay(f *testing.F) {
	seed := func(state rpState, version int64, h []lifecycle.Record) {
		b, err := json.Marshal(rpExport{State: state, Version: version, History: h})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed("done", 5, rpHistory("open:>new", "start:new>work", "hold:work>wait", "reply:wait>work", "finish:work>done"))
	seed("done", 2, rpHistory("open:>new", "finish:new>done"))
	seed("done", 0, nil)
	seed("new", 3, nil)
	switched := rpHistory("open:>new", "finish:new>done")
	switched[0].Changes = []lifecycle.FieldChange{{Field: "kind", New: "express"}}
	seed("done", 2, switched)
	f.Add([]byte(`{"state":"wait","version":2,"history":[{"seq":1,"event":"open","to":"new"},{"seq":2,"event":"reply","from":"new","to":"work"}]}`))
	f.Add([]byte(`{"history":[{"seq":1,"event":"open","to":"new","changes":[{"field":"kind","new":"bogus"}]}]}`))
	f.Add([]byte(`null`))
	replay := rpReplay
	replay.Switch = rpSwitch
	f.Fuzz(func(t *testing.T, data []byte) {
		var x rpExport
		if json.Unmarshal(data, &x) != nil {
			return
		}
		err := replay.Check(x.History, x.State, x.Version)
		if err != nil {
			var he *lifecycle.HistoryError
			if !errors.As(err, &he) || !errors.Is(err, lifecycle.ErrValidation) {
				t.Fatalf("untyped refusal %T: %v", err, err)
			}
			if he.Index < -1 || he.Index >= len(x.History) || he.Field == "" || he.Reason == "" {
				t.Fatalf("refusal %+v does not name a record of %d", he, len(x.History))
			}
			return
		}
		once, err := json.Marshal(x)
		if err != nil {
			t.Fatalf("accepted but does not encode: %v", err)
		}
		var y rpExport
		if err := json.Unmarshal(once, &y); err != nil {
			t.Fatalf("accepted record does not decode again: %v\n%s", err, once)
		}
		if err := replay.Check(y.History, y.State, y.Version); err != nil {
			t.Fatalf("accepted record is refused once re-encoded: %v\n%s", err, once)
		}
		twice, err := json.Marshal(y)
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("unstable encoding (%v):\n%s\n%s", err, once, twice)
		}
	})
}
