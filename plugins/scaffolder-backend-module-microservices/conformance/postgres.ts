import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../e2e/backend';

/** The newest PostgreSQL server binaries on this machine, or undefined. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter(v => fs.existsSync(path.join(root, v, 'bin/initdb')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : undefined;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * A throw-away PostgreSQL cluster: initdb into a temporary directory, a free loopback port, the socket in that
 * directory. It never touches a system cluster. As root, it runs as the `postgres` user, as PostgreSQL requires.
 */
export class ThrowawayPostgres {
  readonly port: number;
  private constructor(
    private readonly bin: string,
    readonly dir: string,
    port: number,
  ) {
    this.port = port;
  }

  static async create(): Promise<ThrowawayPostgres> {
    const bin = findPostgresBin();
    if (!bin)
      throw new Error(
        'PostgreSQL server binaries not found under /usr/lib/postgresql',
      );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-pg-'));
    fs.chmodSync(dir, 0o755);
    if (isRoot()) execFileSync('chown', ['postgres:postgres', dir]);
    const pg = new ThrowawayPostgres(bin, dir, await freePort());
    pg.run('initdb', [
      '-D',
      pg.dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    pg.start();
    return pg;
  }

  get dataDir() {
    return path.join(this.dir, 'data');
  }

  private run(tool: string, args: string[]) {
    const command = path.join(this.bin, tool);
    const options = { stdio: 'pipe' as const, timeout: 60_000 };
    return isRoot()
      ? execFileSync(
          'runuser',
          ['-u', 'postgres', '--', command, ...args],
          options,
        )
      : execFileSync(command, args, options);
  }

  start() {
    this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      'start',
    ]);
  }

  stop() {
    this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-m',
      'fast',
      '-w',
      '-t',
      '60',
      'stop',
    ]);
  }

  url(database: string) {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}?sslmode=disable`;
  }

  private psql(database: string, args: string[]) {
    return this.run('psql', [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.port),
      '-U',
      'postgres',
      '-d',
      database,
      ...args,
    ]);
  }

  createDatabase(name: string): string {
    this.psql('postgres', ['-qc', `CREATE DATABASE "${name}"`]);
    return this.url(name);
  }

  query(database: string, sql: string): string {
    return this.psql(database, ['-Atqc', sql]).toString().trim();
  }

  destroy() {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
