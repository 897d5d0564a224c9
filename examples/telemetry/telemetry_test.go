package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/itsmkit/itsm/examples/telemetry"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

var (
	agent    = lifecycle.Actor{ID: "ann"}
	resolver = lifecycle.Actor{ID: "rob", Roles: []string{"resolver"}}
)

// resolvers lets only actors with the role "resolver" resolve incidents.
var resolvers = &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{
	{Name: "resolvers", Process: incident.Process, Event: string(incident.EventResolve), Roles: []string{"resolver"}},
}}

// fixture is an incident Service observed by telemetry into in-memory
// readers.
type fixture struct {
	svc     *incident.Service
	spans   *tracetest.SpanRecorder
	metrics *sdkmetric.ManualReader
	// first and last are the durations the kernel told the interceptors
	// around telemetry, in order: it measures each Done's time since the
	// operation's start, so telemetry's lies between them.
	first, last []time.Duration
}

// newFixture builds a fixture whose Service asks first the interceptors
// before, then telemetry between two observers of the elapsed times.
func newFixture(t *testing.T, notifier lifecycle.Notifier, before ...lifecycle.Interceptor) *fixture {
	t.Helper()
	f := &fixture{spans: tracetest.NewSpanRecorder(), metrics: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(f.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(f.metrics))
	t.Cleanup(func() {
		assert.NoError(t, tp.Shutdown(context.Background()))
		assert.NoError(t, mp.Shutdown(context.Background()))
	})
	tel, err := telemetry.New(tp, mp)
	require.NoError(t, err)
	interceptors := append(before,
		lifecycle.ObserverFunc(func(_ context.Context, _ lifecycle.Operation, _ error, elapsed time.Duration) {
			f.first = append(f.first, elapsed)
		}),
		tel,
		lifecycle.ObserverFunc(func(_ context.Context, _ lifecycle.Operation, _ error, elapsed time.Duration) {
			f.last = append(f.last, elapsed)
		}))
	f.svc, err = incident.New(incident.Config{Store: incidenttest.NewStore(), Notifier: notifier, Interceptors: interceptors})
	require.NoError(t, err)
	return f
}

// span is what a test checks of an ended span.
type span struct {
	name   string
	attrs  map[attribute.Key]string
	status codes.Code
	errors int // the exception events recorded
}

func (f *fixture) ended(t *testing.T) []span {
	t.Helper()
	var out []span
	for _, s := range f.spans.Ended() {
		got := span{name: s.Name(), attrs: map[attribute.Key]string{}, status: s.Status().Code}
		for _, kv := range s.Attributes() {
			got.attrs[kv.Key] = kv.Value.Emit()
		}
		for _, e := range s.Events() {
			if e.Name == "exception" {
				got.errors++
			}
		}
		out = append(out, got)
	}
	return out
}

// point is a metric point's attributes, rendered "process/event/outcome".
func point(set attribute.Set) string {
	var process, event, outcome string
	for _, kv := range set.ToSlice() {
		switch kv.Key {
		case telemetry.KeyProcess:
			process = kv.Value.AsString()
		case telemetry.KeyEvent:
			event = kv.Value.AsString()
		case telemetry.KeyOutcome:
			outcome = kv.Value.AsString()
		default:
			return "unexpected attribute " + string(kv.Key)
		}
	}
	return process + "/" + event + "/" + outcome
}

// collected is what the fixture's metrics hold: the counter's value and
// the histogram's count per point, and the histogram's unit.
type collected struct {
	counts    map[string]int64
	durations map[string]uint64
	sums      map[string]float64
	unit      string
}

func (f *fixture) collect(t *testing.T) collected {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, f.metrics.Collect(context.Background(), &rm))
	c := collected{counts: map[string]int64{}, durations: map[string]uint64{}, sums: map[string]float64{}}
	require.Len(t, rm.ScopeMetrics, 1)
	assert.Equal(t, telemetry.Name, rm.ScopeMetrics[0].Scope.Name)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch m.Name {
		case "itsm.operations":
			sum, ok := m.Data.(metricdata.Sum[int64])
			require.True(t, ok, "itsm.operations is a %T", m.Data)
			assert.True(t, sum.IsMonotonic)
			for _, p := range sum.DataPoints {
				c.counts[point(p.Attributes)] = p.Value
			}
		case "itsm.operation.duration":
			h, ok := m.Data.(metricdata.Histogram[float64])
			require.True(t, ok, "itsm.operation.duration is a %T", m.Data)
			c.unit = m.Unit
			for _, p := range h.DataPoints {
				c.durations[point(p.Attributes)] = p.Count
				c.sums[point(p.Attributes)] = p.Sum
			}
		default:
			t.Errorf("unexpected metric %s", m.Name)
		}
	}
	return c
}

func TestSpansAndMetricsPerOutcome(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil, resolvers)

	x, err := f.svc.Open(ctx, agent, incident.Open{Title: "mail is down", Caller: "carl"})
	require.NoError(t, err)
	_, err = f.svc.Resolve(ctx, agent, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "restarted"})
	require.ErrorIs(t, err, lifecycle.ErrForbidden)
	_, err = f.svc.Open(ctx, agent, incident.Open{})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = f.svc.Assign(ctx, agent, incident.Assign{ID: "INC-404", Group: "mail"})
	require.ErrorIs(t, err, lifecycle.ErrNotFound)
	_, err = f.svc.Close(ctx, agent, incident.Close{ID: x.ID})
	require.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
	_, err = f.svc.Assign(ctx, agent, incident.Assign{ID: x.ID, Group: "mail"})
	require.NoError(t, err)

	spans := f.ended(t)
	require.Len(t, spans, 6)
	assert.Equal(t, span{name: "itsm incident open", attrs: map[attribute.Key]string{
		telemetry.KeyProcess: "incident", telemetry.KeyEvent: "open", telemetry.KeyOutcome: "ok",
		telemetry.KeyRecordID: x.ID, telemetry.KeyActor: "ann",
	}}, spans[0])
	assert.Equal(t, span{name: "itsm incident resolve", attrs: map[attribute.Key]string{
		telemetry.KeyProcess: "incident", telemetry.KeyEvent: "resolve", telemetry.KeyOutcome: "forbidden",
		telemetry.KeyRecordID: x.ID, telemetry.KeyActor: "ann", telemetry.KeyAccessRule: "resolvers",
	}}, spans[1], "a refusal is an outcome, not an error of the service")
	assert.Equal(t, span{name: "itsm incident open", attrs: map[attribute.Key]string{
		telemetry.KeyProcess: "incident", telemetry.KeyEvent: "open", telemetry.KeyOutcome: "invalid", telemetry.KeyActor: "ann",
	}}, spans[2], "a create refused before it is built has its event, known up front, but no ID")
	assert.Equal(t, span{name: "itsm incident", attrs: map[attribute.Key]string{
		telemetry.KeyProcess: "incident", telemetry.KeyOutcome: "not_found",
		telemetry.KeyRecordID: "INC-404", telemetry.KeyActor: "ann",
	}}, spans[3])
	assert.Equal(t, "transition", spans[4].attrs[telemetry.KeyOutcome])
	assert.Equal(t, "close", spans[4].attrs[telemetry.KeyEvent], "the event is known before the command runs")
	assert.Equal(t, codes.Unset, spans[4].status)
	assert.Equal(t, "itsm incident assign", spans[5].name)
	assert.Equal(t, "ok", spans[5].attrs[telemetry.KeyOutcome])

	c := f.collect(t)
	want := map[string]int64{
		"incident/open/ok":           1,
		"incident/resolve/forbidden": 1,
		"incident/open/invalid":      1,
		"incident//not_found":        1,
		"incident/close/transition":  1,
		"incident/assign/ok":         1,
	}
	assert.Equal(t, want, c.counts, "one count per operation, without actor or record")
	durations := map[string]uint64{}
	for k, v := range want {
		durations[k] = uint64(v)
	}
	assert.Equal(t, durations, c.durations, "one duration per operation")
	assert.Equal(t, "s", c.unit)
	require.Len(t, f.first, 6)
	require.Len(t, f.last, 6)
	var first, last, recorded float64
	for i := range f.first {
		first += f.first[i].Seconds()
		last += f.last[i].Seconds()
	}
	for _, s := range c.sums {
		recorded += s
	}
	assert.Equal(t, f.first, f.last, "every interceptor is told the one duration of an operation")
	assert.InDelta(t, first, recorded, 1e-9, "the durations recorded are the kernel's, in seconds")
	assert.InDelta(t, last, recorded, 1e-9)
}

func TestSpanCoversTheOperation(t *testing.T) {
	ctx := context.Background()
	slow := lifecycle.PolicyFunc(func(context.Context, lifecycle.Operation) error {
		time.Sleep(20 * time.Millisecond)
		return nil
	})
	f := newFixture(t, nil, slow)

	before := time.Now()
	_, err := f.svc.Open(ctx, agent, incident.Open{Title: "printer jam"})
	after := time.Now()
	require.NoError(t, err)

	ended := f.spans.Ended()
	require.Len(t, ended, 1)
	require.Len(t, f.first, 1)
	require.Len(t, f.last, 1)
	s := ended[0]
	lasted := s.EndTime().Sub(s.StartTime())
	assert.GreaterOrEqual(t, lasted, f.first[0], "the span lasts as long as the operation")
	assert.LessOrEqual(t, lasted, f.last[0])
	assert.GreaterOrEqual(t, lasted, 20*time.Millisecond)
	assert.False(t, s.StartTime().Before(before), "the span starts when the operation does")
	assert.False(t, s.EndTime().After(after), "and ends before the call returns")
}

func TestFailuresSetErrorStatus(t *testing.T) {
	ctx := context.Background()
	down := errors.New("directory unreachable")
	directory := lifecycle.PolicyFunc(func(_ context.Context, op lifecycle.Operation) error {
		if op.Event == string(incident.EventAssign) {
			return down
		}
		return nil
	})
	mailer := lifecycle.NotifierFunc(func(context.Context, ...lifecycle.Notification) error {
		return errors.New("mail server down")
	})
	f := newFixture(t, mailer, directory)

	x, err := f.svc.Open(ctx, agent, incident.Open{Title: "vpn flaps"})
	require.True(t, lifecycle.IsNotifyError(err), "got %v", err)
	_, err = f.svc.Assign(ctx, agent, incident.Assign{ID: x.ID, Group: "network"})
	require.ErrorIs(t, err, down)

	spans := f.ended(t)
	require.Len(t, spans, 2)
	assert.Equal(t, "stored_with_errors", spans[0].attrs[telemetry.KeyOutcome])
	assert.Equal(t, codes.Error, spans[0].status)
	assert.Equal(t, 1, spans[0].errors, "the error is recorded on the span")
	assert.Equal(t, "error", spans[1].attrs[telemetry.KeyOutcome])
	assert.Equal(t, codes.Error, spans[1].status)
	assert.Equal(t, 1, spans[1].errors)
	assert.Equal(t, "directory unreachable", f.spans.Ended()[1].Status().Description)

	assert.Equal(t, map[string]int64{"incident/open/stored_with_errors": 1, "incident/assign/error": 1}, f.collect(t).counts)
}

func TestSpanIsAChildOfTheCaller(t *testing.T) {
	f := newFixture(t, nil)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(f.spans))
	defer tp.Shutdown(context.Background())
	ctx, parent := tp.Tracer("host").Start(context.Background(), "POST /incidents")
	_, err := f.svc.Open(ctx, agent, incident.Open{Title: "disk full"})
	require.NoError(t, err)
	parent.End()

	ended := f.spans.Ended()
	require.Len(t, ended, 2)
	assert.Equal(t, "itsm incident open", ended[0].Name())
	assert.Equal(t, parent.SpanContext().SpanID(), ended[0].Parent().SpanID())
	assert.Equal(t, parent.SpanContext().TraceID(), ended[0].SpanContext().TraceID())
}

func TestOutcome(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, telemetry.OutcomeOK},
		{fmt.Errorf("incident INC-1: %w", &lifecycle.NotifyError{Err: lifecycle.ErrConflict}), telemetry.OutcomeStoredWithErrors},
		{&lifecycle.FollowUpError{Process: "problem", Record: "PRB-1", Err: lifecycle.Conflict("incident", "INC-1", 1, 2)}, telemetry.OutcomeStoredWithErrors},
		{&lifecycle.ForbiddenError{Actor: "ann", Action: "resolve", Reason: "no"}, telemetry.OutcomeForbidden},
		{&lifecycle.TransitionError{Process: "change", Event: "approve", Reason: lifecycle.ErrForbidden}, telemetry.OutcomeForbidden},
		{lifecycle.NotFound("incident", "INC-1"), telemetry.OutcomeNotFound},
		{lifecycle.Conflict("incident", "INC-1", 1, 2), telemetry.OutcomeConflict},
		{lifecycle.Invalid("title", "is required"), telemetry.OutcomeInvalid},
		{&lifecycle.TransitionError{Process: "incident", Event: "close", Reason: lifecycle.Invalid("notes", "is required")}, telemetry.OutcomeInvalid},
		{&lifecycle.TransitionError{Process: "incident", Event: "close", From: "new"}, telemetry.OutcomeTransition},
		{&lifecycle.ConfigError{Setting: "PortfolioConfig.Dependents"}, telemetry.OutcomeError},
		{context.Canceled, telemetry.OutcomeError},
		{errors.New("disk full"), telemetry.OutcomeError},
	} {
		assert.Equal(t, c.want, telemetry.Outcome(c.err), "%v", c.err)
	}
}

func TestDoneDatesTheSpanBackByElapsed(t *testing.T) {
	spans, metrics := tracetest.NewSpanRecorder(), sdkmetric.NewManualReader()
	tel, err := telemetry.New(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)), sdkmetric.NewMeterProvider(sdkmetric.WithReader(metrics)))
	require.NoError(t, err)
	require.NoError(t, tel.Check(context.Background(), lifecycle.Operation{}), "telemetry allows everything")

	before := time.Now()
	tel.Done(context.Background(), lifecycle.Operation{Process: "change", Event: "approve", ID: "CHG-1", Actor: agent}, nil, 1500*time.Millisecond)
	after := time.Now()

	ended := spans.Ended()
	require.Len(t, ended, 1)
	assert.Equal(t, "itsm change approve", ended[0].Name())
	assert.Equal(t, 1500*time.Millisecond, ended[0].EndTime().Sub(ended[0].StartTime()))
	assert.False(t, ended[0].EndTime().Before(before))
	assert.False(t, ended[0].EndTime().After(after))

	var rm metricdata.ResourceMetrics
	require.NoError(t, metrics.Collect(context.Background(), &rm))
	require.Len(t, rm.ScopeMetrics, 1)
	var sum float64
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if h, ok := m.Data.(metricdata.Histogram[float64]); ok {
			require.Len(t, h.DataPoints, 1)
			sum = h.DataPoints[0].Sum
		}
	}
	assert.InDelta(t, 1.5, sum, 1e-12, "the duration in seconds")
}

func TestNilProvidersAreTheGlobals(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	tel, err := telemetry.New(nil, nil)
	require.NoError(t, err)
	tel.Done(context.Background(), lifecycle.Operation{Process: "problem", Event: "open", Actor: agent}, nil, time.Millisecond)
	require.Len(t, spans.Ended(), 1)
	assert.Equal(t, "itsm problem open", spans.Ended()[0].Name())
}
