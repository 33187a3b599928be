package repository

import (
	"context"
	"fmt"
	"hash/crc64"
	"io/fs"
	"log/slog"
	"path"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// lockWait bounds how long a replica waits for another one's migrations (polled every second).
const lockWait = 120

// Migrate applies the pending goose migrations of fsys (*.sql, numbered), each in its own transaction, and
// records them in table, which belongs to this service alone: two services on one database keep separate
// records. A PostgreSQL session advisory lock derived from table makes replicas that start together take turns,
// so it is safe to run from every replica.
func Migrate(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS, table string, logger *slog.Logger) error {
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(migrationLockID(table)),
		lock.WithLockTimeout(1, lockWait),
	)
	if err != nil {
		return err
	}
	db := stdlib.OpenDBFromPool(pool)
	defer func() { _ = db.Close() }()
	provider, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithTableName(table),
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return err
	}
	results, err := provider.Up(ctx)
	for _, result := range results {
		logger.Info("applied migration",
			"version", result.Source.Version,
			"file", path.Base(result.Source.Path),
			"duration_ms", result.Duration.Milliseconds(),
		)
	}
	if err != nil {
		return fmt.Errorf("migrate (records in %s): %w", table, err)
	}
	return nil
}

// migrationLockID derives the advisory lock key from the migration table, so services sharing a database do
// not wait for each other.
func migrationLockID(table string) int64 {
	return int64(crc64.Checksum([]byte(table), crc64.MakeTable(crc64.ECMA))) //nolint:gosec // any 64 bits do
}
