package incident_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

// interleave runs two operations whose rules read what the other writes.
// With bFirst, operation a runs on a Service whose store runs b just
// before a's first write of id: a has made all its reads, and b commits in
// between. Without, a runs to the end and then b. It returns both errors.
func interleave(t *testing.T, e *env, id string, bFirst bool, a func(*incident.Service) error, b func() error) (errA, errB error) {
	t.Helper()
	if !bFirst {
		errA = a(e.svc)
		return errA, b()
	}
	hs := &hookStore{Store: e.store, id: id}
	hs.hook = func() { errB = b() }
	svc, err := incident.New(incident.Config{Store: hs, Clock: e.clock, IDs: lifecycle.Sequence("INC-B", 4)})
	require.NoError(t, err)
	errA = a(svc)
	return errA, errB
}

// requireOneLevel fails unless every child's parent is open-or-not a top
// incident: no incident is both a parent and a child, and no open child
// sits under a resolved or closed parent.
func requireOneLevel(t *testing.T, e *env, ids ...string) {
	t.Helper()
	for _, id := range ids {
		x := e.get(t, id)
		if x.Parent == "" {
			continue
		}
		p := e.get(t, x.Parent)
		require.Empty(t, p.Parent, "%s is under %s, itself under %s: two levels", x.ID, p.ID, p.Parent)
		if x.State.IsOpen() {
			require.True(t, p.State.IsOpen(), "%s is open under %s, which is %s", x.ID, p.ID, p.State)
		}
	}
}

// oneRefused fails unless exactly one of the errors is set, and it is the
// rule's refusal (matching want).
func oneRefused(t *testing.T, want error, errs ...error) {
	t.Helper()
	refused := 0
	for _, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, want)
			refused++
		}
	}
	require.Equal(t, 1, refused, "exactly one of the two operations is refused: %v", errs)
}

// requireUnchanged fails when the operation on x was refused (err set) but
// x is not as it was: a refused operation stores nothing, not even a
// change undone afterwards.
func requireUnchanged(t *testing.T, e *env, err error, x *incident.Incident) {
	t.Helper()
	if err != nil {
		require.Equal(t, x.Version, e.get(t, x.ID).Version, "%s was changed by a refused operation: %v", x.ID, err)
	}
}

// whileResolving interleaves a, an operation on the child child, with the
// resolution of parent ("fixed meanwhile"), which must succeed; it returns
// a's error.
func whileResolving(t *testing.T, e *env, parent, child string, bFirst bool, a func(*incident.Service) error) error {
	t.Helper()
	errA, errB := interleave(t, e, child, bFirst, a, func() error {
		_, err := e.svc.Resolve(ctx, ann, incident.Resolve{ID: parent, Code: incident.CodeSolutionProvided, Notes: "fixed meanwhile"})
		return err
	})
	require.NoError(t, errB, "resolving the parent")
	return errA
}

func TestInterleavedAttaches(t *testing.T) {
	for _, bFirst := range []bool{true, false} {
		name := map[bool]string{true: "b commits between a's reads and its write", false: "a commits first"}[bFirst]
		t.Run("the parent becomes a child/"+name, func(t *testing.T) {
			e := newEnv(t)
			top, mid, low := e.open(t, incident.Open{}), e.open(t, incident.Open{}), e.open(t, incident.Open{})
			errA, errB := interleave(t, e, low.ID, bFirst, func(svc *incident.Service) error {
				_, err := svc.SetParent(ctx, ann, incident.SetParent{ID: low.ID, Parent: mid.ID})
				return err
			}, func() error {
				_, err := e.svc.SetParent(ctx, ann, incident.SetParent{ID: mid.ID, Parent: top.ID})
				return err
			})
			oneRefused(t, lifecycle.ErrValidation, errA, errB)
			requireUnchanged(t, e, errA, low)
			requireUnchanged(t, e, errB, mid)
			requireOneLevel(t, e, top.ID, mid.ID, low.ID)
		})
		t.Run("the new child gains a child/"+name, func(t *testing.T) {
			e := newEnv(t)
			top, mid := e.open(t, incident.Open{}), e.open(t, incident.Open{})
			var low *incident.Incident
			errA, errB := interleave(t, e, mid.ID, bFirst, func(svc *incident.Service) error {
				_, err := svc.SetParent(ctx, ann, incident.SetParent{ID: mid.ID, Parent: top.ID})
				return err
			}, func() error {
				var err error
				low, err = e.svc.Open(ctx, ann, incident.Open{Title: "t", Parent: mid.ID})
				return err
			})
			oneRefused(t, lifecycle.ErrValidation, errA, errB)
			requireUnchanged(t, e, errA, mid)
			ids := []string{top.ID, mid.ID}
			if low != nil {
				ids = append(ids, low.ID)
			}
			requireOneLevel(t, e, ids...)
		})
		t.Run("the parent is resolved/"+name, func(t *testing.T) {
			e := newEnv(t)
			p, c := e.open(t, incident.Open{}), e.open(t, incident.Open{})
			errA := whileResolving(t, e, p.ID, c.ID, bFirst, func(svc *incident.Service) error {
				_, err := svc.SetParent(ctx, ann, incident.SetParent{ID: c.ID, Parent: p.ID})
				return err
			})
			if bFirst {
				require.ErrorIs(t, errA, lifecycle.ErrValidation, "attaching under a parent resolved meanwhile")
				require.Empty(t, e.get(t, c.ID).Parent)
				require.Equal(t, incident.StateNew, e.get(t, c.ID).State)
			} else {
				require.NoError(t, errA)
				require.Equal(t, incident.StateResolved, e.get(t, c.ID).State, "resolved with its parent")
				require.Equal(t, "fixed meanwhile", e.get(t, c.ID).ResolutionNotes)
			}
			requireOneLevel(t, e, p.ID, c.ID)
		})
		t.Run("a child reopens while its parent is resolved/"+name, func(t *testing.T) {
			e := newEnv(t)
			p := e.open(t, incident.Open{})
			c := e.open(t, incident.Open{Parent: p.ID})
			e.do(t, ann, incident.Resolve{ID: c.ID, Code: incident.CodeSolutionProvided, Notes: "n"})
			errA := whileResolving(t, e, p.ID, c.ID, bFirst, func(svc *incident.Service) error {
				_, err := svc.Reopen(ctx, ann, incident.Reopen{ID: c.ID, Reason: "still broken"})
				return err
			})
			if bFirst {
				require.ErrorIs(t, errA, lifecycle.ErrInvalidTransition, "reopening under a parent resolved meanwhile")
			} else {
				require.NoError(t, errA)
				require.Equal(t, "fixed meanwhile", e.get(t, c.ID).ResolutionNotes, "resolved again with its parent")
			}
			require.Equal(t, incident.StateResolved, e.get(t, c.ID).State)
			requireOneLevel(t, e, p.ID, c.ID)
		})
	}
}
