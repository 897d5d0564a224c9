package lifecycletest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Contract clauses of the portfolio stores' filters, quoted by their
// suites' failures; the clauses every store shares are [TestRecords]'.
const clauseFilter = "List: returns exactly the records matching the filter (see the filter's Matches)"

// records is the lifecycle.RecordStore of a portfolio store, for
// [TestRecords]: Get is its GetService or GetImprovement, Commit its
// CommitService or CommitImprovement, and list its ListServices or
// ListImprovements with only the cursor and limit set. It is an outbox
// when the store is.
type records[T any] struct {
	store  any
	get    func(ctx context.Context, id string) (T, error)
	commit func(ctx context.Context, w lifecycle.Write[T]) error
	list   func(ctx context.Context, after string, limit int) ([]T, string, error)
}

func (r records[T]) Get(ctx context.Context, id string) (T, error) { return r.get(ctx, id) }

func (r records[T]) Commit(ctx context.Context, w lifecycle.Write[T]) error { return r.commit(ctx, w) }

func (r records[T]) StoresEvents() bool { return lifecycle.StoresEvents(r.store) }

// portfolioKit returns the RecordKit of a portfolio store: newStore makes
// an empty one, and its records are fixture(id) touched up to a version.
func portfolioKit[T any](newStore func(t *testing.T) records[T], fixture func(id string) T, touch func(T) T, key func(T) (string, int64)) RecordKit[T] {
	return RecordKit[T]{
		New: func(t *testing.T) lifecycle.RecordStore[T] { return newStore(t) },
		Record: func(id string, v int64) T {
			x := fixture(id)
			for {
				if _, at := key(x); at >= v {
					return x
				}
				x = touch(x)
			}
		},
		Key: key,
		List: func(ctx context.Context, s lifecycle.RecordStore[T], after string, limit int) ([]T, string, error) {
			return s.(records[T]).list(ctx, after, limit)
		},
		DefaultLimit: lifecycle.DefaultListLimit,
		NextIsLastID: true,
	}
}

var fixtureTime = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func serviceKey(s *lifecycle.ITService) (string, int64) { return s.ID, s.Version }

func improvementKey(x *lifecycle.Improvement) (string, int64) { return x.ID, x.Version }

func serviceFixture(id string) *lifecycle.ITService {
	return &lifecycle.ITService{
		ID:          id,
		Version:     1,
		Name:        "Service " + id,
		Owner:       "owner-" + id,
		Description: "fixture",
		Criticality: lifecycle.CriticalityHigh,
		ConfigItems: []string{"CI-1", "CI-2"},
		Agreements:  []lifecycle.AgreementLink{{ID: "SLA-1", Kind: lifecycle.AgreementSLA}, {ID: "UC-1", Kind: lifecycle.AgreementUnderpinningContract}},
		Status:      lifecycle.StatusRequirements,
		History: []lifecycle.Record{{
			Seq: 1, Time: fixtureTime, Actor: "alice", Event: "define", To: "requirements",
			Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldName, New: "Service " + id}},
		}},
		CreatedAt: fixtureTime,
		UpdatedAt: fixtureTime,
	}
}

func touchService(s *lifecycle.ITService) *lifecycle.ITService {
	c := s.Clone()
	c.Version++
	c.Name += "+"
	c.Agreements = append(c.Agreements, lifecycle.AgreementLink{ID: fmt.Sprintf("OLA-%d", c.Version), Kind: lifecycle.AgreementOLA})
	c.UpdatedAt = c.UpdatedAt.Add(time.Minute)
	c.History = append(c.History, lifecycle.Record{
		Seq: len(c.History) + 1, Time: c.UpdatedAt, Actor: "bob", Event: "update",
		From: string(c.Status), To: string(c.Status),
		Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldName, Old: s.Name, New: c.Name}},
	})
	return c
}

// PortfolioKit returns the RecordKit of the portfolio stores newStore
// makes: the kit [TestPortfolioStore] runs [TestRecords] with, over
// GetService, CommitService and ListServices, for a host's own runs of
// the shared suites, such as [TestOutbox].
func PortfolioKit(newStore func(t *testing.T) lifecycle.PortfolioStore) RecordKit[*lifecycle.ITService] {
	return portfolioKit(func(t *testing.T) records[*lifecycle.ITService] {
		st := newStore(t)
		return records[*lifecycle.ITService]{store: st, get: st.GetService, commit: st.CommitService,
			list: func(ctx context.Context, after string, limit int) ([]*lifecycle.ITService, string, error) {
				p, err := st.ListServices(ctx, lifecycle.ServiceFilter{After: after, Limit: limit})
				return p.Services, p.Next, err
			}}
	}, serviceFixture, touchService, serviceKey)
}

// TestPortfolioStore is the conformance suite for lifecycle.PortfolioStore
// implementations: [TestRecords] over GetService, CommitService and
// ListServices (versions, conflicts, not-found, copies in and out,
// ordering, paging, concurrent use, and in its Committer subtest the read
// set's records and the refusal of a write with guards, which a
// PortfolioStore does not keep), then ListServices' filters. Failures
// quote the clause. newStore must return an empty store each time it is
// called. Records compare with [Equal]: times as instants, empty lists
// equal to nil.
//
// A host runs it from its own test:
//
//	func TestStore(t *testing.T) {
//		lifecycletest.TestPortfolioStore(t, func(t *testing.T) lifecycle.PortfolioStore { return newDBStore(t) })
//	}
func TestPortfolioStore(t *testing.T, newStore func(t *testing.T) lifecycle.PortfolioStore) {
	t.Helper()
	TestRecords(t, PortfolioKit(newStore))
	t.Run("ListFilters", func(t *testing.T) {
		st := newStore(t)
		var all []*lifecycle.ITService
		for i, status := range lifecycle.Statuses() {
			s := serviceFixture(fmt.Sprintf("S-%02d", i))
			s.Status = status
			s.Owner = []string{"alice", "bob", ""}[i%3]
			s.ConfigItems = [][]string{{"CI-1"}, {"CI-2", "CI-1"}, nil}[i%3]
			s.Agreements = [][]lifecycle.AgreementLink{
				{{ID: "SLA-1", Kind: lifecycle.AgreementSLA}},
				nil,
				{{ID: "SLA-2", Kind: lifecycle.AgreementSLA}, {ID: "OLA-1", Kind: lifecycle.AgreementOLA}},
			}[i%3]
			if err := st.CommitService(t.Context(), lifecycle.Write[*lifecycle.ITService]{Record: s}); err != nil {
				t.Fatalf("create: %v", err)
			}
			all = append(all, s)
		}
		filters := []lifecycle.ServiceFilter{
			{},
			{Statuses: []lifecycle.Status{lifecycle.StatusOperational}},
			{Statuses: []lifecycle.Status{lifecycle.StatusRetired, lifecycle.StatusRequirements, lifecycle.StatusBuilt}},
			{Stage: lifecycle.StageStrategy},
			{Stage: lifecycle.StageDesign},
			{Stage: lifecycle.StageTransition},
			{Stage: lifecycle.StageOperation},
			{Stage: lifecycle.StageContinualImprovement},
			{Part: lifecycle.PortfolioPipeline},
			{Part: lifecycle.PortfolioCatalogue},
			{Part: lifecycle.PortfolioRetired},
			{Owner: "alice"},
			{Owner: "nobody"},
			{ConfigItem: "CI-1"},
			{ConfigItem: "CI-2"},
			{Agreement: "SLA-1"},
			{Agreement: "OLA-1"},
			{Stage: lifecycle.StageTransition, Owner: "bob"},
			{Part: lifecycle.PortfolioPipeline, ConfigItem: "CI-1", Statuses: []lifecycle.Status{lifecycle.StatusRequirements, lifecycle.StatusAnalysed, lifecycle.StatusDefined}},
		}
		for _, f := range filters {
			var want []string
			for _, s := range all {
				if f.Matches(s) {
					want = append(want, s.ID)
				}
			}
			p, err := st.ListServices(t.Context(), f)
			if err != nil {
				Breach(t, clauseFilter, "filter %+v: %v", f, err)
				continue
			}
			var got []string
			for _, s := range p.Services {
				got = append(got, s.ID)
			}
			if !slices.Equal(got, want) || p.Next != "" {
				Breach(t, clauseFilter, "filter %+v gave %v (next %q)\nwant %v", f, got, p.Next, want)
			}
		}
		// Paging applies after filtering.
		f := lifecycle.ServiceFilter{Part: lifecycle.PortfolioPipeline, Limit: 4}
		p, err := st.ListServices(t.Context(), f)
		if err != nil || len(p.Services) != 4 || p.Next != "S-03" {
			Breach(t, clauseNext, "filter %+v: %d records, next %q, %v; want 4 records, next S-03", f, len(p.Services), p.Next, err)
		}
		f.After = "S-07"
		p, err = st.ListServices(t.Context(), f)
		if err != nil || len(p.Services) != 2 || p.Next != "" {
			Breach(t, clauseNext, "filter %+v: %d records, next %q, %v; want 2 records (S-08, S-09), next empty", f, len(p.Services), p.Next, err)
		}
	})
}

func improvementFixture(id string) *lifecycle.Improvement {
	return &lifecycle.Improvement{
		ID:        id,
		Version:   1,
		ServiceID: "SVC-1",
		Title:     "Faster restores " + id,
		Measure:   "mean time to restore",
		Baseline:  "4h",
		Target:    "2h",
		Status:    lifecycle.ImprovementProposed,
		History: []lifecycle.Record{{
			Seq: 1, Time: fixtureTime, Actor: "alice", Event: "propose", To: "proposed",
			Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldTitle, New: "Faster restores " + id}},
		}},
		CreatedAt: fixtureTime,
		UpdatedAt: fixtureTime,
	}
}

func touchImprovement(x *lifecycle.Improvement) *lifecycle.Improvement {
	c := x.Clone()
	c.Version++
	c.Title += "+"
	c.UpdatedAt = c.UpdatedAt.Add(time.Minute)
	c.History = append(c.History, lifecycle.Record{
		Seq: len(c.History) + 1, Time: c.UpdatedAt, Actor: "bob", Event: "update",
		From: string(c.Status), To: string(c.Status),
		Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldTitle, Old: x.Title, New: c.Title}},
	})
	return c
}

// ImprovementKit returns the RecordKit of the improvement stores
// newStore makes, as [PortfolioKit] does for portfolio stores.
func ImprovementKit(newStore func(t *testing.T) lifecycle.ImprovementStore) RecordKit[*lifecycle.Improvement] {
	return portfolioKit(func(t *testing.T) records[*lifecycle.Improvement] {
		st := newStore(t)
		return records[*lifecycle.Improvement]{store: st, get: st.GetImprovement, commit: st.CommitImprovement,
			list: func(ctx context.Context, after string, limit int) ([]*lifecycle.Improvement, string, error) {
				p, err := st.ListImprovements(ctx, lifecycle.ImprovementFilter{After: after, Limit: limit})
				return p.Improvements, p.Next, err
			}}
	}, improvementFixture, touchImprovement, improvementKey)
}

// TestImprovementStore is the conformance suite for
// lifecycle.ImprovementStore implementations, as [TestPortfolioStore] is
// for portfolio stores, with [TestCommitter] over CommitImprovement.
// newStore must return an empty store each time.
func TestImprovementStore(t *testing.T, newStore func(t *testing.T) lifecycle.ImprovementStore) {
	t.Helper()
	TestRecords(t, ImprovementKit(newStore))
	t.Run("ListFilters", func(t *testing.T) {
		st := newStore(t)
		var all []*lifecycle.Improvement
		for i := range 12 {
			x := improvementFixture(fmt.Sprintf("I-%02d", i))
			x.ServiceID = []string{"SVC-1", "SVC-2", "SVC-3"}[i%3]
			x.Status = lifecycle.ImprovementStatuses()[i%5]
			if err := st.CommitImprovement(t.Context(), lifecycle.Write[*lifecycle.Improvement]{Record: x}); err != nil {
				t.Fatalf("create: %v", err)
			}
			all = append(all, x)
		}
		filters := []lifecycle.ImprovementFilter{
			{},
			{ServiceID: "SVC-1"},
			{ServiceID: "SVC-9"},
			{Statuses: []lifecycle.ImprovementStatus{lifecycle.ImprovementInProgress}},
			{Statuses: []lifecycle.ImprovementStatus{lifecycle.ImprovementCompleted, lifecycle.ImprovementProposed}},
			{ServiceID: "SVC-2", Statuses: []lifecycle.ImprovementStatus{lifecycle.ImprovementApproved, lifecycle.ImprovementRejected}},
		}
		for _, f := range filters {
			var want []string
			for _, x := range all {
				if f.Matches(x) {
					want = append(want, x.ID)
				}
			}
			p, err := st.ListImprovements(t.Context(), f)
			if err != nil {
				Breach(t, clauseFilter, "filter %+v: %v", f, err)
				continue
			}
			var got []string
			for _, x := range p.Improvements {
				got = append(got, x.ID)
			}
			if !slices.Equal(got, want) || p.Next != "" {
				Breach(t, clauseFilter, "filter %+v gave %v (next %q)\nwant %v", f, got, p.Next, want)
			}
		}
		f := lifecycle.ImprovementFilter{ServiceID: "SVC-1", Limit: 2}
		p, err := st.ListImprovements(t.Context(), f)
		if err != nil || len(p.Improvements) != 2 || p.Next != "I-03" {
			Breach(t, clauseNext, "filter %+v: %d records, next %q, %v; want 2 records, next I-03", f, len(p.Improvements), p.Next, err)
		}
	})
}
