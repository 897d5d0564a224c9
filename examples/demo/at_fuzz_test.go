package main

import (
	"strings"
	"testing"
	"time"
)

// FuzzAt reads arbitrary text as a "Mon 15:04" time of the play: At either
// refuses it (the documented "demo: bad time" panic) or returns an instant
// on the named weekday of the demo's week, at that wall-clock minute in the
// desk's zone, which reads back to itself.
func FuzzAt(f *testing.F) {
	for _, s := range []string{"Wed 09:50", "Mon 11:00", "Sat 02:00", "Wed 9:05", "Thu 24:00", "Wed", "wed 09:00", " Wed 09:00", "Fri 18:45 "} {
		f.Add(s)
	}
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got time.Time
		refused := func() (refused bool) {
			defer func() {
				if r := recover(); r != nil {
					msg, ok := r.(string)
					if !ok || !strings.HasPrefix(msg, "demo: bad time ") {
						t.Fatalf("At(%q) panicked with %v", s, r)
					}
					refused = true
				}
			}()
			got = At(loc, s)
			return false
		}()
		if refused {
			return
		}
		if got.Location() != loc || got.Second() != 0 || got.Nanosecond() != 0 {
			t.Fatalf("At(%q) = %v: not a minute in the desk's zone", s, got)
		}
		day, _, _ := strings.Cut(s, " ")
		if got.Format("Mon") != day {
			t.Fatalf("At(%q) = %v, a %s", s, got, got.Weekday())
		}
		if again := At(loc, got.Format("Mon 15:04")); !again.Equal(got) {
			t.Fatalf("At(%q) = %v, but its own reading gives %v", s, got, again)
		}
	})
}
