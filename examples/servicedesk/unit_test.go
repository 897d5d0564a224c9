package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"ID": "id", "Title": "title", "ConfigItem": "config_item", "ConfigItems": "config_items",
		"PlannedStart": "planned_start", "ServiceID": "service_id", "URLPath": "url_path",
	} {
		assert.Equal(t, want, snakeCase(in), in)
	}
}

// A change that was stored but whose notification (or follow-up) failed is
// a success: the record is returned, the failure logged and repeated in a
// header.
func TestStoredDespiteNotifyError(t *testing.T) {
	d := &desk{log: slog.New(slog.DiscardHandler)}
	x := &incident.Incident{ID: "INC1", Version: 4, State: incident.StateResolved}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/incidents/INC1/resolve", nil)
	writeStored(d, w, r, http.StatusOK, "", x, fmt.Errorf("resolve: %w", &lifecycle.NotifyError{Err: errors.New("smtp down")}))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, `"4"`, w.Header().Get("ETag"))
	assert.Contains(t, w.Header().Get(headerWarning), "smtp down")
	assert.Contains(t, w.Body.String(), `"id":"INC1"`)

	// Without a record, nothing was stored: the error decides.
	w = httptest.NewRecorder()
	writeStored[incident.Incident](d, w, r, http.StatusOK, "", nil, lifecycle.NotFound("incident", "INC1"))
	assert.Equal(t, http.StatusNotFound, w.Code)
}

func TestClassify(t *testing.T) {
	guard := &lifecycle.TransitionError{Process: "change", From: "authorize", Event: "approve",
		Reason: &lifecycle.ForbiddenError{Actor: "al", Action: "approve", Reason: "requester"}}
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{lifecycle.NotFound("incident", "X"), 404, "not_found"},
		{lifecycle.Conflict("incident", "X", 1, 2), 409, "conflict"},
		{guard, 403, "forbidden"},
		{&lifecycle.TransitionError{Process: "incident", From: "new", Event: "close"}, 422, "invalid_transition"},
		{&change.ScheduleConflictError{ID: "C"}, 422, "schedule_conflict"},
		{lifecycle.Invalid("title", "required"), 400, "validation"},
		{errors.New("disk on fire"), 500, "internal"},
	} {
		status, body := classify(tc.err)
		assert.Equal(t, tc.status, status, "%v", tc.err)
		assert.Equal(t, tc.code, body.Code, "%v", tc.err)
		if status == 500 {
			assert.NotContains(t, body.Error, "disk", "internal details stay in the log")
		}
	}
}
