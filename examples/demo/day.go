package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/sla"
)

// The days of the demo, in America/New_York: Wednesday 25 November 2026 to
// Monday 30 November. Thursday 26 is Thanksgiving, a US holiday; Saturday
// and Sunday are the weekend. The desk works Monday to Friday, 09:00–17:00.
var days = map[string]int{"Wed": 25, "Thu": 26, "Fri": 27, "Sat": 28, "Sun": 29, "Mon": 30}

// The play starts before the desk opens on Wednesday and ends after the
// nightly job on Monday.
const (
	playStart = "Wed 08:00"
	playEnd   = "Mon 18:30"
)

// The people of the demo. Callers are plain IDs: anyone may enter a
// caller's update.
var (
	alice   = lifecycle.Actor{ID: "alice", Roles: []string{"service-desk"}}                  // first line
	bob     = lifecycle.Actor{ID: "bob", Roles: []string{"network"}}                         // network
	chen    = lifecycle.Actor{ID: "chen", Roles: []string{"desktop"}}                        // desktop support
	gina    = lifecycle.Actor{ID: "gina", Roles: []string{"messaging"}}                      // mail platform
	ivan    = lifecycle.Actor{ID: "ivan", Roles: []string{"apps"}}                           // business applications
	hank    = lifecycle.Actor{ID: "hank", Roles: []string{"storage"}}                        // storage
	frank   = lifecycle.Actor{ID: "frank", Roles: []string{"web-ops"}}                       // on call at the weekend
	dave    = lifecycle.Actor{ID: "dave", Roles: []string{problem.RoleProblemManager}}       // problem manager
	mia     = lifecycle.Actor{ID: "mia", Roles: []string{incident.RoleMajorIncidentManager}} // major incident manager
	erin    = lifecycle.Actor{ID: "erin", Roles: []string{change.RoleECAB}}                  // emergency CAB
	monitor = lifecycle.Actor{ID: "monitor"}                                                 // the monitoring system
	carl    = lifecycle.Actor{ID: "carl", Roles: []string{"configuration-manager"}}          // keeps the CMDB

	// Normal changes are approved by the CAB: any change manager but the
	// change's requester.
	omar = lifecycle.Actor{ID: "omar", Roles: []string{"desktop", change.RoleChangeManager}} // desktop lead
	kim  = lifecycle.Actor{ID: "kim", Roles: []string{change.RoleChangeManager}}             // chairs the CAB
)

// Story names the records of the day's main story: a major incident, the
// problem behind it, the known error's workaround and the emergency change
// that fixes it; and those of the second story, Print.
type Story struct {
	Major          string     // the major incident
	Children       []string   // its child incidents
	Duplicate      string     // an incident canceled as a duplicate of the major one
	Problem        string     // opened automatically when the major incident was resolved
	Waiting        []string   // incidents on hold awaiting the problem, offered its workaround
	Change         string     // the emergency change that fixes the problem
	CausedByChange string     // an incident the change caused
	WeekendP1      string     // a P1 at the weekend, on the 24×7 agreements
	Print          PrintStory // the second story: the print server's problem
}

// PrintStory names the records of the day's second story: a recurring
// fault of the print server, which the agent links to a problem he opens;
// the problem becomes a known error, and a normal change, assessed and
// approved by the change authority, fixes it in the server's maintenance
// window.
type PrintStory struct {
	Incident string // the recurring incident, on hold awaiting the problem
	Problem  string // opened by hand by the agent
	Change   string // the normal change that fixes the problem
}

// Subjects returns the records of the print story, in story order.
func (s PrintStory) Subjects() []string { return []string{s.Incident, s.Problem, s.Change} }

// Subjects returns the records of the mail story, in story order (not the
// weekend P1, which stands on its own).
func (s Story) Subjects() []string {
	ids := append([]string{s.Major}, s.Children...)
	ids = append(ids, s.Duplicate, s.Problem)
	ids = append(ids, s.Waiting...)
	return append(ids, s.Change, s.CausedByChange)
}

// Day is what the play leaves behind.
type Day struct {
	Start, End time.Time      // when the play began and ended
	Location   *time.Location // the desk's zone, for reading times
	Calendar   *sla.Calendar  // the desk agreements' business calendar
	// Events are every event the Bus carried, in delivery order: an event
	// comes before the reactions it caused.
	Events    []lifecycle.Notification
	Incidents []*incident.Incident // by ID, each whole (see incident.Service.Export)
	Problems  []*problem.Problem   // by ID, each whole (see problem.Service.Export)
	Changes   []*change.Change     // by ID, each whole (see change.Service.Export)
	Timers    []*sla.Timer         // by ID
	Story     Story                // the records of the day's two stories
	// Refusals are the commands of the script the desk refused, as the
	// script expected, in the order they were tried.
	Refusals []Refusal
	// CIs are the CMDB's configuration items, by ID, each whole (with its
	// history).
	CIs []*cmdb.CI
	// Impacts are the impact analyses the script ran, in the order it ran
	// them.
	Impacts []ImpactNote

	desk *Desk // for the tests: the desk as the play left it
}

// Refusal is a command the desk refused: nothing changed, the caller got
// Err.
type Refusal struct {
	At      time.Time // when it was tried
	Subject string    // the record the command named
	Actor   string    // who tried it
	Err     error     // why it was refused
	// Before is how many events the Bus had carried when it was refused:
	// it comes before Events[Before] in the timeline.
	Before int
}

// ImpactNote is an impact analysis run during the play: what a failure of
// CI affects, up to the business services.
type ImpactNote struct {
	At     time.Time    // when it ran
	CI     string       // the failing CI
	Impact *cmdb.Impact // what the CMDB answered
	// Before is how many events the Bus had carried when it ran: it comes
	// before Events[Before] in the timeline.
	Before int
}

// At returns the instant of a "Mon 15:04" wall-clock time of the play.
func At(loc *time.Location, when string) time.Time {
	day, clock, ok := strings.Cut(when, " ")
	d, known := days[day]
	hm, err := time.Parse("15:04", clock)
	if !ok || !known || err != nil {
		panic("demo: bad time " + when)
	}
	return time.Date(2026, time.November, d, hm.Hour(), hm.Minute(), 0, 0, loc)
}

// ticket is an incident of the script; its ID is known once it is opened.
type ticket struct {
	id     string
	caller string
}

type step struct {
	at   time.Time
	what string
	do   func(ctx context.Context) error
}

// play is the script of the day: steps at wall-clock times, run in time
// order (steps at the same minute in the order they were written) with the
// SLA scheduler catching up between them.
type play struct {
	desk     *Desk
	steps    []step
	story    Story
	refusals []Refusal
	impacts  []ImpactNote
}

func (p *play) at(when, what string, do func(ctx context.Context) error) {
	p.steps = append(p.steps, step{at: At(p.desk.Location, when), what: what, do: do})
}

// refused runs a step the desk must refuse with an error matching want,
// and records the refusal; success, or another error, stops the play.
func (p *play) refused(when, what string, subject func() string, by lifecycle.Actor, want error, do func(ctx context.Context) error) {
	p.at(when, what, func(ctx context.Context) error {
		err := do(ctx)
		if !errors.Is(err, want) {
			return fmt.Errorf("want an error matching %v, got %v", want, err)
		}
		p.refusals = append(p.refusals, Refusal{At: p.desk.Clock.Now(), Subject: subject(), Actor: by.ID, Err: err,
			Before: len(p.desk.Events.Events())})
		return nil
	})
}

// open logs an incident; o.Caller is its caller.
func (p *play) open(when string, by lifecycle.Actor, o incident.Open) *ticket {
	return p.openUnder(when, "open "+o.Title, by, nil, o)
}

// child logs an incident under parent.
func (p *play) child(when string, by lifecycle.Actor, parent *ticket, o incident.Open) *ticket {
	return p.openUnder(when, "open child "+o.Title, by, parent, o)
}

// openUnder logs an incident, under parent unless it is nil.
func (p *play) openUnder(when, what string, by lifecycle.Actor, parent *ticket, o incident.Open) *ticket {
	t := &ticket{caller: o.Caller}
	p.at(when, what, func(ctx context.Context) error {
		if parent != nil {
			o.Parent = parent.id
		}
		x, err := p.desk.Incidents.Open(ctx, by, o)
		if err != nil {
			return err
		}
		t.id = x.ID
		return nil
	})
	return t
}

// impact runs the CMDB's impact analysis of a failure of ci and keeps it
// for the timeline.
func (p *play) impact(when, ci string) {
	p.at(when, "impact of "+ci, func(ctx context.Context) error {
		im, err := p.desk.CMDB.Impact(ctx, cmdb.ImpactQuery{From: []string{ci}})
		if err != nil {
			return err
		}
		p.impacts = append(p.impacts, ImpactNote{At: p.desk.Clock.Now(), CI: ci, Impact: im, Before: len(p.desk.Events.Events())})
		return nil
	})
}

// inventory are the CMDB's configuration items, recorded under their IDs:
// the business service email is the incidents' service "email".
var inventory = []struct {
	id, class, name string
	criticality     cmdb.Criticality
	group           string
}{
	{"email", cmdb.ClassBusinessService, "Mail", cmdb.CriticalityCritical, "messaging"},
	{"calendar", cmdb.ClassBusinessService, "Calendar", cmdb.CriticalityHigh, "messaging"},
	{"mail-app", cmdb.ClassApplication, "mail-app", cmdb.CriticalityHigh, "messaging"},
	{"cal-app", cmdb.ClassApplication, "cal-app", cmdb.CriticalityMedium, "messaging"},
	{"mail-db", cmdb.ClassDatabase, "mail-db", cmdb.CriticalityHigh, "dba"},
	{"mx-1", cmdb.ClassVM, "mx-1", cmdb.CriticalityHigh, "messaging"},
	{"cal-1", cmdb.ClassVM, "cal-1", cmdb.CriticalityMedium, "messaging"},
	{"host-7", cmdb.ClassServer, "host-7", cmdb.CriticalityHigh, "infrastructure"},
}

// dependencies are the CMDB's relationships: parent, type, child.
var dependencies = [][3]string{
	{"email", cmdb.TypeDependsOn, "mail-app"},
	{"calendar", cmdb.TypeDependsOn, "cal-app"},
	{"mail-app", cmdb.TypeRunsOn, "mx-1"},
	{"mail-app", cmdb.TypeDependsOn, "mail-db"},
	{"cal-app", cmdb.TypeDependsOn, "mail-app"},
	{"cal-app", cmdb.TypeRunsOn, "cal-1"},
	{"mx-1", cmdb.TypeRunsOn, "host-7"},
	{"cal-1", cmdb.TypeRunsOn, "host-7"},
	{"mail-db", cmdb.TypeRunsOn, "host-7"},
}

// do runs an incident command built from the ticket's ID at run time.
func (p *play) do(t *ticket, when string, by lifecycle.Actor, cmd func(id string) incident.Command) {
	p.at(when, fmt.Sprintf("%s by %s", cmdName(cmd("")), by.ID), func(ctx context.Context) error {
		_, err := p.desk.Incidents.Do(ctx, by, cmd(t.id))
		if err != nil {
			return fmt.Errorf("%s: %w", t.id, err)
		}
		return nil
	})
}

// problemDo runs a problem command built from the problem's ID, which id
// answers at run time.
func (p *play) problemDo(id func(ctx context.Context) (string, error), when, what string, by lifecycle.Actor, cmd func(id string) problem.Command) {
	p.at(when, what, func(ctx context.Context) error {
		pid, err := id(ctx)
		if err != nil {
			return err
		}
		_, err = p.desk.Problems.Do(ctx, by, cmd(pid))
		return err
	})
}

// changeDo runs a change command built from the change's ID, which id
// answers at run time.
func (p *play) changeDo(id func() string, when, what string, by lifecycle.Actor, cmd func(id string) change.Command) {
	p.at(when, what, func(ctx context.Context) error {
		_, err := p.desk.Changes.Do(ctx, by, cmd(id()))
		return err
	})
}

func cmdName(c incident.Command) string { return fmt.Sprintf("%T", c) }

func (p *play) assign(t *ticket, when string, by lifecycle.Actor, group, assignee string) {
	p.do(t, when, by, func(id string) incident.Command {
		return incident.Assign{ID: id, Group: group, Assignee: assignee}
	})
}

func (p *play) resolve(t *ticket, when string, by lifecycle.Actor, code incident.ResolutionCode, notes string) {
	p.do(t, when, by, func(id string) incident.Command {
		return incident.Resolve{ID: id, Code: code, Notes: notes}
	})
}

// confirm is the caller confirming the resolution: the incident closes.
func (p *play) confirm(t *ticket, when string) {
	p.do(t, when, lifecycle.Actor{ID: t.caller}, func(id string) incident.Command {
		return incident.Close{ID: id, Note: "Confirmed by the caller"}
	})
}

func (p *play) askCaller(t *ticket, when string, by lifecycle.Actor, question string) {
	p.do(t, when, by, func(id string) incident.Command {
		return incident.Hold{ID: id, Reason: incident.HoldAwaitingCaller, Comment: question}
	})
}

func (p *play) callerAnswers(t *ticket, when, text string) {
	p.do(t, when, lifecycle.Actor{ID: t.caller}, func(id string) incident.Command {
		return incident.CallerUpdate{ID: id, Text: text}
	})
}

func (p *play) note(t *ticket, when string, by lifecycle.Actor, text string) {
	p.do(t, when, by, func(id string) incident.Command { return incident.WorkNote{ID: id, Text: text} })
}

// routine adds a ticket handled without surprises: opened, assigned,
// resolved, and confirmed by the caller when confirmed is not empty.
func (p *play) routine(opened string, by lifecycle.Actor, o incident.Open, assigned string, agent lifecycle.Actor, group, resolved, notes, confirmed string) *ticket {
	t := p.open(opened, by, o)
	p.assign(t, assigned, alice, group, agent.ID)
	p.resolve(t, resolved, agent, incident.CodeSolutionProvided, notes)
	if confirmed != "" {
		p.confirm(t, confirmed)
	}
	return t
}

// Play builds a desk and plays the script of the day on it.
func Play(ctx context.Context) (*Day, error) {
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		return nil, err
	}
	start, end := At(loc, playStart), At(loc, playEnd)
	desk, err := NewDesk(start)
	if err != nil {
		return nil, err
	}
	p := &play{desk: desk}
	p.script()
	slices.SortStableFunc(p.steps, func(a, b step) int { return a.at.Compare(b.at) })
	for _, s := range p.steps {
		if err := desk.RunUntil(ctx, s.at); err != nil {
			return nil, fmt.Errorf("%s: SLA scheduler: %w", s.at.Format("Mon 15:04"), err)
		}
		if err := s.do(ctx); err != nil {
			return nil, fmt.Errorf("%s %s: %w", s.at.Format("Mon 15:04"), s.what, err)
		}
	}
	if err := desk.RunUntil(ctx, end); err != nil {
		return nil, err
	}
	return p.collect(ctx, start, end)
}

func (p *play) collect(ctx context.Context, start, end time.Time) (*Day, error) {
	d := p.desk
	day := &Day{Start: start, End: end, Location: d.Location, Calendar: d.Calendar, Events: d.Events.Events(), Story: p.story,
		Refusals: p.refusals, Impacts: p.impacts, desk: d}
	// The report reads each record whole: its history and notes.
	var err error
	day.Incidents, err = exportAll(ctx, func(ctx context.Context, after string) ([]*incident.Incident, string, error) {
		page, err := d.Incidents.List(ctx, incident.Filter{Limit: incident.MaxLimit, After: after})
		return page.Incidents, page.Next, err
	}, func(x *incident.Incident) string { return x.ID }, d.Incidents.Export)
	if err != nil {
		return nil, err
	}
	day.Problems, err = exportAll(ctx, func(ctx context.Context, after string) ([]*problem.Problem, string, error) {
		page, err := d.Problems.List(ctx, problem.Filter{After: after})
		return page.Problems, page.Next, err
	}, func(x *problem.Problem) string { return x.ID }, d.Problems.Export)
	if err != nil {
		return nil, err
	}
	day.Changes, err = exportAll(ctx, func(ctx context.Context, after string) ([]*change.Change, string, error) {
		page, err := d.Changes.List(ctx, change.Filter{After: after})
		return page.Changes, page.Next, err
	}, func(x *change.Change) string { return x.ID }, d.Changes.Export)
	if err != nil {
		return nil, err
	}
	day.CIs, err = exportAll(ctx, func(ctx context.Context, after string) ([]*cmdb.CI, string, error) {
		page, err := d.CMDB.List(ctx, cmdb.Filter{After: after})
		return page.CIs, page.Next, err
	}, func(x *cmdb.CI) string { return x.ID }, func(ctx context.Context, id string) (*cmdb.CI, error) {
		x, err := d.CMDB.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		x.History, err = d.CMDB.History(ctx, id, 0, lifecycle.DefaultListLimit)
		return x, err
	})
	if err != nil {
		return nil, err
	}
	for _, x := range day.Incidents {
		ts, err := d.SLA.Timers(ctx, x.ID)
		if err != nil {
			return nil, err
		}
		day.Timers = append(day.Timers, ts...)
	}
	return day, nil
}

// exportAll lists every record, page by page (list answers the page after
// the cursor, and the next cursor), and exports each one whole.
func exportAll[X any](ctx context.Context, list func(ctx context.Context, after string) ([]X, string, error),
	id func(X) string, export func(ctx context.Context, id string) (X, error)) ([]X, error) {
	var out []X
	for after := ""; ; {
		xs, next, err := list(ctx, after)
		if err != nil {
			return nil, err
		}
		for _, x := range xs {
			whole, err := export(ctx, id(x))
			if err != nil {
				return nil, err
			}
			out = append(out, whole)
		}
		if after = next; after == "" {
			return out, nil
		}
	}
}

// script writes the day. Each ticket's life is written in one place; the
// play runs the steps in time order.
func (p *play) script() {
	d := p.desk

	// Nightly housekeeping: incidents resolved for 72 hours without a word
	// from their caller are closed (major incidents are left to a person).
	for _, day := range []string{"Wed", "Thu", "Fri", "Sat", "Sun", "Mon"} {
		p.at(day+" 18:00", "auto-close", func(ctx context.Context) error {
			_, err := d.Incidents.AutoClose(ctx, lifecycle.System)
			return err
		})
	}

	// The CMDB, recorded before the desk opens: the business services Mail
	// (critical) and Calendar (high); mail-app runs on the VM mx-1 and
	// keeps its mailboxes in mail-db; cal-app sends its invitations
	// through mail-app and runs on the VM cal-1; both VMs and mail-db run
	// on the server host-7. Impact flows up: mx-1 failing affects
	// mail-app, then Mail and cal-app, then Calendar.
	p.at(playStart, "record the CMDB", func(ctx context.Context) error {
		for _, c := range inventory {
			if _, err := d.RecordCI(ctx, carl, c.id, cmdb.NewCI{Class: c.class, Name: c.name, Status: cmdb.StatusOperational,
				Criticality: c.criticality, Group: c.group}); err != nil {
				return err
			}
		}
		for _, r := range dependencies {
			if _, err := d.CMDB.Do(ctx, carl, cmdb.Relate{ID: r[0], Type: r[1], Child: r[2]}); err != nil {
				return err
			}
		}
		return nil
	})

	// ---- Wednesday 25 November ----
	p.routine("Wed 08:10", alice, incident.Open{Title: "Printer on 3rd floor jams", Caller: "t.nguyen",
		Service: "printing", ConfigItem: "prn-3f", Impact: 3, Urgency: 2},
		"Wed 09:05", chen, "desktop", "Wed 10:00", "Replaced the pickup roller.", "Wed 11:00")
	p.routine("Wed 08:40", alice, incident.Open{Title: "Password expired, cannot log in", Caller: "l.smith",
		Service: "identity", ConfigItem: "ad-1", Impact: 3, Urgency: 1},
		"Wed 09:10", alice, "service-desk", "Wed 09:20", "Password reset; self-service reset explained.", "Wed 09:30")
	p.routine("Wed 09:05", alice, incident.Open{Title: "Outlook keeps asking for the password", Caller: "p.brown",
		Service: "email", ConfigItem: "outlook-client", Impact: 2, Urgency: 2},
		"Wed 09:20", gina, "messaging", "Wed 10:30", "Cleared cached credentials.", "")

	teams := p.routine("Wed 09:30", alice, incident.Open{Title: "No audio in Teams calls", Caller: "s.khan",
		Service: "collaboration", ConfigItem: "teams", Impact: 3, Urgency: 1},
		"Wed 09:35", chen, "desktop", "Wed 10:00", "Reset the audio device.", "")
	p.do(teams, "Wed 14:00", lifecycle.Actor{ID: "s.khan"}, func(id string) incident.Command {
		return incident.Reopen{ID: id, Reason: "Still no audio in the afternoon meetings"}
	})
	p.resolve(teams, "Wed 15:00", chen, incident.CodeSolutionProvided, "Updated the audio driver.")
	p.confirm(teams, "Fri 09:30")

	// The major incident: mail delays, raised to P1, accepted as major.
	major := p.open("Wed 09:50", alice, incident.Open{Title: "Outbound mail delayed for all users", Caller: "cfo.office",
		Service: "email", ConfigItem: "mx-1", Impact: 2, Urgency: 1})
	// The monitoring marks mx-1 degraded, and the desk asks the CMDB what
	// its failure affects.
	p.at("Wed 09:52", "degrade mx-1", func(ctx context.Context) error {
		_, err := d.CMDB.Do(ctx, monitor, cmdb.Degrade{ID: "mx-1", Reason: "Outbound queue disk full"})
		return err
	})
	p.impact("Wed 09:52", "mx-1")
	p.assign(major, "Wed 09:55", alice, "messaging", "gina")
	p.do(major, "Wed 10:06", gina, func(id string) incident.Command {
		return incident.Update{ID: id, Impact: 1, Note: "Every outbound message is queued: company-wide"}
	})
	p.do(major, "Wed 10:08", alice, func(id string) incident.Command {
		return incident.ProposeMajor{ID: id, Reason: "No outbound mail for the whole company"}
	})
	p.do(major, "Wed 10:12", mia, func(id string) incident.Command {
		return incident.AcceptMajor{ID: id, Note: "Bridge opened; updates every 30 minutes"}
	})
	c1 := p.child("Wed 10:15", alice, major, incident.Open{Title: "Cannot send mail to customers", Caller: "sales.team",
		Service: "email", ConfigItem: "mx-1", Impact: 2, Urgency: 1})
	p.assign(c1, "Wed 10:18", alice, "messaging", "")
	c2 := p.child("Wed 10:20", alice, major, incident.Open{Title: "Invoices not e-mailed to clients", Caller: "ar.team",
		Service: "email", ConfigItem: "mx-1", Impact: 2, Urgency: 2})
	p.assign(c2, "Wed 10:24", alice, "messaging", "")
	dup := p.open("Wed 10:25", alice, incident.Open{Title: "Is e-mail down?", Caller: "b.jones",
		Service: "email", ConfigItem: "mx-1", Impact: 3, Urgency: 2})
	p.do(dup, "Wed 10:30", alice, func(id string) incident.Command {
		return incident.Cancel{ID: id, Reason: "Duplicate of major incident " + major.id}
	})
	c3 := p.child("Wed 10:40", alice, major, incident.Open{Title: "Mail stuck in the outbox", Caller: "d.wu",
		Service: "email", ConfigItem: "mx-1", Impact: 3, Urgency: 1})
	p.assign(c3, "Wed 10:42", alice, "messaging", "")
	p.note(major, "Wed 11:00", gina, "Queue on mx-1 at 48,000 messages; its disk is full.")
	p.note(major, "Wed 13:00", gina, "Outbound mail failed over to mx-2; the queue is draining.")
	p.resolve(major, "Wed 13:30", gina, incident.CodeWorkaroundProvided,
		"Outbound mail fails over to mx-2; the queue on mx-1 drained.")
	p.do(major, "Mon 11:00", mia, func(id string) incident.Command {
		return incident.Close{ID: id, Note: "Post-incident review held"}
	})

	// The problem opened automatically for the major incident.
	prb := func(ctx context.Context) (string, error) {
		if p.story.Problem != "" {
			return p.story.Problem, nil
		}
		page, err := d.Problems.List(ctx, problem.Filter{Incident: major.id})
		if err != nil {
			return "", err
		}
		if len(page.Problems) != 1 {
			return "", fmt.Errorf("%d problems link %s, want 1", len(page.Problems), major.id)
		}
		p.story.Problem = page.Problems[0].ID
		return p.story.Problem, nil
	}
	problemStep := func(when, what string, by lifecycle.Actor, cmd func(id string) problem.Command) {
		p.problemDo(prb, when, what, by, cmd)
	}
	problemStep("Wed 14:00", "assess the problem", dave, func(id string) problem.Command {
		return problem.Assess{ID: id, Notes: "Real and recurring: mx-1 ran out of disk"}
	})
	problemStep("Wed 14:30", "confirm the problem", dave, func(id string) problem.Command {
		return problem.Confirm{ID: id, Assignee: "dave", Notes: "Root cause analysis with messaging"}
	})
	problemStep("Wed 15:30", "record the known error", dave, func(id string) problem.Command {
		return problem.RecordKnownError{ID: id,
			Symptom:    "Outbound mail queues on mx-1",
			RootCause:  "The spam filter's quarantine on mx-1 is never purged and fills the queue disk",
			Workaround: "Fail outbound mail over to mx-2 (mailctl failover mx-2) and purge the quarantine by hand",
		}
	})

	// Incidents on the known error: the workaround is offered, and they wait
	// for the problem's fix.
	waiting := func(opened string, o incident.Open, assigned, held, linked string) *ticket {
		t := p.open(opened, alice, o)
		p.assign(t, assigned, alice, "messaging", "gina")
		p.at(held, "hold awaiting the problem", func(ctx context.Context) error {
			id, err := prb(ctx)
			if err != nil {
				return err
			}
			_, err = d.Incidents.Hold(ctx, gina, incident.Hold{ID: t.id, Reason: incident.HoldAwaitingProblem, Problem: id})
			return err
		})
		problemStep(linked, "link the waiting incident", dave, func(id string) problem.Command {
			return problem.LinkIncident{ID: id, Incidents: []string{t.id}, Notes: "Waits for the fix"}
		})
		return t
	}
	ke1 := waiting("Wed 16:00", incident.Open{Title: "Outbound mail queue growing again", Caller: "helpdesk",
		Service: "email", ConfigItem: "mx-1", Impact: 2, Urgency: 1}, "Wed 16:05", "Wed 16:10", "Wed 16:12")

	p.routine("Wed 11:45", alice, incident.Open{Title: "Monitor flickering", Caller: "a.roy",
		Service: "hardware", ConfigItem: "desk-412", Impact: 3, Urgency: 2},
		"Wed 12:00", chen, "desktop", "Wed 13:00", "Replaced the DisplayPort cable.", "")

	excel := p.open("Wed 11:00", alice, incident.Open{Title: "Excel crashes opening the budget file", Caller: "r.diaz",
		Service: "office", ConfigItem: "excel", Impact: 2, Urgency: 2})
	p.assign(excel, "Wed 11:10", alice, "desktop", "chen")
	p.askCaller(excel, "Wed 11:30", chen, "Which Excel build do you run? Please attach the file.")
	p.callerAnswers(excel, "Fri 09:20", "Build 2410; file attached.")
	p.resolve(excel, "Fri 10:15", chen, incident.CodeSolutionProvided, "Repaired the Office installation.")
	p.confirm(excel, "Fri 11:00")

	erp := p.open("Wed 12:00", alice, incident.Open{Title: "ERP invoice export fails", Caller: "ar.team",
		Service: "erp", ConfigItem: "erp-app-1", Impact: 2, Urgency: 2})
	p.assign(erp, "Wed 12:10", alice, "apps", "ivan")
	p.do(erp, "Wed 13:00", ivan, func(id string) incident.Command {
		return incident.Hold{ID: id, Reason: incident.HoldAwaitingVendor, Comment: "Vendor case 8812 opened."}
	})
	p.do(erp, "Mon 10:00", ivan, func(id string) incident.Command {
		return incident.Resume{ID: id, Note: "The vendor sent hotfix 7.2.1"}
	})
	p.resolve(erp, "Mon 12:00", ivan, incident.CodeSolutionProvided, "Installed the vendor's hotfix 7.2.1.")

	pdf := p.open("Wed 13:15", alice, incident.Open{Title: "Cannot print to PDF", Caller: "k.lee",
		Service: "office", ConfigItem: "pdf-printer", Impact: 3, Urgency: 2})
	p.assign(pdf, "Wed 13:20", alice, "desktop", "chen")
	p.askCaller(pdf, "Wed 13:40", chen, "Does it fail for every document?")
	p.callerAnswers(pdf, "Wed 14:30", "Only for scanned files.")
	p.resolve(pdf, "Wed 15:00", chen, incident.CodeSolutionProvided, "Updated the PDF driver.")
	p.confirm(pdf, "Wed 15:10")

	// Forgotten in the queue over the holiday: the response breaches on
	// Friday, and the breach escalates it.
	dock := p.open("Wed 14:00", alice, incident.Open{Title: "Docking station not detected", Caller: "m.ortiz",
		Service: "hardware", ConfigItem: "dock-22", Impact: 3, Urgency: 2})
	p.assign(dock, "Fri 10:20", alice, "desktop", "chen")
	p.resolve(dock, "Fri 11:00", chen, incident.CodeSolutionProvided, "Updated the dock's firmware.")
	p.confirm(dock, "Fri 11:30")

	p.routine("Wed 14:20", alice, incident.Open{Title: "Wi-Fi slow in the cafeteria", Caller: "f.ali",
		Service: "wifi", ConfigItem: "ap-1f", Impact: 3, Urgency: 2},
		"Wed 14:30", bob, "network", "Wed 16:30", "Moved the access point to a free channel.", "")

	// A P2 that runs across the holiday: warnings and a breach on Friday.
	vpn := p.open("Wed 15:00", alice, incident.Open{Title: "VPN disconnects every 10 minutes", Caller: "j.park",
		Service: "remote-access", ConfigItem: "vpn-gw-1", Impact: 2, Urgency: 1})
	p.assign(vpn, "Wed 15:10", alice, "network", "bob")
	p.note(vpn, "Wed 15:40", bob, "Captured logs: dead-peer-detection timeouts on vpn-gw-1.")
	p.resolve(vpn, "Fri 16:30", bob, incident.CodeSolutionProvided, "Raised the DPD timeout; firmware 9.1.4 installed.")
	p.confirm(vpn, "Mon 09:15")

	p.routine("Wed 16:30", alice, incident.Open{Title: "Keyboard keys sticking", Caller: "n.patel",
		Service: "hardware", ConfigItem: "kb-118", Impact: 3, Urgency: 3},
		"Wed 16:45", chen, "desktop", "Fri 09:30", "Replaced the keyboard.", "Fri 10:00")
	p.routine("Wed 17:30", alice, incident.Open{Title: "Cannot open a shared calendar", Caller: "h.zhao",
		Service: "collaboration", ConfigItem: "exchange", Impact: 3, Urgency: 2},
		"Fri 09:10", chen, "desktop", "Fri 09:40", "Re-granted the calendar permission.", "")

	// ---- Thursday 26 November: Thanksgiving, the desk is closed ----
	p.routine("Thu 11:00", lifecycle.Actor{ID: "c.martin"}, incident.Open{Title: "Expense portal login error", Caller: "c.martin",
		Service: "finance-portal", ConfigItem: "exp-1", Impact: 3, Urgency: 2},
		"Fri 09:45", ivan, "apps", "Fri 10:30", "Cleared the stale session.", "")

	// ---- Friday 27 November ----
	p.routine("Fri 09:05", alice, incident.Open{Title: "Scanner sends blank pages", Caller: "g.hall",
		Service: "printing", ConfigItem: "scan-2", Impact: 3, Urgency: 2},
		"Fri 09:15", chen, "desktop", "Fri 10:00", "Cleaned the scanner glass and sensor.", "Fri 10:05")
	ke2 := waiting("Fri 09:40", incident.Open{Title: "Mail to partners bouncing: queue full", Caller: "partners.desk",
		Service: "email", ConfigItem: "mx-1", Impact: 2, Urgency: 2}, "Fri 09:45", "Fri 09:50", "Fri 09:52")

	// The emergency change that fixes the problem.
	chg := func() string { return p.story.Change }
	changeStep := func(when, what string, by lifecycle.Actor, cmd func(id string) change.Command) {
		p.changeDo(chg, when, what, by, cmd)
	}
	// Related-CI change conflicts: once change enablement reads the CMDB
	// (see NewDesk), this change on mx-1 also meets what is booked on
	// host-7, which mx-1 runs on; the place to show it is here.
	p.at("Fri 10:00", "raise the emergency change", func(ctx context.Context) error {
		id, err := prb(ctx)
		if err != nil {
			return err
		}
		c, err := d.Changes.Create(ctx, dave, change.Create{
			Type:        change.Emergency,
			Title:       "Purge the quarantine on mx-1 and install a nightly purge",
			Group:       "messaging",
			Assignee:    "gina",
			Service:     "email",
			ConfigItems: []string{"mx-1"},
			Plans: change.Plans{
				Implementation: "Purge the quarantine; install the nightly purge job; fail back from mx-2.",
				Backout:        "Remove the job; keep mail on mx-2.",
				Test:           "Send test mail to three external domains; watch the queue for an hour.",
			},
			PlannedStart: At(d.Location, "Fri 18:00"),
			PlannedEnd:   At(d.Location, "Fri 19:00"),
			Problems:     []string{id},
		})
		if err != nil {
			return err
		}
		p.story.Change = c.ID
		return nil
	})
	changeStep("Fri 10:05", "request approval", dave, func(id string) change.Command { return change.RequestApproval{ID: id} })
	changeStep("Fri 10:30", "approve (ECAB)", erin, func(id string) change.Command {
		return change.Approve{ID: id, Comment: "Approved: the queue will fill again over the weekend"}
	})
	problemStep("Fri 10:35", "start the fix", dave, func(id string) problem.Command {
		return problem.StartFix{ID: id, Changes: []string{chg()}, Notes: "Emergency change approved by the ECAB"}
	})
	changeStep("Fri 18:00", "implement", gina, func(id string) change.Command { return change.Implement{ID: id} })
	caused := p.open("Fri 18:20", monitor, incident.Open{Title: "Mail archive search fails", Caller: "monitoring",
		Service: "email-archive", ConfigItem: "archive-1", Impact: 2, Urgency: 2})
	p.assign(caused, "Fri 18:25", gina, "messaging", "gina")
	p.at("Fri 18:30", "link the incident the change caused", func(ctx context.Context) error {
		_, err := d.Changes.Link(ctx, gina, change.Link{ID: chg(), Incidents: []string{caused.id}})
		return err
	})
	changeStep("Fri 18:40", "review", gina, func(id string) change.Command {
		return change.Review{ID: id, Outcome: change.OutcomeSuccessfulWithIssues,
			Notes: "Queue normal after the purge; the archive index needed a rebuild (the incident it caused)."}
	})
	p.at("Fri 18:40", "restore mx-1", func(ctx context.Context) error {
		_, err := d.CMDB.Do(ctx, gina, cmdb.Restore{ID: "mx-1"})
		return err
	})
	changeStep("Fri 18:45", "close", dave, func(id string) change.Command { return change.Close{ID: id} })
	p.resolve(caused, "Mon 10:00", gina, incident.CodeResolvedByChange, "Rebuilt the archive index after the purge.")
	problemStep("Mon 09:30", "complete the problem", dave, func(id string) problem.Command {
		return problem.Complete{ID: id, Notes: "No queue growth since the nightly purge was installed"}
	})

	// The second story: secure printing fails again, for the third time
	// this month. The agent opens a problem for the recurring fault, links
	// it with the incident both ways and puts the incident on hold awaiting
	// it; a normal change, assessed and approved by the change authority
	// (its requester may not approve it himself), fixes it in the print
	// server's maintenance window.
	printing := p.open("Wed 16:40", alice, incident.Open{Title: "Secure print jobs stuck again, nothing releases", Caller: "finance.team",
		Service: "secure-print", ConfigItem: "prn-srv-1", Impact: 2, Urgency: 2})
	p.assign(printing, "Wed 16:45", alice, "desktop", "chen")
	prn := func() string { return p.story.Print.Problem }
	printProblem := func(when, what string, by lifecycle.Actor, cmd func(id string) problem.Command) {
		p.problemDo(func(context.Context) (string, error) { return prn(), nil }, when, what, by, cmd)
	}
	p.at("Wed 16:55", "open the print problem", func(ctx context.Context) error {
		x, err := d.Problems.Open(ctx, chen, problem.Open{
			Title:      "Print-release service on prn-srv-1 stops every few days",
			Impact:     2,
			Urgency:    2,
			Group:      "desktop",
			Service:    "secure-print",
			ConfigItem: "prn-srv-1",
			Symptom:    "Secure print jobs stay held: nothing releases at the printers",
		})
		if err != nil {
			return err
		}
		p.story.Print.Problem = x.ID
		return nil
	})
	printProblem("Wed 16:55", "link the recurring incident", chen, func(id string) problem.Command {
		return problem.LinkIncident{ID: id, Incidents: []string{printing.id}, Notes: "The third outage this month"}
	})
	p.do(printing, "Wed 16:58", chen, func(id string) incident.Command { return incident.LinkProblem{ID: id, Problem: prn()} })
	p.do(printing, "Wed 16:58", chen, func(id string) incident.Command {
		return incident.Hold{ID: id, Reason: incident.HoldAwaitingProblem,
			Comment: "Print server fix pending; jobs are released again after a service restart."}
	})
	printProblem("Wed 17:10", "assess the print problem", dave, func(id string) problem.Command {
		return problem.Assess{ID: id, Notes: "Real and recurring: three outages this month"}
	})
	printProblem("Fri 09:30", "confirm the print problem", dave, func(id string) problem.Command {
		return problem.Confirm{ID: id, Assignee: "chen", Notes: "Root cause analysis by desktop support"}
	})
	printProblem("Fri 11:15", "record the print known error", chen, func(id string) problem.Command {
		return problem.RecordKnownError{ID: id,
			RootCause:  "Print-release 5.2 on prn-srv-1 leaks memory and stops releasing jobs after about three days",
			Workaround: "Restart the print-release service on prn-srv-1; held jobs are kept",
			Fix:        "Upgrade print-release to 5.3",
		}
	})

	// The normal change: assessed, approved by the CAB (one change manager,
	// not the requester), scheduled at once inside prn-srv-1's maintenance
	// window (Saturday 07:00-11:00), implemented, reviewed and closed.
	normal := func() string { return p.story.Print.Change }
	normalStep := func(when, what string, by lifecycle.Actor, cmd func(id string) change.Command) {
		p.changeDo(normal, when, what, by, cmd)
	}
	p.at("Fri 11:20", "raise the normal change", func(ctx context.Context) error {
		c, err := d.Changes.Create(ctx, omar, change.Create{
			Type:        change.Normal,
			Title:       "Upgrade print-release on prn-srv-1 to 5.3",
			Group:       "desktop",
			Assignee:    "chen",
			Service:     "secure-print",
			ConfigItems: []string{"prn-srv-1"},
			Plans: change.Plans{
				Implementation: "Stop print-release; install 5.3; start it; release a test job on every floor.",
				Backout:        "Reinstall 5.2 from the saved package and restore its configuration.",
				Test:           "Release a held job on every floor's printer; watch the service's memory for an hour.",
			},
			PlannedStart: At(d.Location, "Sat 08:00"),
			PlannedEnd:   At(d.Location, "Sat 09:00"),
			Problems:     []string{prn()},
		})
		if err != nil {
			return err
		}
		p.story.Print.Change = c.ID
		return nil
	})
	normalStep("Fri 11:25", "assess the normal change", omar, func(id string) change.Command { return change.Assess{ID: id} })
	normalStep("Fri 11:35", "request the CAB's approval", omar, func(id string) change.Command { return change.RequestApproval{ID: id} })
	p.refused("Fri 11:45", "approve one's own change", normal, omar, lifecycle.ErrForbidden, func(ctx context.Context) error {
		_, err := d.Changes.Do(ctx, omar, change.Approve{ID: normal(), Comment: "Low risk, in the window"})
		return err
	})
	normalStep("Fri 14:00", "approve (CAB)", kim, func(id string) change.Command {
		return change.Approve{ID: id, Comment: "Approved at the CAB: low risk, inside the maintenance window"}
	})
	printProblem("Fri 14:10", "start the print fix", chen, func(id string) problem.Command {
		return problem.StartFix{ID: id, Changes: []string{normal()}, Notes: "Normal change approved by the CAB"}
	})
	normalStep("Sat 08:00", "implement the normal change", chen, func(id string) change.Command { return change.Implement{ID: id} })
	normalStep("Sat 08:40", "review the normal change", chen, func(id string) change.Command {
		return change.Review{ID: id, Outcome: change.OutcomeSuccessful,
			Notes: "5.3 installed; a held job released on every floor; memory flat for an hour."}
	})
	normalStep("Mon 09:00", "close the normal change", kim, func(id string) change.Command { return change.Close{ID: id} })
	printProblem("Mon 11:30", "complete the print problem", dave, func(id string) problem.Command {
		return problem.Complete{ID: id, Notes: "No stuck print jobs since the upgrade"}
	})

	battery := p.open("Fri 11:30", alice, incident.Open{Title: "Laptop battery drains fast", Caller: "o.berg",
		Service: "hardware", ConfigItem: "lt-3321", Impact: 3, Urgency: 2})
	p.assign(battery, "Fri 11:40", alice, "desktop", "chen")
	p.askCaller(battery, "Fri 12:00", chen, "Please run the battery report and send it to us.")
	p.callerAnswers(battery, "Mon 10:00", "Report attached: 41% of design capacity.")
	p.resolve(battery, "Mon 11:00", chen, incident.CodeSolutionProvided, "Replaced the battery.")

	p.routine("Fri 13:00", alice, incident.Open{Title: "Teams meetings drop after an hour", Caller: "v.costa",
		Service: "collaboration", ConfigItem: "teams", Impact: 2, Urgency: 2},
		"Fri 13:10", chen, "desktop", "Fri 14:30", "Removed a conflicting VPN split-tunnel rule.", "Fri 14:40")
	p.routine("Fri 14:00", alice, incident.Open{Title: "CRM pages load slowly", Caller: "sales.team",
		Service: "crm", ConfigItem: "crm-web", Impact: 2, Urgency: 2},
		"Fri 14:20", ivan, "apps", "Fri 16:00", "Rebuilt the CRM search index.", "Mon 09:05")

	// Open over the weekend: a warning on Monday afternoon.
	p.routine("Fri 16:00", alice, incident.Open{Title: "Shared drive reports quota errors", Caller: "legal.team",
		Service: "file-services", ConfigItem: "fs-2", Impact: 2, Urgency: 2},
		"Fri 16:20", hank, "storage", "Mon 16:30", "Raised the department quota.", "")
	// Nobody picks it up before the weekend: the response breaches on
	// Monday morning and escalates it.
	wifi := p.open("Fri 16:30", alice, incident.Open{Title: "Wi-Fi drops in the meeting rooms", Caller: "facilities",
		Service: "wifi", ConfigItem: "ap-2f", Impact: 2, Urgency: 2})
	p.assign(wifi, "Mon 10:45", alice, "network", "bob")
	p.resolve(wifi, "Mon 14:00", bob, incident.CodeSolutionProvided, "Replaced the failing access point.")

	// ---- Saturday 28 November: a P1 on the 24×7 agreements ----
	web := p.open("Sat 02:00", monitor, incident.Open{Title: "Public website returns 503", Caller: "monitoring",
		Service: "website", ConfigItem: "web-1", Impact: 1, Urgency: 1})
	p.assign(web, "Sat 02:25", frank, "web-ops", "frank")
	p.note(web, "Sat 03:10", frank, "web-1's disk is full of session files.")
	p.resolve(web, "Sat 05:10", frank, incident.CodeSolutionProvided, "Cleared the session files; restarted the app pool.")

	// ---- Monday 30 November ----
	p.routine("Mon 08:45", alice, incident.Open{Title: "Cannot connect to the VPN from a hotel", Caller: "k.travel",
		Service: "remote-access", ConfigItem: "vpn-gw-1", Impact: 3, Urgency: 1},
		"Mon 09:05", bob, "network", "Mon 09:40", "The hotel blocks UDP: use the TCP profile.", "Mon 09:45")
	p.routine("Mon 09:10", alice, incident.Open{Title: "Printer queue stuck", Caller: "e.fox",
		Service: "printing", ConfigItem: "prn-2f", Impact: 3, Urgency: 2},
		"Mon 09:20", chen, "desktop", "Mon 10:00", "Restarted the spooler.", "")
	p.routine("Mon 11:30", alice, incident.Open{Title: "Payroll report is missing a column", Caller: "payroll",
		Service: "hr", ConfigItem: "payroll", Impact: 2, Urgency: 2},
		"Mon 11:45", ivan, "apps", "Mon 15:30", "Restored the report template.", "")
	p.routine("Mon 13:00", alice, incident.Open{Title: "Laptop does not boot after an update", Caller: "exec.assistant",
		Service: "hardware", ConfigItem: "lt-2210", Impact: 2, Urgency: 1},
		"Mon 13:10", chen, "desktop", "Mon 16:00", "Rolled back the update; disk encryption re-keyed.", "")
	starter := p.open("Mon 15:00", alice, incident.Open{Title: "New starter cannot open the HR portal", Caller: "hr.team",
		Service: "hr", ConfigItem: "hr-portal", Impact: 3, Urgency: 1})
	p.assign(starter, "Mon 15:10", alice, "apps", "ivan")
	p.open("Mon 16:00", alice, incident.Open{Title: "Distribution list shows an old name", Caller: "comms",
		Service: "collaboration", ConfigItem: "exchange", Impact: 3, Urgency: 3})
	dash := p.open("Mon 16:45", alice, incident.Open{Title: "Sales dashboard shows yesterday's data", Caller: "sales.team",
		Service: "crm", ConfigItem: "bi-1", Impact: 2, Urgency: 1})
	p.assign(dash, "Mon 16:50", alice, "apps", "ivan")

	// The story's IDs are known once their records exist.
	p.at(playEnd, "name the story", func(context.Context) error {
		p.story.Major = major.id
		p.story.Children = []string{c1.id, c2.id, c3.id}
		p.story.Duplicate = dup.id
		p.story.Waiting = []string{ke1.id, ke2.id}
		p.story.CausedByChange = caused.id
		p.story.WeekendP1 = web.id
		p.story.Print.Incident = printing.id
		return nil
	})
}
