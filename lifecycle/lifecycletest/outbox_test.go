package lifecycletest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// obStore is a service store that keeps its events in an OutboxLog.
type obStore struct {
	*lifecycletest.PortfolioStore
	lifecycletest.OutboxLog
}

func (s *obStore) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	return s.Keep(s.PortfolioStore.CommitService(ctx, w), w.Events)
}

func TestOutboxLog(t *testing.T) {
	var l lifecycletest.OutboxLog
	a, b := lifecycle.Notification{ID: "a"}, lifecycle.Notification{ID: "b"}
	if err := l.Keep(nil, []lifecycle.Notification{a}); err != nil {
		t.Fatal(err)
	}
	down := errors.New("down")
	if err := l.Keep(down, []lifecycle.Notification{b}); err != down {
		t.Fatalf("Keep returned %v, not the commit's error", err)
	}
	got := l.Events()
	if len(got) != 1 || got[0].ID != "a" {
		t.Fatalf("Events() = %v, want a only: a refused write keeps nothing", got)
	}
	got[0].ID = "changed"
	if l.Events()[0].ID != "a" {
		t.Error("Events shares its slice")
	}

	s := &obStore{PortfolioStore: lifecycletest.NewPortfolioStore()}
	if !lifecycle.StoresEvents(s) {
		t.Fatal("a store with an OutboxLog is not an outbox")
	}
	rec := &lifecycletest.Recorder{}
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{Store: s, Notifier: rec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Define(context.Background(), lifecycle.Actor{ID: "alice"}, lifecycle.DefineService{Name: "Wiki"}); err != nil {
		t.Fatal(err)
	}
	if len(s.Events()) != 1 || len(rec.Events()) != 0 {
		t.Errorf("the outbox kept %d events and the notifier had %d; want 1 and 0", len(s.Events()), len(rec.Events()))
	}
}
