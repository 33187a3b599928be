import { createHash } from 'node:crypto';

// PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes.
const MAX_IDENTIFIER = 63;
const SUFFIX = '_schema_migrations';

/**
 * The table a generated service records its migrations in, the same for every stack:
 * `<service_snake>_schema_migrations` (the contract's name), so services sharing a database never share
 * migration records. Migration runners write it into SQL unquoted, so it is a plain identifier: a name starting
 * with a digit gets an `s_` prefix, and one too long for PostgreSQL is cut and made unique again with a hash of
 * the full service name.
 */
export function migrationTable(serviceName: string): string {
  let base = serviceName.replace(/-/g, '_');
  if (/^[0-9]/.test(base)) base = `s_${base}`;
  const room = MAX_IDENTIFIER - SUFFIX.length;
  if (base.length > room) {
    const hash = createHash('sha256')
      .update(serviceName)
      .digest('hex')
      .slice(0, 8);
    base = `${base.slice(0, room - 9).replace(/_+$/, '')}_${hash}`;
  }
  return `${base}${SUFFIX}`;
}
