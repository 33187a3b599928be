//! Prometheus metrics: recorded through the `metrics` facade, rendered by `GET /metrics`.

use std::{cell::RefCell, collections::HashMap, sync::OnceLock, time::Duration};

use metrics::{
    Counter, Histogram, Label, Unit, counter, describe_counter, describe_histogram, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const REQUESTS_TOTAL: &str = "http_requests_total";
pub const REQUEST_DURATION: &str = "http_request_duration_seconds";

const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder on first use and returns a handle to render it.
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(REQUEST_DURATION.to_owned()),
                    DURATION_BUCKETS,
                )
                .expect("the bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed; /metrics stays empty");
            }
            describe_counter!(REQUESTS_TOTAL, "HTTP requests served.");
            describe_histogram!(
                REQUEST_DURATION,
                Unit::Seconds,
                "HTTP request duration in seconds."
            );
            handle
        })
        .clone()
}

/// The two series of one `method`, `route` and `status`.
struct Series {
    method: &'static str,
    status: u16,
    requests: Counter,
    duration: Histogram,
}

thread_local! {
    /// Series handles by route, per thread: after a series' first request, counting one costs two atomic
    /// updates instead of building its labels and looking them up in the shared registry.
    static SERIES: RefCell<HashMap<Box<str>, Vec<Series>>> = RefCell::new(HashMap::new());
}

/// Counts one request; `method` is already bounded (`_OTHER` for non-standard methods) and `route` is the
/// matched route template (`unmatched` outside any route), so every label has a bounded set of values.
pub fn record_request(method: &'static str, route: &str, status: u16, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    SERIES.with(|series| {
        let Ok(mut series) = series.try_borrow_mut() else {
            return register(method, route, status).record(seconds);
        };
        let known = series.get(route).and_then(|known| {
            known
                .iter()
                .find(|series| series.method == method && series.status == status)
        });
        match known {
            Some(series) => series.record(seconds),
            None => {
                let registered = register(method, route, status);
                registered.record(seconds);
                series.entry(route.into()).or_default().push(registered);
            }
        }
    });
}

fn register(method: &'static str, route: &str, status: u16) -> Series {
    // The recorder must be installed before handles are taken, or they would be no-ops for good.
    if HANDLE.get().is_none() {
        handle();
    }
    let labels = [
        Label::from_static_parts("method", method),
        Label::new("route", route.to_owned()),
        Label::new("status", status.to_string()),
    ];
    Series {
        method,
        status,
        requests: counter!(REQUESTS_TOTAL, labels.iter()),
        duration: histogram!(REQUEST_DURATION, labels.iter()),
    }
}

impl Series {
    fn record(&self, seconds: f64) {
        self.requests.increment(1);
        self.duration.record(seconds);
    }
}
