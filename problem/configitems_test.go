package problem_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// dependsOn answers problem.Dependencies from a map; with err set every
// lookup fails with it.
type dependsOn struct {
	of  map[string][]string
	err error
}

func (d *dependsOn) DependsOn(_ context.Context, ci string) ([]string, error) {
	if d.err != nil {
		return nil, d.err
	}
	deps, ok := d.of[ci]
	if !ok {
		return nil, lifecycle.NotFound("cmdb", ci)
	}
	return deps, nil
}

// knownError opens a problem on ci and records it as a known error.
func knownError(t *testing.T, svc *problem.Service, ci, title string) *problem.Problem {
	t.Helper()
	p, err := svc.Open(ctx, alice, problem.Open{Title: title, ConfigItem: ci})
	require.NoError(t, err)
	p, err = svc.RecordKnownError(ctx, alice, problem.RecordKnownError{ID: p.ID, RootCause: "rc " + title, Workaround: "wa " + title})
	require.NoError(t, err)
	return p
}

func ids(ps []*problem.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func TestKnownErrorsOfDependencies(t *testing.T) {
	deps := &dependsOn{of: map[string][]string{"app": {"db", "vm"}, "db": {"vm"}, "vm": nil}}
	store := problemtest.NewStore()
	svc, err := problem.New(problem.Config{Store: store, IDs: lifecycle.Sequence("PRB", 2), Dependencies: deps})
	require.NoError(t, err)
	vm := knownError(t, svc, "vm", "disk latency")
	app := knownError(t, svc, "app", "session leak")
	db := knownError(t, svc, "db", "lock storm")
	knownError(t, svc, "mail", "unrelated")
	_, err = svc.Open(ctx, alice, problem.Open{Title: "not known yet", ConfigItem: "db"})
	require.NoError(t, err)

	found, err := svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{ConfigItem: "app"})
	require.NoError(t, err)
	assert.Equal(t, []string{vm.ID, app.ID, db.ID}, ids(found), "its own and its dependencies', by ID")
	found, err = svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{ConfigItem: "db"})
	require.NoError(t, err)
	assert.Equal(t, []string{vm.ID, db.ID}, ids(found), "not what depends on it")
	found, err = svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{ConfigItem: "app", Limit: 2})
	require.NoError(t, err)
	assert.Equal(t, []string{vm.ID, app.ID}, ids(found), "the limit holds over the merge")
	found, err = svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{ConfigItem: "app", Text: "LOCK"})
	require.NoError(t, err)
	assert.Equal(t, []string{db.ID}, ids(found), "the other criteria still apply")
	found, err = svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{ConfigItem: "mail"})
	require.NoError(t, err)
	assert.Len(t, found, 1, "an item the CMDB does not know matches alone")

	scoped, err := svc.SearchKnownErrorsAs(ctx, alice, problem.KnownErrorQuery{ConfigItem: "app"})
	require.NoError(t, err)
	assert.Len(t, scoped, 3, "the scoped search widens alike")

	plain, err := problem.New(problem.Config{Store: store})
	require.NoError(t, err)
	found, err = plain.SearchKnownErrors(ctx, problem.KnownErrorQuery{ConfigItem: "app"})
	require.NoError(t, err)
	assert.Equal(t, []string{app.ID}, ids(found), "without Dependencies the item alone")

	deps.err = errors.New("cmdb down")
	_, err = svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{ConfigItem: "app"})
	require.ErrorIs(t, err, deps.err)
	found, err = svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{Text: "leak"})
	require.NoError(t, err, "a search without an item asks nothing")
	assert.Equal(t, []string{app.ID}, ids(found))
}

// A known error recorded on a database shows when an application that
// depends on it is searched.
func ExampleDependencies() {
	ctx := context.Background()
	svc, _ := problem.New(problem.Config{Store: problemtest.NewStore(), IDs: lifecycle.Sequence("PRB", 3),
		Dependencies: &dependsOn{of: map[string][]string{"crm-app": {"crm-db"}}}})
	ann := lifecycle.Actor{ID: "ann"}
	p, _ := svc.Open(ctx, ann, problem.Open{Title: "Slow queries", ConfigItem: "crm-db"})
	_, _ = svc.RecordKnownError(ctx, ann, problem.RecordKnownError{ID: p.ID, RootCause: "Missing index", Workaround: "Run the nightly report by day"})

	found, _ := svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{ConfigItem: "crm-app"})
	for _, p := range found {
		fmt.Printf("%s on %s: %s\n", p.ID, p.ConfigItem, p.KnownError.Workaround)
	}
	// Output:
	// PRB001 on crm-db: Run the nightly report by day
}
