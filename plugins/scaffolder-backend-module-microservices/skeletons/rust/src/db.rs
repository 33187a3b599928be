//! The PostgreSQL pool and the embedded migrations.

use std::time::{Duration, Instant};

use sqlx::{PgPool, migrate::MigrateError, postgres::PgPoolOptions};

use crate::config::{Config, MIGRATIONS_TABLE};

/// How long a request waits for a pooled connection before failing with `503 unavailable`.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long start-up waits for the database to accept connections.
pub const STARTUP_WAIT: Duration = Duration::from_secs(30);
/// How long start-up waits for the migration lock (another replica may hold it) and the migrations.
pub const MIGRATION_WAIT: Duration = Duration::from_secs(180);

/// Connects, retrying for up to [`STARTUP_WAIT`] while the database is not reachable yet. TLS follows the
/// URL's `sslmode` (`prefer` when absent) and `sslrootcert`.
pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(config.db_max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT);
    let deadline = Instant::now() + STARTUP_WAIT;
    let mut delay = Duration::from_millis(250);
    loop {
        match pool.clone().connect_with(config.database.clone()).await {
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

/// Applies the migrations embedded from `migrations/`, recording them in [`MIGRATIONS_TABLE`]. sqlx holds a
/// PostgreSQL advisory lock meanwhile, so replicas starting together apply each migration once; applied ones
/// are skipped.
pub async fn migrate(pool: &PgPool) -> Result<(), MigrateError> {
    let mut migrator = sqlx::migrate!();
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator.run(pool).await
}
