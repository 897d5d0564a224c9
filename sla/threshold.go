package sla

import (
	"math"
	"math/bits"
	"time"
)

// exactThreshold returns goal×percent/100 rounded up to the nanosecond,
// computed exactly: percent is a float64, which is an exact binary
// fraction mant×2^-k, so the result is ⌈goal×mant / (100×2^k)⌉, done in
// 128-bit integer arithmetic. It does not allocate. The breach, and any
// percent of 100 or more, is goal itself; a percent that is not positive
// (never in a valid agreement) gives 0.
//
// Floating point would not do: float64(goal) is inexact beyond 2^53 ns
// (about 104 days), and dividing and multiplying rounds again, so a 50 %
// warning of an odd goal could come one nanosecond early or late.
func exactThreshold(goal time.Duration, percent float64, breach bool) time.Duration {
	if breach || percent >= 100 {
		return goal
	}
	if goal <= 0 || !(percent > 0) {
		return 0
	}
	frac, exp := math.Frexp(percent) // percent = frac × 2^exp, frac in [0.5, 1)
	mant := uint64(frac * (1 << 53)) // exact: frac has at most 53 significant bits
	k := uint(53 - exp)              // percent = mant × 2^-k; k >= 46 as percent < 128
	hi, lo := bits.Mul64(uint64(goal), mant)

	// q = ⌈(hi,lo) / 2^k⌉, at most goal×percent < 2^70: it fits in 128 bits
	// with a high word below 100, as bits.Div64 requires.
	var qhi, qlo uint64
	var rest bool
	switch {
	case k >= 128:
		rest = hi != 0 || lo != 0
	case k >= 64:
		qlo = hi >> (k - 64)
		rest = lo != 0 || hi&(1<<(k-64)-1) != 0
	default:
		qlo = lo>>k | hi<<(64-k)
		qhi = hi >> k
		rest = lo&(1<<k-1) != 0
	}
	if rest {
		var carry uint64
		qlo, carry = bits.Add64(qlo, 1, 0)
		qhi += carry
	}
	// ⌈⌈x/a⌉/b⌉ = ⌈x/(a×b)⌉ for positive integers.
	quo, rem := bits.Div64(qhi, qlo, 100)
	if rem != 0 {
		quo++
	}
	return time.Duration(quo)
}

// threshold returns the business elapsed time at which d is reached under
// goal, the cycle's target: d.Threshold, computed (once) if a timer stored
// before thresholds were kept does not have it.
func (d *Deadline) threshold(goal time.Duration) time.Duration {
	if d.Threshold <= 0 {
		d.Threshold = exactThreshold(goal, d.Percent, d.Breach)
	}
	return d.Threshold
}

// setGoal replaces the cycle's target and recomputes its thresholds.
func (c *Cycle) setGoal(goal time.Duration) {
	c.Goal = goal
	for i := range c.Deadlines {
		d := &c.Deadlines[i]
		d.Threshold = exactThreshold(goal, d.Percent, d.Breach)
	}
}
