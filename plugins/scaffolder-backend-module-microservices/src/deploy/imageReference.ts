import { InputError } from '@backstage/errors';
import type { RepositoryLocation } from '../scm/repositoryLocation';

/** An image reference split the way registries and kustomize's `images:` see it. */
export interface ImageReference {
  /** Registry host (with port), e.g. `ghcr.io`; `docker.io` when the reference names none. */
  registry: string;
  /** Everything before the tag/digest, as written, e.g. `ghcr.io/acme/billing-api`. */
  repository: string;
  tag?: string;
  digest?: string;
}

// The grammar of github.com/distribution/reference, written out piece by piece.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const NAME = new RegExp(
  `^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)$`,
);
const NAME_MAX = 255;

function invalid(field: string, value: string, why: string): never {
  throw new InputError(
    `${field}: '${value}' is not a valid image reference: ${why}`,
  );
}

const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])$/;

/** A registry host is DNS labels (or a bracketed IPv6 address) with an optional port 1-65535. */
function validateRegistryHost(field: string, value: string, host: string) {
  const bad = (why: string): never =>
    invalid(field, value, `the registry host '${host}' is malformed: ${why}`);
  let name = host;
  const portAt = host.startsWith('[')
    ? host.indexOf(']:') + 1 || -1
    : host.lastIndexOf(':');
  if (portAt > 0) {
    const port = host.slice(portAt + 1);
    name = host.slice(0, portAt);
    if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
      bad(`'${port}' is not a port (1-65535)`);
  }
  if (name.startsWith('[')) {
    if (!/^\[[a-fA-F0-9:]+\]$/.test(name))
      bad('not an IPv6 address in brackets');
    return;
  }
  if (name.length > 253) bad('longer than 253 characters');
  const labels = name.split('.');
  if (labels.some(label => !HOST_LABEL.test(label)))
    bad(
      "every dot-separated label is 1-63 letters, digits or '-', not starting or ending with '-'",
    );
}

/**
 * Parses `[registry/]path[:tag][@digest]`. The first component is a registry only when it looks like a host
 * (has a '.', a ':' or is 'localhost'), as Docker decides. The tag `latest` is refused: it is not a version.
 */
export function parseImageReference(
  value: unknown,
  field = 'image',
): ImageReference {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InputError(
      `${field}: must be an image reference such as 'ghcr.io/acme/billing-api:1.0.0'`,
    );
  }
  if (/\s/.test(value)) invalid(field, value, 'it contains whitespace');
  let rest = value;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest))
      invalid(
        field,
        value,
        `'${digest}' is not a digest such as 'sha256:<64 hex digits>'`,
      );
    const [algorithm, hex] = digest.split(':');
    const lengths: Record<string, number> = { sha256: 64, sha512: 128 };
    if (!(algorithm in lengths))
      invalid(
        field,
        value,
        `'${algorithm}' is not a digest algorithm registries use (sha256, sha512)`,
      );
    if (hex.length !== lengths[algorithm] || !/^[a-f0-9]+$/.test(hex))
      invalid(
        field,
        value,
        `a ${algorithm} digest has exactly ${lengths[algorithm]} lowercase hex digits`,
      );
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      invalid(
        field,
        value,
        `'${tag}' is not a tag (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')`,
      );
    }
    if (tag === 'latest')
      invalid(
        field,
        value,
        "the tag 'latest' is not a version; give a version tag, a digest or none",
      );
  }
  const [head] = rest.split('/');
  if (
    rest.includes('/') &&
    (head.includes('.') || head.includes(':') || head.startsWith('['))
  ) {
    // Checked before the whole name, so a bad host is reported as a bad host.
    validateRegistryHost(field, value, head);
  }
  if (rest.length > NAME_MAX)
    invalid(field, value, `the name is longer than ${NAME_MAX} characters`);
  const match = NAME.exec(rest);
  if (!match) {
    invalid(
      field,
      value,
      "the name must be lowercase path components separated by '/', optionally after a registry host",
    );
  }
  const [first] = rest.split('/');
  const hasRegistry =
    rest.includes('/') &&
    (first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first.startsWith('['));
  if (match[1] && !hasRegistry && /[A-Z]/.test(first)) {
    invalid(field, value, 'repository names must be lowercase');
  }
  return {
    registry: hasRegistry ? first : 'docker.io',
    repository: rest,
    tag,
    digest,
  };
}

/** The reference as a Deployment and `docker push` use it. */
export function formatImageReference(image: ImageReference): string {
  return `${image.repository}${image.tag ? `:${image.tag}` : ''}${
    image.digest ? `@${image.digest}` : ''
  }`;
}

/** Registry paths are lowercase; owner/repo names may not be. Anything outside the grammar becomes '-'. */
function registryPath(segment: string): string {
  return segment
    .toLowerCase()
    .replace(/[^a-z0-9._/-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
}

export const PLACEHOLDER_REGISTRY = 'registry.example.com';

// The container registry of each SaaS host, by integration type. A self-hosted GitHub or GitLab may run a registry
// anywhere (or none), so it gets the placeholder and the action's log asks for `image`.
const SAAS_REGISTRIES: Record<string, Record<string, string>> = {
  github: { 'github.com': 'ghcr.io' },
  gitlab: { 'gitlab.com': 'registry.gitlab.com' },
};

/**
 * The image a service is pushed to when the form names none: the registry that belongs to the SCM host
 * (GitHub → GitHub Container Registry, gitlab.com → its registry), else a placeholder registry that
 * `docker push` will visibly fail against rather than a real one the service does not own.
 */
export function defaultImageRepository(
  name: string,
  repository: RepositoryLocation | undefined,
): { repository: string; derivedFrom: string } {
  const registry =
    repository && SAAS_REGISTRIES[repository.type]?.[repository.host];
  if (repository && registry) {
    return {
      repository: `${registry}/${registryPath(repository.owner)}/${registryPath(
        repository.repo,
      )}`,
      derivedFrom: repository.host,
    };
  }
  return {
    repository: `${PLACEHOLDER_REGISTRY}/${name}`,
    derivedFrom: 'placeholder',
  };
}
