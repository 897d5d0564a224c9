package incidenttest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
)

func TestMemoryStore(t *testing.T) {
	incidenttest.TestStore(t, func(*testing.T) incident.Store { return incidenttest.NewStore() })
}

func TestMemoryStoreHonoursContext(t *testing.T) {
	s := incidenttest.NewStore()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	x := &incident.Incident{ID: "INC-1", Version: 1, State: incident.StateNew, Title: "t"}
	if err := s.Create(ctx, x); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create with a canceled context: %v", err)
	}
	if s.Len() != 0 {
		t.Fatal("Create with a canceled context stored the incident")
	}
	if _, err := s.Get(ctx, "INC-1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get: %v", err)
	}
	if err := s.Update(ctx, x, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Update: %v", err)
	}
	if _, err := s.List(ctx, incident.Filter{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("List: %v", err)
	}
	if _, err := s.ResolvedBefore(ctx, time.Now(), 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("ResolvedBefore: %v", err)
	}
}
