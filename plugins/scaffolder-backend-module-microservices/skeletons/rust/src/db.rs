//! The PostgreSQL pool and the embedded migrations.

use std::{
    str::FromStr,
    time::{Duration, Instant},
};

use sqlx::{
    PgPool,
    migrate::MigrateError,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use crate::config::{Config, SERVICE_NAME};

/// How long a request waits for a pooled connection before failing with `503 unavailable`.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long start-up waits for the database to accept connections.
pub const STARTUP_WAIT: Duration = Duration::from_secs(30);

/// Connects, retrying for up to [`STARTUP_WAIT`] while the database is not reachable yet.
pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(&config.database_url)?.application_name(SERVICE_NAME);
    let pool = PgPoolOptions::new()
        .max_connections(config.db_max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT);
    let deadline = Instant::now() + STARTUP_WAIT;
    let mut delay = Duration::from_millis(250);
    loop {
        match pool.clone().connect_with(options.clone()).await {
            Ok(pool) => return Ok(pool),
            Err(err) if Instant::now() + delay < deadline => {
                tracing::warn!(error = %err, retry_in_ms = delay.as_millis(), "database not reachable yet");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(4));
            }
            Err(err) => return Err(err),
        }
    }
}

/// Applies the migrations embedded from `migrations/`. sqlx holds a PostgreSQL advisory lock meanwhile, so
/// replicas starting together apply each migration once; applied ones are skipped.
pub async fn migrate(pool: &PgPool) -> Result<(), MigrateError> {
    sqlx::migrate!().run(pool).await
}
