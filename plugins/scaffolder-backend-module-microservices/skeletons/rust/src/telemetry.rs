//! Logging (JSON lines on stdout) and tracing (OpenTelemetry, exported over OTLP only when configured).

use opentelemetry::{global, trace::TracerProvider as _};
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_subscriber::{
    Layer, Registry,
    filter::{LevelFilter, Targets},
    layer::SubscriberExt,
    util::SubscriberInitExt,
};

use crate::config::{Config, SERVICE_NAME};

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
/// Spans go through OpenTelemetry only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, so they can leave the process;
/// the exporter speaks OTLP over HTTP/protobuf and reads the standard `OTEL_EXPORTER_OTLP_*` variables itself.
/// Without an exporter the request log takes the trace id straight from the W3C `traceparent` header, which
/// costs far less per request than building spans nobody receives.
pub fn init(config: &Config) -> Result<Telemetry, TelemetryError> {
    global::set_text_map_propagator(TraceContextPropagator::new());

    let resource = Resource::builder()
        .with_service_name(config.otel_service_name.clone())
        .build();
    let mut builder = SdkTracerProvider::builder().with_resource(resource);
    if config.otel_exporter_endpoint.is_some() {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()?;
        builder = builder.with_batch_exporter(exporter);
    }
    let provider = builder.build();
    global::set_tracer_provider(provider.clone());

    let traces = config.otel_exporter_endpoint.is_some().then(|| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer(SERVICE_NAME))
            .with_filter(Targets::new().with_target(env!("CARGO_CRATE_NAME"), LevelFilter::INFO))
    });
    tracing_subscriber::registry()
        .with(json_logs().with_filter(config.log_level))
        .with(traces)
        .try_init()?;

    Ok(Telemetry { provider })
}

/// Logging only, at `info`: used when the configuration itself cannot be read.
pub fn init_fallback_logging() {
    let _ = tracing_subscriber::registry()
        .with(json_logs().with_filter(LevelFilter::INFO))
        .try_init();
}

fn json_logs() -> impl Layer<Registry> + Send + Sync {
    tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_writer(std::io::stdout)
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
