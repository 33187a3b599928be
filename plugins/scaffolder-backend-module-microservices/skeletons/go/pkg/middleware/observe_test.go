package middleware

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
