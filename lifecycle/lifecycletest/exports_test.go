package lifecycletest_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// A wkTicket is a record of the ticket machine of walk_test.go, with the
// JSON fields every process's record has.
type wkTicket struct {
	ID      string             `json:"id"`
	Version int64              `json:"version"`
	State   wkState            `json:"state"`
	Note    string             `json:"note,omitempty"`
	History []lifecycle.Record `json:"history"`
}

// wkDecodeExport decodes a ticket's export and replays its history, which
// it requires, as a process's DecodeExport does.
func wkDecodeExport(b []byte) (*wkTicket, error) {
	var x wkTicket
	if err := json.Unmarshal(b, &x); err != nil {
		return nil, err
	}
	if len(x.History) == 0 {
		return nil, &lifecycle.HistoryError{Process: "ticket", Index: -1, Field: "history", Reason: "required"}
	}
	if err := wkReplay.Check(x.History, x.State, x.Version); err != nil {
		return nil, err
	}
	return &x, nil
}

// wkTickets returns a ticket in work, whole, and a new one as its Create
// would return it.
func wkTickets(t *testing.T) (whole, fresh *wkTicket) {
	h, err := wkWalker.To(wkCreation(), lifecycle.Record{Actor: "bob"}, "wait")
	if err != nil {
		t.Fatal(err)
	}
	return &wkTicket{ID: "T1", Version: int64(len(h)), State: "wait", Note: "n", History: h},
		&wkTicket{ID: "T2", Version: 1, State: "new"}
}

func TestCheckRoundTrip(t *testing.T) {
	whole, _ := wkTickets(t)
	passes(t, "a ticket that round-trips", func(f *tbFailures) {
		lifecycletest.CheckRoundTrip(f, whole, []func([]byte) (*wkTicket, error){wkDecodeExport})
	})
	lossy := func(b []byte) (*wkTicket, error) {
		x, err := wkDecodeExport(b)
		if err == nil {
			x.Note = ""
		}
		return x, err
	}
	fails(t, "a decoder that drops a field", func(f *tbFailures) {
		lifecycletest.CheckRoundTrip(f, whole, []func([]byte) (*wkTicket, error){lossy})
	})
	fails(t, "a record that does not marshal", func(f *tbFailures) {
		lifecycletest.CheckRoundTrip(f, &struct{ C chan int }{}, nil)
	})
}

// wkStore is a store of tickets by ID, for a ticket Porter.
type wkStore map[string]*wkTicket

// wkPorter moves tickets between wkStores as a process's export and
// import do; decode replaces its decoder, replays its import's check of
// the history.
func wkPorter(decode func([]byte) (*wkTicket, error)) lifecycletest.Porter[*wkTicket, wkStore] {
	return lifecycletest.Porter[*wkTicket, wkStore]{
		Decode: decode,
		Import: func(_ context.Context, s wkStore, x *wkTicket) error {
			b, err := json.Marshal(x)
			if err != nil {
				return err
			}
			if _, err := decode(b); err != nil {
				return err
			}
			if _, ok := s[x.ID]; ok {
				return lifecycle.Conflict("ticket", x.ID, 0, x.Version)
			}
			c := *x
			s[x.ID] = &c
			return nil
		},
		Export: func(_ context.Context, s wkStore, id string) (*wkTicket, error) {
			x, ok := s[id]
			if !ok {
				return nil, lifecycle.NotFound("ticket", id)
			}
			c := *x
			return &c, nil
		},
		Get: wkStore.get,
	}
}

// get reads ticket id as the store keeps it: without its history, which a
// process's store keeps apart.
func (s wkStore) get(_ context.Context, id string) (*wkTicket, error) {
	x, ok := s[id]
	if !ok {
		return nil, lifecycle.NotFound("ticket", id)
	}
	c := *x
	c.History = nil
	return &c, nil
}

func TestPorterCheckMove(t *testing.T) {
	whole, _ := wkTickets(t)
	passes(t, "a good porter", func(f *tbFailures) { wkPorter(wkDecodeExport).CheckMove(f, whole, wkStore{}) })
	overwrites := wkPorter(wkDecodeExport)
	overwrites.Import = func(_ context.Context, s wkStore, x *wkTicket) error { s[x.ID] = x; return nil }
	lossy := wkPorter(wkDecodeExport)
	lossy.Export = func(_ context.Context, s wkStore, id string) (*wkTicket, error) {
		return &wkTicket{ID: id, Version: s[id].Version, State: s[id].State, History: s[id].History}, nil
	}
	keepsHistory := wkPorter(wkDecodeExport)
	keepsHistory.Get = func(s wkStore, _ context.Context, id string) (*wkTicket, error) { return s[id], nil }
	for name, p := range map[string]lifecycletest.Porter[*wkTicket, wkStore]{
		"overwrites": overwrites, "drops a field": lossy, "keeps the history with the record": keepsHistory,
	} {
		fails(t, "a porter that "+name, func(f *tbFailures) { p.CheckMove(f, whole, wkStore{}) })
	}
}

func TestPorterCheckRequiresHistory(t *testing.T) {
	whole, fresh := wkTickets(t)
	passes(t, "a decoder that requires history", func(f *tbFailures) {
		wkPorter(wkDecodeExport).CheckRequiresHistory(f, whole, wkStore{}, fresh)
	})
	storesAnyway := wkPorter(wkDecodeExport)
	storesAnyway.Import = func(_ context.Context, s wkStore, x *wkTicket) error {
		s[x.ID] = x
		return lifecycle.Invalid("history", "required")
	}
	porters := map[string]lifecycletest.Porter[*wkTicket, wkStore]{"stores what it refuses": storesAnyway}
	for name, decode := range map[string]func([]byte) (*wkTicket, error){
		"takes no history": func(b []byte) (*wkTicket, error) {
			var x wkTicket
			err := json.Unmarshal(b, &x)
			if err == nil && len(x.History) > 0 {
				err = wkReplay.Check(x.History, x.State, x.Version)
			}
			return &x, err
		},
		"ignores the version": func(b []byte) (*wkTicket, error) {
			var x wkTicket
			if err := json.Unmarshal(b, &x); err != nil || len(x.History) == 0 {
				return nil, &lifecycle.HistoryError{Process: "ticket", Index: -1, Field: "history", Reason: "required"}
			}
			return &x, wkReplay.Check(x.History, x.State, int64(len(x.History)))
		},
		"refuses with a plain validation error": func(b []byte) (*wkTicket, error) {
			x, err := wkDecodeExport(b)
			if err != nil {
				return nil, lifecycle.Invalid("history", "%v", err)
			}
			return x, nil
		},
	} {
		porters[name] = wkPorter(decode)
	}
	for name, p := range porters {
		fails(t, "a porter that "+name, func(f *tbFailures) { p.CheckRequiresHistory(f, whole, wkStore{}, fresh) })
	}
	fails(t, "a record of one history record, which cannot lose its last,", func(f *tbFailures) {
		short := *whole
		short.History = short.History[:1]
		wkPorter(wkDecodeExport).CheckRequiresHistory(f, &short, wkStore{})
	})
}
