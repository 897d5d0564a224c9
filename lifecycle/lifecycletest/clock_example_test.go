package lifecycletest_test

import (
	"fmt"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The fake clock stands still until the test moves it, so a whole day of
// service-desk work runs in an instant and every time is known in advance.
// Give it to a service as its lifecycle.Clock.
func ExampleClock() {
	clock := lifecycletest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	var c lifecycle.Clock = clock // what a Config takes

	fmt.Println(c.Now().Format(time.DateTime))
	fmt.Println(c.Now().Format(time.DateTime)) // still 09:00: nothing moves on its own
	clock.Advance(90 * time.Minute)
	fmt.Println(c.Now().Format(time.DateTime))
	clock.Set(time.Date(2026, 3, 7, 23, 59, 0, 0, time.UTC)) // jump to Saturday night
	fmt.Println(c.Now().Format("Mon 15:04"))
	// Output:
	// 2026-03-02 09:00:00
	// 2026-03-02 09:00:00
	// 2026-03-02 10:30:00
	// Sat 23:59
}
