package main

import (
	"errors"
	"net/http"
	"reflect"
	"strings"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
)

// The field of a library error is the library's name for what was wrong:
// often the command's own field ("group"), sometimes the record's field
// the command would set ("actual_end" for a review's end, "review_notes"
// for a close's notes), sometimes no input at all ("update": nothing to
// change). A client only knows the keys it sent, so each endpoint names
// the key of its request type (see inputKey).

// fieldOverrides maps, per request type, library fields that name no key
// of the type to what the client sent, where the key cannot be derived
// from the name: the approver is the acting user of the X-Actor header.
var fieldOverrides = map[reflect.Type]map[string]string{
	reflect.TypeFor[change.Approve]():  {"approver": headerActor},
	reflect.TypeFor[change.Reject]():   {"approver": headerActor},
	reflect.TypeFor[request.Approve](): {"approver": headerActor},
	reflect.TypeFor[request.Reject]():  {"approver": headerActor},
}

// commonOverrides apply to every request type.
var commonOverrides = map[string]string{"actor": headerActor}

// inputKey returns the key of request type in (its JSON keys, see
// jsonFields) that the library field names, and whether there is one:
//
//   - a field, or the first segment of a nested one ("plans.test"), that
//     is a key of in is that key;
//   - an override of in (fieldOverrides, commonOverrides) says what the
//     client sent, such as a header;
//   - a record field that ends with "_" and exactly one key of in
//     ("actual_end" for "end", "resolution_notes" for "notes",
//     "hold_reason" for "reason") is that key: the command field that
//     sets it;
//   - anything else ("update", "state", "command") is about the request
//     as a whole or about the record, not about a key: ok is false.
func inputKey(in reflect.Type, field string) (key string, ok bool) {
	if field == "" || in == nil {
		return "", false
	}
	for in.Kind() == reflect.Pointer {
		in = in.Elem()
	}
	head, rest := field, ""
	if i := strings.IndexAny(field, ".["); i >= 0 {
		head, rest = field[:i], field[i:]
	}
	keys := jsonFields(in)
	if _, found := keys[head]; found {
		return field, true
	}
	if k, found := fieldOverrides[in][head]; found {
		return k, true
	}
	if k, found := commonOverrides[head]; found {
		return k, true
	}
	match := ""
	for k := range keys {
		if strings.HasSuffix(head, "_"+k) {
			if match != "" {
				return "", false // ambiguous
			}
			match = k
		}
	}
	if match == "" {
		return "", false
	}
	return match + rest, true
}

// renamedField is an error of a request whose *lifecycle.ValidationError
// names something else than a key of the request: Field is the key the
// client sent, or "" when no key is at fault (input is then false).
type renamedField struct {
	err   error
	field string
	input bool
}

// Error returns the library's message.
func (e *renamedField) Error() string { return e.err.Error() }

// Unwrap returns the library's error, for errors.Is and errors.As.
func (e *renamedField) Unwrap() error { return e.err }

// inputField makes the field of err, an error of a request of type in, the
// key the client sent (see inputKey).
func inputField(in reflect.Type, err error) error {
	var ve *lifecycle.ValidationError
	var rn *renamedField
	if err == nil || !errors.As(err, &ve) || errors.As(err, &rn) {
		return err // no field, or named already
	}
	key, ok := inputKey(in, ve.Field)
	if ok && key == ve.Field {
		return err
	}
	return &renamedField{err: err, field: key, input: ok}
}

// apiError is the JSON body of every error response.
type apiError struct {
	// Error says what went wrong, for people.
	Error string `json:"error"`
	// Code says what went wrong, for programs: bad_request, too_large,
	// validation, unauthenticated, forbidden, not_found,
	// method_not_allowed, conflict, duplicate, in_use, invalid_transition,
	// schedule_conflict, internal.
	Code string `json:"code"`
	// Field names the offending input (a JSON key, a header, a query
	// parameter) when there is one.
	Field string `json:"field,omitempty"`
	// From is the state an invalid transition was tried from.
	From string `json:"from,omitempty"`
	// Event is the event an invalid transition tried.
	Event string `json:"event,omitempty"`
	// Allowed lists the events the state allows.
	Allowed []string `json:"allowed,omitempty"`
	// Conflicts lists the clashes that stopped a change from being
	// scheduled.
	Conflicts []change.Conflict `json:"conflicts,omitempty"`
	// Dependents lists the CIs in service that depend on a CI that was
	// not retired for them.
	Dependents []string `json:"dependents,omitempty"`
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
//	*duplicateError                    409 duplicate (a relationship the CI holds already)
//	cmdb.ErrInUse                      409 in_use, with the dependents (a CI retired under them)
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
		dup *duplicateError
		iu  *cmdb.InUseError
	)
	body := apiError{Error: err.Error()}
	if errors.As(err, &ve) {
		body.Field = ve.Field
	}
	if errors.As(err, &rn) && (rn.input || !errors.As(err, &te)) {
		// A refused transition may name the record's field that its guard
		// needs (a live service's "agreements"); a 400 names only input.
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
	case errors.As(err, &dup):
		body.Code = "duplicate"
		return http.StatusConflict, body
	case errors.As(err, &iu):
		body.Code = "in_use"
		body.Dependents = iu.Dependents
		return http.StatusConflict, body
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
