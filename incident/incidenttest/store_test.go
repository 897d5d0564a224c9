package incidenttest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

func TestMemoryStore(t *testing.T) {
	incidenttest.TestStore(t, func(*testing.T) incident.Store { return incidenttest.NewStore() })
}

func TestMemoryStoreHonoursContext(t *testing.T) {
	s := incidenttest.NewStore()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	x := &incident.Incident{ID: "INC-1", Version: 1, State: incident.StateNew, Title: "t"}
	if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: x}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit with a canceled context: %v", err)
	}
	if s.Len() != 0 {
		t.Fatal("Commit with a canceled context stored the incident")
	}
	if _, err := s.Get(ctx, "INC-1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get: %v", err)
	}
	if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: x, Expected: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit over version 1: %v", err)
	}
	if _, err := s.List(ctx, incident.Filter{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("List: %v", err)
	}
	if _, err := s.ResolvedBefore(ctx, time.Now(), 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("ResolvedBefore: %v", err)
	}
}

// Broken stores, each breaking one clause, to show that TestStore notices.
type (
	lastWriterWins struct{ *incidenttest.Store } // ignores the expected version
	sharing        struct {                      // hands out what it was given
		*incidenttest.Store
		mu   sync.Mutex
		kept map[string]*incident.Incident
	}
	noPaging     struct{ *incidenttest.Store } // ignores Limit and After
	bareNotFound struct{ *incidenttest.Store } // reports an unknown ID with an untyped error
	readBlind    struct{ *incidenttest.Store } // ignores the read set
	dropsHistory struct{ *incidenttest.Store } // keeps the history of creates only
)

func (s lastWriterWins) Commit(ctx context.Context, w lifecycle.Write[*incident.Incident]) error {
	if w.Expected != 0 {
		cur, err := s.Get(ctx, w.Record.ID)
		if err != nil {
			return err
		}
		w.Expected = cur.Version
	}
	return s.Store.Commit(ctx, w)
}

func (s *sharing) Commit(ctx context.Context, w lifecycle.Write[*incident.Incident]) error {
	if err := s.Store.Commit(ctx, w); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kept[w.Record.ID] = w.Record
	return nil
}

func (s *sharing) Get(ctx context.Context, id string) (*incident.Incident, error) {
	s.mu.Lock()
	x, ok := s.kept[id]
	s.mu.Unlock()
	if ok {
		return x, nil
	}
	return s.Store.Get(ctx, id)
}

func (s noPaging) List(ctx context.Context, f incident.Filter) (incident.Page, error) {
	f.Limit, f.After = incident.MaxLimit, ""
	p, err := s.Store.List(ctx, f)
	p.Next = ""
	return p, err
}

func (s bareNotFound) Get(ctx context.Context, id string) (*incident.Incident, error) {
	x, err := s.Store.Get(ctx, id)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return nil, fmt.Errorf("no incident %s", id)
	}
	return x, err
}

func (s readBlind) Commit(ctx context.Context, w lifecycle.Write[*incident.Incident]) error {
	w.Reads = lifecycle.ReadSet{}
	return s.Store.Commit(ctx, w)
}

func (s dropsHistory) Commit(ctx context.Context, w lifecycle.Write[*incident.Incident]) error {
	if w.Expected > 0 {
		w.History = nil
	}
	return s.Store.Commit(ctx, w)
}

var broken = map[string]func() incident.Store{
	"lastWriterWins": func() incident.Store { return lastWriterWins{incidenttest.NewStore()} },
	"sharing": func() incident.Store {
		return &sharing{Store: incidenttest.NewStore(), kept: map[string]*incident.Incident{}}
	},
	"noPaging":     func() incident.Store { return noPaging{incidenttest.NewStore()} },
	"bareNotFound": func() incident.Store { return bareNotFound{incidenttest.NewStore()} },
	"readBlind":    func() incident.Store { return readBlind{incidenttest.NewStore()} },
	"dropsHistory": func() incident.Store { return dropsHistory{incidenttest.NewStore()} },
}

// TestBrokenStoreHelper runs TestStore on a broken store when asked to by
// TestConformanceCatchesBrokenStores (in a child process, since it must
// fail).
func TestBrokenStoreHelper(t *testing.T) {
	name := os.Getenv("INCIDENTTEST_BROKEN")
	if name == "" {
		t.Skip("run by TestConformanceCatchesBrokenStores")
	}
	incidenttest.TestStore(t, func(*testing.T) incident.Store { return broken[name]() })
}

func TestConformanceCatchesBrokenStores(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	for name, want := range map[string]string{
		"lastWriterWins": "Commit: a stored version other than Expected is an error matching ErrConflict",
		"sharing":        "values are copied in: mutating an argument after the call changes nothing stored",
		"noPaging":       "List: a page holds at most Limit records",
		"bareNotFound":   "Get: an unknown ID is an error matching ErrNotFound",
		"readBlind":      "Commit: a record of the read set whose version changed is a read conflict",
		"dropsHistory":   "Commit appends w.History after the stored records",
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenStoreHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "INCIDENTTEST_BROKEN="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("TestStore passed the %s store:\n%s", name, out)
			}
			if !strings.Contains(string(out), "contract: "+want) {
				t.Errorf("TestStore failed the %s store without quoting %q:\n%s", name, want, out)
			}
		})
	}
}
