package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Options configure Observe.
type Options struct {
	Logger  *slog.Logger
	Metrics *Metrics
	// Propagator extracts the incoming trace context (W3C traceparent).
	Propagator propagation.TextMapPropagator
	// Tracer starts a server span per request; nil when no tracer provider is installed, and then the incoming
	// trace context alone reaches the request's context (and so its log lines).
	Tracer trace.Tracer
	// CORSAllowedOrigins are the exact origins allowed cross-origin access.
	CORSAllowedOrigins []string
	// MaxBodyBytes caps request bodies (413 above it).
	MaxBodyBytes int64
}

// Observe is the one layer every request passes, written by hand to keep the per-request cost low: it continues
// the caller's trace, applies CORS and the body limit, turns a panic into 500 internal (or, once the headers are
// out, aborts the connection, as it does for http.ErrAbortHandler), then writes one log line (probes at debug,
// 5xx at error, the rest at info) and counts the request under its bounded method and route template (/metrics
// is not counted). next must be a ServeMux, whose matched pattern names the route.
func Observe(opts Options, next http.Handler) http.Handler {
	return &observer{
		next:       next,
		logger:     opts.Logger,
		metrics:    opts.Metrics,
		propagator: opts.Propagator,
		tracer:     opts.Tracer,
		cors:       newCORS(opts.CORSAllowedOrigins),
		maxBody:    opts.MaxBodyBytes,
	}
}

type observer struct {
	next       http.Handler
	logger     *slog.Logger
	metrics    *Metrics
	propagator propagation.TextMapPropagator
	tracer     trace.Tracer
	cors       cors
	maxBody    int64
}

func (o *observer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	method := Method(r.Method)

	ctx := r.Context()
	if o.propagator != nil && r.Header.Get("Traceparent") != "" {
		ctx = o.propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
	}
	var span trace.Span
	if o.tracer != nil && r.URL.Path != "/metrics" { // scrapes would drown the traces
		// Named after the method for now; the route is known once the mux has matched.
		ctx, span = o.tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(semconv.HTTPRequestMethodKey.String(method), semconv.URLPath(r.URL.Path)))
	}
	if ctx != r.Context() {
		r = r.WithContext(ctx)
	}

	rec := &statusRecorder{ResponseWriter: w}
	o.cors.apply(rec.Header(), r)
	limitBody(w, r, o.maxBody)

	defer func() {
		recovered := recover()
		if recovered == nil {
			end := time.Now()
			o.finish(ctx, r, rec.statusCode(), method, end, end.Sub(start), span)
			return
		}
		// Every way out is logged, counted and ends the span. A response that cannot be completed is aborted
		// (http.ErrAbortHandler: the server closes the connection without logging it again), so the client sees a
		// failure rather than a truncated answer; it counts as 500 whatever status went out.
		status, abort := http.StatusInternalServerError, true
		if err, ok := recovered.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			if errors.Is(ctx.Err(), context.Canceled) {
				status = StatusClientClosedRequest // aborted because the client went away: not an error
			}
		} else {
			o.logger.ErrorContext(ctx, "panic while serving request",
				"method", method,
				"path", r.URL.Path,
				"panic", fmt.Sprint(recovered),
				"stack", string(debug.Stack()),
				"headers_written", rec.wroteHeader,
			)
			if !rec.wroteHeader {
				WriteError(rec, http.StatusInternalServerError, "internal", "internal server error")
				abort = false
			}
		}
		end := time.Now()
		o.finish(ctx, r, status, method, end, end.Sub(start), span)
		if abort {
			panic(http.ErrAbortHandler)
		}
	}()
	o.next.ServeHTTP(rec, r)
}

// finish logs and counts a served request and ends its span.
func (o *observer) finish(ctx context.Context, r *http.Request, status int, method string, end time.Time,
	elapsed time.Duration, span trace.Span) {
	route := Route(r.Pattern)
	if span != nil {
		if route != UnmatchedRoute {
			span.SetName(method + " " + route)
		}
		span.SetAttributes(semconv.HTTPRoute(route), semconv.HTTPResponseStatusCode(status))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		span.End()
	}

	probe := route == "/health" || route == "/ready" || route == "/metrics"
	if route != "/metrics" {
		o.metrics.observe(method, route, status, elapsed)
	}
	level := slog.LevelInfo
	switch {
	case probe:
		level = slog.LevelDebug
	case status >= 500:
		level = slog.LevelError
	}
	handler := o.logger.Handler()
	if !handler.Enabled(ctx, level) {
		return
	}
	// Straight to the handler: a Logger would capture the caller's PC, which this line never reports.
	line := slog.NewRecord(end, level, "request", 0)
	line.AddAttrs(
		slog.String("method", method),
		slog.String("route", route),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
	)
	// The handler adds trace_id from the context; the request line carries it empty when there is no trace.
	if !trace.SpanContextFromContext(ctx).HasTraceID() {
		line.AddAttrs(slog.String("trace_id", ""))
	}
	_ = handler.Handle(ctx, line)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(status int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = status, true
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer (Flush, deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) statusCode() int {
	if s.status == 0 {
		return http.StatusOK // a handler that writes nothing answers 200
	}
	return s.status
}
