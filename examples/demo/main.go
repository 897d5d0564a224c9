package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the desk's zone, whatever the machine has installed

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/sla"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	day, err := Play(ctx)
	if err != nil {
		return err
	}
	Print(out, day)
	events, err := Onboard(ctx)
	if err != nil {
		return err
	}
	PrintOnboarding(out, day.Location, events)
	return nil
}

// Print writes the day: a header, the timeline of the story and of every
// SLA warning, breach and escalation, the routine incidents one line each,
// and a summary.
func Print(out io.Writer, day *Day) {
	p := printer{out: out, day: day, titles: map[string]string{}}
	for _, x := range day.Incidents {
		p.titles[x.ID] = x.Title
	}
	for _, x := range day.Problems {
		p.titles[x.ID] = x.Title
	}
	for _, x := range day.Changes {
		p.titles[x.ID] = x.Title
	}
	p.header()
	p.timeline()
	p.routine()
	p.summary()
}

type printer struct {
	out    io.Writer
	day    *Day
	titles map[string]string
}

func (p printer) f(format string, args ...any) { fmt.Fprintf(p.out, format, args...) }

func (p printer) stamp(t time.Time) string { return t.In(p.day.Location).Format("Mon 15:04") }

func (p printer) header() {
	p.f("itsm demo: a service desk from %s to %s (%s)\n",
		p.day.Start.In(p.day.Location).Format("Monday 2 January 2006 15:04"),
		p.day.End.In(p.day.Location).Format("Monday 2 January 15:04"), Zone)
	p.f("Business hours Monday-Friday 09:00-17:00; Thursday 26 November is Thanksgiving (US holiday).\n")
	p.f("SLAs: desk-response   P2 30m, P3 2h, P4 4h, P5 8h (business hours; warning at 80%%)\n")
	p.f("      desk-resolution P2 8h, P3 16h, P4 40h, P5 80h (business hours; warnings at 50%%, 75%%; paused on hold)\n")
	p.f("      p1-response 15m, p1-resolution 4h (24x7, same warnings)\n")
	p.f("Reactions: SLA breach -> escalation; resolved major incident -> problem; known error -> workaround\n")
	p.f("offered to new incidents; change closed successfully -> problem resolved -> waiting incidents resolved.\n")
	p.f("CMDB: Mail (critical) on mail-app on VM mx-1; Calendar (high) on cal-app (mailing via mail-app) on VM cal-1;\n")
	p.f("      mx-1, cal-1 and mail-app's database mail-db on host-7.\n")
	p.f("[system] marks what the library did by itself; !! marks an SLA breach, ! a warning.\n")
}

// timeline prints every event of the two stories' records, every SLA
// warning and breach, every event of the incidents that had one, and the
// stories' refused commands.
func (p printer) timeline() {
	shown := map[string]bool{}
	for _, id := range slices.Concat(p.day.Story.Subjects(), p.day.Story.Print.Subjects()) {
		shown[id] = true
	}
	shown[p.day.Story.WeekendP1] = true
	for _, e := range p.day.Events {
		if e.Process == sla.Process {
			shown[e.Value(sla.DataRecord)] = true
		}
	}
	for _, n := range p.day.Impacts {
		shown[n.CI] = true
	}
	p.f("\n== Timeline: the two stories (a major incident; a recurring fault), and every incident with an SLA warning or breach\n")
	var lines []line
	refusals := p.day.Refusals
	impacts := p.day.Impacts
	refused := func(before int) {
		for len(refusals) > 0 && refusals[0].Before <= before {
			r := refusals[0]
			lines = append(lines, line{when: p.stamp(r.At), subject: r.Subject, text: "REFUSED: " + r.Err.Error()})
			refusals = refusals[1:]
		}
		for len(impacts) > 0 && impacts[0].Before <= before {
			n := impacts[0]
			lines = append(lines, line{when: p.stamp(n.At), subject: n.CI, text: impactText(n.Impact)})
			impacts = impacts[1:]
		}
	}
	for i, e := range p.day.Events {
		refused(i)
		subject := e.Subject
		if e.Process == sla.Process {
			subject = e.Value(sla.DataRecord)
		}
		if !shown[subject] {
			continue
		}
		l := line{when: p.stamp(e.Time), subject: subject, text: p.describe(e), last: e.Process + "/" + e.Type}
		if l.text == "" {
			continue
		}
		if strings.HasSuffix(l.text, by(e)) {
			l.by = by(e)
		}
		if e.Type == problem.TypeIncidentNotified {
			l.told = []string{e.Data["incident"]}
		}
		n := len(lines)
		if n == 0 || lines[n-1].when != l.when {
			lines = append(lines, l)
			continue
		}
		prev := &lines[n-1]
		switch {
		// The owners of a problem's incidents told, one event each: one list.
		case e.Type == problem.TypeIncidentNotified && prev.subject == l.subject && prev.told != nil:
			prev.told = append(prev.told, e.Data["incident"])
		// What follows from an event at once reads on its line: a change
		// approved, authorized and scheduled; a problem opened with its
		// incident; an incident linked to a problem and put on hold; an SLA
		// breach and its escalation; a problem resolved or closed and the
		// owners of its incidents told.
		case follows(prev.last, e) && prev.subject == l.subject:
			text := l.text
			if l.by != "" && l.by == prev.by {
				text = strings.TrimSuffix(text, l.by) // said once for the line
			}
			prev.text += "; " + text
			prev.by = l.by
			if l.told != nil {
				prev.told = l.told
			}
		// Children resolved with their parent, incidents closed by the
		// nightly job: one line.
		case prev.text == l.text && prev.subject != l.subject:
			prev.subject += ", " + l.subject
		default:
			lines = append(lines, l)
		}
		lines[len(lines)-1].last = l.last
	}
	refused(len(p.day.Events))
	for _, l := range lines {
		text := l.text
		if l.told != nil {
			text = strings.Replace(text, toldMark, strings.Join(l.told, ", "), 1)
		}
		p.f("%s  %-10s %s\n", l.when, l.subject, text)
	}
}

// impactText renders an impact analysis: the business services affected,
// with their criticality and the path the failure takes to them.
func impactText(im *cmdb.Impact) string {
	var services []string
	for _, s := range im.Services {
		services = append(services, fmt.Sprintf("%s (%s; %s)", s.Name, s.Criticality, strings.Join(s.Path, " > ")))
	}
	if len(services) == 0 {
		services = []string{"no business service"}
	}
	return fmt.Sprintf("impact analysis: affects %s; %d CIs in all", strings.Join(services, " and "), len(im.CIs))
}

// follows reports whether event e, of the same record and minute as the
// event last (a "process/type"), is a consequence shown on last's line.
func follows(last string, e lifecycle.Notification) bool {
	switch last + " " + e.Process + "/" + e.Type {
	case "change/approved change/authorized",
		"change/authorized change/scheduled",
		"problem/opened problem/incident_linked",
		"incident/problem_linked incident/put_on_hold",
		"sla/" + sla.EventBreached + " incident/" + incident.TypeEscalatedHierarchical,
		"problem/resolved problem/incident_notified",
		"problem/closed problem/incident_notified":
		return true
	}
	return false
}

// toldMark stands for the list of incidents whose owners a problem told.
const toldMark = "{incidents}"

type line struct {
	when, subject, text string
	by                  string   // the actor the text ends with, if it does
	last                string   // the "process/type" of the line's last event
	told                []string // the incidents of a problem's incident_notified events
}

func by(e lifecycle.Notification) string {
	if e.Actor == lifecycle.System.ID {
		return " [system]"
	}
	return " (" + e.Actor + ")"
}

// phrases are the events that read as a fixed phrase, then the value of
// the Data key when key is set, then the actor.
var phrases = map[string]struct{ text, key string }{
	"incident/major_proposed": {"proposed as a major incident", ""},
	"incident/major_accepted": {"accepted as a MAJOR incident", ""},
	"incident/resumed":        {"resumed", ""},
	"problem/assessed":        {"assessed", ""},
	"problem/closed":          {"closed", ""},
	"change/approved":         {"approved", ""},
	"change/authorized":       {"authorized", ""},
	"change/implementing":     {"implementation started", ""},
	"change/closed":           {"closed", ""},
	"incident/problem_linked": {"linked to problem ", "problem"},
	"incident/change_linked":  {"linked to change ", "change"},
	"problem/incident_linked": {"links incident ", "incident"},
	"problem/known_error":     {"is a KNOWN ERROR; workaround: ", "workaround"},
	"problem/fix_started":     {"fix in progress through ", "changes"},
	"change/assessed":         {"assessed: risk ", "risk"},
	"change/linked":           {"caused incident ", "incidents"},
}

// describe renders an event for the timeline; "" leaves it out.
func (p printer) describe(e lifecycle.Notification) string {
	if ph, ok := phrases[e.Process+"/"+e.Type]; ok {
		return ph.text + e.Data[ph.key] + by(e)
	}
	s := e.Snapshot
	switch e.Process + "/" + e.Type {
	case "incident/opened":
		return fmt.Sprintf("opened %q, P%d, %s/%s%s", p.titles[e.Subject], s.Priority, s.Service, s.ConfigItem, by(e))
	case "incident/assigned":
		to := s.Group
		if s.Assignee != "" {
			to += "/" + s.Assignee
		}
		return "assigned to " + to + by(e)
	case "incident/updated":
		return "" // the priority change says it
	case "incident/priority_changed":
		return fmt.Sprintf("priority P%s -> P%s%s", e.Data["old_priority"], e.Data["new_priority"], by(e))
	case "incident/work_note_added":
		if text, ok := strings.CutPrefix(e.Data["text"], "Known error "); ok {
			prb, _, _ := strings.Cut(text, " ")
			return "workaround of known error " + prb + " offered" + by(e)
		}
		return fmt.Sprintf("work note %q%s", e.Data["text"], by(e))
	case "incident/put_on_hold":
		return "on hold, " + strings.ReplaceAll(s.HoldReason, "_", " ") + by(e)
	case "incident/caller_updated":
		return fmt.Sprintf("the caller answers %q%s", e.Data["text"], by(e))
	case "incident/resolved":
		why := e.Data["code"]
		if parent := e.Data["parent"]; parent != "" {
			why = "with parent " + parent
		} else if prb := e.Data["problem"]; prb != "" {
			why = "by problem " + prb
		}
		return "resolved, " + why + by(e)
	case "incident/closed":
		if e.Data["auto"] == "true" {
			return "auto-closed" + by(e)
		}
		return "closed" + by(e)
	case "incident/canceled":
		return fmt.Sprintf("canceled: %s%s", e.Data["reason"], by(e))
	case "incident/escalated_hierarchical":
		return fmt.Sprintf("ESCALATED to level %s%s", e.Data["level"], by(e))
	case "problem/opened":
		return fmt.Sprintf("opened %q, P%d%s", p.titles[e.Subject], s.Priority, by(e))
	case "problem/confirmed":
		return "confirmed: root cause analysis by " + s.Assignee + by(e)
	case "problem/known_error_recorded":
		return "" // the known_error event says it
	case "problem/resolved":
		return "resolved, " + s.Attributes["resolution"] + by(e)
	case "problem/incident_notified":
		return "tells the owners of " + toldMark + " (" + e.Data["reason"] + ")"
	case "change/opened":
		return fmt.Sprintf("%s change %q%s", s.Attributes["type"], p.titles[e.Subject], by(e))
	case "change/approval_requested":
		return fmt.Sprintf("approval requested from the %s (risk %s)%s", e.Data["authority"], e.Data["risk"], by(e))
	case "change/scheduled":
		start, _ := time.Parse(time.RFC3339, s.Attributes["planned_start"])
		end, _ := time.Parse(time.RFC3339, s.Attributes["planned_end"])
		return fmt.Sprintf("scheduled for %s-%s%s", p.stamp(start), end.In(p.day.Location).Format("15:04"), by(e))
	case "change/implemented":
		return "reviewed: " + strings.ReplaceAll(e.Data["outcome"], "_", " ") + by(e)
	case "sla/" + sla.EventWarning, "sla/" + sla.EventBreached:
		return p.slaEvent(e)
	case "cmdb/created", "cmdb/related":
		return "" // the header describes the CMDB
	case "cmdb/" + string(cmdb.EventDegrade):
		return "DEGRADED: " + p.ciNote(e) + by(e)
	case "cmdb/" + string(cmdb.EventRestore):
		return "restored to " + e.To + by(e)
	}
	return e.Process + " " + e.Type + by(e)
}

// ciNote returns the note of the CI's history record that e announces.
func (p printer) ciNote(e lifecycle.Notification) string {
	for _, c := range p.day.CIs {
		if c.ID != e.Subject {
			continue
		}
		for _, r := range c.History {
			if int64(r.Seq) == e.Version {
				return r.Note
			}
		}
	}
	return ""
}

func (p printer) slaEvent(e lifecycle.Notification) string {
	goal, _ := time.ParseDuration(e.Value(sla.DataGoal))
	what := fmt.Sprintf("%s P%d %s", e.Value(sla.DataAgreement), e.Snapshot.Priority, short(goal))
	if e.Type == sla.EventBreached {
		return "!! SLA BREACH  " + what
	}
	due, _ := time.Parse(time.RFC3339, e.Value(sla.DataDue))
	return fmt.Sprintf("!  SLA warning %s at %s%%, due %s", what, e.Value(sla.DataPercent), p.stamp(due))
}

// short renders a duration of whole minutes as 4h, 30m or 1h25m.
func short(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}

// routine prints the incidents outside the timeline, one line each.
func (p printer) routine() {
	inTimeline := map[string]bool{p.day.Story.WeekendP1: true}
	for _, id := range slices.Concat(p.day.Story.Subjects(), p.day.Story.Print.Subjects()) {
		inTimeline[id] = true
	}
	for _, e := range p.day.Events {
		if e.Process == sla.Process {
			inTimeline[e.Value(sla.DataRecord)] = true
		}
	}
	p.f("\n== Routine incidents: no SLA warning (opened, priority, state, business time to resolve)\n")
	for _, x := range p.day.Incidents {
		if inTimeline[x.ID] {
			continue
		}
		state := string(x.State)
		switch {
		case x.ReopenCount > 0:
			state += fmt.Sprintf(" (reopened %d)", x.ReopenCount)
		case p.wasOnHold(x):
			state += " (was on hold)"
		case x.State == incident.StateClosed && x.History[len(x.History)-1].Actor == lifecycle.System.ID:
			state += " (auto)"
		}
		took := "in "
		if x.State.IsOpen() {
			took = "open for "
		}
		took += short(p.timer(x.ID, DeskResolution).Status(p.day.Calendar, p.day.End).Elapsed)
		p.f("%s  %s P%d  %-40s %-24s %s\n", x.ID, p.stamp(x.CreatedAt), x.Priority, x.Title, state, took)
	}
}

func (p printer) wasOnHold(x *incident.Incident) bool {
	return slices.ContainsFunc(x.History, func(r lifecycle.Record) bool { return r.To == string(incident.StateOnHold) })
}

// timer returns the timer of agreement on record id (a zero one if none).
func (p printer) timer(id, agreement string) *sla.Timer {
	for _, t := range p.day.Timers {
		if t.RecordID == id && t.AgreementID == agreement {
			return t
		}
	}
	return &sla.Timer{}
}

func (p printer) summary() {
	p.f("\n== Summary\n")
	count := func(keys []string) string {
		n := map[string]int{}
		var order []string
		for _, k := range keys {
			if n[k] == 0 {
				order = append(order, k)
			}
			n[k]++
		}
		var parts []string
		for _, k := range order {
			parts = append(parts, fmt.Sprintf("%s %d", k, n[k]))
		}
		return strings.Join(parts, ", ")
	}
	var states []string
	for _, s := range incident.States() {
		for _, x := range p.day.Incidents {
			if x.State == s {
				states = append(states, string(s))
			}
		}
	}
	p.f("Incidents: %d (%s)\n", len(p.day.Incidents), count(states))
	for _, x := range p.day.Problems {
		linked := fmt.Sprintf("%d incidents", len(x.Incidents))
		if len(x.Incidents) == 1 {
			linked = "1 incident"
		}
		p.f("Problem %s: %s, %s, %s linked\n", x.ID, x.State, x.Resolution, linked)
	}
	for _, x := range p.day.Changes {
		p.f("Change %s: %s %s, %s\n", x.ID, x.Type, x.State, x.Outcome)
	}
	var warnings, breaches, escalations, auto, workarounds int
	for _, e := range p.day.Events {
		switch {
		case e.Type == sla.EventWarning:
			warnings++
		case e.Type == sla.EventBreached:
			breaches++
		case e.Type == incident.TypeEscalatedHierarchical:
			escalations++
		case e.Type == incident.TypeClosed && e.Data["auto"] == "true":
			auto++
		case e.Type == incident.TypeWorkNoteAdded && e.Actor == lifecycle.System.ID:
			workarounds++
		}
	}
	p.f("SLA: %d warnings, %d breaches, %d escalations by the reactor; %d workarounds offered; %d incidents auto-closed\n",
		warnings, breaches, escalations, workarounds, auto)
	var stages []string
	for _, t := range p.day.Timers {
		k := string(t.Stage)
		if t.Breached {
			k += " breached"
		}
		stages = append(stages, k)
	}
	slices.Sort(stages)
	p.f("Timers: %d (%s)\n", len(p.day.Timers), count(stages))
	var statuses []string
	relationships := 0
	for _, c := range p.day.CIs {
		statuses = append(statuses, string(c.Status))
		relationships += len(c.Relationships)
	}
	p.f("CMDB: %d configuration items (%s), %d relationships\n", len(p.day.CIs), count(statuses), relationships)
	var procs []string
	for _, e := range p.day.Events {
		procs = append(procs, e.Process)
	}
	p.f("Events: %d (%s)\n", len(p.day.Events), count(procs))
}
