package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunExportsTelemetry runs the program with an OTLP endpoint in its
// environment: on shutdown the collector has received the span of the
// incident it opened and the metrics, for the service "servicedesk".
func TestRunExportsTelemetry(t *testing.T) {
	var mu sync.Mutex
	received := map[string][]byte{}
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		received[r.URL.Path] = append(received[r.URL.Path], body...)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()

	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done, logs := startRun(t, ctx, []string{"-addr", "127.0.0.1:0", "-db", ":memory:", "-log", "json"}, env)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest("POST", base+"/incidents", strings.NewReader(`{"title":"Telemetry test"}`))
	req.Header.Set(headerActor, "alice")
	res, err := client.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)

	stopRun(t, cancel, done)
	assert.Contains(t, logs.String(), `"msg":"exporting telemetry"`)
	mu.Lock()
	defer mu.Unlock()
	spans, metrics := received["/v1/traces"], received["/v1/metrics"]
	assert.True(t, bytes.Contains(spans, []byte("itsm incident open")), "the span of the operation is exported")
	assert.True(t, bytes.Contains(spans, []byte("servicedesk")), "for the service servicedesk")
	assert.True(t, bytes.Contains(metrics, []byte("itsm.operations")), "the metrics are exported on shutdown")
	assert.True(t, bytes.Contains(metrics, []byte("itsm.operation.duration")))
}

// TestExportTelemetryAsTheEnvironmentAsks: without the variables the
// desk installs no telemetry, and an endpoint that is no URL stops it.
func TestExportTelemetryAsTheEnvironmentAsks(t *testing.T) {
	is, stop, err := exportTelemetry(t.Context(), func(string) string { return "" }, nil)
	require.NoError(t, err)
	stop()
	assert.Empty(t, is)
	_, _, err = exportTelemetry(t.Context(), func(k string) string {
		if k == "OTEL_EXPORTER_OTLP_ENDPOINT" {
			return "localhost:4318"
		}
		return ""
	}, nil)
	assert.ErrorContains(t, err, "OTEL_EXPORTER_OTLP_ENDPOINT=localhost:4318")
}
