//! Process lifecycle: database, HTTP server, graceful shutdown.

use std::{
    future::{IntoFuture, pending},
    net::{Ipv4Addr, SocketAddr},
    time::Duration,
};

use tokio::{net::TcpListener, sync::watch};

use crate::{
    app::{AppState, router},
    config::Config,
    db,
    repository::PgRepository,
    telemetry::Telemetry,
};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot connect to the database (DATABASE_URL): {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot listen on port {port} (PORT): {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// Runs until SIGTERM or SIGINT, then stops accepting connections, lets in-flight requests finish within
/// `SHUTDOWN_TIMEOUT_SECONDS`, flushes traces and closes the pool.
pub async fn run(config: Config, telemetry: Telemetry) -> Result<(), ServerError> {
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    tracing::info!("database ready, migrations applied");

    let state = AppState::new(&config, PgRepository::new(pool.clone()));
    let metrics = state.metrics.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            metrics.run_upkeep();
        }
    });
    let app = router(&config, state);

    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, config.port));
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind {
            port: config.port,
            source,
        })?;
    tracing::info!(port = config.port, "listening");

    let (draining_tx, mut draining_rx) = watch::channel(false);
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutdown signal received, draining in-flight requests");
            let _ = draining_tx.send(true);
        })
        .into_future();
    let drain_deadline = async move {
        if draining_rx.wait_for(|draining| *draining).await.is_ok() {
            tokio::time::sleep(config.shutdown_timeout).await;
        } else {
            pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result.map_err(ServerError::Serve)?,
        () = drain_deadline => tracing::warn!(
            timeout_seconds = config.shutdown_timeout.as_secs(),
            "in-flight requests did not finish in time, stopping anyway"
        ),
    }

    telemetry.shutdown().await;
    pool.close().await;
    tracing::info!("shutdown complete");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for SIGINT");
            pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
