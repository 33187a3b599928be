import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { marked } from 'marked';
import fs from 'node:fs';
import semver from 'semver';

/** One released version of the template package and its changelog section (Markdown, without the heading). */
export interface Release {
  version: string;
  notes: string;
}

export interface Releases {
  /** The version this portal's template package renders. */
  newest: string;
  /** Every released version in the changelog, newest first. */
  releases: Release[];
}

const TEMPLATE_PACKAGE =
  '@cross-stack/plugin-scaffolder-backend-module-microservices';

/**
 * The releases in a changesets CHANGELOG.md: every level-two heading that is a version, with what follows it up
 * to the next one. Headings that are not versions and text before the first release are not releases.
 */
export function parseChangelog(markdown: string): Release[] {
  const releases: Release[] = [];
  let current: { version: string; raw: string[] } | undefined;
  const close = () => {
    if (current)
      releases.push({
        version: current.version,
        notes: current.raw.join('').trim(),
      });
  };
  for (const token of marked.lexer(markdown)) {
    if (token.type === 'heading' && token.depth <= 2) {
      close();
      const version = semver.valid(token.text.trim());
      current = token.depth === 2 && version ? { version, raw: [] } : undefined;
    } else if (current) {
      current.raw.push(token.raw);
    }
  }
  close();
  return releases.sort((a, b) => semver.rcompare(a.version, b.version));
}

/** The template package's version and released changelog, as installed in this backend. */
export function readReleases(): Releases {
  const manifest = JSON.parse(
    fs.readFileSync(
      resolvePackagePath(TEMPLATE_PACKAGE, 'package.json'),
      'utf8',
    ),
  ) as { version: string };
  const changelog = fs.readFileSync(
    resolvePackagePath(TEMPLATE_PACKAGE, 'CHANGELOG.md'),
    'utf8',
  );
  return { newest: manifest.version, releases: parseChangelog(changelog) };
}
