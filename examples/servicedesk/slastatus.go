package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

// timerView is an SLA timer as the API shows it: the current cycle's
// counters brought up to the moment of the request (sla.Timer.Status),
// with durations written as Go durations ("1h30m0s").
type timerView struct {
	// ID is the timer's ID: the record's ID and the agreement's.
	ID string `json:"id"`
	// Agreement is the ID of the agreement the timer measures.
	Agreement string `json:"agreement"`
	// Name is the agreement's name, for people.
	Name string `json:"name,omitempty"`
	// Type says who the agreement is with: sla, ola, underpinning_contract.
	Type sla.AgreementType `json:"type"`
	// Target says what is measured: response or resolution.
	Target sla.Target `json:"target"`
	// Cycle numbers the current cycle, from 1.
	Cycle int `json:"cycle"`
	// Stage is where the current cycle stands: in_progress, paused,
	// completed, cancelled.
	Stage sla.Stage `json:"stage"`
	// Breached reports that the current cycle went past its goal.
	Breached bool `json:"breached"`
	// Priority is the record's priority the goal was taken for.
	Priority int `json:"priority"`
	// Goal is the target duration, in business time.
	Goal string `json:"goal"`
	// Elapsed is the business time counted so far.
	Elapsed string `json:"elapsed"`
	// Paused is the business time spent paused.
	Paused string `json:"paused"`
	// ActualElapsed is the wall-clock time counted so far.
	ActualElapsed string `json:"actual_elapsed"`
	// ActualPaused is the wall-clock time spent paused.
	ActualPaused string `json:"actual_paused"`
	// Left is the business time left before the breach (negative once
	// breached).
	Left string `json:"left"`
	// Percent is Elapsed as a percentage of Goal.
	Percent float64 `json:"percent"`
	// StartedAt is when the current cycle started.
	StartedAt time.Time `json:"started_at"`
	// StoppedAt is when it completed or was cancelled; absent while it
	// runs.
	StoppedAt time.Time `json:"stopped_at,omitzero"`
	// Due is when the goal is reached, pauses included.
	Due time.Time `json:"due,omitzero"`
	// OriginalDue is when it was due before any pause.
	OriginalDue time.Time `json:"original_due,omitzero"`
	// NextDeadline is the next warning or breach to fire; absent when none
	// is pending (paused or stopped).
	NextDeadline time.Time `json:"next_deadline,omitzero"`
	// Deadlines are the warnings and the breach, fired or not.
	Deadlines []sla.Deadline `json:"deadlines"`
	// EarlierCycles counts the cycles before the current one.
	EarlierCycles int `json:"earlier_cycles,omitempty"`
	// ObservedVersion is the record version the timer last saw: timers
	// follow records through the outbox, so right after a change it may
	// lag the record's version for a moment.
	ObservedVersion int64 `json:"observed_version"`
	// At is the moment the counters were brought up to.
	At time.Time `json:"at"`
}

// slaView is the body of GET /.../{id}/sla.
type slaView struct {
	// Record is the record's ID.
	Record string `json:"record"`
	// Timers are the record's timers, by ID.
	Timers []timerView `json:"timers"`
}

// slaStatus returns a handler answering with the SLA timers of the record
// named in the path. measured returns the IDs whose timers are the
// record's: its own (see itself), or a service request's items and tasks;
// for an unknown record ID it answers an error matching
// lifecycle.ErrNotFound (404).
func (d *desk) slaStatus(measured func(context.Context, string) ([]string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		ids, err := measured(r.Context(), id)
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		var timers []*sla.Timer
		for _, rec := range ids {
			ts, err := d.engine.Timers(r.Context(), rec)
			if err != nil {
				d.writeError(w, r, err)
				return
			}
			timers = append(timers, ts...)
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
	// ID identifies the agreement.
	ID string `json:"id"`
	// Name is for people.
	Name string `json:"name"`
	// Type says who the agreement is with.
	Type sla.AgreementType `json:"type"`
	// Target says what is measured: response or resolution.
	Target sla.Target `json:"target"`
	// Process is the process whose records the agreement applies to.
	Process string `json:"process,omitempty"`
	// Durations are the goals by priority (0: any other priority).
	Durations map[int]string `json:"durations"`
	// Warnings are the thresholds, in percent of the goal, that warn.
	Warnings []float64 `json:"warnings"`
	// Calendar is the business calendar the goals count on.
	Calendar sla.CalendarConfig `json:"calendar"`
}

// listAgreements answers GET /agreements.
func (d *desk) listAgreements(w http.ResponseWriter, r *http.Request) {
	if q := newQuery(r); q.err != nil {
		d.writeError(w, r, q.err)
		return
	}
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

// itself makes an existence check the measured IDs of slaStatus: the
// record's own ID.
func itself(exists func(context.Context, string) error) func(context.Context, string) ([]string, error) {
	return func(ctx context.Context, id string) ([]string, error) {
		if err := exists(ctx, id); err != nil {
			return nil, err
		}
		return []string{id}, nil
	}
}

// found makes a service's Get an existence check for itself.
func found[T any](get func(context.Context, string) (*T, error)) func(context.Context, string) error {
	return func(ctx context.Context, id string) error {
		_, err := get(ctx, id)
		return err
	}
}

// anyRecord is the existence check of GET /sla/{id}, which serves a
// record of any process: it looks the ID up among the incidents, the
// problems and the changes, and answers an error matching
// lifecycle.ErrNotFound when none has it.
func (d *desk) anyRecord(ctx context.Context, id string) error {
	for _, exists := range []func(context.Context, string) error{
		found(d.incidents.Get), found(d.problems.Get), found(d.changes.Get),
	} {
		if err := exists(ctx, id); !errors.Is(err, lifecycle.ErrNotFound) {
			return err // found (nil), or a failure
		}
	}
	return fmt.Errorf("no incident, problem or change %s: %w", id, lifecycle.ErrNotFound)
}
