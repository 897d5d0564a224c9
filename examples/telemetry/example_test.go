package telemetry_test

import (
	"context"
	"errors"
	"fmt"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/itsmkit/itsm/examples/telemetry"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// A Service asks its access policy first and tells telemetry every
// outcome, refusals included. A host gives New its own providers, with
// exporters; this one keeps the spans and metrics in memory to print
// them.
func Example() {
	spans := tracetest.NewSpanRecorder()
	metrics := sdkmetric.NewManualReader()
	tel, err := telemetry.New(
		sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
		sdkmetric.NewMeterProvider(sdkmetric.WithReader(metrics)))
	if err != nil {
		panic(err)
	}
	policy := &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{
		{Process: incident.Process, Event: string(incident.EventResolve), Roles: []string{"resolver"}},
	}}
	svc, err := incident.New(incident.Config{
		Store:        incidenttest.NewStore(),
		Interceptors: []lifecycle.Interceptor{policy, tel},
	})
	if err != nil {
		panic(err)
	}

	ctx := context.Background()
	ann := lifecycle.Actor{ID: "ann"}
	x, err := svc.Open(ctx, ann, incident.Open{Title: "mail is down"})
	if err != nil {
		panic(err)
	}
	_, err = svc.Resolve(ctx, ann, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "restarted"})
	fmt.Println(errors.Is(err, lifecycle.ErrForbidden))

	for _, s := range spans.Ended() {
		for _, kv := range s.Attributes() {
			if kv.Key == telemetry.KeyOutcome {
				fmt.Println(s.Name(), kv.Value.AsString(), s.Status().Code)
			}
		}
	}
	var rm metricdata.ResourceMetrics
	if err := metrics.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
			fmt.Println(m.Name, "points:", len(sum.DataPoints))
		}
	}
	// Output:
	// true
	// itsm incident open ok Unset
	// itsm incident resolve forbidden Unset
	// itsm.operations points: 2
}
