package main

import (
	"errors"
	"net/http"
	"reflect"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

// fieldAliases maps the field a command's *lifecycle.ValidationError names,
// when it is the record's field rather than the command's input, to the
// JSON key the client sent: resolving without notes is reported by the
// library as "resolution_notes", but the client sent (or forgot) "notes".
var fieldAliases = map[reflect.Type]map[string]string{
	reflect.TypeFor[incident.Hold]():    {"hold_reason": "reason"},
	reflect.TypeFor[incident.Resolve](): {"resolution_code": "code", "resolution_notes": "notes"},
}

// renamedField is an error whose field is reported under another name.
type renamedField struct {
	err   error
	field string
}

func (e *renamedField) Error() string { return e.err.Error() }
func (e *renamedField) Unwrap() error { return e.err }

// inputField makes the field of err, the error of command type C, the
// command's JSON key (see fieldAliases).
func inputField[C any](err error) error {
	var ve *lifecycle.ValidationError
	if err == nil || !errors.As(err, &ve) {
		return err
	}
	if key, ok := fieldAliases[reflect.TypeFor[C]()][ve.Field]; ok {
		return &renamedField{err: err, field: key}
	}
	return err
}

// apiError is the JSON body of every error response.
type apiError struct {
	// Error says what went wrong, for people.
	Error string `json:"error"`
	// Code says what went wrong, for programs: bad_request, too_large,
	// validation, unauthenticated, forbidden, not_found,
	// method_not_allowed, conflict, invalid_transition, schedule_conflict,
	// internal.
	Code string `json:"code"`
	// Field names the offending input (a JSON key, a header, a query
	// parameter) when there is one.
	Field string `json:"field,omitempty"`
	// From, Event and Allowed detail an invalid transition.
	From    string   `json:"from,omitempty"`
	Event   string   `json:"event,omitempty"`
	Allowed []string `json:"allowed,omitempty"`
	// Conflicts lists the clashes that stopped a change from being
	// scheduled.
	Conflicts []change.Conflict `json:"conflicts,omitempty"`
}

// classify maps an error of the library, of a Store or of request decoding
// to an HTTP status and its JSON body. The order matters: a refused
// transition whose guard gives a forbidden reason is 403, and a schedule
// conflict (which also matches ErrValidation) is 422.
//
//	*requestError                      its status (400, 401, 404, 405, 413), with the field
//	lifecycle.ErrNotFound              404
//	lifecycle.ErrConflict              409 (stale If-Match or a concurrent writer): retry after a GET
//	lifecycle.ErrForbidden             403
//	change.ErrScheduleConflict         422, with the conflicts
//	lifecycle.ErrInvalidTransition     422, with from, event and allowed
//	lifecycle.ErrValidation            400, with the field
//	anything else                      500, logged, details hidden
func classify(err error) (int, apiError) {
	var (
		re  *requestError
		rn  *renamedField
		ve  *lifecycle.ValidationError
		te  *lifecycle.TransitionError
		sce *change.ScheduleConflictError
	)
	body := apiError{Error: err.Error()}
	if errors.As(err, &ve) {
		body.Field = ve.Field
	}
	if errors.As(err, &rn) {
		body.Field = rn.field
	}
	switch {
	case errors.As(err, &re):
		body.Field = re.Field
		switch re.Status {
		case http.StatusUnauthorized:
			body.Code = "unauthenticated"
		case http.StatusNotFound:
			body.Code = "not_found"
		case http.StatusMethodNotAllowed:
			body.Code = "method_not_allowed"
		case http.StatusRequestEntityTooLarge:
			body.Code = "too_large"
		default:
			body.Code = "bad_request"
		}
		return re.Status, body
	case errors.Is(err, lifecycle.ErrNotFound):
		body.Code = "not_found"
		return http.StatusNotFound, body
	case errors.Is(err, lifecycle.ErrConflict):
		body.Code = "conflict"
		return http.StatusConflict, body
	case errors.Is(err, lifecycle.ErrForbidden):
		body.Code = "forbidden"
		return http.StatusForbidden, body
	case errors.As(err, &sce):
		body.Code = "schedule_conflict"
		body.Conflicts = sce.Conflicts
		return http.StatusUnprocessableEntity, body
	case errors.As(err, &te):
		body.Code = "invalid_transition"
		body.From, body.Event, body.Allowed = te.From, te.Event, te.Allowed
		return http.StatusUnprocessableEntity, body
	case errors.Is(err, lifecycle.ErrValidation):
		body.Code = "validation"
		return http.StatusBadRequest, body
	}
	return http.StatusInternalServerError, apiError{Error: "internal error", Code: "internal"}
}
