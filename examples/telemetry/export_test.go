package telemetry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/examples/telemetry"
	"github.com/itsmkit/itsm/lifecycle"
)

// collector is an OTLP/HTTP endpoint that counts the exports it receives
// per path.
type collector struct {
	*httptest.Server
	mu    sync.Mutex
	paths map[string]int
}

func newCollector(t *testing.T) *collector {
	c := &collector{paths: map[string]int{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.paths[r.Method+" "+r.URL.Path]++
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *collector) received() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.paths {
		out[k] = v
	}
	return out
}

// exportOne builds the Export that the environment asks for, records one
// operation through it and shuts it down.
func exportOne(t *testing.T) *telemetry.Export {
	t.Helper()
	ctx := context.Background()
	e, err := telemetry.FromEnv(ctx, "telemetry-test", os.Getenv)
	require.NoError(t, err)
	if e == nil {
		return nil
	}
	tel, err := telemetry.New(e.Traces, e.Metrics)
	require.NoError(t, err)
	tel.Done(ctx, lifecycle.Operation{Process: "incident", Event: "open", ID: "INC-1", Actor: agent}, nil, time.Millisecond)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, e.Shutdown(sctx))
	return e
}

func TestFromEnvExportsBothSignals(t *testing.T) {
	c := newCollector(t)
	t.Setenv(telemetry.EnvEndpoint, c.URL)
	t.Setenv(telemetry.EnvTracesEndpoint, "")
	t.Setenv(telemetry.EnvMetricsEndpoint, "")
	require.NotNil(t, exportOne(t))
	assert.Equal(t, map[string]int{"POST /v1/traces": 1, "POST /v1/metrics": 1}, c.received(), "shutting down exports what is held")
}

func TestFromEnvExportsOnlyTheSignalsAskedFor(t *testing.T) {
	c := newCollector(t)
	t.Setenv(telemetry.EnvEndpoint, "")
	t.Setenv(telemetry.EnvTracesEndpoint, c.URL+"/spans")
	t.Setenv(telemetry.EnvMetricsEndpoint, "")
	require.NotNil(t, exportOne(t))
	assert.Equal(t, map[string]int{"POST /spans": 1}, c.received())

	c = newCollector(t)
	t.Setenv(telemetry.EnvTracesEndpoint, "")
	t.Setenv(telemetry.EnvMetricsEndpoint, c.URL+"/points")
	require.NotNil(t, exportOne(t))
	assert.Equal(t, map[string]int{"POST /points": 1}, c.received())
}

func TestFromEnvWithoutEndpointsExportsNothing(t *testing.T) {
	for _, k := range []string{telemetry.EnvEndpoint, telemetry.EnvTracesEndpoint, telemetry.EnvMetricsEndpoint} {
		t.Setenv(k, "")
	}
	assert.Nil(t, exportOne(t))
}

func TestFromEnvReadsTheEndpointsFromGetenv(t *testing.T) {
	c := newCollector(t)
	t.Setenv(telemetry.EnvEndpoint, "http://127.0.0.1:1") // not asked
	env := map[string]string{telemetry.EnvEndpoint: c.URL + "/otlp/"}
	e, err := telemetry.FromEnv(context.Background(), "telemetry-test", func(k string) string { return env[k] })
	require.NoError(t, err)
	require.NotNil(t, e)
	tel, err := telemetry.New(e.Traces, e.Metrics)
	require.NoError(t, err)
	tel.Done(context.Background(), lifecycle.Operation{Process: "incident", Event: "open", Actor: agent}, nil, time.Millisecond)
	require.NoError(t, e.Shutdown(context.Background()))
	assert.Equal(t, map[string]int{"POST /otlp/v1/traces": 1, "POST /otlp/v1/metrics": 1}, c.received())
}

func TestFromEnvRefusesAnEndpointThatIsNoURL(t *testing.T) {
	for _, c := range []struct{ key, value string }{
		{telemetry.EnvEndpoint, "localhost:4318"},
		{telemetry.EnvTracesEndpoint, "grpc://collector:4317"},
		{telemetry.EnvMetricsEndpoint, "http://"},
		{telemetry.EnvEndpoint, "http://[::1"},
	} {
		env := map[string]string{c.key: c.value}
		e, err := telemetry.FromEnv(context.Background(), "telemetry-test", func(k string) string { return env[k] })
		var envErr *telemetry.EnvError
		require.ErrorAs(t, err, &envErr, "%s=%s", c.key, c.value)
		assert.Equal(t, telemetry.EnvError{Var: c.key, Value: c.value, Reason: "want an http or https URL"}, *envErr)
		assert.Nil(t, e)
	}
}
