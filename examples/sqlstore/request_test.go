package sqlstore

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
)

// laptopKit is a catalogue item with five variables and a three-stage,
// five-task plan, and no approval: the benchmark's and the concurrent
// orders' item.
func laptopKit(t testing.TB) *request.Catalog {
	cat := request.NewCatalog()
	one, four := 1.0, 4.0
	_, err := cat.Register(request.CatalogItem{
		ID: "laptop-kit", Name: "Laptop kit", Category: "Hardware",
		Approval: request.Approval{Policy: request.ApprovalNone},
		Variables: []request.Variable{
			{Name: "model", Type: request.VariableChoice, Required: true, Choices: []string{"14-inch", "16-inch"}},
			{Name: "monitors", Type: request.VariableNumber, Min: &one, Max: &four, Default: "1"},
			{Name: "dock", Type: request.VariableBoolean, Default: "true"},
			{Name: "start", Type: request.VariableDate, Required: true},
			{Name: "desk", Type: request.VariableText, MaxLength: 8},
		},
		Plan: request.Plan{Stages: []request.Stage{
			{Name: "order", Tasks: []request.TaskDef{{Name: "order laptop", Group: "procurement"}}},
			{Name: "prepare", Tasks: []request.TaskDef{{Name: "image laptop", Group: "desk"}, {Name: "order monitors", Group: "procurement"},
				{Name: "order dock", Group: "procurement", When: &request.Condition{Variable: "dock", Equals: []string{"true"}}}}},
			{Name: "hand over", Tasks: []request.TaskDef{{Name: "hand over", Group: "desk"}}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

var laptopOrder = request.Order{RequestedFor: "nina", Lines: []request.Line{{Item: "laptop-kit",
	Values: request.Values{"model": "14-inch", "monitors": "2", "start": "2027-01-04", "desk": "B-12"}}}}

// BenchmarkRequestOrderToClose orders the laptop kit (five variables,
// three stages, five tasks) and carries it to closed complete through
// request.Service on SQLite and PostgreSQL: the order, then an
// assignment and a close per task, eleven stored versions of the request.
//
//	go test -run '^$' -bench BenchmarkRequestOrderToClose -benchmem ./sqlstore/
func BenchmarkRequestOrderToClose(b *testing.B) {
	for _, be := range testdb.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			if be.Name == testdb.Postgres.Name && !testdb.HavePostgres() {
				b.Skip("ITSM_TEST_POSTGRES_URL not set")
			}
			ctx := context.Background()
			svc, err := request.New(request.Config{Store: openDB(b, be).Requests(), Catalog: laptopKit(b), IDs: lifecycle.RandomIDs("REQ")})
			if err != nil {
				b.Fatal(err)
			}
			hr, tech := lifecycle.Actor{ID: "hr"}, lifecycle.Actor{ID: "tech"}
			b.ReportAllocs()
			for b.Loop() {
				r, err := svc.Order(ctx, hr, laptopOrder)
				if err != nil {
					b.Fatal(err)
				}
				for _, task := range r.Items[0].Tasks {
					if _, err = svc.Do(ctx, tech, request.AssignTask{ID: r.ID, Task: task.ID}); err != nil {
						b.Fatal(err)
					}
					if r, err = svc.Do(ctx, tech, request.CloseTask{ID: r.ID, Task: task.ID, State: request.TaskClosedComplete}); err != nil {
						b.Fatal(err)
					}
				}
				if r.State != request.RequestClosedComplete {
					b.Fatalf("%s is %s", r.ID, r.State)
				}
			}
		})
	}
}

// TestConcurrentOrders places orders from 8 goroutines on each database
// (200, or 1,000 with ITSM_LOAD set) and then closes the first task of
// every one of them from 8 goroutines again: every order is stored once
// and whole, and no update is lost.
func TestConcurrentOrders(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc, err := request.New(request.Config{Store: emptier(t, b)(t).Requests(), Catalog: laptopKit(t), IDs: lifecycle.Sequence("REQ", 6)})
		if err != nil {
			t.Fatal(err)
		}
		orders, workers := 200, 8
		if os.Getenv("ITSM_LOAD") != "" {
			orders = 1000
		}
		ids := make(chan string, orders)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < orders; i += workers {
					r, err := svc.Order(ctx, lifecycle.Actor{ID: fmt.Sprintf("hr-%d", w)}, laptopOrder)
					if err != nil {
						t.Error(err)
						return
					}
					ids <- r.ID
				}
			})
		}
		wg.Wait()
		close(ids)
		var all []string
		for id := range ids {
			all = append(all, id)
		}
		if len(all) != orders {
			t.Fatalf("%d orders stored, want %d", len(all), orders)
		}
		// Closing every request's first task opens its second stage, where
		// procurement has work.
		work := make(chan string, orders)
		for _, id := range all {
			work <- id
		}
		close(work)
		tech := lifecycle.Actor{ID: "tech"}
		for range workers {
			wg.Go(func() {
				for id := range work {
					r, err := svc.Get(ctx, id)
					if err != nil {
						t.Error(err)
						return
					}
					task := r.Items[0].Tasks[0].ID
					if _, err := svc.Do(ctx, tech, request.AssignTask{ID: id, Task: task}); err != nil {
						t.Error(err)
						return
					}
					if _, err := svc.Do(ctx, tech, request.CloseTask{ID: id, Task: task, State: request.TaskClosedComplete}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		page, err := svc.List(ctx, request.Filter{TaskGroup: "procurement", Limit: request.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Requests) != orders {
			t.Fatalf("%d requests queue procurement's stage-2 tasks, want %d", len(page.Requests), orders)
		}
		for _, r := range page.Requests {
			if r.Version != 3 || r.Items[0].Stage != 1 || r.Items[0].Tasks[0].State != request.TaskClosedComplete {
				t.Fatalf("%s: version %d, stage %d, first task %s", r.ID, r.Version, r.Items[0].Stage, r.Items[0].Tasks[0].State)
			}
		}
	})
}
