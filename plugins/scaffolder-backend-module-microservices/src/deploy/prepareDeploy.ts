import { InputError } from '@backstage/errors';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import {
  parseRepositoryLocation,
  publicHostIntegrations,
} from '../scm/repositoryLocation';
import { findStackDescription } from '@cross-stack/plugin-microservices-common';
import { findStack } from '../stacks';
import { titleFromName, validateServiceName } from '../stacks/names';
import { dockerfileString } from './dockerfileQuoting';
import {
  defaultImageRepository,
  formatImageReference,
  parseImageReference,
  type ImageReference,
} from './imageReference';
import {
  CI_TOOLS,
  DEPLOY_TOOLCHAINS,
  DOCKER_DIND_IMAGE,
  DOCKER_IMAGE,
  NOBLE_MAKE_PACKAGE,
  POSTGRES_IMAGE,
  TOOLS_GO_VERSION,
  TOOLS_IMAGE,
  TRIVY_IMAGE,
} from './toolchains';

export const CI_PROVIDERS = ['github', 'gitlab', 'none'] as const;
export type CiProvider = (typeof CI_PROVIDERS)[number];
export const DEFAULT_CI: CiProvider = 'github';

/**
 * How CI signs the image and its attestations: `keyless` — cosign with the pipeline's OIDC identity through
 * Sigstore's public Fulcio and Rekor (no keys to keep, but the identity — repository, workflow, branch — is
 * written into the public transparency log, also for a private repository); `key` — cosign with the
 * repository's own key pair, nothing written to a public log.
 */
export const SIGNING_MODES = ['keyless', 'key'] as const;
export type SigningMode = (typeof SIGNING_MODES)[number];
export const DEFAULT_SIGNING: SigningMode = 'keyless';

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
  signing?: string;
  serviceMonitor?: boolean;
  auth?: boolean;
  license?: string;
  argocd?: boolean;
  databaseEgress?: string;
  otlpEgress?: string;
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
  signing: SigningMode;
  serviceMonitor: boolean;
  auth: boolean;
  license: string;
  /**
   * The image repository and the digest both overlays start at: the one given in `image`, else
   * {@link UNBUILT_DIGEST} until CI's first push from the default branch writes the real one.
   */
  image: ImageReference & {
    digest: string;
    reference: string;
    derivedFrom: string;
  };
  /** `https://host/owner/repo` when the repository location is known, else ''. */
  sourceUrl: string;
  argocd: boolean;
  egress: { database: EgressPeer[]; otlp: EgressPeer[] };
}

/** A NetworkPolicy egress peer: an address range, or every pod of a namespace. */
export type EgressPeer =
  | { ipBlock: { cidr: string } }
  | {
      namespaceSelector: {
        matchLabels: { 'kubernetes.io/metadata.name': string };
      };
    };

export const DEFAULT_PORT = 8080;
/**
 * The digest the overlays name before CI has pushed an image: syntactically a digest, served by no registry, so
 * applying an overlay before the first build fails with ErrImagePull instead of running an unknown image.
 */
export const UNBUILT_DIGEST = `sha256:${'0'.repeat(64)}`;
/**
 * Where the service's PostgreSQL and OTLP collector may be: private address ranges unless the form narrows them
 * (a CIDR list, or `namespace:<name>` for in-cluster destinations). Never the whole internet.
 */
export const DEFAULT_EGRESS = '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16';
/** The oldest Kubernetes the manifests are written for (PDB unhealthyPodEvictionPolicy is beta and on in 1.27). */
export const KUBERNETES_MIN_VERSION = '1.27';
/** Namespace of the Argo CD Applications (Argo CD's own namespace in its install manifests). */
export const ARGOCD_NAMESPACE = 'argocd';
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
  // The container runs as a non-root uid with every capability dropped, so it cannot bind a privileged port.
  if (port < 1024) {
    throw new InputError(
      `port: ${port} is a privileged port, which the non-root container (no capabilities) cannot bind; choose 1024-65535`,
    );
  }
  return port;
}

const IPV4_CIDR =
  /^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/;
const IPV6_CIDR =
  /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*\/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `10.0.0.0/8,namespace:observability` → NetworkPolicy peers; anything else is an InputError naming the field. */
export function parseEgress(value: unknown, field: string): EgressPeer[] {
  const text = optional<string>(value, field, 'string', DEFAULT_EGRESS);
  const entries = text
    .split(',')
    .map(e => e.trim())
    .filter(Boolean);
  if (entries.length === 0)
    throw new InputError(
      `${field}: give at least one CIDR or namespace:<name>`,
    );
  return entries.map(entry => {
    if (entry.startsWith('namespace:')) {
      const namespace = entry.slice('namespace:'.length);
      if (!NAMESPACE.test(namespace))
        throw new InputError(
          `${field}: '${namespace}' is not a namespace name (DNS-1123 label)`,
        );
      return {
        namespaceSelector: {
          matchLabels: { 'kubernetes.io/metadata.name': namespace },
        },
      };
    }
    if (!IPV4_CIDR.test(entry) && !IPV6_CIDR.test(entry))
      throw new InputError(
        `${field}: '${entry}' is neither a CIDR (10.20.0.0/16) nor namespace:<name>`,
      );
    if (/^0\.0\.0\.0\/0$|^::\/0$/.test(entry))
      throw new InputError(
        `${field}: '${entry}' is every address; name the database or collector's range or namespace`,
      );
    return { ipBlock: { cidr: entry } };
  });
}

export function validateSigning(value: unknown): SigningMode {
  const signing = optional<string>(value, 'signing', 'string', DEFAULT_SIGNING);
  if (!(SIGNING_MODES as readonly string[]).includes(signing)) {
    throw new InputError(
      `signing: '${signing}' is not a signing mode; choose one of ${SIGNING_MODES.join(
        ', ',
      )}`,
    );
  }
  return signing as SigningMode;
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
  // The stack's own name rules (a .NET name must become a C# namespace), as the service render applies them.
  const stackProblem = findStackDescription(stack.id)?.nameProblem(name);
  if (stackProblem) throw new InputError(stackProblem);
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
  let parsed: ImageReference;
  let derivedFrom: string;
  if (explicitImage) {
    parsed = parseImageReference(explicitImage, 'image');
    derivedFrom = 'input';
    // Overlays deploy digests only; a tag alone can move under prod.
    if (parsed.tag && !parsed.digest)
      throw new InputError(
        `image: '${explicitImage}' names the movable tag '${parsed.tag}', which prod must not deploy; give the repository alone (CI pushes by commit SHA and writes the digest) or repository@sha256:<digest>`,
      );
  } else {
    const derived = defaultImageRepository(name, location);
    parsed = parseImageReference(derived.repository, 'image');
    derivedFrom = derived.derivedFrom;
  }
  const image: DeploySpec['image'] = {
    registry: parsed.registry,
    repository: parsed.repository,
    digest: parsed.digest ?? UNBUILT_DIGEST,
    derivedFrom,
    reference: '',
  };
  image.reference = formatImageReference(image);
  const argocd = optional<boolean>(input.argocd, 'argocd', 'boolean', false);
  if (argocd && !location)
    throw new InputError(
      'argocd: an Argo CD Application needs the repository it syncs from; give repoUrl (publish to GitHub or GitLab) or leave argocd off',
    );
  const egress = {
    database: parseEgress(input.databaseEgress, 'databaseEgress'),
    otlp: parseEgress(input.otlpEgress, 'otlpEgress'),
  };

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
    signing: validateSigning(input.signing),
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
    argocd,
    egress,
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
      unbuilt: spec.image.digest === UNBUILT_DIGEST,
      // A digest never changes what runs, so Always costs one manifest request, not a download; it makes the
      // kubelet check the pod's pull credentials, so a pod cannot start a private image another pod left cached.
      pullPolicy: 'Always',
    },
    toolchain: {
      version: toolchain.version,
      builderImage: toolchain.builderImage,
      runtimeImage: toolchain.runtimeImage,
      binaryPath: toolchain.binaryPath(spec.name),
      lockFiles: toolchain.lockFiles(spec.name),
      // The Rust skeleton's Cargo package is named after the service (the Makefile's BINARY).
      packageName: spec.name,
      // .NET: the solution and its API and test projects (`src/<project>/`, `tests/<testProject>/`).
      ...(toolchain.projects?.(spec.name) ?? {
        solution: '',
        project: '',
        testProject: '',
      }),
      memoryLimitEnv: toolchain.memoryLimitEnv ?? '',
      heapLimitPercent: toolchain.heapLimitPercent ?? 0,
      noblePackages: { make: NOBLE_MAKE_PACKAGE },
      renovateManager: toolchain.renovateManager,
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
      userId: toolchain.userId,
      databaseSecret: `${spec.name}-database`,
      jwtSecret: `${spec.name}-jwt`,
      shutdownTimeoutSeconds: SHUTDOWN_TIMEOUT_SECONDS,
      shutdownDelaySeconds: SHUTDOWN_DELAY_SECONDS,
      terminationGracePeriodSeconds: TERMINATION_GRACE_PERIOD_SECONDS,
      minVersion: KUBERNETES_MIN_VERSION,
      namespaces: { dev: `${spec.name}-dev`, prod: `${spec.name}-prod` },
      egress: spec.egress,
    },
    renovate: {
      toolchainGroup: `${spec.stack} toolchain`,
      // JSON strings, joined into the Renovate config's list.
      toolchainPackages: toolchain.renovateToolchainPackages.map(p =>
        JSON.stringify(p),
      ),
      toolchainNote: toolchain.renovateToolchainNote ?? '',
    },
    argocd: {
      enabled: spec.argocd,
      namespace: ARGOCD_NAMESPACE,
      repoUrl: spec.sourceUrl ? `${spec.sourceUrl}.git` : '',
      apps: { dev: `${spec.name}-dev`, prod: `${spec.name}-prod` },
      project: spec.name,
    },
    ci: {
      provider: spec.ci,
      signing: spec.signing,
      defaultBranch: DEFAULT_BRANCH,
      postgresImage: POSTGRES_IMAGE,
      // kubeconform's schema version: the floor, so nothing newer slips into the manifests.
      kubernetesVersion: `${KUBERNETES_MIN_VERSION}.0`,
      tools: CI_TOOLS,
      toolsImage: TOOLS_IMAGE,
      toolsGoVersion: TOOLS_GO_VERSION,
      trivyImage: TRIVY_IMAGE,
      dockerImage: DOCKER_IMAGE,
      dockerDindImage: DOCKER_DIND_IMAGE,
      registry: spec.image.registry,
      login: registryLogin(spec),
    },
  };
}

export type DeployValues = ReturnType<typeof deployValues>;
