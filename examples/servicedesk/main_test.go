package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

func TestMain(m *testing.M) {
	testdb.Main(m, testdb.Config{SchemaPrefix: "servicedesk_", MaxConns: 2})
}

// backend makes empty databases of one dialect.
type backend = testdb.Backend

// eachBackend runs fn on SQLite, and on PostgreSQL when
// ITSM_TEST_POSTGRES_URL is set (skipped otherwise).
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) { testdb.Each(t, fn) }

// t0 is when every test's fake clock starts: Monday 2 March 2026, 09:00 UTC.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// env is a desk served over real HTTP, with a fake clock and a recording
// notifier in the host's place.
type env struct {
	t      *testing.T
	desk   *desk
	srv    *httptest.Server
	clock  *lifecycletest.Clock
	events *lifecycletest.Recorder
}

// newEnv opens a desk on a fresh database of b, starts its background
// loops (polling fast, so that tests need not wait) and serves it; all of
// it stops when the test ends.
func newEnv(t *testing.T, b backend) *env {
	t.Helper()
	e := &env{t: t, clock: lifecycletest.NewClock(t0), events: &lifecycletest.Recorder{}}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := newDesk(ctx, options{
		DSN:               b.DSN(t),
		Policy:            testPolicy(t),
		Clock:             e.clock,
		Notifier:          e.events,
		Log:               slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		SLAInterval:       20 * time.Millisecond,
		RelayInterval:     20 * time.Millisecond,
		AutoCloseInterval: -1,
	})
	require.NoError(t, err)
	e.desk = d
	wait := d.start(ctx)
	e.srv = httptest.NewServer(d.handler())
	t.Cleanup(func() {
		e.srv.Close()
		cancel()
		wait()
		require.NoError(t, d.Close())
	})
	return e
}

// client is a caller of the API: an actor with roles, and headers.
type client struct {
	e       *env
	actor   string
	roles   []string
	headers map[string]string
}

// as returns a client acting as actor with roles.
func (e *env) as(actor string, roles ...string) *client {
	return &client{e: e, actor: actor, roles: roles, headers: map[string]string{}}
}

// anonymous returns a client without an actor.
func (e *env) anonymous() *client { return e.as("") }

// with returns a copy of c that also sends the header.
func (c *client) with(key, value string) *client {
	h := map[string]string{key: value}
	for k, v := range c.headers {
		if _, ok := h[k]; !ok {
			h[k] = v
		}
	}
	return &client{e: c.e, actor: c.actor, roles: c.roles, headers: h}
}

// ifMatch returns a copy of c that sends If-Match with version.
func (c *client) ifMatch(version int64) *client { return c.with("If-Match", etag(version)) }

// response is what the server answered.
type response struct {
	t      *testing.T
	method string
	path   string
	Status int
	Header http.Header
	Body   []byte
}

// do sends a request; body is JSON-encoded unless it is a string or nil.
func (c *client) do(method, path string, body any) *response {
	t := c.e.t
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.actor != "" {
		req.Header.Set(headerActor, c.actor)
	}
	if len(c.roles) > 0 {
		req.Header.Set(headerRoles, strings.Join(c.roles, ","))
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	res, err := c.e.srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return &response{t: t, method: method, path: path, Status: res.StatusCode, Header: res.Header, Body: b}
}

func (c *client) get(path string) *response             { return c.do(http.MethodGet, path, nil) }
func (c *client) post(path string, body any) *response  { return c.do(http.MethodPost, path, body) }
func (c *client) patch(path string, body any) *response { return c.do(http.MethodPatch, path, body) }

// expect fails the test unless the response has the status.
func (r *response) expect(status int) *response {
	r.t.Helper()
	require.Equal(r.t, status, r.Status, "%s %s answered %s", r.method, r.path, r.Body)
	return r
}

// decode decodes the JSON body into v.
func (r *response) decode(v any) {
	r.t.Helper()
	require.NoError(r.t, json.Unmarshal(r.Body, v), "%s %s: %s", r.method, r.path, r.Body)
}

// apiError decodes the body as an error.
func (r *response) apiError() apiError {
	r.t.Helper()
	var e apiError
	r.decode(&e)
	require.NotEmpty(r.t, e.Error, "%s %s: an error body needs a message", r.method, r.path)
	return e
}

// into decodes a response with status into a new T.
func into[T any](r *response, status int) *T {
	r.t.Helper()
	r.expect(status)
	v := new(T)
	r.decode(v)
	return v
}

// eventually polls cond until it holds or 10 seconds passed. The desk's
// SLA timers follow records through the outbox relay, so tests wait for
// them.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// eventTypes returns the types of the events delivered for subject.
func (e *env) eventTypes(subject string) []string {
	var out []string
	for _, ev := range e.events.Events() {
		if ev.Subject == subject {
			out = append(out, ev.Type)
		}
	}
	return out
}

// delivered waits until the relay delivered an event of type typ about
// subject to the host's notifier, and returns it.
func (e *env) delivered(subject, typ string) lifecycle.Notification {
	e.t.Helper()
	var found lifecycle.Notification
	eventually(e.t, fmt.Sprintf("event %s of %s", typ, subject), func() bool {
		for _, ev := range e.events.Events() {
			if ev.Subject == subject && ev.Type == typ {
				found = ev
				return true
			}
		}
		return false
	})
	return found
}
