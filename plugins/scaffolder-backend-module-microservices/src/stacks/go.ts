import { createHash } from 'node:crypto';
import type { ServiceSpec, StackDefinition } from './types';

/** The Go module path: taken from the repository location when known, otherwise a local path. */
export function goModulePath(spec: ServiceSpec): string {
  const repository = spec.repository;
  if (repository)
    return `${repository.host}/${repository.owner}/${repository.repo}`.toLowerCase();
  return `example.com/${spec.name}`;
}

// PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes.
const MAX_IDENTIFIER = 63;
const MIGRATION_TABLE_SUFFIX = '_schema_migrations';

/**
 * The table the service records its migrations in: `<service_snake>_schema_migrations` (the contract's name),
 * so services sharing a database never share migration records. goose writes it into SQL unquoted, so it must
 * be a plain identifier: a name starting with a digit gets an `s_` prefix, and one too long for PostgreSQL is
 * cut and made unique again with a hash of the full name.
 */
export function goMigrationTable(serviceName: string): string {
  let base = serviceName.replace(/-/g, '_');
  if (/^[0-9]/.test(base)) base = `s_${base}`;
  const room = MAX_IDENTIFIER - MIGRATION_TABLE_SUFFIX.length;
  if (base.length > room) {
    const hash = createHash('sha256')
      .update(serviceName)
      .digest('hex')
      .slice(0, 8);
    base = `${base.slice(0, room - 9).replace(/_+$/, '')}_${hash}`;
  }
  return `${base}${MIGRATION_TABLE_SUFFIX}`;
}

export const goStack: StackDefinition = {
  id: 'go',
  title: 'Go (net/http)',
  skeleton: 'go',
  validate() {},
  migrationTable: spec => goMigrationTable(spec.name),
  async values(spec) {
    return {
      module: goModulePath(spec),
      migrationTable: goMigrationTable(spec.name),
    };
  },
};
