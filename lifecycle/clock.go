package lifecycle

import "time"

// Clock tells the time. Services take one in their Config so that tests can
// run a whole day of work in an instant (see lifecycletest.Clock); nil means
// [SystemClock].
type Clock interface {
	// Now returns the current time.
	Now() time.Time
}

// SystemClock is the real clock. Its zero value is ready to use.
type SystemClock struct{}

// Now returns time.Now() with the monotonic reading stripped, so that the
// value compares and round-trips through storage like any other instant.
func (SystemClock) Now() time.Time { return time.Now().Round(0) }

// ClockOrSystem returns c, or SystemClock when c is nil.
func ClockOrSystem(c Clock) Clock {
	if c == nil {
		return SystemClock{}
	}
	return c
}
