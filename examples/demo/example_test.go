package main

import (
	"context"
	"fmt"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

// A whole desk in memory: an incident opened on Wednesday at 13:00 at
// priority 2 has 30 business minutes for a response and 8 business hours
// (09:00-17:00, New York) to be resolved. The scheduler loop (RunUntil)
// moves the fake clock from deadline to deadline: nobody responds, so the
// response target breaches at 13:30; 4 hours are used by Wednesday's
// closing (the 50 % warning), and Thursday is Thanksgiving, so the 75 %
// warning comes at 11:00 on Friday and the target is due at 13:00.
func ExampleNewDesk() {
	ctx := context.Background()
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		panic(err)
	}
	d, err := NewDesk(At(loc, "Wed 13:00"))
	if err != nil {
		panic(err)
	}
	x, err := d.Incidents.Open(ctx, lifecycle.Actor{ID: "alice"}, incident.Open{
		Title: "VPN drops every ten minutes", Impact: 2, Urgency: 1, Service: "remote-access",
	})
	if err != nil {
		panic(err)
	}
	if err := d.RunUntil(ctx, At(d.Location, "Fri 12:00")); err != nil {
		panic(err)
	}
	for _, ev := range d.Events.Events() {
		if ev.Process == "sla" {
			fmt.Println(ev.Time.In(d.Location).Format("Mon 15:04"), ev.Type, ev.Value("agreement"), ev.Value("record") == x.ID)
		}
	}
	timers, err := d.SLA.Timers(ctx, x.ID)
	if err != nil {
		panic(err)
	}
	for _, t := range timers {
		fmt.Println(t.AgreementID, t.Stage, "due", t.Due.In(d.Location).Format("Mon 15:04"))
	}
	// Output:
	// Wed 13:24 sla.warning desk-response true
	// Wed 13:30 sla.breached desk-response true
	// Wed 17:00 sla.warning desk-resolution true
	// Fri 11:00 sla.warning desk-resolution true
	// desk-resolution in_progress due Fri 13:00
	// desk-response in_progress due Wed 13:30
}
