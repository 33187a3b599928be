import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import fs from 'node:fs/promises';
import {
  rustCrateName,
  rustCrateNameProblem,
  rustDependencyClash,
  rustDependencyClashProblem,
  findStackDescription,
} from '@cross-stack/plugin-microservices-common';
import type { ServiceSpec, StackDefinition } from './types';

// The name rules and their messages live in the common package, shared with the Create-component form.
export { rustCrateName };

/** The lock files the skeleton was verified with, generated for this package name. */
const BASE_PACKAGE = 'billing-api';

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
  title: findStackDescription('rust')!.title,
  skeleton: 'rust',
  validate(spec: ServiceSpec) {
    const problem = rustCrateNameProblem(spec.name);
    if (problem) throw new InputError(problem);
  },
  async values(spec) {
    const lock = await baseLock(spec.auth);
    const crate = rustCrateName(spec.name);
    const clash = rustDependencyClash(
      spec.name,
      lockPackageNames(lock).filter(n => n !== BASE_PACKAGE),
    );
    if (clash)
      throw new InputError(rustDependencyClashProblem(spec.name, clash));
    return {
      package: spec.name,
      crate,
      cargoLock: renameLockRoot(lock, spec.name),
    };
  },
};
