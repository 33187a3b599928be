package middleware

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestRoute(t *testing.T) {
	for pattern, want := range map[string]string{
		"GET /api/v1/things/{id}": "/api/v1/things/{id}",
		"/api/v1/things":          "/api/v1/things",
		"/":                       UnmatchedRoute,
		"":                        UnmatchedRoute,
	} {
		if got := Route(pattern); got != want {
			t.Errorf("Route(%q) = %q, want %q", pattern, got, want)
		}
	}
}

func TestMethodIsBounded(t *testing.T) {
	for method, want := range map[string]string{
		"GET": "GET", "PATCH": "PATCH", "TRACE": "TRACE", "get": OtherMethod, "PROPFIND": OtherMethod, "": OtherMethod,
	} {
		if got := Method(method); got != want {
			t.Errorf("Method(%q) = %q, want %q", method, got, want)
		}
	}
}

func TestPanicBecomesInternalError(t *testing.T) {
	var logs bytes.Buffer
	registry := prometheus.NewRegistry()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	handler := Observe(Options{
		Logger:       slog.New(slog.NewJSONHandler(&logs, nil)),
		Metrics:      NewMetrics(registry),
		MaxBodyBytes: 1024,
	}, mux)

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))

	var body ErrorResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusInternalServerError ||
		body.Error != (ErrorDetail{Code: "internal", Message: "internal server error"}) {
		t.Fatalf("answer %d %s", rec.Code, rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Fatalf("the panic value leaked into the answer")
	}
	if !strings.Contains(logs.String(), `"panic":"boom"`) || !strings.Contains(logs.String(), `"status":500`) {
		t.Fatalf("panic or request line missing from the log:\n%s", logs.String())
	}
	metrics := httptest.NewRecorder()
	promhttp.HandlerFor(registry, promhttp.HandlerOpts{}).ServeHTTP(metrics, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(metrics.Body.String(), `http_requests_total{method="GET",route="/boom",status="500"} 1`) {
		t.Fatalf("the panic is not counted as a 500:\n%s", metrics.Body.String())
	}
}

// observed serves mux behind Observe with a span recorder; it returns the handler, the log and the registry.
func observed(mux *http.ServeMux) (http.Handler, *lockedBuffer, *prometheus.Registry, *tracetest.SpanRecorder) {
	logs := &lockedBuffer{}
	registry := prometheus.NewRegistry()
	spans := tracetest.NewSpanRecorder()
	handler := Observe(Options{
		Logger:       slog.New(slog.NewJSONHandler(logs, nil)),
		Metrics:      NewMetrics(registry),
		Tracer:       sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)).Tracer("test"),
		MaxBodyBytes: 1024,
	}, mux)
	return handler, logs, registry, spans
}

// expectFinished checks that the request was logged, counted as 500 and its span ended.
func expectFinished(t *testing.T, logs *lockedBuffer, registry *prometheus.Registry, spans *tracetest.SpanRecorder) {
	t.Helper()
	if !strings.Contains(logs.String(), `"msg":"request"`) || !strings.Contains(logs.String(), `"status":500`) {
		t.Fatalf("request line missing from the log:\n%s", logs.String())
	}
	metrics := httptest.NewRecorder()
	promhttp.HandlerFor(registry, promhttp.HandlerOpts{}).ServeHTTP(metrics, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(metrics.Body.String(), `http_requests_total{method="GET",route="/boom",status="500"} 1`) {
		t.Fatalf("the request is not counted as a 500:\n%s", metrics.Body.String())
	}
	if ended := spans.Ended(); len(ended) != 1 || ended[0].Name() != "GET /boom" {
		t.Fatalf("want the server span ended, got %d spans", len(ended))
	}
}

func TestAbortHandlerIsFinishedThenRepanicked(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	handler, logs, registry, spans := observed(mux)

	recovered := func() (recovered any) {
		defer func() { recovered = recover() }()
		handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/boom", nil))
		return nil
	}()
	if recovered != http.ErrAbortHandler {
		t.Fatalf("want http.ErrAbortHandler passed on to the server, got %v", recovered)
	}
	if strings.Contains(logs.String(), "panic while serving request") {
		t.Fatalf("a deliberate abort is not a panic to report:\n%s", logs.String())
	}
	expectFinished(t, logs, registry, spans)
}

func TestPanicAfterHeadersAbortsTheConnection(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"items":[`))
		_ = http.NewResponseController(w).Flush()
		panic("boom")
	})
	handler, logs, registry, spans := observed(mux)
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)

	resp, err := server.Client().Get(server.URL + "/boom")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err == nil {
		t.Fatalf("the client got a complete %d answer %q; want the connection aborted", resp.StatusCode, body)
	}
	server.Close() // waits for the handler to finish
	if !strings.Contains(logs.String(), `"panic":"boom"`) {
		t.Fatalf("panic missing from the log:\n%s", logs.String())
	}
	expectFinished(t, logs, registry, spans)
}

// lockedBuffer collects log output written from server goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestBodyOverTheLimitFailsOnFirstRead(t *testing.T) {
	var readErr error
	mux := http.NewServeMux()
	mux.HandleFunc("POST /things", func(w http.ResponseWriter, r *http.Request) {
		_, readErr = r.Body.Read(make([]byte, 1))
		w.WriteHeader(http.StatusNoContent)
	})
	handler := Observe(Options{
		Logger:       slog.New(slog.DiscardHandler),
		Metrics:      NewMetrics(prometheus.NewRegistry()),
		MaxBodyBytes: 8,
	}, mux)
	handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/things", strings.NewReader("0123456789")))
	if !IsBodyTooLarge(readErr) {
		t.Fatalf("want a MaxBytesError before reading anything, got %v", readErr)
	}
}
