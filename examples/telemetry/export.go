package telemetry

import (
	"context"
	"errors"
	"net/url"
	"strings"

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

// EnvError reports an environment variable that FromEnv cannot use.
type EnvError struct {
	Var    string // the variable, such as "OTEL_EXPORTER_OTLP_ENDPOINT"
	Value  string // its value
	Reason string // what is wrong with it
}

// Error renders "<var>=<value>: <reason>".
func (e *EnvError) Error() string { return e.Var + "=" + e.Value + ": " + e.Reason }

// FromEnv returns an Export for service (the resource's service.name,
// which OTEL_SERVICE_NAME overrides), or nil when getenv has none of
// [EnvEndpoint], [EnvTracesEndpoint] and [EnvMetricsEndpoint]: then
// nothing is to be exported. [EnvEndpoint] asks for both signals, at its
// paths /v1/traces and /v1/metrics; [EnvTracesEndpoint] and
// [EnvMetricsEndpoint] each ask for their own signal at their URL, and
// take precedence. An endpoint is an http or https URL; anything else is
// an *[EnvError].
//
// getenv (os.Getenv, in a host) decides what to export and where to. The
// exporters and the resource read the rest of their settings (headers,
// timeouts, certificates, OTEL_RESOURCE_ATTRIBUTES) from the process
// environment, as the OpenTelemetry SDK specifies. They do not connect
// until they export.
func FromEnv(ctx context.Context, service string, getenv func(string) string) (*Export, error) {
	traces, err := endpoint(getenv, EnvTracesEndpoint, "/v1/traces")
	if err != nil {
		return nil, err
	}
	metrics, err := endpoint(getenv, EnvMetricsEndpoint, "/v1/metrics")
	if err != nil || traces == "" && metrics == "" {
		return nil, err
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", service)),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, err
	}
	e := &Export{Traces: tracenoop.NewTracerProvider(), Metrics: metricnoop.NewMeterProvider()}
	if traces != "" {
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(traces))
		if err != nil {
			return nil, err
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		e.Traces, e.shutdown = tp, append(e.shutdown, tp.Shutdown)
	}
	if metrics != "" {
		exp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(metrics))
		if err != nil {
			return nil, errors.Join(err, e.Shutdown(ctx))
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp)), sdkmetric.WithResource(res))
		e.Metrics, e.shutdown = mp, append(e.shutdown, mp.Shutdown)
	}
	return e, nil
}

// endpoint is the URL to export a signal to: the value of signalVar, or
// else path under [EnvEndpoint]'s URL, or "" when neither is set.
func endpoint(getenv func(string) string, signalVar, path string) (string, error) {
	name, v := signalVar, getenv(signalVar)
	if v == "" {
		name, v = EnvEndpoint, getenv(EnvEndpoint)
	}
	if v == "" {
		return "", nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", &EnvError{Var: name, Value: v, Reason: "want an http or https URL"}
	}
	if name == EnvEndpoint {
		u.Path = strings.TrimSuffix(u.Path, "/") + path
	}
	return u.String(), nil
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
