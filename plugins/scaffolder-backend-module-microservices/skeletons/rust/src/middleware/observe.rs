//! Per request: the trace id every log line carries, the one request log line, and the metrics.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
    time::{Duration, Instant},
};

use axum::{
    extract::{MatchedPath, Request},
    http::{self, HeaderMap, HeaderName, Method, Uri},
    response::Response,
};
use opentelemetry::{global, propagation::Extractor, trace::TraceContextExt as _};
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};
use tracing::{Instrument as _, Level, Span, field, instrument::Instrumented};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::metrics;

/// The `route` label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";
/// Scrapes are not counted in the request metrics.
pub const METRICS_ROUTE: &str = "/metrics";
/// Probes and scrapes, logged at `debug` so that they do not drown the request log.
pub const PROBE_ROUTES: [&str; 3] = ["/health", "/ready", METRICS_ROUTE];
/// Recorded for a request whose client went away before the answer (nginx's convention): not an outage.
pub const CLIENT_CLOSED_REQUEST: u16 = 499;

const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

tokio::task_local! {
    /// The trace id of the request being served; the log formatter adds it to every line written meanwhile.
    static TRACE_ID: TraceId;
}

/// A W3C trace id in lowercase hex, or empty.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct TraceId {
    hex: [u8; 32],
    valid: bool,
}

impl TraceId {
    /// The id of the trace the current code runs in (the request being served), if any.
    pub fn current() -> Option<Self> {
        TRACE_ID.try_with(|id| *id).ok()
    }

    pub fn as_str(&self) -> &str {
        if self.valid {
            // Only ASCII hex digits are ever stored.
            std::str::from_utf8(&self.hex).unwrap_or_default()
        } else {
            ""
        }
    }

    fn from_hex(hex: &[u8]) -> Option<Self> {
        let valid = hex.len() == 32
            && hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && hex.iter().any(|b| *b != b'0');
        valid.then(|| {
            let mut id = Self {
                hex: [0; 32],
                valid: true,
            };
            id.hex.copy_from_slice(hex);
            id
        })
    }

    /// The trace id of a W3C `traceparent` header (`00-<trace id>-<parent id>-<flags>`), if it is valid.
    pub fn from_traceparent(value: &[u8]) -> Option<Self> {
        let hex = |part: &[u8]| part.iter().all(u8::is_ascii_hexdigit);
        let mut parts = value.splitn(4, |b| *b == b'-');
        let (version, trace, parent, rest) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let flags = rest.get(..2)?;
        let valid = version.len() == 2
            && hex(version)
            && version != b"ff"
            && parent.len() == 16
            && hex(parent)
            && parent.iter().any(|b| *b != b'0')
            && hex(flags)
            // Version 00 has exactly four fields; later versions may append more after a dash.
            && (rest.len() == 2 || (version != b"00" && rest[2] == b'-'));
        if valid { Self::from_hex(trace) } else { None }
    }

    /// The trace id of an OpenTelemetry-backed span, if it has a valid one.
    fn of_span(span: &Span) -> Option<Self> {
        let context = span.context();
        let span_context = context.span().span_context().clone();
        span_context
            .is_valid()
            .then(|| Self::from_hex(span_context.trace_id().to_string().as_bytes()))
            .flatten()
    }

    /// The request's trace id: its server span's when spans are exported, otherwise the caller's, from its
    /// `traceparent` header, which costs far less than building spans nobody receives.
    fn of_request(span: &Span, headers: &HeaderMap) -> Self {
        if !span.is_disabled()
            && let Some(id) = Self::of_span(span)
        {
            return id;
        }
        headers
            .get(TRACEPARENT)
            .and_then(|value| Self::from_traceparent(value.as_bytes()))
            .unwrap_or_default()
    }
}

/// The `method` label: one of the standard methods, or `_OTHER`, so that clients cannot mint series.
pub fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "_OTHER",
    }
}

/// The matched route template (`/api/v1/things/{id}`), or [`UNMATCHED`].
pub fn route_of<B>(req: &http::Request<B>) -> &str {
    req.extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
}

/// The server span of a request, continuing the caller's trace when the request carries a W3C `traceparent`
/// header.
pub fn make_span<B>(req: &http::Request<B>) -> Span {
    let route = route_of(req);
    let method = method_label(req.method());
    let span = tracing::info_span!(
        "request",
        otel.name = format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = method,
        http.route = route,
        url.path = req.uri().path(),
        http.response.status_code = field::Empty,
    );
    let parent = global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(req.headers()))
    });
    // Fails only when no OpenTelemetry layer is installed: then there is nothing to link.
    let _ = span.set_parent(parent);
    span
}

/// The outermost layer: each request runs in its span (when spans are exported) with its trace id in scope, and
/// is logged and counted when it ends, or when it is abandoned because the client went away.
#[derive(Clone, Copy)]
pub struct ObserveLayer {
    /// Whether requests get an OpenTelemetry server span: only when spans are exported.
    pub spans: bool,
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            spans: self.spans,
        }
    }
}

#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    spans: bool,
}

impl<S> Service<Request> for Observe<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ObserveFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let span = if self.spans {
            make_span(&req)
        } else {
            Span::none()
        };
        let route = req.extensions().get::<MatchedPath>().cloned();
        let probe = route
            .as_ref()
            .is_some_and(|route| PROBE_ROUTES.contains(&route.as_str()));
        let record = RequestRecord {
            started: Instant::now(),
            method: method_label(req.method()),
            route,
            // Only the log line needs the path, and probes are logged at debug.
            uri: (!probe || tracing::enabled!(Level::DEBUG)).then(|| req.uri().clone()),
            trace_id: TraceId::of_request(&span, req.headers()),
            done: false,
        };
        let inner = TRACE_ID
            .scope(record.trace_id, self.inner.call(req))
            .instrument(span);
        ObserveFuture { inner, record }
    }
}

pin_project! {
    pub struct ObserveFuture<F> {
        #[pin]
        inner: Instrumented<TaskLocalFuture<TraceId, F>>,
        record: RequestRecord,
    }
}

impl<F, E> Future for ObserveFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let result = ready!(this.inner.as_mut().poll(cx));
        if let Ok(response) = &result {
            let status = response.status();
            this.inner
                .span()
                .record("http.response.status_code", status.as_u16());
            this.record.finish(status.as_u16());
        }
        Poll::Ready(result)
    }
}

/// What the request log line and the metrics need.
struct RequestRecord {
    started: Instant,
    method: &'static str,
    route: Option<MatchedPath>,
    uri: Option<Uri>,
    trace_id: TraceId,
    done: bool,
}

impl RequestRecord {
    fn finish(&mut self, status: u16) {
        self.done = true;
        let elapsed = self.started.elapsed();
        let route = self.route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
        if route != METRICS_ROUTE {
            metrics::record_request(self.method, route, status, elapsed);
        }
        let path = self.uri.as_ref().map_or("", Uri::path);
        TRACE_ID.sync_scope(self.trace_id, || {
            log_request(self.method, route, path, status, elapsed);
        });
    }
}

impl Drop for RequestRecord {
    /// The request's future was dropped before it produced a response: the client went away.
    fn drop(&mut self) {
        if !self.done {
            self.finish(CLIENT_CLOSED_REQUEST);
        }
    }
}

fn log_request(method: &str, route: &str, path: &str, status: u16, elapsed: Duration) {
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    macro_rules! log {
        ($level:ident, $message:literal) => {
            tracing::$level!(method, route, path, status, duration_ms, $message)
        };
    }
    if PROBE_ROUTES.contains(&route) {
        log!(debug, "request");
    } else if status >= 500 && status != CLIENT_CLOSED_REQUEST {
        log!(error, "request");
    } else if status == CLIENT_CLOSED_REQUEST {
        log!(info, "client closed the connection before the answer");
    } else {
        log!(info, "request");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent() {
        let id = "4bf92f3577b34da6a3ce929d0e0e4736";
        let parse = |value: &str| {
            TraceId::from_traceparent(value.as_bytes()).map(|id| id.as_str().to_owned())
        };
        assert_eq!(
            parse(&format!("00-{id}-00f067aa0ba902b7-01")).as_deref(),
            Some(id)
        );
        assert_eq!(
            parse(&format!("01-{id}-00f067aa0ba902b7-01-future")).as_deref(),
            Some(id)
        );
        for bad in [
            String::new(),
            format!("00-{id}-00f067aa0ba902b7"),
            format!("00-{id}-00f067aa0ba902b7-01-extra"),
            format!("ff-{id}-00f067aa0ba902b7-01"),
            format!("00-{}-00f067aa0ba902b7-01", "0".repeat(32)),
            format!("00-{id}-0000000000000000-01"),
            format!("00-{}-00f067aa0ba902b7-01", id.to_uppercase()),
            format!("00-{}-00f067aa0ba902b7-01", &id[1..]),
        ] {
            assert_eq!(parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn methods_outside_the_standard_set_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(
            method_label(&Method::from_bytes(b"PROPFIND").unwrap()),
            "_OTHER"
        );
        assert_eq!(method_label(&Method::from_bytes(b"get").unwrap()), "_OTHER");
    }
}
