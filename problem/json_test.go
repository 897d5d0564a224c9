package problem_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

func richProblem(t testingT) *problem.Problem {
	p := inState(t, problem.StateFixInProgress)
	for _, c := range []problem.Command{
		problem.RecordKnownError{Workaround: "Purge the deferred queue", Fix: "Grow the volume"},
		problem.AddWorkNote{Text: "Checked the logs"},
		problem.Resolve{Notes: "Volume grown"},
		problem.Complete{},
	} {
		_, err := p.Apply(manager, t0, c)
		require.NoError(t, err)
	}
	return p
}

func TestJSONRoundTrip(t *testing.T) {
	for _, p := range []*problem.Problem{opened(t), richProblem(t), inState(t, problem.StateCanceled)} {
		lifecycletest.CheckRoundTrip(t, p, nil)
	}
}

func TestJSONShape(t *testing.T) {
	b, err := json.Marshal(richProblem(t))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, "closed", m["state"])
	assert.Equal(t, "fix_applied", m["resolution"])
	assert.Equal(t, map[string]any{
		"symptom": "SMTP 452 errors", "root_cause": "Spool disk full",
		"workaround": "Purge the deferred queue", "fix": "Grow the volume",
	}, m["known_error"])
	assert.Contains(t, m, "known_error_at")
	assert.Contains(t, m, "config_item")

	b, err = json.Marshal(opened(t))
	require.NoError(t, err)
	m = nil
	require.NoError(t, json.Unmarshal(b, &m))
	for _, absent := range []string{"resolution", "resolved_at", "closed_at", "known_error_at", "duplicate_of"} {
		assert.NotContains(t, m, absent, "zero %s is omitted", absent)
	}
}

func TestJSONRejectsUnknownEnumsAndMissingFields(t *testing.T) {
	good, err := json.Marshal(richProblem(t))
	require.NoError(t, err)
	for _, c := range []struct {
		name, from, to, field string
	}{
		{"unknown state", `"state":"closed"`, `"state":"done"`, "state"},
		{"unknown resolution", `"resolution":"fix_applied"`, `"resolution":"solved"`, "resolution"},
		{"missing state", `"state":"closed",`, ``, "state"},
		{"missing id", `"id":"PRB1",`, ``, "id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			lifecycletest.CheckJSONRefused[problem.Problem](t, lifecycletest.Edit(t, good, c.from, c.to), c.field)
		})
	}
	var ev problem.Event
	assert.ErrorIs(t, json.Unmarshal([]byte(`"fix"`), &ev), lifecycle.ErrValidation)
	require.NoError(t, json.Unmarshal([]byte(`"start_fix"`), &ev))
	assert.Equal(t, problem.EventStartFix, ev)

	// An invalid value is never written.
	p := opened(t)
	p.State = "done"
	_, err = json.Marshal(p)
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
}

// FuzzProblemJSON: whatever decodes as a problem encodes again, and the
// encoding is a fixed point (decode → encode → decode → encode gives the
// same bytes); decoded enums are always known values.
func FuzzProblemJSON(f *testing.F) {
	for _, p := range []*problem.Problem{opened(f), richProblem(f), inState(f, problem.StateCanceled)} {
		b, err := json.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":"PRB1","state":"new"}`))
	f.Add([]byte(`{"id":"PRB1","state":"new","resolution":""}`))
	f.Add([]byte(`{"id":"PRB1","state":"bogus"}`))
	f.Add([]byte(`{"id":"PRB1","state":"closed","history":[{"seq":1,"changes":[{"field":"x"}]}],"incidents":[]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, ok := lifecycletest.CheckJSONFixedPoint[problem.Problem](t, data)
		if !ok {
			return
		}
		if !validState(p.State) {
			t.Fatalf("decoded unknown state %q", p.State)
		}
		if p.Resolution != "" && !validResolution(p.Resolution) {
			t.Fatalf("decoded unknown resolution %q", p.Resolution)
		}
	})
}

func validState(s problem.State) bool {
	for _, v := range problem.States() {
		if v == s {
			return true
		}
	}
	return false
}

func validResolution(c problem.ResolutionCode) bool {
	for _, v := range problem.ResolutionCodes() {
		if v == c {
			return true
		}
	}
	return false
}
