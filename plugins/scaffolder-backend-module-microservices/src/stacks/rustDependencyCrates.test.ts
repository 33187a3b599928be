import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  RUST_DEPENDENCY_CRATES,
  serviceNameProblemForStack,
} from '@cross-stack/plugin-microservices-common';
import fs from 'node:fs';
import { lockPackageNames } from './rust';

const lock = (file: string) =>
  fs.readFileSync(
    resolvePackagePath(
      '@cross-stack/plugin-scaffolder-backend-module-microservices',
      `skeletons/data/rust/${file}`,
    ),
    'utf8',
  );

describe('the Rust dependency crates the form checks names against', () => {
  it('are exactly the crates of both lock files (regenerate: node scripts/rust-dependency-crates.mjs)', () => {
    const fromLocks = new Set(
      [
        ...lockPackageNames(lock('Cargo.lock')),
        ...lockPackageNames(lock('Cargo.noauth.lock')),
      ].filter(n => n !== 'billing-api'),
    );
    expect([...RUST_DEPENDENCY_CRATES]).toEqual([...fromLocks].sort());
  });

  it('give the form the message the action throws', () => {
    expect(serviceNameProblemForStack('tokio', 'rust')).toBe(
      "name: 'tokio' would clash with the dependency crate 'tokio' in the Rust stack; choose another name",
    );
    expect(serviceNameProblemForStack('tokio', 'go')).toBeUndefined();
  });
});
