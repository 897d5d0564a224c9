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
	"github.com/itsmkit/itsm/sla"
)

// policy is the host's data that the -policy file may give: change
// windows, standard change templates, change authorities and the business
// calendar of the incident SLAs. Every part is optional; the zero policy
// is the library's defaults (no windows, no templates, the default CAB and
// ECAB, 24×7).
type policy struct {
	Windows     change.WindowList   `json:"windows,omitempty"`
	Templates   []change.Template   `json:"templates,omitempty"`
	Authorities []change.Authority  `json:"authorities,omitempty"`
	Calendar    *sla.CalendarConfig `json:"calendar,omitempty"`
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

// Agreement IDs of the desk's built-in incident SLAs.
const (
	agreementResponse   = "incident-response"
	agreementResolution = "incident-resolution"
)

// agreements returns the desk's SLAs on incidents, counted on cal (nil is
// 24×7):
//
//   - incident-response: from opening until someone is assigned (or the
//     incident leaves new); one cycle only. P1 15m, P2 30m, P3 1h, P4 4h,
//     P5 8h.
//   - incident-resolution: from opening until resolved, paused while on
//     hold; a reopened incident starts a new cycle. P1 4h, P2 8h, P3 24h,
//     P4 72h, P5 120h.
//
// Both start retroactively at the incident's opening time and are
// cancelled when the incident is canceled.
func agreements(cal *sla.Calendar) []*sla.Agreement {
	open := func(s lifecycle.Snapshot) bool { return s.State != string(incident.StateCanceled) }
	openedAt := func(s lifecycle.Snapshot) time.Time { return s.OpenedAt }
	return []*sla.Agreement{
		{
			ID: agreementResponse, Name: "Incident response", Type: sla.TypeSLA, Target: sla.TargetResponse,
			Process:  incident.Process,
			Calendar: cal,
			Durations: map[int]time.Duration{
				1: 15 * time.Minute, 2: 30 * time.Minute, 3: time.Hour, 4: 4 * time.Hour, 5: 8 * time.Hour,
			},
			Start: open,
			Stop: func(s lifecycle.Snapshot) bool {
				return s.Assignee != "" || (s.State != string(incident.StateNew) && s.State != string(incident.StateCanceled))
			},
			StartAt:     openedAt,
			SingleCycle: true,
		},
		{
			ID: agreementResolution, Name: "Incident resolution", Type: sla.TypeSLA, Target: sla.TargetResolution,
			Process:  incident.Process,
			Calendar: cal,
			Durations: map[int]time.Duration{
				1: 4 * time.Hour, 2: 8 * time.Hour, 3: 24 * time.Hour, 4: 72 * time.Hour, 5: 120 * time.Hour,
			},
			Start: open,
			Stop: func(s lifecycle.Snapshot) bool {
				return s.State == string(incident.StateResolved) || s.State == string(incident.StateClosed)
			},
			Pause:   func(s lifecycle.Snapshot) bool { return s.State == string(incident.StateOnHold) },
			StartAt: openedAt,
		},
	}
}
