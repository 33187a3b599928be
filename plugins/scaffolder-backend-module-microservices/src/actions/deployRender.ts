import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import fs from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import {
  createTemplateAction,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import {
  ANSWERS_FILE,
  answersFileFor,
  INITIAL_COMMIT_MESSAGE_DESCRIPTION,
  initialCommitMessage,
} from '../answers';
import { packageVersion } from '../packageFiles';
import { writeRenderedFiles, type RenderedFile } from '../render';
import { DEFAULT_TEMPLATE_REF } from '../stacks/prepareService';
import {
  CI_PROVIDERS,
  DEFAULT_CI,
  DEFAULT_SIGNING,
  SIGNING_MODES,
  DEFAULT_LICENSE,
  DEFAULT_EGRESS,
  DEFAULT_PORT,
  deploySpec,
  type DeploySpec,
  type EgressPeer,
  ARGOCD_DIR,
  UNBUILT_DIGEST,
  KUBERNETES_DIR,
  OVERLAYS,
  renderDeployFiles,
} from '../deploy';
import { examples } from './deployRender.examples';
import * as props from './inputProperties';

export const DEPLOY_RENDER_ID = 'microservice:deploy:render';

/**
 * Input of `microservice:deploy:render`; optional fields get the defaults its schema declares.
 *
 * @public
 */
export type DeployRenderInput = {
  stack: 'go' | 'dotnet' | 'rust';
  name: string;
  owner: string;
  description?: string;
  repoUrl?: string;
  image?: string;
  port?: number;
  ci?: 'github' | 'gitlab' | 'none';
  signing?: 'keyless' | 'key';
  serviceMonitor?: boolean;
  auth?: boolean;
  license?: string;
  argocd?: boolean;
  databaseEgress?: string;
  otlpEgress?: string;
  targetPath?: string;
  overwrite?: boolean;
};

/**
 * Output of `microservice:deploy:render`.
 *
 * @public
 */
export type DeployRenderOutput = {
  targetPath: string;
  files: string[];
  image: string;
  overlays: string[];
  argocdApplications: string[];
  /** The first commit's message, marking it as the pristine render (see INITIAL_COMMIT_MESSAGE_DESCRIPTION). */
  initialCommitMessage: string;
};

/** Every value the render used, defaults applied: what `.microservice/answers.yaml` records for this action. */
export function recordedDeployInput(
  spec: DeploySpec,
  repoUrl: string,
): Required<Omit<DeployRenderInput, 'targetPath' | 'overwrite'>> {
  return {
    stack: spec.stack as DeployRenderInput['stack'],
    name: spec.name,
    owner: spec.owner,
    description: spec.description,
    repoUrl,
    // The image as given or derived (repository, plus the digest only when one was given): an update renders the
    // same overlays, and CI's digest commits stay the user's change in the three-way merge.
    image:
      spec.image.digest === UNBUILT_DIGEST
        ? spec.image.repository
        : spec.image.reference,
    port: spec.port,
    ci: spec.ci,
    signing: spec.signing,
    serviceMonitor: spec.serviceMonitor,
    auth: spec.auth,
    license: spec.license,
    argocd: spec.argocd,
    databaseEgress: egressText(spec.egress.database),
    otlpEgress: egressText(spec.egress.otlp),
  };
}

/** The egress option's own syntax, from the parsed peers. */
function egressText(peers: EgressPeer[]): string {
  return peers
    .map(peer =>
      'ipBlock' in peer
        ? peer.ipBlock.cidr
        : `namespace:${peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}`,
    )
    .join(',');
}

export const CATALOG_INFO_FILE = 'catalog-info.yaml';
export const ARGOCD_APP_ANNOTATION = 'argocd/app-name';

/**
 * With Argo CD on, the Component that `microservice:service:render` wrote beside the deploy files gets the
 * `argocd/app-name` annotation naming the prod Application (the Argo CD plugin shows one Application per name).
 * The file is edited as a YAML document, so everything else in it stays as written; without a catalog-info.yaml
 * (deploy files rendered on their own) nothing is added and the caller logs it.
 */
async function annotatedCatalogInfo(
  targetDir: string,
  spec: DeploySpec,
  appName: string,
): Promise<RenderedFile | undefined> {
  const text = await fs
    .readFile(`${targetDir}/${CATALOG_INFO_FILE}`, 'utf8')
    .catch(() => undefined);
  if (text === undefined) return undefined;
  const documents = parseAllDocuments(text);
  const component = documents.find(
    d =>
      d.get('kind') === 'Component' &&
      d.getIn(['metadata', 'name']) === spec.name,
  );
  if (!component) return undefined;
  component.setIn(['metadata', 'annotations', ARGOCD_APP_ANNOTATION], appName);
  return {
    path: CATALOG_INFO_FILE,
    content: Buffer.from(documents.map(d => d.toString()).join(''), 'utf8'),
    mode: 0o644,
  };
}

/**
 * Renders a service's Dockerfile, Kubernetes manifests (kustomize base + overlays) and CI pipeline, and records
 * the values it used in `.microservice/answers.yaml`. `integrations` resolve `repoUrl` (build them with
 * `ScmIntegrations.fromConfig(config)`); `skeletonRoot` replaces the shipped `skeletons/` folder.
 *
 * @public
 */
export function createDeployRenderAction(options: {
  integrations: ScmIntegrationRegistry;
  skeletonRoot?: string;
}): TemplateAction<DeployRenderInput, DeployRenderOutput, 'v2'> {
  const { integrations, skeletonRoot } = options;
  return createTemplateAction({
    id: DEPLOY_RENDER_ID,
    description:
      'Renders the deploy files of a service: a multi-stage Dockerfile with a cached dependency layer, Kubernetes manifests (kustomize base with dev and prod overlays that deploy image digests), a Renovate config, optionally Argo CD Applications, and a CI pipeline for GitHub Actions or GitLab CI that checks the manifests, pushes by commit SHA, scans, signs, attests and promotes by pull request',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        stack: props.stack,
        name: props.name,
        owner: props.owner,
        description: props.description,
        repoUrl: props.repoUrl,
        image: z =>
          z
            .string({
              description:
                "Image repository, optionally with the digest both overlays start at ('ghcr.io/acme/billing-api', '…@sha256:<64 hex>'); a tag without a digest is refused, since tags move. Default: ghcr.io/<owner>/<repo> for github.com, registry.gitlab.com/<owner>/<repo> for gitlab.com, else registry.example.com/<name> (a placeholder: self-hosted hosts have no known registry). Without a digest the overlays name the all-zero digest until CI's first push from the default branch writes the real one",
            })
            .optional(),
        port: z =>
          props.withDefault(
            z
              .number({
                description:
                  'Container port the service listens on (PORT), 1024-65535',
              })
              .int()
              .min(1024)
              .max(65535),
            DEFAULT_PORT,
          ),
        ci: z =>
          props.withDefault(
            z.enum(CI_PROVIDERS, { description: 'CI pipeline to write' }),
            DEFAULT_CI,
          ),
        signing: z =>
          props.withDefault(
            z.enum(SIGNING_MODES, {
              description:
                "How CI signs the image: 'keyless' (Sigstore: the pipeline's identity goes into the public transparency log) or 'key' (the repository's own cosign key pair; no public log entry)",
            }),
            DEFAULT_SIGNING,
          ),
        serviceMonitor: z =>
          props.withDefault(
            z.boolean({
              description:
                'Add a Prometheus Operator ServiceMonitor for /metrics',
            }),
            false,
          ),
        auth: z =>
          props.withDefault(
            z.boolean({
              description:
                'The service was generated with JWT auth: pass JWT_SECRET/ISSUER/AUDIENCE from a Secret',
            }),
            false,
          ),
        license: z =>
          props.withDefault(
            z.string({
              description: 'SPDX license expression for the image label',
            }),
            DEFAULT_LICENSE,
          ),
        argocd: z =>
          props.withDefault(
            z.boolean({
              description:
                'Also render an Argo CD Application per environment (deploy/argocd); needs repoUrl',
            }),
            false,
          ),
        databaseEgress: z =>
          props.withDefault(
            z.string({
              description:
                "Where the service may reach PostgreSQL (port 5432): comma-separated CIDRs and 'namespace:<name>' entries",
            }),
            DEFAULT_EGRESS,
          ),
        otlpEgress: z =>
          props.withDefault(
            z.string({
              description:
                "Where the service may reach the OTLP collector (4317/4318): comma-separated CIDRs and 'namespace:<name>' entries",
            }),
            DEFAULT_EGRESS,
          ),
        targetPath: props.targetPath,
        overwrite: props.overwrite,
      },
      output: {
        targetPath: z =>
          z.string({
            description:
              'Where the files were rendered, relative to the workspace',
          }),
        files: z =>
          z.array(z.string(), {
            description:
              'Rendered files, relative to targetPath, including the answers file .microservice/answers.yaml',
          }),
        initialCommitMessage: z =>
          z.string({ description: INITIAL_COMMIT_MESSAGE_DESCRIPTION }),
        image: z =>
          z.string({
            description:
              'The image the overlays start at: repository@digest (the all-zero digest until CI has pushed)',
          }),
        overlays: z =>
          z.array(z.string(), {
            description:
              "Kustomize overlay directories ('kubectl apply -k <dir>'), relative to targetPath",
          }),
        argocdApplications: z =>
          z.array(z.string(), {
            description:
              'Argo CD Application files, relative to targetPath (empty unless argocd is on); their AppProject is deploy/argocd/appproject.yaml',
          }),
      },
    },
    async handler(ctx) {
      const targetPath = ctx.input.targetPath ?? '.';
      // Refuse an escaping target before any work is done.
      resolveSafeChildPath(ctx.workspacePath, targetPath);
      const spec = deploySpec(ctx.input, integrations);
      ctx.logger.info(
        `Rendering deploy files for '${spec.name}' (${spec.stack}, image ${
          spec.image.reference
        }${
          spec.image.derivedFrom === 'placeholder'
            ? ' — a placeholder registry: pass image'
            : ''
        }, CI ${spec.ci}${spec.serviceMonitor ? ', ServiceMonitor' : ''}${
          spec.argocd ? ', Argo CD Applications' : ''
        }) into '${targetPath}'`,
      );
      const files = await renderDeployFiles(spec, { skeletonRoot });
      const targetDir = resolveSafeChildPath(ctx.workspacePath, targetPath);
      const replaceable = [ANSWERS_FILE];
      if (spec.argocd) {
        const catalogInfo = await annotatedCatalogInfo(
          targetDir,
          spec,
          `${spec.name}-prod`,
        );
        if (catalogInfo) {
          files.push(catalogInfo);
          replaceable.push(CATALOG_INFO_FILE);
        } else {
          ctx.logger.info(
            `No Component '${spec.name}' in ${CATALOG_INFO_FILE} beside the deploy files: add the annotation ${ARGOCD_APP_ANNOTATION}: ${spec.name}-prod yourself`,
          );
        }
      }
      files.push(
        await answersFileFor({
          targetDir,
          action: DEPLOY_RENDER_ID,
          input: recordedDeployInput(spec, ctx.input.repoUrl ?? ''),
          templateRef: ctx.templateInfo?.entityRef ?? DEFAULT_TEMPLATE_REF,
          packageVersion: packageVersion(),
        }),
      );
      const written = await writeRenderedFiles({
        rootDir: ctx.workspacePath,
        targetPath,
        files: files.sort((a, b) => (a.path < b.path ? -1 : 1)),
        overwrite: ctx.input.overwrite ?? false,
        replaceable,
      });
      ctx.output('targetPath', targetPath);
      ctx.output('files', written);
      ctx.output('image', spec.image.reference);
      ctx.output(
        'initialCommitMessage',
        initialCommitMessage({
          taskId: ctx.task.id,
          pristineRenderVersion: packageVersion(),
        }),
      );
      ctx.output(
        'overlays',
        OVERLAYS.map(o => `${KUBERNETES_DIR}/overlays/${o}`),
      );
      ctx.output(
        'argocdApplications',
        written.filter(f => f.startsWith(`${ARGOCD_DIR}/application-`)),
      );
    },
  });
}
