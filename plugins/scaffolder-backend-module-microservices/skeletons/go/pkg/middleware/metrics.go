package middleware

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics records http_requests_total and http_request_duration_seconds.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	skip     map[string]bool
}

// NewMetrics registers the HTTP series on reg. Requests to skipRoutes (gin patterns, e.g. "/metrics") are not
// counted.
func NewMetrics(reg prometheus.Registerer, skipRoutes ...string) *Metrics {
	labels := []string{"method", "route", "status"}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by method, route template and status code.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "HTTP request duration in seconds, by method, route template and status code.",
			Buckets: prometheus.DefBuckets,
		}, labels),
		skip: map[string]bool{},
	}
	for _, route := range skipRoutes {
		m.skip[route] = true
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// Middleware observes every request except those to skipped routes.
func (m *Metrics) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		if m.skip[c.FullPath()] {
			c.Next()
			return
		}
		start := time.Now()
		c.Next()
		status := strconv.Itoa(c.Writer.Status())
		route := RouteTemplate(c)
		m.requests.WithLabelValues(c.Request.Method, route, status).Inc()
		m.duration.WithLabelValues(c.Request.Method, route, status).Observe(time.Since(start).Seconds())
	}
}
