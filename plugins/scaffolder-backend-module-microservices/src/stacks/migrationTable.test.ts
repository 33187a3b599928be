import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderFromTemplate } from '../cli/render';
import { migrationTable } from './migrationTable';

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
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-table-'));
    try {
      // Longer than 45 characters: cut and hashed, where each stack once derived its own name.
      const name = `orders-${'x'.repeat(50)}`;
      const rendered = async (stack: string, file: string) => {
        const out = path.join(work, stack);
        await renderFromTemplate({
          parameters: { stack, name, owner: 'group:default/team-a' },
          out,
        });
        return fs.readFileSync(path.join(out, file), 'utf8');
      };
      const table = migrationTable(name);
      expect(await rendered('go', 'migrations/embed.go')).toContain(
        `const Table = "${table}"`,
      );
      expect(await rendered('rust', 'src/config.rs')).toContain(
        `pub const MIGRATIONS_TABLE: &str = "${table}";`,
      );
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
