package telemetry

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// The standard OpenTelemetry environment variables that ask for export:
// the endpoint of both signals, and the endpoints of each.
const (
	EnvEndpoint        = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint  = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvMetricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
)

// Export is a pipeline that exports spans and metrics over OTLP/HTTP
// (http/protobuf), as the standard environment variables ask. Give its
// providers to [New], and shut it down on exit.
type Export struct {
	// Traces exports spans in batches; a no-op provider when the
	// environment asks for no traces.
	Traces trace.TracerProvider
	// Metrics exports metrics periodically (every minute, or as
	// OTEL_METRIC_EXPORT_INTERVAL says); a no-op provider when the
	// environment asks for no metrics.
	Metrics metric.MeterProvider

	shutdown []func(context.Context) error
}

// FromEnv returns an Export for service (the resource's service.name,
// which OTEL_SERVICE_NAME overrides), or nil when getenv has none of
// [EnvEndpoint], [EnvTracesEndpoint] and [EnvMetricsEndpoint]: then
// nothing is to be exported. [EnvEndpoint] asks for both signals, the
// others each for its own. The exporters and the resource read the rest
// of their settings (headers, timeouts, certificates,
// OTEL_RESOURCE_ATTRIBUTES) from the process environment, as the
// OpenTelemetry SDK specifies: getenv (os.Getenv, in a host) only
// decides what to export. The exporters do not connect until they
// export, so FromEnv fails only on settings they cannot parse.
func FromEnv(ctx context.Context, service string, getenv func(string) string) (*Export, error) {
	traces := getenv(EnvEndpoint) != "" || getenv(EnvTracesEndpoint) != ""
	metrics := getenv(EnvEndpoint) != "" || getenv(EnvMetricsEndpoint) != ""
	if !traces && !metrics {
		return nil, nil
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", service)),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, err
	}
	e := &Export{Traces: tracenoop.NewTracerProvider(), Metrics: metricnoop.NewMeterProvider()}
	if traces {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, err
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		e.Traces, e.shutdown = tp, append(e.shutdown, tp.Shutdown)
	}
	if metrics {
		exp, err := otlpmetrichttp.New(ctx)
		if err != nil {
			return nil, errors.Join(err, e.Shutdown(ctx))
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp)), sdkmetric.WithResource(res))
		e.Metrics, e.shutdown = mp, append(e.shutdown, mp.Shutdown)
	}
	return e, nil
}

// Shutdown exports what the providers still hold and stops them, within
// ctx's deadline. Spans and metrics recorded after it are dropped.
func (e *Export) Shutdown(ctx context.Context) error {
	var errs []error
	for _, f := range e.shutdown {
		errs = append(errs, f(ctx))
	}
	return errors.Join(errs...)
}
