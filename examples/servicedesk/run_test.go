package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunShutsDownGracefully runs the whole program: flags, database,
// listener, loops. It serves until its context is canceled (what SIGINT and
// SIGTERM do in main), finishes the request in flight, and returns nil with
// everything closed (TestMain checks that no goroutine is left). Each
// backend is named both ways: with -db, and with ITSM_DATABASE_URL (for
// SQLite, the default file in -data).
func TestRunShutsDownGracefully(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Run("flag", func(t *testing.T) { runAndShutDown(t, b, true) })
		t.Run("default", func(t *testing.T) { runAndShutDown(t, b, false) })
	})
}

// runAndShutDown runs the program on a new database of b, named by the -db
// flag when flag is set, else by ITSM_DATABASE_URL (PostgreSQL) or the
// -data directory (SQLite).
func runAndShutDown(t *testing.T, b backend, flag bool) {
	dir := t.TempDir()
	args := []string{"-addr", "127.0.0.1:0", "-data", dir, "-log", "json", "-sla-interval", "50ms"}
	env := map[string]string{}
	dbFile := filepath.Join(dir, "itsm.db")
	switch {
	case flag && b.Name == "sqlite":
		dbFile = filepath.Join(t.TempDir(), "flag.db")
		args = append(args, "-db", "sqlite:"+dbFile)
		env["ITSM_DATABASE_URL"] = "mysql://ignored" // the flag wins
	case flag:
		args = append(args, "-db", b.DSN(t))
		env["ITSM_DATABASE_URL"] = "mysql://ignored"
	case b.Name == "postgres":
		env["ITSM_DATABASE_URL"] = b.DSN(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done, logs := startRun(t, ctx, args, env)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	res, err := client.Get(base + "/healthz")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Contains(t, string(body), `"database":"`+b.Name+`"`)

	req, _ := http.NewRequest("POST", base+"/incidents", strings.NewReader(`{"title":"Shutdown test"}`))
	req.Header.Set(headerActor, "alice")
	res, err = client.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)

	stopRun(t, cancel, done)
	out := logs.String()
	assert.Contains(t, out, `"msg":"shutting down"`)
	assert.Contains(t, out, `"msg":"stopped"`)
	assert.Contains(t, out, `"type":"opened"`, "the relay delivered the event before stopping")
	if b.Name == "sqlite" {
		_, err := os.Stat(dbFile)
		assert.NoError(t, err, "the database is the one named")
		if flag {
			_, err := os.Stat(filepath.Join(dir, "itsm.db"))
			assert.True(t, os.IsNotExist(err), "-db wins over -data")
		}
	} else {
		assert.NotContains(t, out, "postgres:postgres@", "the password is not logged")
	}
	_, err = client.Get(base + "/healthz")
	assert.Error(t, err, "the server is closed")
}

func TestRunRejectsBadFlags(t *testing.T) {
	getenv := func(string) string { return "" }
	for _, args := range [][]string{
		{"-log", "xml"},
		{"-nope"},
		{"extra"},
		{"-db", "mysql://x"},
		{"-policy", filepath.Join(t.TempDir(), "missing.json")},
	} {
		err := run(t.Context(), args, getenv, io.Discard, nil)
		assert.Error(t, err, "%v", args)
	}
	err := run(t.Context(), []string{"-h"}, getenv, io.Discard, nil)
	assert.True(t, errors.Is(err, flag.ErrHelp))
}

func TestPolicyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.json")
	require.NoError(t, os.WriteFile(path, []byte(`{
	  "windows": [{"name": "freeze", "kind": "blackout", "once": {"start": "2026-12-20", "end": "2027-01-04"}}],
	  "calendar": {"location": "Europe/Paris", "hours": {"monday": [{"start": "09:00", "end": "18:00"}]}}
	}`), 0o644))
	p, err := loadPolicy(path)
	require.NoError(t, err)
	require.Len(t, p.Windows, 1)
	d, err := newDesk(t.Context(), options{DSN: ":memory:", Policy: p})
	require.NoError(t, err)
	defer d.Close()
	a, _ := d.engine.Agreement(agreementResolution)
	assert.Equal(t, "Europe/Paris", a.Calendar.Location().String())

	require.NoError(t, os.WriteFile(path, []byte(`{"windowz": []}`), 0o644))
	_, err = loadPolicy(path)
	assert.ErrorContains(t, err, "windowz")
}

// startRun starts the program's run with args and the environment env,
// and waits until it listens: it returns the base URL, the channel run's
// result comes on once ctx is canceled, and its logs.
func startRun(t *testing.T, ctx context.Context, args []string, env map[string]string) (string, <-chan error, *testdb.Buffer) {
	t.Helper()
	logs := &testdb.Buffer{}
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, func(k string) string { return env[k] }, logs, func(a net.Addr) { addrs <- a })
	}()
	select {
	case a := <-addrs:
		return "http://" + a.String(), done, logs
	case err := <-done:
		t.Fatalf("run: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("run did not start listening")
	}
	return "", nil, nil
}

// stopRun cancels a run started by startRun and waits for it to return
// without an error.
func stopRun(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after its context was canceled")
	}
}
