package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/sla"
)

// policy is the host's data that the -policy file may give: change
// windows, standard change templates, change authorities, the business
// calendar of the SLAs, the service catalogue and the configuration model. Every part is optional; the zero policy
// is the library's defaults (no windows, no templates, the default CAB and
// ECAB, 24×7).
type policy struct {
	// Windows are the blackouts and maintenance windows changes are
	// scheduled against.
	Windows change.WindowList `json:"windows,omitempty"`
	// Templates are the standard (pre-authorized) change templates.
	Templates []change.Template `json:"templates,omitempty"`
	// Authorities are the change authorities; none means the library's
	// CAB and ECAB.
	Authorities []change.Authority `json:"authorities,omitempty"`
	// Calendar is the business calendar the SLAs count on; nil is 24×7.
	Calendar *sla.CalendarConfig `json:"calendar,omitempty"`
	// Catalog are the service catalogue's items, registered at start-up
	// (see catalog.go).
	Catalog []request.CatalogItem `json:"catalog,omitempty"`
	// Directory names the approvers of the catalogue items: people's
	// managers and groups' members.
	Directory directory `json:"directory,omitzero"`
	// CMDB is the configuration model (class tree, relationship types)
	// and the access rules of configuration management (see cis.go).
	CMDB cmdbPolicy `json:"cmdb,omitzero"`
}

// loadPolicy reads a policy file; an empty path is the zero policy.
func loadPolicy(path string) (policy, error) {
	var p policy
	if path == "" {
		return p, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return p, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("policy %s: %w", path, err)
	}
	return p, nil
}

// Agreement IDs of the desk's built-in SLAs.
const (
	agreementResponse   = "incident-response"
	agreementResolution = "incident-resolution"
	agreementRootCause  = "problem-root-cause"
	agreementApproval   = "change-approval"
)

// agreements returns the desk's agreements, counted on cal (nil is 24×7):
//
//   - incident-response (SLA): from opening until someone is assigned (or
//     the incident leaves new); one cycle only. P1 15m, P2 30m, P3 1h,
//     P4 4h, P5 8h.
//   - incident-resolution (SLA): from opening until resolved, paused while
//     on hold; a reopened incident starts a new cycle. P1 4h, P2 8h,
//     P3 24h, P4 72h, P5 120h.
//   - problem-root-cause (OLA), the time to root cause: from logging a
//     problem until its root cause is known, that is until it becomes a
//     known error or leaves analysis (a fix starts, the risk is accepted,
//     it is resolved); cancelled when the problem is canceled or closed as
//     a duplicate. P1 2d, P2 5d, P3 10d, P4 20d, P5 30d (10d without a
//     priority).
//   - change-approval (OLA), the time to approve a normal change, as Jira
//     Service Management measures it: while a normal change waits in
//     authorize for its change authority, until it leaves authorize
//     (approved and scheduled, or rejected back to new); cancelled when
//     the change is canceled. Each request for approval is a new cycle.
//     P1 8h, P2 1d, P3 2d, P4 3d, P5 5d (3d without a priority).
//
// The incident and problem timers start retroactively at the record's
// opening time.
func agreements(cal *sla.Calendar) []*sla.Agreement {
	return []*sla.Agreement{incidentResponse(cal), incidentResolution(cal), problemRootCause(cal), changeApproval(cal),
		requestFulfilment(cal), requestTask(cal)}
}

// openedAt starts a timer retroactively, at the record's opening time.
func openedAt(s lifecycle.Snapshot) time.Time { return s.OpenedAt }

// incidentOpen holds until the incident is canceled.
func incidentOpen(s lifecycle.Snapshot) bool { return s.State != string(incident.StateCanceled) }

// incidentResponse is the time to respond to incidents.
func incidentResponse(cal *sla.Calendar) *sla.Agreement {
	return &sla.Agreement{
		ID: agreementResponse, Name: "Incident response", Type: sla.TypeSLA, Target: sla.TargetResponse,
		Process:  incident.Process,
		Calendar: cal,
		Durations: map[int]time.Duration{
			1: 15 * time.Minute, 2: 30 * time.Minute, 3: time.Hour, 4: 4 * time.Hour, 5: 8 * time.Hour,
		},
		Start: incidentOpen,
		Stop: func(s lifecycle.Snapshot) bool {
			return s.Assignee != "" || (s.State != string(incident.StateNew) && s.State != string(incident.StateCanceled))
		},
		StartAt:     openedAt,
		SingleCycle: true,
	}
}

// incidentResolution is the time to resolve incidents.
func incidentResolution(cal *sla.Calendar) *sla.Agreement {
	return &sla.Agreement{
		ID: agreementResolution, Name: "Incident resolution", Type: sla.TypeSLA, Target: sla.TargetResolution,
		Process:  incident.Process,
		Calendar: cal,
		Durations: map[int]time.Duration{
			1: 4 * time.Hour, 2: 8 * time.Hour, 3: 24 * time.Hour, 4: 72 * time.Hour, 5: 120 * time.Hour,
		},
		Start: incidentOpen,
		Stop: func(s lifecycle.Snapshot) bool {
			return s.State == string(incident.StateResolved) || s.State == string(incident.StateClosed)
		},
		Pause:   func(s lifecycle.Snapshot) bool { return s.State == string(incident.StateOnHold) },
		StartAt: openedAt,
	}
}

const day = 24 * time.Hour

// problemRootCause is the time to root cause of problems.
func problemRootCause(cal *sla.Calendar) *sla.Agreement {
	duplicate := func(s lifecycle.Snapshot) bool { return s.Attributes["duplicate_of"] != "" }
	return &sla.Agreement{
		ID: agreementRootCause, Name: "Problem time to root cause", Type: sla.TypeOLA, Target: sla.TargetResolution,
		Process:  problem.Process,
		Calendar: cal,
		Durations: map[int]time.Duration{
			0: 10 * day, 1: 2 * day, 2: 5 * day, 3: 10 * day, 4: 20 * day, 5: 30 * day,
		},
		// Running from logging to the root cause; a canceled problem or a
		// duplicate no longer satisfies Start, which cancels the timer.
		Start: func(s lifecycle.Snapshot) bool {
			return s.State != string(problem.StateCanceled) && !duplicate(s)
		},
		Stop: func(s lifecycle.Snapshot) bool {
			if duplicate(s) || s.State == string(problem.StateCanceled) {
				return false
			}
			switch problem.State(s.State) {
			case problem.StateNew, problem.StateAssess, problem.StateRootCauseAnalysis:
				return s.Attributes["known_error"] == "true"
			}
			return true // fix in progress, resolved, closed: past analysis
		},
		StartAt:     openedAt,
		SingleCycle: true,
	}
}

// changeApproval is the time to approve normal changes.
func changeApproval(cal *sla.Calendar) *sla.Agreement {
	awaiting := func(s lifecycle.Snapshot) bool {
		return s.Attributes["type"] == string(change.Normal) && s.State == string(change.StateAuthorize)
	}
	return &sla.Agreement{
		ID: agreementApproval, Name: "Time to approve normal change", Type: sla.TypeOLA, Target: sla.TargetResponse,
		Process:  change.Process,
		Calendar: cal,
		Durations: map[int]time.Duration{
			0: 3 * day, 1: 8 * time.Hour, 2: day, 3: 2 * day, 4: 3 * day, 5: 5 * day,
		},
		Start: awaiting,
		// Leaving authorize is the authority's answer, unless the change
		// was canceled (then Start no longer holding cancels the timer).
		Stop: func(s lifecycle.Snapshot) bool {
			return s.State != string(change.StateAuthorize) && s.State != string(change.StateCanceled)
		},
	}
}
