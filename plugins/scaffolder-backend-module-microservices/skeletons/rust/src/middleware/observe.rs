//! Per-request span, log line and metrics.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::{self, HeaderMap},
    middleware::Next,
    response::Response,
};
use opentelemetry::{global, propagation::Extractor, trace::TraceContextExt as _};
use tracing::{Span, field};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::metrics;

/// The `route` label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";
/// Scrapes are not counted in the request metrics.
pub const METRICS_ROUTE: &str = "/metrics";

/// The matched route template (`/api/v1/things/{id}`), or [`UNMATCHED`].
pub fn route_of<B>(req: &http::Request<B>) -> &str {
    req.extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
}

/// The server span of a request (made by tower-http's `TraceLayer`), continuing the caller's trace when the
/// request carries a W3C `traceparent` header.
pub fn make_span<B>(req: &http::Request<B>) -> Span {
    let route = route_of(req);
    let span = tracing::info_span!(
        "request",
        otel.name = format!("{} {route}", req.method()),
        otel.kind = "server",
        http.request.method = %req.method(),
        http.route = route,
        url.path = req.uri().path(),
        http.response.status_code = field::Empty,
    );
    let parent = global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(req.headers()))
    });
    // Fails only when no OpenTelemetry layer is installed (as in unit tests): then there is nothing to link.
    let _ = span.set_parent(parent);
    span
}

/// Records the request metrics and writes the one log line per request.
pub async fn log_and_measure(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = route_of(&req).to_owned();
    let path = req.uri().path().to_owned();
    let incoming = incoming_trace_id(req.headers());

    let response = next.run(req).await;

    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    if route != METRICS_ROUTE {
        metrics::record_request(method.as_str(), &route, status, elapsed);
    }
    let span = Span::current();
    span.record("http.response.status_code", status);
    // The span's trace id when spans are exported; otherwise the caller's, from its traceparent header.
    let trace_id = Some(trace_id(&span))
        .filter(|id| !id.is_empty())
        .unwrap_or(incoming);
    tracing::info!(
        method = %method,
        route = %route,
        path = %path,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        trace_id = %trace_id,
        "request"
    );
    response
}

/// The span's trace id in hex, or an empty string when there is no valid span.
pub fn trace_id(span: &Span) -> String {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    if span_context.is_valid() {
        span_context.trace_id().to_string()
    } else {
        String::new()
    }
}

/// The trace id of the caller's W3C `traceparent` header, or an empty string.
fn incoming_trace_id(headers: &HeaderMap) -> String {
    if !headers.contains_key("traceparent") {
        return String::new();
    }
    let context =
        global::get_text_map_propagator(|propagator| propagator.extract(&HeaderExtractor(headers)));
    let span_context = context.span().span_context().clone();
    if span_context.is_valid() {
        span_context.trace_id().to_string()
    } else {
        String::new()
    }
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}
