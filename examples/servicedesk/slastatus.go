package main

import (
	"net/http"
	"time"

	"github.com/itsmkit/itsm/sla"
)

// timerView is an SLA timer as the API shows it: the current cycle's
// counters brought up to the moment of the request (sla.Timer.Status),
// with durations written as Go durations ("1h30m0s").
type timerView struct {
	ID            string            `json:"id"`
	Agreement     string            `json:"agreement"`
	Name          string            `json:"name,omitempty"`
	Type          sla.AgreementType `json:"type"`
	Target        sla.Target        `json:"target"`
	Cycle         int               `json:"cycle"`
	Stage         sla.Stage         `json:"stage"`
	Breached      bool              `json:"breached"`
	Priority      int               `json:"priority"`
	Goal          string            `json:"goal"`
	Elapsed       string            `json:"elapsed"`
	Paused        string            `json:"paused"`
	ActualElapsed string            `json:"actual_elapsed"`
	ActualPaused  string            `json:"actual_paused"`
	Left          string            `json:"left"`
	Percent       float64           `json:"percent"`
	StartedAt     time.Time         `json:"started_at"`
	StoppedAt     time.Time         `json:"stopped_at,omitzero"`
	Due           time.Time         `json:"due,omitzero"`
	OriginalDue   time.Time         `json:"original_due,omitzero"`
	NextDeadline  time.Time         `json:"next_deadline,omitzero"`
	Deadlines     []sla.Deadline    `json:"deadlines"`
	EarlierCycles int               `json:"earlier_cycles,omitempty"`
	// ObservedVersion is the record version the timer last saw: timers
	// follow records through the outbox, so right after a change it may
	// lag the record's version for a moment.
	ObservedVersion int64     `json:"observed_version"`
	At              time.Time `json:"at"`
}

// slaView is the body of GET /.../{id}/sla.
type slaView struct {
	Record string      `json:"record"`
	Timers []timerView `json:"timers"`
}

// slaStatus returns a handler answering with the SLA timers of the record
// named in the path. exists, when set, answers 404 for an unknown record
// (GET /sla/{id} serves any record ID and answers an empty list instead).
func (d *desk) slaStatus(exists func(*http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if exists != nil {
			if err := exists(r); err != nil {
				d.writeError(w, r, err)
				return
			}
		}
		id := r.PathValue("id")
		timers, err := d.engine.Timers(r.Context(), id)
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		now := d.clock.Now()
		view := slaView{Record: id, Timers: []timerView{}}
		for _, t := range timers {
			var cal *sla.Calendar
			name := ""
			if a, ok := d.engine.Agreement(t.AgreementID); ok {
				cal, name = a.Calendar, a.Name
			}
			st := t.Status(cal, now)
			next, _ := t.NextDeadline()
			view.Timers = append(view.Timers, timerView{
				ID: t.ID, Agreement: t.AgreementID, Name: name, Type: t.Type, Target: t.Target,
				Cycle: t.Number, Stage: st.Stage, Breached: st.Breached, Priority: t.Priority,
				Goal: st.Goal.String(), Elapsed: st.Elapsed.String(), Paused: st.Paused.String(),
				ActualElapsed: st.ActualElapsed.String(), ActualPaused: st.ActualPaused.String(),
				Left: st.Left.String(), Percent: st.Percent,
				StartedAt: t.StartedAt, StoppedAt: t.StoppedAt, Due: st.Due, OriginalDue: t.OriginalDue,
				NextDeadline: next, Deadlines: t.Deadlines, EarlierCycles: len(t.Cycles),
				ObservedVersion: t.RecordVersion, At: now,
			})
		}
		d.writeJSON(w, r, http.StatusOK, view)
	}
}

// agreementView describes an SLA agreement the desk applies.
type agreementView struct {
	ID        string             `json:"id"`
	Name      string             `json:"name"`
	Type      sla.AgreementType  `json:"type"`
	Target    sla.Target         `json:"target"`
	Process   string             `json:"process,omitempty"`
	Durations map[int]string     `json:"durations"`
	Warnings  []float64          `json:"warnings"`
	Calendar  sla.CalendarConfig `json:"calendar"`
}

// listAgreements answers GET /agreements.
func (d *desk) listAgreements(w http.ResponseWriter, r *http.Request) {
	var out []agreementView
	for _, a := range d.agreements {
		v := agreementView{ID: a.ID, Name: a.Name, Type: a.Type, Target: a.Target, Process: a.Process,
			Durations: map[int]string{}, Warnings: a.Warnings, Calendar: a.Calendar.Config()}
		if v.Warnings == nil {
			v.Warnings = sla.DefaultWarnings
		}
		for p, dur := range a.Durations {
			v.Durations[p] = dur.String()
		}
		out = append(out, v)
	}
	d.writeJSON(w, r, http.StatusOK, newPage(out, ""))
}
