// Package telemetry sets up OpenTelemetry tracing.
package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Setup installs the W3C Trace Context propagator, so an incoming traceparent is continued and its trace id
// reaches the logs. Only when otlpEndpoint is set does it install an SDK tracer provider that records spans
// and exports them over OTLP/HTTP (the exporter reads OTEL_EXPORTER_OTLP_* itself); without one, spans are
// non-recording and cost next to nothing, and nothing fails. The returned function flushes and stops the
// provider.
func Setup(ctx context.Context, serviceName, otlpEndpoint string, logger *slog.Logger) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{},
		propagation.Baggage{},
	))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("opentelemetry error", "error", err.Error())
	}))

	if otlpEndpoint == "" {
		return func(context.Context) error { return nil }, nil
	}

	res, err := resource.Merge(resource.Default(),
		resource.NewSchemaless(attribute.String("service.name", serviceName)))
	if err != nil {
		return nil, err
	}
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	logger.Info("exporting traces over OTLP/HTTP", "endpoint", otlpEndpoint)
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		sdktrace.WithBatcher(exporter),
	)
	otel.SetTracerProvider(provider)
	return provider.Shutdown, nil
}
