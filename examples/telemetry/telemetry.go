// Package telemetry reports the operations of the itsm services as
// OpenTelemetry spans and metrics, through a [lifecycle.Interceptor] that
// only observes: give the one [New] returns to a Service's
// Config.Interceptors (incident, problem, change) or to
// lifecycle.PortfolioConfig.Interceptors, after any access policy.
//
// Each operation, once it has ended, gives
//
//   - a span named "itsm <process> <event>", such as "itsm incident
//     resolve" ("itsm incident" when the operation failed before its
//     command applied and so has no event), a child of the span in the
//     operation's context, from the operation's start to its end, with
//     the attributes itsm.process, itsm.event (when known),
//     itsm.record.id (when known), itsm.outcome and itsm.actor (the
//     acting user's ID); a refusal by an access rule also names the rule
//     in itsm.access.rule;
//   - one count on the counter itsm.operations and the operation's
//     duration, in seconds, on the histogram itsm.operation.duration,
//     both with the attributes itsm.process, itsm.event (when known) and
//     itsm.outcome. The actor and the record are left out of the metrics:
//     their number grows without bound.
//
// The outcome ([Outcome]) is one of a small closed set. The outcomes that
// are the caller's (forbidden, not_found, conflict, invalid, transition)
// are answers of a working service, as a 4xx status is for an HTTP
// server: their spans carry the outcome and no error status. The failures
// of the service itself (error, stored_with_errors) set the span's status
// to Error with the error's message and record the error on the span.
//
// [FromEnv] builds the providers that export over OTLP/HTTP when the
// standard OpenTelemetry environment variables ask for it, as the service
// desk (examples/servicedesk) does.
//
// The core module has no OpenTelemetry dependency: this adapter, in the
// examples module, is where a host gets one.
package telemetry

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/itsmkit/itsm/lifecycle"
)

// Name is the instrumentation scope's name: the name of the tracer and of
// the meter the interceptor asks its providers for.
const Name = "github.com/itsmkit/itsm/examples/telemetry"

// Attribute keys of the spans and metrics.
const (
	KeyProcess    = attribute.Key("itsm.process")     // "incident", "problem", "change", "service", ...
	KeyEvent      = attribute.Key("itsm.event")       // the history record's event: "resolve", "open", ...
	KeyOutcome    = attribute.Key("itsm.outcome")     // an Outcome: "ok", "forbidden", ...
	KeyRecordID   = attribute.Key("itsm.record.id")   // the record's ID; spans only
	KeyActor      = attribute.Key("itsm.actor")       // the acting user's ID; spans only
	KeyAccessRule = attribute.Key("itsm.access.rule") // the access rule that refused; spans only
)

// Outcomes of an operation, as [Outcome] derives them from its error.
const (
	// OutcomeOK: the change is stored and notified.
	OutcomeOK = "ok"
	// OutcomeStoredWithErrors: the change is stored, but its notification
	// (a *lifecycle.NotifyError) or a follow-up change of another record
	// (a *lifecycle.FollowUpError) failed.
	OutcomeStoredWithErrors = "stored_with_errors"
	// OutcomeForbidden: the actor may not make the change
	// (lifecycle.ErrForbidden), refused by an access policy or by the
	// process's own rules.
	OutcomeForbidden = "forbidden"
	// OutcomeNotFound: no record has the ID (lifecycle.ErrNotFound).
	OutcomeNotFound = "not_found"
	// OutcomeConflict: a stale version, or an ID taken
	// (lifecycle.ErrConflict).
	OutcomeConflict = "conflict"
	// OutcomeInvalid: bad input (lifecycle.ErrValidation).
	OutcomeInvalid = "invalid"
	// OutcomeTransition: an event the state machine does not allow from
	// the record's state (lifecycle.ErrInvalidTransition).
	OutcomeTransition = "transition"
	// OutcomeError: any other failure, such as a store's error or a
	// missing configuration (lifecycle.ErrNotConfigured).
	OutcomeError = "error"
)

// durationBuckets are the histogram's bucket boundaries, in seconds: from
// 5ms to 10s, as OpenTelemetry's semantic conventions advise for the
// durations of requests.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// Outcome names how an operation with error err ended. A stored change
// comes first (its error may wrap any sentinel, a follow-up's conflict
// among them), then the sentinels in the order of the constants: a
// guard's reason (forbidden, invalid) is named rather than the refused
// transition it comes with.
func Outcome(err error) string {
	var followUp *lifecycle.FollowUpError
	switch {
	case err == nil:
		return OutcomeOK
	case lifecycle.IsNotifyError(err) || errors.As(err, &followUp):
		return OutcomeStoredWithErrors
	case errors.Is(err, lifecycle.ErrForbidden):
		return OutcomeForbidden
	case errors.Is(err, lifecycle.ErrNotFound):
		return OutcomeNotFound
	case errors.Is(err, lifecycle.ErrConflict):
		return OutcomeConflict
	case errors.Is(err, lifecycle.ErrValidation):
		return OutcomeInvalid
	case errors.Is(err, lifecycle.ErrInvalidTransition):
		return OutcomeTransition
	default:
		return OutcomeError
	}
}

// failed reports whether outcome is a failure of the service rather than
// an answer to the caller.
func failed(outcome string) bool {
	return outcome == OutcomeError || outcome == OutcomeStoredWithErrors
}

// observer is the interceptor New returns.
type observer struct {
	tracer     trace.Tracer
	operations metric.Int64Counter
	duration   metric.Float64Histogram
}

// New returns an interceptor that reports every operation it is told of
// as a span of tp's tracer and as points of mp's meter, as the package
// describes. A nil tp or mp is the global one (otel.GetTracerProvider,
// otel.GetMeterProvider). It fails only if mp refuses an instrument.
func New(tp trace.TracerProvider, mp metric.MeterProvider) (lifecycle.Interceptor, error) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(Name)
	operations, err := meter.Int64Counter("itsm.operations",
		metric.WithDescription("Operations of the itsm services: commands, creations and erasures."),
		metric.WithUnit("{operation}"))
	if err != nil {
		return nil, err
	}
	duration, err := meter.Float64Histogram("itsm.operation.duration",
		metric.WithDescription("Duration of the operations of the itsm services."),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		return nil, err
	}
	return &observer{tracer: tp.Tracer(Name), operations: operations, duration: duration}, nil
}

// Check allows every operation: the observer only observes.
func (*observer) Check(context.Context, lifecycle.Operation) error { return nil }

// Done records op, which ended with err after elapsed.
func (o *observer) Done(ctx context.Context, op lifecycle.Operation, err error, elapsed time.Duration) {
	end := time.Now()
	outcome := Outcome(err)

	common := []attribute.KeyValue{KeyProcess.String(op.Process)}
	name := "itsm " + op.Process
	if op.Event != "" {
		common = append(common, KeyEvent.String(op.Event))
		name += " " + op.Event
	}
	common = append(common, KeyOutcome.String(outcome))
	measured := metric.WithAttributeSet(attribute.NewSet(common...))
	o.operations.Add(ctx, 1, measured)
	o.duration.Record(ctx, elapsed.Seconds(), measured)

	spanAttrs := append(common, KeyActor.String(op.Actor.ID))
	if op.ID != "" {
		spanAttrs = append(spanAttrs, KeyRecordID.String(op.ID))
	}
	var refusal *lifecycle.ForbiddenError
	if errors.As(err, &refusal) && refusal.Rule != "" {
		spanAttrs = append(spanAttrs, KeyAccessRule.String(refusal.Rule))
	}
	_, span := o.tracer.Start(ctx, name,
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(end.Add(-elapsed)),
		trace.WithAttributes(spanAttrs...))
	if failed(outcome) {
		span.RecordError(err, trace.WithTimestamp(end))
		span.SetStatus(codes.Error, err.Error())
	}
	span.End(trace.WithTimestamp(end))
}
