// Package telemetry sets up OpenTelemetry tracing and the JSON logger that stamps each line with its trace id.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Tracing is what Setup installed.
type Tracing struct {
	// Tracer starts server spans; nil when traces are not exported, and then no span is started at all (the
	// incoming trace context still reaches the logs through the propagator).
	Tracer trace.Tracer
	// Propagator reads and writes W3C traceparent and baggage headers.
	Propagator propagation.TextMapPropagator
	// Shutdown flushes the spans still queued and stops the provider.
	Shutdown func(context.Context) error
}

// Setup installs the W3C Trace Context propagator and an error handler that logs OpenTelemetry failures (a
// rejected or failed export among them) as warnings. Only when otlpEndpoint is set does it install an SDK tracer
// provider exporting over OTLP/HTTP (protobuf). The SDK reads its standard variables itself: the exporter
// OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout, TLS for https), the sampler OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on), the batch processor OTEL_BSP_*, and the resource
// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (defaultServiceName otherwise). Tracing never takes the
// service down: a malformed OTEL_RESOURCE_ATTRIBUTES is logged as a warning and its valid entries are used, and
// on any other error the returned Tracing still propagates trace context, exporting nothing.
func Setup(ctx context.Context, defaultServiceName, otlpEndpoint, scope string, logger *slog.Logger) (Tracing, error) {
	propagator := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	otel.SetTextMapPropagator(propagator)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("opentelemetry: trace export or processing failed", "error", err.Error())
	}))
	tracing := Tracing{Propagator: propagator, Shutdown: func(context.Context) error { return nil }}
	if otlpEndpoint == "" {
		return tracing, nil
	}

	// Later sources win: the default name, then OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME.
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(defaultServiceName)),
		resource.WithFromEnv(),
		resource.WithTelemetrySDK(),
	)
	switch {
	case errors.Is(err, resource.ErrPartialResource):
		// A malformed OTEL_RESOURCE_ATTRIBUTES (an entry without '=', a bad escape) is no reason to stop the
		// service: the entries that parse are used, the rest are dropped.
		logger.Warn("OTEL_RESOURCE_ATTRIBUTES is malformed: ignoring the entries that do not parse",
			"variable", "OTEL_RESOURCE_ATTRIBUTES", "error", err.Error())
	case err != nil:
		return tracing, fmt.Errorf("trace resource: %w", err)
	}
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return tracing, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	// No WithSampler: the SDK takes the sampler from OTEL_TRACES_SAMPLER.
	provider := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(exporter))
	otel.SetTracerProvider(provider)
	logger.Info("exporting traces over OTLP/HTTP", "endpoint", otlpEndpoint)
	tracing.Tracer = provider.Tracer(scope)
	tracing.Shutdown = provider.Shutdown
	return tracing, nil
}
