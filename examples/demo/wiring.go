package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// Zone is the service desk's time zone: business hours, holidays and the
// printed timeline are read on its wall clock.
const Zone = "America/New_York"

// The agreements of the desk. The business-hours pair covers priorities 2
// to 5; priority 1 has its own pair, counted around the clock.
const (
	DeskResponse   = "desk-response"
	DeskResolution = "desk-resolution"
	P1Response     = "p1-response"
	P1Resolution   = "p1-resolution"
)

// AutoCloseAfter is how long a resolved incident waits for its caller
// before the nightly job closes it.
const AutoCloseAfter = 72 * time.Hour

// Desk is a whole service desk in memory: the incident, problem and change
// services on their test kits' stores (the change service with the desk's
// maintenance windows), the CMDB, the SLA engine, and the Bus that ties
// them together.
//
// Every service notifies the same Bus, and so does the SLA engine (its
// warnings and breaches). Subscribed to the Bus, in this order:
//
//  1. Events, a recorder (the demo's timeline, the test's assertions);
//  2. SLA, the engine, which attaches, pauses, resumes, completes,
//     recomputes and cancels timers as incidents change;
//  3. the incident reactor: a breached SLA raises the incident's
//     escalation level; a change that caused incidents is linked on them;
//  4. the problem reactor: a resolved major incident opens a problem; a
//     known error's workaround is offered to new incidents on its service
//     or configuration item; a change closed successfully resolves the
//     problems it fixes.
//
// The problem service also holds the incident service (problem.Config.Incidents),
// so that a resolved problem resolves the incidents on hold awaiting it.
type Desk struct {
	Clock     *lifecycletest.Clock    // the fake clock every part reads
	Location  *time.Location          // the desk's zone (Zone)
	Calendar  *sla.Calendar           // business hours and US holidays in the zone
	Bus       *lifecycle.Bus          // every service's and the engine's notifier
	Events    *lifecycletest.Recorder // every event the Bus carried, in order
	Incidents *incident.Service       // incident management
	Problems  *problem.Service        // problem management, resolving incidents through Incidents
	Changes   *change.Service         // change enablement, with the desk's windows
	CMDB      *cmdb.Service           // configuration management, default classes and types; record CIs with RecordCI
	SLA       *sla.Engine             // the SLA engine, with the desk's agreements
	// Reactions are the Bus's subscribers after Events: the SLA engine,
	// the incident reactor and the problem reactor. A host relaying an
	// outbox would hand them the stored events.
	Reactions []lifecycle.Notifier

	ciMu   sync.Mutex // held by RecordCI while it records a CI
	ciName string     // the ID of the CI RecordCI records
}

// RecordCI records a CI under the ID id. The demo's incidents and changes
// name configuration items and services by short names (ConfigItem
// "mx-1", Service "email"), so its CMDB keys them the same way, and impact
// analysis starts from the name an incident gives.
func (d *Desk) RecordCI(ctx context.Context, actor lifecycle.Actor, id string, n cmdb.NewCI) (*cmdb.CI, error) {
	d.ciMu.Lock()
	defer d.ciMu.Unlock()
	d.ciName = id
	defer func() { d.ciName = "" }()
	return d.CMDB.Create(ctx, actor, n)
}

// NewDesk builds the desk with its clock standing at start.
func NewDesk(start time.Time) (*Desk, error) {
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		return nil, err
	}
	calendar, err := sla.NewCalendar(sla.CalendarConfig{
		Location: Zone,
		Hours:    sla.MondayToFriday(sla.Hours("09:00", "17:00")),
		Holidays: []*cal.Holiday(us.Holidays),
	})
	if err != nil {
		return nil, err
	}
	d := &Desk{
		Clock:    lifecycletest.NewClock(start.In(loc)),
		Location: loc,
		Calendar: calendar,
		Bus:      &lifecycle.Bus{},
		Events:   &lifecycletest.Recorder{},
	}
	if d.Incidents, err = incident.New(incident.Config{
		Store:          incidenttest.NewStore(),
		Notifier:       d.Bus,
		Clock:          d.Clock,
		IDs:            lifecycle.Sequence("INC", 7),
		AutoCloseAfter: AutoCloseAfter,
	}); err != nil {
		return nil, err
	}
	if d.Problems, err = problem.New(problem.Config{
		Store:     problemtest.NewStore(),
		Notifier:  d.Bus,
		Clock:     d.Clock,
		IDs:       lifecycle.Sequence("PRB", 7),
		Incidents: d.Incidents,
	}); err != nil {
		return nil, err
	}
	sequence := lifecycle.Sequence("CI", 7)
	if d.CMDB, err = cmdb.New(cmdb.Config{
		Store:    cmdbtest.NewStore(),
		Notifier: d.Bus,
		Clock:    d.Clock,
		// RecordCI's ID, read under ciMu; a CI created otherwise is
		// numbered.
		IDs: func() string {
			if d.ciName != "" {
				return d.ciName
			}
			return sequence()
		},
	}); err != nil {
		return nil, err
	}
	// Related-CI change conflicts: the change service is to read d.CMDB
	// here (a change on mx-1 then also meets the changes booked on host-7,
	// which it runs on) once change enablement takes configuration
	// management.
	if d.Changes, err = change.New(change.Config{
		Store:    changetest.NewStore(),
		Notifier: d.Bus,
		Clock:    d.Clock,
		IDs:      lifecycle.Sequence("CHG", 7),
		Windows:  Windows(),
	}); err != nil {
		return nil, err
	}
	if d.SLA, err = sla.New(sla.Config{
		Store:      slatest.NewStore(),
		Notifier:   d.Bus,
		Clock:      d.Clock,
		Agreements: Agreements(calendar),
		Owner:      "demo",
	}); err != nil {
		return nil, err
	}
	d.Reactions = []lifecycle.Notifier{
		d.SLA,
		&incident.Reactor{Incidents: d.Incidents, EscalateOnBreach: true, LinkCausedBy: true},
		&problem.Reactor{Problems: d.Problems, OpenForMajor: true, ResolveOnChange: true, Changes: d.Changes, Workarounds: d.Incidents},
	}
	d.Bus.Subscribe(d.Events)
	for _, r := range d.Reactions {
		d.Bus.Subscribe(r)
	}
	return d, nil
}

// Windows returns the desk's change windows: the print server prn-srv-1
// may be changed only in its weekly maintenance window, Saturday
// 07:00-11:00 in the desk's zone. Other items have no windows: they may be
// changed at any time.
func Windows() change.WindowList {
	return change.WindowList{{
		Name:        "prn-srv-1 weekly maintenance",
		Kind:        change.Maintenance,
		ConfigItems: []string{"prn-srv-1"},
		Zone:        Zone,
		Weekly:      &change.Weekly{Days: []time.Weekday{time.Saturday}, Start: change.Clock(7, 0), End: change.Clock(11, 0)},
	}}
}

// Agreements returns the desk's incident SLAs:
//
//	agreement        counted on               P1    P2   P3   P4   P5   warnings
//	desk-response    business hours (cal)     -     30m  2h   4h   8h   80 %
//	desk-resolution  business hours (cal)     -     8h   16h  40h  80h  50 %, 75 %
//	p1-response      24×7                     15m   -    -    -    -    80 %
//	p1-resolution    24×7                     4h    -    -    -    -    50 %, 75 %
//
// Every timer starts retroactively when the incident was opened. Response
// stops when the incident has an assignee or leaves new; resolution stops
// when it is resolved or closed, pauses while it is on hold, and starts a
// new cycle when it is reopened. A canceled incident cancels its timers, and
// so does a priority change that moves it from one pair to the other (the
// other pair then attaches, counting from the opening).
func Agreements(c *sla.Calendar) []*sla.Agreement {
	notCanceled := func(s lifecycle.Snapshot) bool { return s.State != string(incident.StateCanceled) }
	desk := func(s lifecycle.Snapshot) bool { return notCanceled(s) && s.Priority >= 2 }
	p1 := func(s lifecycle.Snapshot) bool { return notCanceled(s) && s.Priority == 1 }
	responded := func(s lifecycle.Snapshot) bool {
		return s.Assignee != "" || s.State != string(incident.StateNew) && s.State != string(incident.StateCanceled)
	}
	resolved := func(s lifecycle.Snapshot) bool {
		return s.State == string(incident.StateResolved) || s.State == string(incident.StateClosed)
	}
	onHold := func(s lifecycle.Snapshot) bool { return s.State == string(incident.StateOnHold) }
	openedAt := func(s lifecycle.Snapshot) time.Time { return s.OpenedAt }
	return []*sla.Agreement{
		{
			ID: DeskResponse, Name: "Response, business hours", Type: sla.TypeSLA, Target: sla.TargetResponse,
			Process: incident.Process, Calendar: c,
			Durations: map[int]time.Duration{2: 30 * time.Minute, 3: 2 * time.Hour, 4: 4 * time.Hour, 5: 8 * time.Hour},
			Warnings:  []float64{80},
			Start:     desk, Stop: responded, StartAt: openedAt, SingleCycle: true,
		},
		{
			ID: DeskResolution, Name: "Resolution, business hours", Type: sla.TypeSLA, Target: sla.TargetResolution,
			Process: incident.Process, Calendar: c,
			Durations: map[int]time.Duration{2: 8 * time.Hour, 3: 16 * time.Hour, 4: 40 * time.Hour, 5: 80 * time.Hour},
			Warnings:  []float64{50, 75},
			Start:     desk, Stop: resolved, Pause: onHold, StartAt: openedAt,
		},
		{
			ID: P1Response, Name: "P1 response, 24×7", Type: sla.TypeSLA, Target: sla.TargetResponse,
			Process:   incident.Process,
			Durations: map[int]time.Duration{1: 15 * time.Minute},
			Warnings:  []float64{80},
			Start:     p1, Stop: responded, StartAt: openedAt, SingleCycle: true,
		},
		{
			ID: P1Resolution, Name: "P1 resolution, 24×7", Type: sla.TypeSLA, Target: sla.TargetResolution,
			Process:   incident.Process,
			Durations: map[int]time.Duration{1: 4 * time.Hour},
			Warnings:  []float64{50, 75},
			Start:     p1, Stop: resolved, Pause: onHold, StartAt: openedAt,
		},
	}
}

// RunUntil is the host's SLA scheduler, played on the fake clock: it asks
// the engine for the next deadline, moves the clock there and evaluates
// what is due, until the next deadline is after t; then it sets the clock
// to t.
func (d *Desk) RunUntil(ctx context.Context, t time.Time) error {
	if t.Before(d.Clock.Now()) {
		return fmt.Errorf("demo: the clock cannot go back from %v to %v", d.Clock.Now(), t)
	}
	for stuck := 0; ; {
		next, ok, err := d.SLA.NextDeadline(ctx)
		if err != nil {
			return err
		}
		if !ok || next.After(t) {
			break
		}
		if next.After(d.Clock.Now()) {
			d.Clock.Set(next.In(d.Location))
			stuck = 0
		} else if stuck++; stuck > 3 {
			return fmt.Errorf("demo: SLA deadline %v stays due after evaluation", next)
		}
		if _, err := d.SLA.EvaluateDue(ctx, d.Clock.Now()); err != nil {
			return err
		}
	}
	d.Clock.Set(t.In(d.Location))
	return nil
}
