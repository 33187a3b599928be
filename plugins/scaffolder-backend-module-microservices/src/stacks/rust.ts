import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import fs from 'node:fs/promises';
import type { ServiceSpec, StackDefinition } from './types';

// Strict, reserved and weak keywords of Rust 2024, plus names cargo refuses for a package.
const RUST_KEYWORDS = new Set(
  (
    'as async await break const continue crate dyn else enum extern false fn for gen if impl in let loop match mod ' +
    'move mut pub ref return self static struct super trait true type unsafe use where while abstract become box do ' +
    'final macro override priv try typeof unsized virtual yield union'
  ).split(' '),
);
const CARGO_RESERVED = new Set([
  'test',
  'core',
  'std',
  'alloc',
  'proc_macro',
  'proc-macro',
  'build',
  'deps',
  'examples',
  'incremental',
]);

/** The lock files the skeleton was verified with, generated for this package name. */
const BASE_PACKAGE = 'billing-api';

export const rustCrateName = (name: string) => name.replace(/-/g, '_');

// Auth adds jsonwebtoken and its dependencies, so each variant has its own lock (cargo --locked compares bytes).
async function baseLock(auth: boolean): Promise<string> {
  const file = resolvePackagePath(
    '@cross-stack/plugin-scaffolder-backend-module-microservices',
    `skeletons/data/rust/${auth ? 'Cargo.lock' : 'Cargo.noauth.lock'}`,
  );
  return fs.readFile(file, 'utf8');
}

interface LockBlock {
  name: string;
  text: string;
}

function splitLock(lock: string): { header: string; blocks: LockBlock[] } {
  const [header, ...rest] = lock.split(/\n(?=\[\[package\]\]\n)/);
  const blocks = rest.map(text => ({
    name: /^name = "([^"]+)"$/m.exec(text)?.[1] ?? '',
    text: text.replace(/\n+$/, ''),
  }));
  return { header: header.replace(/\n+$/, ''), blocks };
}

/**
 * `cargo --locked` compares the lock file byte for byte and cargo sorts packages by name, so renaming the root
 * package means moving its block to where cargo would put it.
 */
export function renameLockRoot(lock: string, packageName: string): string {
  const { header, blocks } = splitLock(lock);
  const rootIndex = blocks.findIndex(
    b => b.name === BASE_PACKAGE && !/^source = /m.test(b.text),
  );
  if (rootIndex < 0)
    throw new Error(`Cargo.lock has no root package '${BASE_PACKAGE}'`);
  const [root] = blocks.splice(rootIndex, 1);
  const renamed = {
    name: packageName,
    text: root.text.replace(/^name = "[^"]+"$/m, `name = "${packageName}"`),
  };
  const at = blocks.findIndex(b => b.name > packageName);
  blocks.splice(at < 0 ? blocks.length : at, 0, renamed);
  return `${[header, ...blocks.map(b => b.text)].join('\n\n')}\n`;
}

export function lockPackageNames(lock: string): string[] {
  return splitLock(lock).blocks.map(b => b.name);
}

export const rustStack: StackDefinition = {
  id: 'rust',
  title: 'Rust (axum)',
  skeleton: 'rust',
  validate(spec: ServiceSpec) {
    const crate = rustCrateName(spec.name);
    if (/^[0-9]/.test(spec.name)) {
      throw new InputError(
        `name: '${spec.name}' starts with a digit, which a Rust crate name cannot`,
      );
    }
    if (
      RUST_KEYWORDS.has(crate) ||
      CARGO_RESERVED.has(spec.name) ||
      CARGO_RESERVED.has(crate)
    ) {
      throw new InputError(
        `name: '${spec.name}' is a Rust keyword or a name cargo reserves; the Rust stack cannot use it as a crate name (try '${spec.name}-service')`,
      );
    }
  },
  migrationTable: spec => `${rustCrateName(spec.name)}_schema_migrations`,
  async values(spec) {
    const lock = await baseLock(spec.auth);
    const crate = rustCrateName(spec.name);
    const clash = lockPackageNames(lock).find(
      n =>
        n !== BASE_PACKAGE && (n === spec.name || rustCrateName(n) === crate),
    );
    if (clash) {
      throw new InputError(
        `name: '${spec.name}' would clash with the dependency crate '${clash}' in the Rust stack; choose another name`,
      );
    }
    return {
      package: spec.name,
      crate,
      // Per service, so that two services sharing a database keep their migration records apart.
      migrationsTable: rustStack.migrationTable(spec),
      cargoLock: renameLockRoot(lock, spec.name),
    };
  },
};
