import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './backend';

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
    pg.createCertificate();
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

  /** The CA certificate that signed the server's (CN and SAN 127.0.0.1): `sslrootcert` for verify-full. */
  get certificateFile() {
    return path.join(this.dir, 'ca.crt');
  }

  /**
   * A certificate for TLS connections (`ssl=on`), signed by a throw-away CA as a managed PostgreSQL's is: the CA is
   * what `sslrootcert` names (a self-signed server certificate would be a CA used as an end entity, which rustls
   * rightly refuses). Plain connections stay allowed, as on a default server.
   */
  private createCertificate() {
    const file = (name: string) => path.join(this.dir, name);
    const openssl = (args: string[]) =>
      execFileSync('openssl', args, { stdio: 'pipe', timeout: 60_000 });
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=conformance-ca',
      '-keyout',
      file('ca.key'),
      '-out',
      this.certificateFile,
    ]);
    openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
    ]);
    fs.writeFileSync(
      file('server.ext'),
      'basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
    );
    openssl([
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      this.certificateFile,
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.crt'),
    ]);
    fs.chmodSync(file('server.key'), 0o600);
    fs.chmodSync(this.certificateFile, 0o644);
    if (isRoot())
      execFileSync('chown', [
        'postgres:postgres',
        file('server.key'),
        file('server.crt'),
      ]);
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
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 ` +
        `-c ssl=on -c ssl_cert_file=${path.join(this.dir, 'server.crt')} ` +
        `-c ssl_key_file=${path.join(this.dir, 'server.key')}`,
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

  /** psql's connection arguments for `database` on this cluster. */
  private psqlArgs(database: string): string[] {
    return [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.port),
      '-U',
      'postgres',
      '-d',
      database,
    ];
  }

  private psql(database: string, args: string[]) {
    return this.run('psql', [...this.psqlArgs(database), ...args]);
  }

  /**
   * Holds an ACCESS EXCLUSIVE lock on `table` for `seconds` in a psql session of its own, so requests that touch
   * the table wait; resolves once the lock is granted, with the session (it ends by itself).
   */
  async holdLock(
    database: string,
    table: string,
    seconds: number,
  ): Promise<ChildProcess> {
    const command = path.join(this.bin, 'psql');
    const args = [
      ...this.psqlArgs(database),
      '-qc',
      `BEGIN; LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(${seconds}); COMMIT;`,
    ];
    const session = isRoot()
      ? spawn('runuser', ['-u', 'postgres', '--', command, ...args], {
          stdio: 'ignore',
        })
      : spawn(command, args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (
      this.query(
        database,
        `SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation ` +
          `WHERE c.relname = '${table}' AND l.mode = 'AccessExclusiveLock' AND l.granted`,
      ) !== '1'
    ) {
      if (Date.now() > deadline) {
        session.kill();
        throw new Error(`could not lock ${table} within 10 s`);
      }
      await new Promise(r => setTimeout(r, 50));
    }
    return session;
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
