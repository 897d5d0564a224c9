// Command demo walks ITIL workflows through the itsm library, entirely in
// memory with a fake clock, and prints a timeline a person can read.
//
//	go run ./examples/demo
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// The people of the demo.
var (
	alice = lifecycle.Actor{ID: "alice", Roles: []string{"service-desk"}}
	bob   = lifecycle.Actor{ID: "bob", Roles: []string{"network"}}
	carol = lifecycle.Actor{ID: "carol"} // the caller
)

func run(ctx context.Context, out io.Writer) error {
	clock := lifecycletest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	events := &lifecycletest.Recorder{}
	incidents, err := incident.New(incident.Config{
		Store:    incidenttest.NewStore(),
		Notifier: events,
		Clock:    clock,
		IDs:      lifecycle.Sequence("INC", 7),
	})
	if err != nil {
		return err
	}

	step := func(d time.Duration) { clock.Advance(d) }
	inc, err := incidents.Open(ctx, alice, incident.Open{
		Title:      "VPN drops every few minutes",
		Caller:     "carol",
		Service:    "remote-access",
		ConfigItem: "vpn-gw-1",
		Impact:     2,
		Urgency:    1,
	})
	if err != nil {
		return err
	}
	id := inc.ID
	step(4 * time.Minute)
	if _, err := incidents.Assign(ctx, alice, incident.Assign{ID: id, Group: "network", Assignee: "bob"}); err != nil {
		return err
	}
	step(20 * time.Minute)
	if _, err := incidents.Hold(ctx, bob, incident.Hold{ID: id, Reason: incident.HoldAwaitingCaller,
		Comment: "Which client version do you run?"}); err != nil {
		return err
	}
	step(35 * time.Minute)
	// The caller answers: an incident awaiting the caller resumes by itself.
	if _, err := incidents.CallerUpdate(ctx, carol, incident.CallerUpdate{ID: id, Text: "Client 5.2 on macOS"}); err != nil {
		return err
	}
	step(50 * time.Minute)
	if _, err := incidents.WorkNote(ctx, bob, incident.WorkNote{ID: id, Text: "Keep-alive timer too short on vpn-gw-1; raised to 60 s"}); err != nil {
		return err
	}
	step(10 * time.Minute)
	if _, err := incidents.Resolve(ctx, bob, incident.Resolve{ID: id, Code: incident.CodeSolutionProvided,
		Notes: "Gateway keep-alive fixed; please reconnect."}); err != nil {
		return err
	}
	// Nobody objects for a week: the auto-close job closes it.
	step(8 * 24 * time.Hour)
	if _, err := incidents.AutoClose(ctx, clock.Now()); err != nil {
		return err
	}

	final, err := incidents.Get(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "== Incident %s: %q\n", final.ID, final.Title)
	fmt.Fprintf(out, "   impact %d × urgency %d → priority %s; final state %s, closed by %s\n\n",
		final.Impact, final.Urgency, final.Priority, final.State, final.ClosedBy)
	fmt.Fprintln(out, "-- audit trail (what the store keeps)")
	printHistory(out, final.History)
	fmt.Fprintln(out, "\n-- timeline (what the notifier received)")
	printEvents(out, events.Events())
	return nil
}

func printHistory(out io.Writer, h []lifecycle.Record) {
	for _, r := range h {
		move := r.To
		if r.From != "" && r.From != r.To {
			move = r.From + " → " + r.To
		}
		var changes []string
		for _, c := range r.Changes {
			changes = append(changes, fmt.Sprintf("%s=%s", c.Field, orDash(c.New)))
		}
		fmt.Fprintf(out, "%3d  %s  %-7s %-14s %-26s %s\n", r.Seq, stamp(r.Time), r.Actor, r.Event, move, strings.Join(changes, " "))
		if r.Note != "" {
			fmt.Fprintf(out, "%26s“%s”\n", "", r.Note)
		}
	}
}

func printEvents(out io.Writer, evs []lifecycle.Event) {
	for _, e := range evs {
		fmt.Fprintf(out, "%s  %-9s %-11s %-18s v%-2d %s\n", stamp(e.Time), e.Process, e.Subject, e.Type, e.Version, e.ID)
	}
}

func stamp(t time.Time) string { return t.Format("Mon 02 Jan 15:04") }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
