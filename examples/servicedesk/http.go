package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Headers carrying the actor. Real authentication belongs to the host:
// put this server behind a proxy that authenticates the user and sets
// them, or replace actorFrom with a check of the host's tokens.
const (
	headerActor = "X-Actor"
	headerRoles = "X-Roles"
	// headerWarning carries the warning of a change that was stored but
	// whose follow-up (a notification, a linked record) failed.
	headerWarning = "X-Itsm-Warning"
)

// actorFrom returns the acting user from the X-Actor and X-Roles headers
// (roles comma-separated). A missing actor is 401; the library's own
// "system" actor and role cannot be claimed from outside (403).
func actorFrom(r *http.Request) (lifecycle.Actor, error) {
	id := strings.TrimSpace(r.Header.Get(headerActor))
	if id == "" {
		return lifecycle.Actor{}, &requestError{Status: http.StatusUnauthorized, Field: headerActor,
			Msg: "who is acting? set the " + headerActor + " header (and " + headerRoles + ")"}
	}
	if err := checkText(headerActor, id); err != nil {
		return lifecycle.Actor{}, err
	}
	if err := checkText(headerRoles, r.Header.Get(headerRoles)); err != nil {
		return lifecycle.Actor{}, err
	}
	a := lifecycle.Actor{ID: id}
	for role := range strings.SplitSeq(r.Header.Get(headerRoles), ",") {
		if role = strings.TrimSpace(role); role != "" && !slices.Contains(a.Roles, role) {
			a.Roles = append(a.Roles, role)
		}
	}
	if a.ID == lifecycle.System.ID || a.HasRole(lifecycle.RoleSystem) {
		return a, &lifecycle.ForbiddenError{Actor: a.ID, Action: "act through the API",
			Reason: `the "system" actor and role are reserved for the library's own work`}
	}
	return a, nil
}

// handler returns the HTTP API of the desk.
func (d *desk) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range d.routes() {
		mux.Handle(rt.pattern, d.checkPath(rt))
	}
	return d.logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern == "" {
			d.noRoute(w, r, h)
			return
		}
		mux.ServeHTTP(w, r)
	}))
}

// noRoute answers a request no route matches with a JSON 404, or 405 with
// the Allow header when the path exists for other methods. h is the mux's
// own answer, which it runs to learn which.
func (d *desk) noRoute(w http.ResponseWriter, r *http.Request, h http.Handler) {
	probe := &headerProbe{header: http.Header{}, status: http.StatusOK}
	h.ServeHTTP(probe, r)
	err := &requestError{Status: http.StatusNotFound, Msg: "no such endpoint: " + r.Method + " " + r.URL.Path}
	if probe.status == http.StatusMethodNotAllowed {
		allow := probe.header.Get("Allow")
		w.Header().Set("Allow", allow)
		err = &requestError{Status: http.StatusMethodNotAllowed, Msg: r.Method + " " + r.URL.Path + " is not allowed (allowed: " + allow + ")"}
	}
	d.writeError(w, r, err)
}

// headerProbe is a ResponseWriter that keeps only the status and headers.
type headerProbe struct {
	header http.Header
	status int
}

// Header returns the headers the handler set.
func (p *headerProbe) Header() http.Header { return p.header }

// Write discards the body.
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }

// WriteHeader keeps the status.
func (p *headerProbe) WriteHeader(code int) { p.status = code }

// create returns the endpoint that decodes the body into a creation input
// (incident.Open, change.Create, ...) and answers 201 with the stored
// record and its Location.
func create[In, T any](d *desk, prefix string, do func(context.Context, lifecycle.Actor, In) (*T, error)) endpoint {
	return runInput(d, http.StatusCreated, prefix, do, func(w http.ResponseWriter, r *http.Request) (In, error) {
		var input In
		err := decodeBody(w, r, &input)
		return input, err
	})
}

// command returns the endpoint that decodes a command on the record named
// in the path (the body, the path's {id}, the version from If-Match) and
// runs it.
func command[C, T any](d *desk, do func(context.Context, lifecycle.Actor, C) (*T, error)) endpoint {
	return commandFrom(d, do, func(w http.ResponseWriter, r *http.Request) (C, error) {
		var cmd C
		err := decodeCommand(w, r, &cmd)
		return cmd, err
	})
}

// commandFrom is command with the command built by build.
func commandFrom[C, T any](d *desk, do func(context.Context, lifecycle.Actor, C) (*T, error),
	build func(http.ResponseWriter, *http.Request) (C, error)) endpoint {
	return runInput(d, http.StatusOK, "", do, build)
}

// runInput returns the endpoint that builds the input of do from the request
// with build, runs do as the request's actor, and answers status with the
// stored record (see writeStored; prefix names its Location when set).
func runInput[In, T any](d *desk, status int, prefix string, do func(context.Context, lifecycle.Actor, In) (*T, error),
	build func(http.ResponseWriter, *http.Request) (In, error)) endpoint {
	in := reflect.TypeFor[In]()
	return endpoint{in: in, h: func(w http.ResponseWriter, r *http.Request) {
		actor, err := actorFrom(r)
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		input, err := build(w, r)
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		x, err := do(r.Context(), actor, input)
		if x == nil {
			err = inputField(in, err)
		}
		writeStored(d, w, r, status, prefix, x, err)
	}}
}

// get returns a handler answering with the record named in the path.
func get[T any](d *desk, load func(context.Context, string) (*T, error)) http.HandlerFunc {
	return getAs(d, load, func(x *T) any { return x })
}

// getAs returns a handler answering with view of the record named in the
// path, under the record's ETag.
func getAs[T any](d *desk, load func(context.Context, string) (*T, error), view func(*T) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		x, err := load(r.Context(), r.PathValue("id"))
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		w.Header().Set("ETag", etag(versionOf(x)))
		d.writeJSON(w, r, http.StatusOK, view(x))
	}
}

// historyView is a record's audit trail.
type historyView struct {
	// ID is the record's ID.
	ID string `json:"id"`
	// Version is the record's version, the number of records in History.
	Version int64 `json:"version"`
	// History is one record per stored change, oldest first.
	History []lifecycle.Record `json:"history"`
}

// history returns a handler answering with the audit trail of the record
// named in the path.
func history[T any](d *desk, load func(context.Context, string) (*T, error)) http.HandlerFunc {
	return getAs(d, load, func(x *T) any {
		v := reflect.ValueOf(x).Elem()
		h, _ := v.FieldByName("History").Interface().([]lifecycle.Record)
		return historyView{ID: v.FieldByName("ID").String(), Version: versionOf(x), History: h}
	})
}

// logPages answers GET /<records>/{id}/history or /journal for a process
// that keeps them apart from its records: one page, ?after=<seq> (the
// last seq of the page before, 0 for the first) and ?limit=<n> (the
// library's default when absent). Next, when set, is the after of the
// following page.
func logPages[T, E any](d *desk, load func(context.Context, string) (*T, error),
	page func(ctx context.Context, id string, after, limit int) ([]E, error), seq func(E) int, name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := newQuery(r, "after", "limit")
		after, limit := q.integer("after"), q.integer("limit")
		if q.err != nil {
			d.writeError(w, r, q.err)
			return
		}
		if limit <= 0 || limit > lifecycle.DefaultListLimit {
			limit = lifecycle.DefaultListLimit
		}
		id := r.PathValue("id")
		x, err := load(r.Context(), id)
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		entries, err := page(r.Context(), id, after, limit)
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		if entries == nil {
			entries = []E{}
		}
		view := map[string]any{"id": id, "version": versionOf(x), name: entries}
		if len(entries) == limit {
			view["next"] = seq(entries[len(entries)-1])
		}
		w.Header().Set("ETag", etag(versionOf(x)))
		d.writeJSON(w, r, http.StatusOK, view)
	}
}

// versionOf returns the Version field of a record.
func versionOf(x any) int64 {
	v := reflect.ValueOf(x)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	return v.FieldByName("Version").Int()
}

// writeStored answers an operation that stores a record. A non-nil record
// means the change is stored, even when err is set (a *lifecycle.NotifyError
// or a failed follow-up on another record): that is a success, with the
// error logged as a warning and repeated in the X-Itsm-Warning header.
func writeStored[T any](d *desk, w http.ResponseWriter, r *http.Request, status int, prefix string, x *T, err error) {
	if x == nil {
		if err == nil {
			err = errors.New("the service returned neither a record nor an error")
		}
		d.writeError(w, r, err)
		return
	}
	if err != nil {
		var ne *lifecycle.NotifyError
		d.log.WarnContext(r.Context(), "stored, but a follow-up failed", "path", r.URL.Path,
			"notify", errors.As(err, &ne), "err", err)
		w.Header().Set(headerWarning, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	w.Header().Set("ETag", etag(versionOf(x)))
	if prefix != "" {
		w.Header().Set("Location", prefix+url.PathEscape(reflect.ValueOf(x).Elem().FieldByName("ID").String()))
	}
	d.writeJSON(w, r, status, x)
}

// writeJSON writes v as the JSON response body.
func (d *desk) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		d.log.ErrorContext(r.Context(), "encode response", "path", r.URL.Path, "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"error":"internal error","code":"internal"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError answers err as a JSON error (see classify).
func (d *desk) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := classify(err)
	if status == http.StatusInternalServerError {
		d.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	d.writeJSON(w, r, status, body)
}

// health answers whether the database is reachable, how many events await
// delivery and how many the relay gave up on (dead events, see
// sqlstore.Relay).
func (d *desk) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := d.db.Ping(ctx); err != nil {
		d.log.ErrorContext(ctx, "health", "err", err)
		d.writeJSON(w, r, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	pending, err := d.db.PendingEvents(ctx)
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	dead, err := d.db.DeadEvents(ctx)
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	d.writeJSON(w, r, http.StatusOK, map[string]any{"status": "ok", "database": d.db.Dialect(),
		"pending_events": pending, "dead_events": dead})
}

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader keeps the status and writes it.
func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// logRequests logs one line per request.
func (d *desk) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		d.log.Log(r.Context(), level, "http", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"actor", r.Header.Get(headerActor), "ms", float64(time.Since(start).Microseconds())/1000)
	})
}
