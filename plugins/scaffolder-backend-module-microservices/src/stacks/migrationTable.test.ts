import { goStack } from './go';
import { migrationTable } from './migrationTable';
import { resourceNames } from './names';
import { rustStack } from './rust';
import type { ServiceSpec } from './types';

describe('migrationTable', () => {
  it('is the service name in snake case with the contract suffix', () => {
    expect(migrationTable('billing-api')).toBe('billing_api_schema_migrations');
  });

  it('starts with a letter when the service name starts with a digit', () => {
    expect(migrationTable('3d-render')).toBe('s_3d_render_schema_migrations');
  });

  it('fits PostgreSQL identifiers and stays unique when cut', () => {
    const a = `${'a'.repeat(50)}-one`;
    const b = `${'a'.repeat(50)}-two`;
    const [ta, tb] = [migrationTable(a), migrationTable(b)];
    expect(Buffer.byteLength(ta)).toBeLessThanOrEqual(63);
    expect(ta).toMatch(/^[a-z_][a-z0-9_]*_schema_migrations$/);
    expect(ta).not.toBe(tb);
    expect(migrationTable('a'.repeat(45))).toBe(
      `${'a'.repeat(45)}_schema_migrations`,
    );
  });

  it('is what every stack renders, so the name does not depend on the language', async () => {
    const name = `orders-${'x'.repeat(50)}`;
    const spec = {
      name,
      auth: false,
      resource: resourceNames('order'),
    } as unknown as ServiceSpec;
    const go = await goStack.values(spec);
    const rust = await rustStack.values(spec);
    expect(go.migrationTable).toBe(migrationTable(name));
    expect(rust.migrationsTable).toBe(migrationTable(name));
  });
});
