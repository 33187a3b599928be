//! Logging (JSON lines on stdout) and tracing (OpenTelemetry, exported over OTLP only when configured).

use std::{
    cell::RefCell,
    fmt::{self, Write as _},
    io::Write as _,
    time::Duration,
};

use opentelemetry::{KeyValue, global, trace::TracerProvider as _};
use opentelemetry_sdk::{
    Resource,
    error::OTelSdkResult,
    propagation::TraceContextPropagator,
    trace::{SdkTracerProvider, SpanData, SpanExporter},
};
use tracing::{
    Event, Level, Metadata, Subscriber,
    field::{Field, Visit},
};
use tracing_subscriber::{
    Layer,
    filter::{LevelFilter, Targets},
    layer::{Context, Filter, SubscriberExt as _},
    registry::LookupSpan,
    util::SubscriberInitExt as _,
};

use crate::{
    config::{Config, SERVICE_NAME},
    middleware::observe::TraceId,
};

/// Keeps the tracer provider alive; [`Telemetry::shutdown`] flushes spans that are still buffered.
pub struct Telemetry {
    provider: SdkTracerProvider,
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("OTEL_EXPORTER_OTLP_ENDPOINT: cannot build the OTLP exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
    #[error("cannot install the tracing subscriber: {0}")]
    Subscriber(#[from] tracing_subscriber::util::TryInitError),
}

/// Installs the global subscriber: JSON logs filtered by `LOG_LEVEL`, and OpenTelemetry spans for this crate.
///
/// Spans go through OpenTelemetry only when an OTLP endpoint is configured, so they can leave the process. The
/// SDK and the exporter read the standard variables themselves: `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
/// `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`, `_HEADERS`, `_TIMEOUT`,
/// `_COMPRESSION`. Without an exporter the request log takes the trace id from the `traceparent` header.
pub fn init(config: &Config) -> Result<Telemetry, TelemetryError> {
    global::set_text_map_propagator(TraceContextPropagator::new());

    let mut builder = SdkTracerProvider::builder().with_resource(resource());
    if config.otel_exporter_endpoint.is_some() {
        // https endpoints: rustls with ring, the same provider the database connection uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()?;
        builder = builder.with_batch_exporter(LoggedExporter(exporter));
    }
    let provider = builder.build();
    global::set_tracer_provider(provider.clone());

    let traces = config.otel_exporter_endpoint.is_some().then(|| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer(SERVICE_NAME))
            .with_filter(Targets::new().with_target(env!("CARGO_CRATE_NAME"), LevelFilter::INFO))
    });
    tracing_subscriber::registry()
        .with(JsonLines::stdout().with_filter(EventsAt(config.log_level)))
        .with(traces)
        .try_init()?;

    Ok(Telemetry { provider })
}

/// Logging only, at `info`: used when the configuration itself cannot be read.
pub fn init_fallback_logging() {
    let _ = tracing_subscriber::registry()
        .with(JsonLines::stdout().with_filter(EventsAt(LevelFilter::INFO)))
        .try_init();
}

/// The SDK's resource (`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`), named after this service when neither
/// variable names it.
fn resource() -> Resource {
    let resource = Resource::builder().build();
    let named = resource
        .get(&opentelemetry::Key::from_static_str("service.name"))
        .is_some_and(|name| !name.as_str().starts_with("unknown_service"));
    if named {
        resource
    } else {
        Resource::builder()
            .with_attribute(KeyValue::new("service.name", SERVICE_NAME))
            .build()
    }
}

impl Telemetry {
    /// Flushes buffered spans to the collector (a blocking call, so it runs off the async workers).
    pub async fn shutdown(self) {
        let provider = self.provider;
        match tokio::task::spawn_blocking(move || provider.shutdown()).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "flushing traces failed"),
            Err(err) => tracing::warn!(error = %err, "flushing traces failed"),
        }
    }
}

/// The OTLP exporter, with failed exports logged as warnings instead of dropped silently.
#[derive(Debug)]
struct LoggedExporter<E>(E);

impl<E: SpanExporter> SpanExporter for LoggedExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len();
        let result = self.0.export(batch).await;
        if let Err(err) = &result {
            tracing::warn!(error = %err, spans, "exporting traces failed; the spans are dropped");
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}

/// Events at or above a level; spans are never needed for logging, so none are recorded for it.
pub struct EventsAt(pub LevelFilter);

impl<S> Filter<S> for EventsAt {
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        meta.is_event() && self.0 >= *meta.level()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.0)
    }
}

/// One JSON object per line: `timestamp`, `level`, the event's fields (`message` included), `target`, and
/// `trace_id` on every line written while a request is served.
pub struct JsonLines<W> {
    write: W,
}

impl JsonLines<fn(&[u8])> {
    pub fn stdout() -> Self {
        Self {
            write: |line| {
                // A failed write to stdout has nowhere to be reported.
                let _ = std::io::stdout().lock().write_all(line);
            },
        }
    }
}

impl<W: Fn(&[u8]) + Send + Sync + 'static> JsonLines<W> {
    /// Lines go to `write`, whole (tests capture them).
    pub fn new(write: W) -> Self {
        Self { write }
    }
}

thread_local! {
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
}

impl<S, W> Layer<S> for JsonLines<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: Fn(&[u8]) + Send + Sync + 'static,
{
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        LINE.with(|line| {
            // Re-entrancy (logging while formatting) gets a fresh buffer instead of a panic.
            let mut fresh = String::new();
            let mut borrowed = line.try_borrow_mut();
            let line = match borrowed.as_mut() {
                Ok(line) => &mut **line,
                Err(_) => &mut fresh,
            };
            line.clear();
            if format_event(line, event).is_ok() {
                (self.write)(line.as_bytes());
            }
        });
    }
}

fn format_event(line: &mut String, event: &Event<'_>) -> fmt::Result {
    let meta = event.metadata();
    line.push_str("{\"timestamp\":\"");
    line.push_str(&chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    line.push_str("\",\"level\":\"");
    line.push_str(level_name(*meta.level()));
    line.push('"');
    let mut fields = JsonFields {
        line,
        result: Ok(()),
    };
    event.record(&mut fields);
    fields.result?;
    line.push_str(",\"target\":");
    json_string(line, meta.target());
    if let Some(trace_id) = TraceId::current() {
        line.push_str(",\"trace_id\":\"");
        line.push_str(trace_id.as_str());
        line.push('"');
    }
    line.push_str("}\n");
    Ok(())
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "TRACE",
        Level::DEBUG => "DEBUG",
        Level::INFO => "INFO",
        Level::WARN => "WARN",
        Level::ERROR => "ERROR",
    }
}

struct JsonFields<'a> {
    line: &'a mut String,
    result: fmt::Result,
}

impl JsonFields<'_> {
    fn key(&mut self, field: &Field) {
        self.line.push(',');
        json_string(self.line, field.name());
        self.line.push(':');
    }
}

impl Visit for JsonFields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.key(field);
        if value.is_finite() {
            self.result = self.result.and(write!(self.line, "{value}"));
        } else {
            self.line.push_str("null");
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.key(field);
        self.result = self.result.and(write!(self.line, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.key(field);
        self.result = self.result.and(write!(self.line, "{value}"));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.key(field);
        self.result = self.result.and(write!(self.line, "{value}"));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.key(field);
        self.result = self.result.and(write!(self.line, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.key(field);
        self.line.push_str(if value { "true" } else { "false" });
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.key(field);
        json_string(self.line, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.key(field);
        let text = format!("{value:?}");
        json_string(self.line, &text);
    }
}

/// Appends `value` as a JSON string literal.
fn json_string(line: &mut String, value: &str) {
    line.push('"');
    for c in value.chars() {
        match c {
            '"' => line.push_str("\\\""),
            '\\' => line.push_str("\\\\"),
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            '\t' => line.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(line, "\\u{:04x}", u32::from(c));
            }
            c => line.push(c),
        }
    }
    line.push('"');
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn capture(f: impl FnOnce()) -> Vec<serde_json::Value> {
        let out = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = Arc::clone(&out);
        let subscriber = tracing_subscriber::registry().with(
            JsonLines::new(move |line: &[u8]| sink.lock().unwrap().extend_from_slice(line))
                .with_filter(EventsAt(LevelFilter::INFO)),
        );
        tracing::subscriber::with_default(subscriber, f);
        let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).expect(line))
            .collect()
    }

    #[test]
    fn lines_are_json_with_flat_fields() {
        let lines = capture(|| {
            tracing::info!(
                status = 200u16,
                ok = true,
                ms = 1.5,
                big = 7u128,
                path = "/a\"b\n",
                "hello {}",
                "world"
            );
            tracing::debug!("filtered out");
        });
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "hello world");
        assert_eq!(line["status"], 200);
        assert_eq!(line["ok"], true);
        assert_eq!(line["ms"], 1.5);
        assert_eq!(line["big"], 7);
        assert_eq!(line["path"], "/a\"b\n");
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(line.get("trace_id").is_none(), "outside a request");
    }
}
