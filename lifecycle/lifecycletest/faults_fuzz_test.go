package lifecycletest_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// faultRun is what one sequence of calls did under a Faults.
type faultRun struct {
	outcomes []string // per call: the fault drawn, or the own error
	called   int      // wrapped writes that ran
}

// runFaults makes the calls ops describes on f: bit 0 picks a read or a
// write, bit 1 makes the wrapped write fail on its own, bit 7 turns
// injection off (or back on).
func runFaults(t *testing.T, f *lifecycletest.Faults, ops []byte) faultRun {
	var run faultRun
	own := errors.New("own failure")
	var saved *lifecycletest.Rates
	for _, op := range ops {
		if op&0x80 != 0 {
			if saved == nil {
				r := f.Off()
				saved = &r
			} else {
				f.SetRates(*saved)
				saved = nil
			}
		}
		var err error
		if op&1 == 0 {
			err = f.ReadContext(context.Background(), "r")
		} else {
			err = f.Write(context.Background(), "w", func(context.Context) error {
				run.called++
				if op&2 != 0 {
					return own
				}
				return nil
			})
		}
		var ie *lifecycletest.InjectedError
		switch {
		case err == nil:
			run.outcomes = append(run.outcomes, "none")
		case errors.Is(err, own):
			run.outcomes = append(run.outcomes, "own")
		case errors.As(err, &ie):
			if op&1 == 0 && (ie.Fault == lifecycletest.FaultConflict || ie.Fault == lifecycletest.FaultAfterWrite) {
				t.Fatalf("a read drew %s", ie.Fault)
			}
			run.outcomes = append(run.outcomes, ie.Fault.String())
		default:
			t.Fatalf("untyped error %v", err)
		}
	}
	return run
}

// FuzzFaults checks the fault source's contract: bad rates panic and good
// ones do not; the same seed, rates and calls give the same faults (the
// replay a failing test depends on), whatever the timeout delay; reads
// draw only errors and timeouts; the log numbers injections 1, 2, 3...
// and counts them by kind; a write runs unless an error, timeout or
// conflict was injected before it; an ambiguous commit whose write failed
// on its own returns that error and is not logged; zero rates inject
// nothing.
func FuzzFaults(f *testing.F) {
	f.Add(uint64(1), uint16(6553), uint16(6553), uint16(6553), uint16(6553), []byte{0, 1, 2, 3, 0x81, 1, 0x80, 3})
	f.Add(uint64(42), uint16(65535), uint16(0), uint16(0), uint16(0), []byte{0, 1, 1, 0})
	f.Add(uint64(7), uint16(40000), uint16(40000), uint16(0), uint16(0), []byte{1})
	f.Add(uint64(0), uint16(0), uint16(0), uint16(0), uint16(0), []byte{0, 1, 3, 2})
	f.Add(uint64(9), uint16(0), uint16(0), uint16(0), uint16(65535), []byte{1, 3, 3, 1})
	f.Fuzz(func(t *testing.T, seed uint64, e, to, c, aw uint16, ops []byte) {
		if len(ops) > 512 {
			ops = ops[:512]
		}
		r := lifecycletest.Rates{
			Error: float64(e) / math.MaxUint16, Timeout: float64(to) / math.MaxUint16,
			Conflict: float64(c) / math.MaxUint16, AfterWrite: float64(aw) / math.MaxUint16,
		}
		valid := r.Error+r.Timeout+r.Conflict+r.AfterWrite <= 1+1e-9
		mk := func() (fs *lifecycletest.Faults, panicked bool) {
			defer func() { panicked = recover() != nil }()
			return lifecycletest.NewFaults(seed, r), false
		}
		a, panicked := mk()
		if panicked == valid {
			t.Fatalf("NewFaults(%+v): panicked=%v, rates valid=%v", r, panicked, valid)
		}
		if !valid {
			return
		}
		b, _ := mk()
		a.SetTimeoutDelay(0)
		b.SetTimeoutDelay(50 * time.Microsecond) // a real wait, the same draws
		ra, rb := runFaults(t, a, ops), runFaults(t, b, ops)
		if len(ra.outcomes) != len(ops) {
			t.Fatalf("%d outcomes for %d calls", len(ra.outcomes), len(ops))
		}
		for i := range ra.outcomes {
			if ra.outcomes[i] != rb.outcomes[i] {
				t.Fatalf("call %d: %s, replay %s", i, ra.outcomes[i], rb.outcomes[i])
			}
		}
		in := a.Injected()
		if len(in) != len(b.Injected()) {
			t.Fatalf("the replay injected %d faults, the run %d", len(b.Injected()), len(in))
		}
		total := 0
		for _, k := range []lifecycletest.Fault{lifecycletest.FaultError, lifecycletest.FaultTimeout,
			lifecycletest.FaultConflict, lifecycletest.FaultAfterWrite} {
			total += a.Count(k)
		}
		if total != len(in) || a.Count(lifecycletest.FaultNone) != 0 {
			t.Fatalf("counts %d, log %d", total, len(in))
		}
		writes, blocked, injected := 0, 0, 0
		for i, x := range in {
			if x.Seq != i+1 || x != b.Injected()[i] {
				t.Fatalf("injection %d: %+v (replay %+v)", i, x, b.Injected()[i])
			}
		}
		for i, op := range ops {
			o := ra.outcomes[i]
			if op&1 == 1 {
				writes++
				if o == "error" || o == "timeout" || o == "conflict" {
					blocked++
				}
			}
			if o != "none" && o != "own" {
				injected++
			}
		}
		if injected != len(in) {
			t.Fatalf("%d calls failed by injection, %d logged", injected, len(in))
		}
		if ra.called != writes-blocked {
			t.Fatalf("%d writes ran, want %d of %d (%d blocked)", ra.called, writes-blocked, writes, blocked)
		}
		if r == (lifecycletest.Rates{}) && len(in) != 0 {
			t.Fatalf("zero rates injected %v", in)
		}
	})
}
