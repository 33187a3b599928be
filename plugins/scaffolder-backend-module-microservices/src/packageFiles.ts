import { resolvePackagePath } from '@backstage/backend-plugin-api';
import fs from 'node:fs';

/** This package's name, by which its shipped files are found in a source checkout and in an installed package. */
export const PACKAGE_NAME =
  '@cross-stack/plugin-scaffolder-backend-module-microservices';

/** The package's version; generated services record it as the template version that produced them. */
export function packageVersion(): string {
  const file = resolvePackagePath(PACKAGE_NAME, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

/** Absolute path of a folder under the shipped `skeletons/`. */
export function skeletonPath(folder: string): string {
  return resolvePackagePath(PACKAGE_NAME, 'skeletons', folder);
}
