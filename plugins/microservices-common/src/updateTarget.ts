import type { EntityLike } from './origin';
import { DNS_LABEL_PATTERN } from './serviceName';

/**
 * The update template's form values for a Component, or why it cannot be updated from the portal.
 *
 * @public
 */
export type UpdateTarget =
  | { ok: true; values: Record<string, string> }
  | { ok: false; reason: string };

const LOCATION = 'backstage.io/managed-by-location';

/** A URL path decoded, or as it is when a hand-edited escape is malformed. */
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Where the Component's repository is, as the update template asks for it: a repository the portal published
 * locally (its catalog-info.yaml read through a file:// URL), or a GitHub / GitLab project (the slug annotation
 * the render actions write, on the host of the registered location).
 *
 * @public
 */
export function updateTarget(entity: EntityLike): UpdateTarget {
  const annotations = entity.metadata.annotations ?? {};
  const annotation = annotations[LOCATION] ?? '';
  // Registered repositories are `url` locations; a `file` location is a catalog file on the backend's host.
  if (annotation && !annotation.startsWith('url:'))
    return {
      ok: false,
      reason: `its location (${LOCATION}) is '${annotation}', not a registered repository`,
    };
  const location = annotation.replace(/^url:/, '');
  let url: URL | undefined;
  try {
    url = new URL(location);
  } catch {
    return {
      ok: false,
      reason: `its location (${LOCATION}) is ${
        location ? `'${location}', not a URL` : 'missing'
      }`,
    };
  }
  if (url.protocol === 'file:') {
    // The directory name is a DNS-1123 label, so the path needs no decoding.
    const parts = url.pathname.split('/');
    const directory = parts[parts.length - 2] ?? '';
    const atRepositoryRoot =
      parts[parts.length - 1] === 'catalog-info.yaml' &&
      new RegExp(DNS_LABEL_PATTERN).test(directory);
    if (!atRepositoryRoot)
      return {
        ok: false,
        reason: `its catalog-info.yaml (${location}) is not at the root of a locally published repository`,
      };
    return { ok: true, values: { location: 'local', repository: directory } };
  }
  for (const provider of ['github', 'gitlab'] as const) {
    const key = `${provider}.com/project-slug`;
    const slug = annotations[key];
    if (!slug) continue;
    // owner/repo, or group/subgroup/…/repo on GitLab.
    if (!/^[^/\s?&#]+(\/[^/\s?&#]+)+$/.test(slug))
      return {
        ok: false,
        reason: `its ${key} is '${slug}', not owner/repository`,
      };
    // The slug is the entity's own word; the registered location is where the catalog really read it from.
    if (!safeDecode(url.pathname).startsWith(`/${slug}/`))
      return {
        ok: false,
        reason: `its ${key} '${slug}' is not the repository it was registered from (${location})`,
      };
    const at = slug.lastIndexOf('/');
    return {
      ok: true,
      values: {
        location: provider,
        repoUrl: `${url.host}?owner=${encodeURIComponent(
          slug.slice(0, at),
        )}&repo=${encodeURIComponent(slug.slice(at + 1))}`,
      },
    };
  }
  return {
    ok: false,
    reason: `its repository (${url.host}) is neither a local repository nor a GitHub or GitLab project`,
  };
}

/**
 * Where an update would go, in words: "local repository billing-api", "github.com acme/billing-api".
 *
 * @public
 */
export function describeTarget(values: Record<string, string>): string {
  if (values.location === 'local')
    return `local repository ${values.repository}`;
  const url = new URL(`https://${values.repoUrl}`);
  return `${url.host} ${url.searchParams.get('owner')}/${url.searchParams.get(
    'repo',
  )}`;
}
