package sqlstore

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// envBrokenClaimed names the broken store that a child process of
// TestKitCatchesBrokenClaimCommitters runs slatest.TestStore on.
const envBrokenClaimed = "ITSM_TEST_BROKEN_CLAIM_COMMITTER"

// ignoresLease writes a claimed batch checking versions only, one Commit
// a timer: a replica whose lease was taken over still stores its write.
type ignoresLease struct{ *TimerStore }

func (s ignoresLease) CommitClaimed(ctx context.Context, _ string, writes []lifecycle.Write[*sla.Timer]) ([]error, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	errs := make([]error, len(writes))
	for i, w := range writes {
		errs[i] = s.Commit(ctx, w)
	}
	return errs, nil
}

// allOrNothing refuses the whole batch when one write is refused.
type allOrNothing struct{ *TimerStore }

func (s allOrNothing) CommitClaimed(ctx context.Context, owner string, writes []lifecycle.Write[*sla.Timer]) ([]error, error) {
	errs, err := s.TimerStore.CommitClaimed(ctx, owner, writes)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return errs, nil
}

// brokenClaimCommitters are timer stores whose CommitClaimed breaks a
// clause of sla.ClaimCommitter, with a clause the kit's failure quotes.
var brokenClaimCommitters = map[string]struct {
	store  func(*TimerStore) sla.Store
	clause string
}{
	"ignores-lease":  {func(s *TimerStore) sla.Store { return ignoresLease{s} }, "its error matches lifecycle.ErrConflict"},
	"all-or-nothing": {func(s *TimerStore) sla.Store { return allOrNothing{s} }, "A write is stored only if its timer is at w.Expected"},
}

// TestKitCatchesBrokenClaimCommitters runs slatest.TestStore, in a child
// process of the test binary each, on SQLite timer stores whose
// CommitClaimed is broken: the kit must fail every one, quoting the
// clause broken (TestConformanceTimerStore shows that it passes the
// correct store).
func TestKitCatchesBrokenClaimCommitters(t *testing.T) {
	if name := os.Getenv(envBrokenClaimed); name != "" {
		fresh := emptier(t, testdb.SQLite)
		slatest.TestStore(t, func(t *testing.T) sla.Store { return brokenClaimCommitters[name].store(fresh(t).Timers()) })
		return
	}
	if testing.Short() {
		t.Skip("runs child processes")
	}
	t.Parallel()
	for name, b := range brokenClaimCommitters {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestKitCatchesBrokenClaimCommitters$", "-test.count=1")
			cmd.Env = append(os.Environ(), envBrokenClaimed+"="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || !strings.Contains(string(out), "--- FAIL: TestKitCatchesBrokenClaimCommitters") {
				t.Fatalf("the kit passed a store that breaks %q (%v):\n%s", b.clause, err, out)
			}
			if !strings.Contains(string(out), b.clause) {
				t.Fatalf("the kit failed without quoting %q:\n%s", b.clause, out)
			}
		})
	}
}
