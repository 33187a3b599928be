import type { Entity } from '@backstage/catalog-model';

/** The update template's form values for a Component, or why it cannot be updated from the portal. */
export type UpdateTarget =
  | { ok: true; values: Record<string, string> }
  | { ok: false; reason: string };

const LOCATION = 'backstage.io/managed-by-location';

/**
 * Where the Component's repository is, as the update template asks for it: a repository the portal published
 * locally (its catalog-info.yaml read through a file:// URL), or a GitHub / GitLab project (the slug annotation
 * the render actions write, on the host of the registered location).
 */
export function updateTarget(entity: Entity): UpdateTarget {
  const annotations = entity.metadata.annotations ?? {};
  const location = (annotations[LOCATION] ?? '').replace(/^url:/, '');
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
    const match = /\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/catalog-info\.yaml$/.exec(
      decodeURIComponent(url.pathname),
    );
    if (!match)
      return {
        ok: false,
        reason: `its catalog-info.yaml (${location}) is not at the root of a locally published repository`,
      };
    return { ok: true, values: { location: 'local', repository: match[1] } };
  }
  for (const provider of ['github', 'gitlab'] as const) {
    const slug = annotations[`${provider}.com/project-slug`];
    if (!slug) continue;
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

/** The update template's page, prefilled (the scaffolder reads `formData` from the query). */
export function updateTemplatePath(values: Record<string, string>): string {
  return `/create/templates/default/microservice-update?formData=${encodeURIComponent(
    JSON.stringify(values),
  )}`;
}
