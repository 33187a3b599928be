// Package migrations embeds the SQL migrations applied at start (see repository.Migrate).
package migrations

import "embed"

// FS holds the *.sql migrations, applied in name order.
//
//go:embed *.sql
var FS embed.FS
