package telemetry

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A malformed OTEL_RESOURCE_ATTRIBUTES must not take the service down: a warning names it, tracing goes on.
func TestMalformedResourceAttributesOnlyWarn(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test,no-equals-sign")
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))

	tracing, err := Setup(context.Background(), "svc", "http://127.0.0.1:1", "test", logger)
	if err != nil {
		t.Fatalf("Setup failed: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = tracing.Shutdown(ctx)
	})
	if tracing.Tracer == nil || tracing.Propagator == nil {
		t.Fatalf("tracing was not set up: %+v", tracing)
	}
	var warned bool
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, `"level":"WARN"`) && strings.Contains(line, "OTEL_RESOURCE_ATTRIBUTES") {
			warned = true
		}
	}
	if !warned {
		t.Fatalf("want a warning naming OTEL_RESOURCE_ATTRIBUTES:\n%s", logs.String())
	}
}
