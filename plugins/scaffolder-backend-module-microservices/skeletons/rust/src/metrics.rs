//! Prometheus metrics: recorded through the `metrics` facade, rendered by `GET /metrics`.

use std::{sync::OnceLock, time::Duration};

use metrics::{Label, Unit, counter, describe_counter, describe_histogram, histogram};
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

/// Counts one request; `route` is the matched route template (`unmatched` outside any route).
pub fn record_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let labels = vec![
        Label::new("method", method.to_owned()),
        Label::new("route", route.to_owned()),
        Label::new("status", status.to_string()),
    ];
    counter!(REQUESTS_TOTAL, labels.clone()).increment(1);
    histogram!(REQUEST_DURATION, labels).record(elapsed.as_secs_f64());
}
