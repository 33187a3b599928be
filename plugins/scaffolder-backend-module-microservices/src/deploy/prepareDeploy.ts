import { InputError } from '@backstage/errors';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import {
  parseRepositoryLocation,
  publicHostIntegrations,
} from '../scm/repositoryLocation';
import { findStack } from '../stacks';
import { titleFromName, validateServiceName } from '../stacks/names';
import { dockerfileString } from './dockerfileQuoting';
import {
  defaultImageRepository,
  formatImageReference,
  parseImageReference,
  type ImageReference,
} from './imageReference';
import { DEPLOY_TOOLCHAINS, NONROOT_ID, POSTGRES_IMAGE } from './toolchains';

export const CI_PROVIDERS = ['github', 'gitlab', 'none'] as const;
export type CiProvider = (typeof CI_PROVIDERS)[number];
export const DEFAULT_CI: CiProvider = 'github';

/** The raw inputs of `microservice:deploy:render`, as they arrive (optional fields may be missing). */
export interface DeployInput {
  stack: string;
  name: string;
  owner: string;
  description?: string;
  repoUrl?: string;
  image?: string;
  port?: number;
  ci?: string;
  serviceMonitor?: boolean;
  auth?: boolean;
  license?: string;
}

/** Everything the deploy files are made from, after defaults and validation. */
export interface DeploySpec {
  stack: string;
  name: string;
  title: string;
  description: string;
  owner: string;
  port: number;
  ci: CiProvider;
  serviceMonitor: boolean;
  auth: boolean;
  license: string;
  image: ImageReference & { reference: string; derivedFrom: string };
  /** `https://host/owner/repo` when the repository location is known, else ''. */
  sourceUrl: string;
}

export const DEFAULT_PORT = 8080;
/** The branch CI pushes images from, and the tag those images get besides the commit SHA. */
export const DEFAULT_BRANCH = 'main';
/**
 * After SIGTERM the service answers /ready 503 while it still serves, so endpoints drop the pod (the job a
 * pre-stop sleep would do, without spending the grace period twice)...
 */
export const SHUTDOWN_DELAY_SECONDS = 5;
/** ...then drains for at most this long (the service contract's default)... */
export const SHUTDOWN_TIMEOUT_SECONDS = 15;
/** ...then flushes traces (at most 5 s); Kubernetes waits longer than all of that before it kills the pod. */
export const TRACE_FLUSH_SECONDS = 5;
export const TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_LICENSE = 'LicenseRef-Proprietary';
// SPDX license expressions: identifiers, LicenseRef-…, AND/OR/WITH and parentheses.
const SPDX_EXPRESSION =
  /^[A-Za-z0-9.+:-]+(?: (?:AND|OR|WITH) [A-Za-z0-9.+:-]+|[()])*$/;

function optional<T>(
  value: unknown,
  field: string,
  type: 'string' | 'boolean' | 'number',
  fallback: T,
): T {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value !== type)
    throw new InputError(
      `${field}: must be a ${type}, got ${JSON.stringify(value)}`,
    );
  return value as T;
}

export function validatePort(value: unknown): number {
  const port = optional<number>(value, 'port', 'number', DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError(
      `port: ${port} is not a port number (an integer 1-65535)`,
    );
  }
  // The container runs as uid 65532 with every capability dropped, so it cannot bind a privileged port.
  if (port < 1024) {
    throw new InputError(
      `port: ${port} is a privileged port, which the non-root container (no capabilities) cannot bind; choose 1024-65535`,
    );
  }
  return port;
}

export function validateCiProvider(value: unknown): CiProvider {
  const ci = optional<string>(value, 'ci', 'string', DEFAULT_CI);
  if (!(CI_PROVIDERS as readonly string[]).includes(ci)) {
    throw new InputError(
      `ci: '${ci}' is not a CI provider this template writes; choose one of ${CI_PROVIDERS.join(
        ', ',
      )}`,
    );
  }
  return ci as CiProvider;
}

/**
 * Applies defaults and validates; every bad value is an InputError naming its field. Without `integrations`,
 * repository locations resolve against the public hosts only.
 */
export function deploySpec(
  input: DeployInput,
  integrations: ScmIntegrationRegistry = publicHostIntegrations(),
): DeploySpec {
  const stack = findStack(input.stack);
  const name = validateServiceName(input.name);
  const owner = optional<string>(input.owner, 'owner', 'string', '');
  if (!owner.trim())
    throw new InputError(
      "owner: required, an entity ref such as 'group:default/team-a'",
    );
  const location = parseRepositoryLocation(
    optional<string>(input.repoUrl, 'repoUrl', 'string', ''),
    integrations,
  );
  const license = optional<string>(
    input.license,
    'license',
    'string',
    DEFAULT_LICENSE,
  );
  if (license.length > 200 || !SPDX_EXPRESSION.test(license)) {
    throw new InputError(
      `license: '${license}' is not an SPDX license expression such as 'Apache-2.0'`,
    );
  }

  const explicitImage = optional<string>(input.image, 'image', 'string', '');
  let image: DeploySpec['image'];
  if (explicitImage) {
    const parsed = parseImageReference(explicitImage, 'image');
    image = {
      ...parsed,
      tag: parsed.tag ?? (parsed.digest ? undefined : DEFAULT_BRANCH),
      derivedFrom: 'input',
      reference: '',
    };
  } else {
    const { repository, derivedFrom } = defaultImageRepository(name, location);
    image = {
      ...parseImageReference(repository, 'image'),
      tag: DEFAULT_BRANCH,
      derivedFrom,
      reference: '',
    };
  }
  image.reference = formatImageReference(image);

  return {
    stack: stack.id,
    name,
    title: titleFromName(name),
    description: optional<string>(
      input.description,
      'description',
      'string',
      '',
    ),
    owner,
    port: validatePort(input.port),
    ci: validateCiProvider(input.ci),
    serviceMonitor: optional<boolean>(
      input.serviceMonitor,
      'serviceMonitor',
      'boolean',
      false,
    ),
    auth: optional<boolean>(input.auth, 'auth', 'boolean', false),
    license,
    image,
    sourceUrl: location
      ? `https://${location.host}/${location.owner}/${location.repo}`
      : '',
  };
}

/** How CI logs in to the image's registry, in each provider's own expression syntax. */
function registryLogin(spec: DeploySpec) {
  const ghcr = spec.image.registry === 'ghcr.io';
  const gitlab = spec.image.registry === 'registry.gitlab.com';
  return {
    github: {
      // GITHUB_TOKEN can push to ghcr.io only; any other registry needs repository secrets.
      username: ghcr
        ? '${{ github.actor }}'
        : '${{ secrets.REGISTRY_USERNAME }}',
      password: ghcr
        ? '${{ secrets.GITHUB_TOKEN }}'
        : '${{ secrets.REGISTRY_PASSWORD }}',
      packagesWrite: ghcr,
    },
    gitlab: {
      // The job token pushes to the project's own registry; elsewhere, masked CI/CD variables.
      username: gitlab ? '$CI_REGISTRY_USER' : '$REGISTRY_USER',
      password: gitlab ? '$CI_REGISTRY_PASSWORD' : '$REGISTRY_PASSWORD',
    },
  };
}

/** Values the deploy and CI skeletons interpolate (`values.*`); every derived name is computed here. */
export function deployValues(spec: DeploySpec) {
  const toolchain = DEPLOY_TOOLCHAINS[spec.stack];
  if (!toolchain)
    throw new InputError(`stack: '${spec.stack}' has no deploy files yet`);
  const selector = {
    'app.kubernetes.io/name': spec.name,
    'app.kubernetes.io/instance': spec.name,
  };
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    owner: spec.owner,
    port: spec.port,
    auth: spec.auth,
    serviceMonitor: spec.serviceMonitor,
    image: {
      ...spec.image,
      // The default-branch tag moves with every push, so nodes must pull it again; versions and digests do not.
      pullPolicy:
        spec.image.tag === DEFAULT_BRANCH && !spec.image.digest
          ? 'Always'
          : 'IfNotPresent',
    },
    toolchain: {
      version: toolchain.version,
      builderImage: toolchain.builderImage,
      runtimeImage: toolchain.runtimeImage,
      binaryPath: toolchain.binaryPath(spec.name),
      lockFiles: toolchain.lockFiles,
    },
    // Pre-quoted for the Dockerfile (see dockerfileString).
    dockerLabels: {
      title: dockerfileString(spec.title),
      description: dockerfileString(spec.description),
      source: spec.sourceUrl ? dockerfileString(spec.sourceUrl) : '',
      authors: dockerfileString(spec.owner),
      licenses: dockerfileString(spec.license),
    },
    k8s: {
      selector,
      labels: {
        ...selector,
        'app.kubernetes.io/component': 'api',
        'app.kubernetes.io/managed-by': 'kustomize',
        // Matches the catalog entity's `backstage.io/kubernetes-id` annotation.
        'backstage.io/kubernetes-id': spec.name,
      },
      userId: NONROOT_ID,
      databaseSecret: `${spec.name}-database`,
      jwtSecret: `${spec.name}-jwt`,
      shutdownTimeoutSeconds: SHUTDOWN_TIMEOUT_SECONDS,
      shutdownDelaySeconds: SHUTDOWN_DELAY_SECONDS,
      terminationGracePeriodSeconds: TERMINATION_GRACE_PERIOD_SECONDS,
    },
    ci: {
      provider: spec.ci,
      defaultBranch: DEFAULT_BRANCH,
      postgresImage: POSTGRES_IMAGE,
      registry: spec.image.registry,
      login: registryLogin(spec),
    },
  };
}

export type DeployValues = ReturnType<typeof deployValues>;
