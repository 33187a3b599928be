import { resolvePackagePath } from '@backstage/backend-plugin-api';
import fs from 'node:fs';
import path from 'node:path';

/** This package's name, by which its shipped files are found in a source checkout and in an installed package. */
export const PACKAGE_NAME =
  '@cross-stack/plugin-scaffolder-backend-module-microservices';

/** The package's version; generated services record it as the template version that produced them. */
export function packageVersion(): string {
  const file = resolvePackagePath(PACKAGE_NAME, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

/** The shipped `skeletons/` folder: the root every skeleton tree is found under unless a caller passes another. */
export function defaultSkeletonRoot(): string {
  return resolvePackagePath(PACKAGE_NAME, 'skeletons');
}

/**
 * Absolute path of a folder under the skeleton root: the shipped `skeletons/`, or `root` when given (a copy of
 * that tree, e.g. one a test or a platform team changed before the change is released).
 */
export function skeletonPath(folder: string, root?: string): string {
  return path.join(root ?? defaultSkeletonRoot(), folder);
}

/**
 * The released versions this package knows: its current version and every version its CHANGELOG.md records.
 * An answers file from any other version (a newer package, a hand-made number) is refused by `update`.
 */
export function knownVersions(): string[] {
  const versions = new Set([packageVersion()]);
  try {
    const changelog = fs.readFileSync(
      resolvePackagePath(PACKAGE_NAME, 'CHANGELOG.md'),
      'utf8',
    );
    for (const match of changelog.matchAll(/^## (\d+\.\d+\.\d+\S*)\s*$/gm))
      versions.add(match[1]);
  } catch {
    // A package without its changelog knows only its own version.
  }
  return [...versions];
}
