import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { DEPLOY_TOOLCHAINS, POSTGRES_IMAGE } from '../deploy';
import { dockerContextFiles } from '../../testUtils/dockerContext';
import {
  checkDockerfile,
  dockerfileLabelText,
} from '../../testUtils/dockerfile';
import { actionlintProblems } from '../../testUtils/githubWorkflow';
import { checkGitlabPipeline } from '../../testUtils/gitlabPipeline';
import { kubernetesObjectProblems } from '../../testUtils/kubernetes';
import {
  buildKustomization,
  kubectlKustomize,
} from '../../testUtils/kustomize';
import { renderFromTemplate, TEMPLATE_FILE } from '../cli/render';
import { createDeployRenderAction, DEPLOY_RENDER_ID } from './deployRender';
import { createServiceRenderAction } from './serviceRender';
import {
  GITHUB_ENTERPRISE,
  SELF_HOSTED_GITLAB,
  selfHostedIntegrations,
} from '../../testUtils/integrations';

const integrations = selfHostedIntegrations();

const HOSTILE =
  'Bills: "quoted" \'single\'\nsecond line ${{ values.name }} ${{ github.token }} $HOME {% raw %}x{% endraw %} {# c #} # hash ünïcode 🚀 \\ back\ttab';
const OWNER = 'group:default/team-a';
const BASE_FILES = [
  'configmap.yaml',
  'deployment.yaml',
  'hpa.yaml',
  'kustomization.yaml',
  'networkpolicy.yaml',
  'pdb.yaml',
  'service.yaml',
  'serviceaccount.yaml',
];
const OVERLAY_FILES = [
  'configmap-patch.yaml',
  'deployment-patch.yaml',
  'kustomization.yaml',
];

type KObject = Record<string, any>;

type Stack = keyof typeof DEPLOY_TOOLCHAINS;

/** The GitHub workflow: actionlint-clean, gates, PostgreSQL service, `make build`, push only from main. */
async function expectGithubCi(
  read: (file: string) => string,
  stack: Stack,
  name: string,
): Promise<string[]> {
  const toolchain = DEPLOY_TOOLCHAINS[stack];
  const text = read('.github/workflows/ci.yml');
  expect(await actionlintProblems(text)).toEqual([]);
  const workflow = parse(text);
  expect(workflow.permissions).toEqual({ contents: 'read' });
  expect(Object.keys(workflow.jobs)).toEqual([
    'lint',
    'unit-test',
    'integration-test',
    'build',
    'container-image',
  ]);
  // The commands that gate and build (toolchain set-up steps aside).
  const runs = (job: string) =>
    workflow.jobs[job].steps
      .map((s: KObject) => s.run)
      .filter((r?: string) => r && /^(make|test) /.test(r));
  // Go's `make lint` is fmt-check + vet, so the pipeline runs vet alone after fmt-check; Rust's is clippy.
  const lint = ['make fmt-check', stack === 'go' ? 'make vet' : 'make lint'];
  expect(runs('lint')).toEqual(lint);
  expect(runs('unit-test')).toEqual(['make test']);
  expect(runs('integration-test')).toEqual(['make test']);
  expect(runs('build')).toEqual([
    'make build',
    `test -x ${toolchain.binaryPath(name)}`,
  ]);
  expect(workflow.jobs['integration-test'].services.postgres.image).toBe(
    POSTGRES_IMAGE,
  );
  expect(workflow.jobs['integration-test'].env.DATABASE_URL).toMatch(
    /^postgres:\/\/app:app@localhost:5432\/app/,
  );
  // Only the image job may write packages, and only to ghcr.io.
  expect(workflow.jobs['container-image'].permissions).toEqual({
    contents: 'read',
    packages: 'write',
  });
  for (const [id, job] of Object.entries<KObject>(workflow.jobs)) {
    if (id !== 'container-image') expect(job.permissions).toBeUndefined();
    for (const step of job.steps) {
      if (step.uses)
        expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+\.\d+\.\d+$/);
    }
  }
  const pushStep = workflow.jobs['container-image'].steps.find((s: KObject) =>
    s.uses?.startsWith('docker/build-push-action'),
  );
  expect(pushStep.with.push).toBe(
    "${{ github.event_name == 'push' && github.ref == format('refs/heads/{0}', env.DEFAULT_BRANCH) }}",
  );
  expect(pushStep.with.tags).toBe(
    '${{ env.IMAGE }}:${{ github.sha }}\n${{ env.IMAGE }}:${{ env.DEFAULT_BRANCH }}\n',
  );
  expect(workflow.env).toMatchObject({
    IMAGE: 'ghcr.io/acme/billing-api',
    DEFAULT_BRANCH: 'main',
  });
  const setup = workflow.jobs.lint.steps
    .map((s: KObject) => s.with?.['go-version'] ?? s.run)
    .join('\n');
  expect(setup).toContain(
    stack === 'go'
      ? '${{ env.GO_VERSION }}'
      : 'rustup toolchain install "$RUST_VERSION"',
  );
  expect(workflow.env[stack === 'go' ? 'GO_VERSION' : 'RUST_VERSION']).toBe(
    toolchain.version,
  );
  return Object.keys(workflow.jobs);
}

/** The GitLab pipeline: parses, every stage declared, gates, PostgreSQL service, `make build`, push only from main. */
async function expectGitlabCi(
  read: (file: string) => string,
  stack: Stack,
  name: string,
): Promise<string[]> {
  const toolchain = DEPLOY_TOOLCHAINS[stack];
  const text = read('.gitlab-ci.yml');
  const { problems, stages, jobs } = checkGitlabPipeline(text);
  expect(problems).toEqual([]);
  expect(stages).toEqual(['lint', 'test', 'build', 'image']);
  const job = (id: string) => jobs.find(j => j.name === id)!;
  expect(jobs.map(j => `${j.name}:${j.stage}`)).toEqual([
    'lint:lint',
    'unit-test:test',
    'integration-test:test',
    'build:build',
    'container-image:image',
  ]);
  expect(job('lint').script).toEqual([
    'make fmt-check',
    stack === 'go' ? 'make vet' : 'make lint',
  ]);
  expect(job('integration-test').raw.services).toEqual([
    expect.objectContaining({ name: POSTGRES_IMAGE, alias: 'postgres' }),
  ]);
  expect(job('integration-test').raw.variables.DATABASE_URL).toMatch(
    /^postgres:\/\/app:app@postgres:5432\/app/,
  );
  expect(job('build').script).toEqual([
    'make build',
    `test -x ${toolchain.binaryPath(name)}`,
  ]);
  expect(job('build').raw.artifacts.paths).toEqual([
    toolchain.binaryPath(name),
  ]);
  const pipeline = parse(text);
  expect(pipeline.default.image).toBe(toolchain.builderImage);
  const push = job('container-image').script.join('\n');
  expect(push).toMatch(
    /if \[ "\$CI_COMMIT_BRANCH" = "\$CI_DEFAULT_BRANCH" \]; then[\s\S]*docker push[\s\S]*fi/,
  );
  expect(push.indexOf('docker push')).toBeGreaterThan(
    push.indexOf('CI_DEFAULT_BRANCH" ]; then'),
  );
  expect(push).toContain('--tag "$IMAGE:main"');
  expect(pipeline.variables.IMAGE).toBe('ghcr.io/acme/billing-api');
  return jobs.map(j => j.name);
}

describe('microservice:deploy:render', () => {
  const workspace = createMockDirectory();
  const action = createDeployRenderAction({ integrations });
  beforeEach(() => workspace.clear());

  const run = async (input: Record<string, unknown>) => {
    const ctx = createMockActionContext({
      input: input as any,
      workspacePath: workspace.path,
    });
    await action.handler(ctx);
    return ctx;
  };
  const read = (file: string) =>
    fs.readFileSync(workspace.resolve(file), 'utf8');
  const yamlObjects = (file: string): KObject[] =>
    parseAllDocuments(read(file)).map(d => {
      expect(d.errors).toEqual([]);
      return d.toJS();
    });
  const list = (dir = workspace.path): string[] =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir, { withFileTypes: true })
          .flatMap(e =>
            e.isDirectory()
              ? list(path.join(dir, e.name)).map(f => `${e.name}/${f}`)
              : [e.name],
          )
          .sort()
      : [];
  const byKind = (objects: KObject[], kind: string) =>
    objects.filter(o => o.kind === kind);
  const one = (objects: KObject[], kind: string) => {
    const found = byKind(objects, kind);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const overlay = (name: string) =>
    buildKustomization(workspace.resolve(`deploy/kubernetes/overlays/${name}`));

  describe.each([
    ['go', 'github', false],
    ['go', 'github', true],
    ['go', 'gitlab', false],
    ['go', 'gitlab', true],
    ['rust', 'github', false],
    ['rust', 'github', true],
    ['rust', 'gitlab', false],
    ['rust', 'gitlab', true],
  ] as const)(
    '%s with %s CI, ServiceMonitor %s',
    (stack, ci, serviceMonitor) => {
      const name = 'billing-api';
      const toolchain = DEPLOY_TOOLCHAINS[stack];
      beforeEach(async () => {
        await run({
          stack,
          name,
          owner: OWNER,
          description: HOSTILE,
          ci,
          serviceMonitor,
          repoUrl: 'github.com?owner=Acme&repo=billing-api',
        });
      });

      it('renders exactly the expected files', () => {
        const ciFiles =
          ci === 'github' ? ['.github/workflows/ci.yml'] : ['.gitlab-ci.yml'];
        expect(list()).toEqual(
          [
            '.dockerignore',
            '.microservice/answers.yaml',
            'Dockerfile',
            ...ciFiles,
            ...BASE_FILES.map(f => `deploy/kubernetes/base/${f}`),
            ...(serviceMonitor
              ? ['deploy/kubernetes/base/servicemonitor.yaml']
              : []),
            ...OVERLAY_FILES.map(f => `deploy/kubernetes/overlays/dev/${f}`),
            ...OVERLAY_FILES.map(f => `deploy/kubernetes/overlays/prod/${f}`),
          ].sort(),
        );
      });

      it('validates every Kubernetes object of the base and of both built overlays, with no unknown keys', () => {
        const base = [
          ...BASE_FILES,
          ...(serviceMonitor ? ['servicemonitor.yaml'] : []),
        ]
          .filter(f => f !== 'kustomization.yaml')
          .flatMap(f => yamlObjects(`deploy/kubernetes/base/${f}`));
        for (const objects of [
          base,
          buildKustomization(workspace.resolve('deploy/kubernetes/base')),
          overlay('dev'),
          overlay('prod'),
        ]) {
          expect(objects.map(o => o.kind).sort()).toEqual(
            [
              'ConfigMap',
              'Deployment',
              'HorizontalPodAutoscaler',
              'NetworkPolicy',
              'PodDisruptionBudget',
              'Service',
              'ServiceAccount',
              ...(serviceMonitor ? ['ServiceMonitor'] : []),
            ].sort(),
          );
          expect(objects.flatMap(kubernetesObjectProblems)).toEqual([]);
          expect(objects.filter(o => o.kind === 'Secret')).toEqual([]);
        }
      });

      it('builds the overlays: prod runs at least two replicas, dev one with debug logs', () => {
        const prod = overlay('prod');
        expect(one(prod, 'Deployment').spec.replicas).toBeGreaterThanOrEqual(2);
        expect(
          one(prod, 'HorizontalPodAutoscaler').spec.minReplicas,
        ).toBeGreaterThanOrEqual(2);
        expect(one(prod, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
        expect(one(prod, 'ConfigMap').data).toMatchObject({
          LOG_LEVEL: 'info',
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod',
        });
        const dev = overlay('dev');
        expect(one(dev, 'Deployment').spec.replicas).toBe(1);
        expect(one(dev, 'HorizontalPodAutoscaler').spec).toMatchObject({
          minReplicas: 1,
          maxReplicas: 2,
        });
        expect(one(dev, 'ConfigMap').data.LOG_LEVEL).toBe('debug');
        // The patch touched the resources only: the rest of the container is the base's.
        const [container] = one(dev, 'Deployment').spec.template.spec
          .containers;
        expect(container.resources.requests.cpu).toBe('50m');
        expect(container.readinessProbe.httpGet.path).toBe('/ready');
      });

      it('Dockerfile: parses and passes the policy; builds through `make build` on the pinned toolchain', () => {
        const report = checkDockerfile(read('Dockerfile'), { port: 8080 });
        expect(report.problems).toEqual([]);
        expect(report.stages.map(s => `${s.image}:${s.tag}`)).toEqual([
          toolchain.builderImage,
          toolchain.runtimeImage,
        ]);
        expect(report.user).toBe('65532:65532');
        expect(report.entrypoint).toEqual([`/app/${name}`]);
        expect(report.exposed).toEqual(['8080']);
        expect(report.runs.build.some(r => /\bmake build\b/.test(r))).toBe(
          true,
        );
        expect(report.labels).toMatchObject({
          'org.opencontainers.image.title': 'Billing Api',
          'org.opencontainers.image.description': dockerfileLabelText(HOSTILE),
          'org.opencontainers.image.source':
            'https://github.com/Acme/billing-api',
          'org.opencontainers.image.authors': OWNER,
          'org.opencontainers.image.licenses': 'LicenseRef-Proprietary',
        });
        const ignored = read('.dockerignore').split('\n');
        expect(ignored).toEqual(
          expect.arrayContaining([
            '.git',
            'deploy',
            stack === 'go' ? 'bin' : 'target',
          ]),
        );
        // The lock files reach the build: none is ignored.
        for (const lock of toolchain.lockFiles)
          expect(ignored).not.toContain(lock);
      });

      it(`CI (${ci}): valid, gates on format/lint, tests against PostgreSQL, builds via make and pushes only from main`, async () => {
        // Both providers run the same jobs.
        expect(
          await (ci === 'github' ? expectGithubCi : expectGitlabCi)(
            read,
            stack,
            name,
          ),
        ).toEqual([
          'lint',
          'unit-test',
          'integration-test',
          'build',
          'container-image',
        ]);
      });
    },
  );

  it('writes the hardened Deployment the issue asks for', async () => {
    await run({ stack: 'go', name: 'billing-api', owner: OWNER, port: 9090 });
    const objects = buildKustomization(
      workspace.resolve('deploy/kubernetes/base'),
    );
    const deployment = one(objects, 'Deployment');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(one(objects, 'ServiceAccount').automountServiceAccountToken).toBe(
      false,
    );
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ]);
    expect(container.startupProbe.httpGet).toEqual({
      path: '/health',
      port: 'http',
    });
    expect(container.livenessProbe.httpGet).toEqual({
      path: '/health',
      port: 'http',
    });
    expect(container.readinessProbe.httpGet).toEqual({
      path: '/ready',
      port: 'http',
    });
    // The service waits up to ~30 s for the database before it listens.
    expect(
      container.startupProbe.periodSeconds *
        container.startupProbe.failureThreshold,
    ).toBeGreaterThanOrEqual(45);
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 9090, protocol: 'TCP' },
    ]);
    expect(Object.keys(container.resources.requests).sort()).toEqual([
      'cpu',
      'memory',
    ]);
    expect(Object.keys(container.resources.limits).sort()).toEqual([
      'cpu',
      'memory',
    ]);
    expect(
      pod.topologySpreadConstraints.map((t: KObject) => t.topologyKey),
    ).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    const config = one(objects, 'ConfigMap').data;
    expect(config).toMatchObject({
      PORT: '9090',
      LOG_LEVEL: 'info',
      OTEL_SERVICE_NAME: 'billing-api',
    });
    expect(Object.keys(config).filter(k => k.startsWith('OTEL_'))).toEqual(
      expect.arrayContaining([
        'OTEL_SERVICE_NAME',
        'OTEL_EXPORTER_OTLP_ENDPOINT',
      ]),
    );
    // Grace period > the service's readiness delay + drain + 5 s trace flush; no pre-stop sleep doing the
    // delay's job a second time.
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(
      Number(config.SHUTDOWN_DELAY_SECONDS) +
        Number(config.SHUTDOWN_TIMEOUT_SECONDS) +
        5,
    );
    expect(container.lifecycle).toBeUndefined();
    // The start-up budget covers the database wait (30 s) and the migration timeout (180 s).
    expect(
      container.startupProbe.periodSeconds *
        container.startupProbe.failureThreshold,
    ).toBeGreaterThanOrEqual(210);
    // Secrets only by reference: DATABASE_URL through secretKeyRef and nothing secret in the ConfigMap.
    expect(container.env).toEqual([
      {
        name: 'DATABASE_URL',
        valueFrom: {
          secretKeyRef: { name: 'billing-api-database', key: 'url' },
        },
      },
    ]);
    expect(Object.keys(config)).not.toContain('DATABASE_URL');
    expect(container.envFrom).toEqual([
      { configMapRef: { name: 'billing-api-config' } },
    ]);
    // Untagged default image: the tag CI pushes from main, which moves, so it is always pulled.
    expect(container.image).toBe('registry.example.com/billing-api:main');
    expect(container.imagePullPolicy).toBe('Always');

    for (const object of objects) {
      expect(object.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'billing-api',
        'app.kubernetes.io/instance': 'billing-api',
        'app.kubernetes.io/component': 'api',
        'app.kubernetes.io/managed-by': 'kustomize',
        'backstage.io/kubernetes-id': 'billing-api',
      });
    }
    expect(
      deployment.spec.template.metadata.labels['backstage.io/kubernetes-id'],
    ).toBe('billing-api');
    const selector = {
      'app.kubernetes.io/name': 'billing-api',
      'app.kubernetes.io/instance': 'billing-api',
    };
    expect(deployment.spec.selector.matchLabels).toEqual(selector);
    expect(one(objects, 'Service').spec).toMatchObject({
      selector,
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    });
    expect(
      one(objects, 'PodDisruptionBudget').spec.selector.matchLabels,
    ).toEqual(selector);
    expect(one(objects, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'billing-api',
      },
    );

    const policy = one(objects, 'NetworkPolicy').spec;
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.ingress).toEqual([
      { ports: [{ port: 9090, protocol: 'TCP' }] },
    ]);
    const egressPorts = policy.egress.flatMap((rule: KObject) =>
      rule.ports.map((p: KObject) => `${p.port}/${p.protocol}`),
    );
    expect(egressPorts.sort()).toEqual([
      '4317/TCP',
      '4318/TCP',
      '53/TCP',
      '53/UDP',
      '5432/TCP',
    ]);

    const dockerfile = checkDockerfile(read('Dockerfile'), { port: 9090 });
    expect(dockerfile.problems).toEqual([]);
  });

  it.each([
    [
      'go',
      [
        'go.mod',
        'go.sum',
        'Makefile',
        'cmd/api/main.go',
        'migrations/embed.go',
        'migrations/0001_create_users.sql',
      ],
    ],
    [
      'rust',
      [
        'Cargo.toml',
        'Cargo.lock',
        'Makefile',
        'build.rs',
        'src/main.rs',
        'migrations/0001_create_users.sql',
      ],
    ],
  ])(
    '%s: the build context holds every source file `make build` reads, and no deploy files',
    async (stack, needed) => {
      await createServiceRenderAction({ integrations }).handler(
        createMockActionContext({
          input: { stack, name: 'billing-api', owner: OWNER } as any,
          workspacePath: workspace.path,
        }),
      );
      await run({ stack, name: 'billing-api', owner: OWNER });
      const all = list();
      const context = dockerContextFiles(all, read('.dockerignore'));
      expect(context).toEqual(expect.arrayContaining(needed));
      const sources = all.filter(
        f =>
          /\.(go|rs|sql|toml|lock|sum|mod)$/.test(f) &&
          !f.startsWith('deploy/'),
      );
      expect(sources.length).toBeGreaterThan(needed.length);
      expect(sources.filter(f => !context.includes(f))).toEqual([]);
      expect(
        context.filter(f =>
          /^(deploy\/|\.github\/|\.gitlab-ci\.yml|Dockerfile|\.dockerignore|catalog-info\.yaml|docs\/)/.test(
            f,
          ),
        ),
      ).toEqual([]);
    },
  );

  it('passes JWT settings from a Secret when the service has auth', async () => {
    await run({ stack: 'rust', name: 'orders', owner: OWNER, auth: true });
    const [container] = one(
      buildKustomization(workspace.resolve('deploy/kubernetes/overlays/prod')),
      'Deployment',
    ).spec.template.spec.containers;
    expect(
      container.env.map((e: KObject) => [
        e.name,
        e.valueFrom.secretKeyRef.name,
        e.valueFrom.secretKeyRef.key,
      ]),
    ).toEqual([
      ['DATABASE_URL', 'orders-database', 'url'],
      ['JWT_SECRET', 'orders-jwt', 'secret'],
      ['JWT_ISSUER', 'orders-jwt', 'issuer'],
      ['JWT_AUDIENCE', 'orders-jwt', 'audience'],
    ]);
  });

  it("labels the workload with the catalog entity's backstage.io/kubernetes-id", async () => {
    await createServiceRenderAction({ integrations }).handler(
      createMockActionContext({
        input: { stack: 'go', name: 'payments', owner: OWNER } as any,
        workspacePath: workspace.path,
      }),
    );
    await run({ stack: 'go', name: 'payments', owner: OWNER });
    const [component] = yamlObjects('catalog-info.yaml');
    const id = component.metadata.annotations['backstage.io/kubernetes-id'];
    expect(id).toBe('payments');
    const deployment = one(
      yamlObjects('deploy/kubernetes/base/deployment.yaml'),
      'Deployment',
    );
    expect(deployment.metadata.labels['backstage.io/kubernetes-id']).toBe(id);
    expect(
      deployment.spec.template.metadata.labels['backstage.io/kubernetes-id'],
    ).toBe(id);
  });

  it('keeps free text literal in YAML and in the Dockerfile, and names that YAML would retype stay strings', async () => {
    await run({
      stack: 'go',
      name: '1e3',
      owner: OWNER,
      description: HOSTILE,
      ci: 'gitlab',
    });
    const deployment = one(
      yamlObjects('deploy/kubernetes/base/deployment.yaml'),
      'Deployment',
    );
    expect(deployment.metadata.annotations['kubernetes.io/description']).toBe(
      HOSTILE,
    );
    expect(deployment.metadata.name).toBe('1e3');
    expect(deployment.metadata.labels['backstage.io/kubernetes-id']).toBe(
      '1e3',
    );
    expect(
      one(yamlObjects('deploy/kubernetes/base/service.yaml'), 'Service')
        .metadata.annotations,
    ).toEqual({
      'kubernetes.io/description': HOSTILE,
    });
    expect(kubernetesObjectProblems(deployment)).toEqual([]);
    const labels = checkDockerfile(read('Dockerfile')).labels;
    // A Dockerfile instruction is one line: line breaks and tabs become spaces, everything else is kept.
    expect(labels['org.opencontainers.image.description']).toBe(
      HOSTILE.replace(/[\n\t]/g, ' '),
    );
    expect(checkGitlabPipeline(read('.gitlab-ci.yml')).problems).toEqual([]);
  });

  it('derives the image from the repository location, or takes it as given', async () => {
    const image = async (input: Record<string, unknown>) => {
      workspace.clear();
      const ctx = await run({
        stack: 'go',
        name: 'billing-api',
        owner: OWNER,
        ...input,
      });
      const deployment = one(
        yamlObjects('deploy/kubernetes/base/deployment.yaml'),
        'Deployment',
      );
      const [container] = deployment.spec.template.spec.containers;
      expect(ctx.output).toHaveBeenCalledWith('image', container.image);
      return `${container.image} ${container.imagePullPolicy}`;
    };
    expect(
      await image({ repoUrl: 'github.com?owner=Acme&repo=Billing.API' }),
    ).toBe('ghcr.io/acme/billing.api:main Always');
    expect(
      await image({
        repoUrl: 'gitlab.com?owner=acme&repo=billing-api',
        ci: 'gitlab',
      }),
    ).toBe('registry.gitlab.com/acme/billing-api:main Always');
    expect(await image({ repoUrl: '' })).toBe(
      'registry.example.com/billing-api:main Always',
    );
    // A self-hosted host's registry is unknown: the placeholder, whatever its type.
    for (const host of [SELF_HOSTED_GITLAB, GITHUB_ENTERPRISE]) {
      expect(
        await image({ repoUrl: `${host}?owner=acme&repo=billing-api` }),
      ).toBe('registry.example.com/billing-api:main Always');
      expect(checkDockerfile(read('Dockerfile')).labels).toMatchObject({
        'org.opencontainers.image.source': `https://${host}/acme/billing-api`,
      });
    }
    await expect(
      image({ repoUrl: 'git.example.org?owner=acme&repo=billing-api' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(
        /^repoUrl: no SCM integration is configured for host 'git\.example\.org'; configured hosts: /,
      ),
    });
    expect(
      await image({
        image: 'registry.example.net:5000/team/billing-api:1.2.3',
      }),
    ).toBe('registry.example.net:5000/team/billing-api:1.2.3 IfNotPresent');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(await image({ image: `ghcr.io/acme/api@${digest}` })).toBe(
      `ghcr.io/acme/api@${digest} IfNotPresent`,
    );
  });

  it('logs in to other registries with secrets instead of GITHUB_TOKEN, and asks for no packages permission', async () => {
    await run({
      stack: 'go',
      name: 'billing-api',
      owner: OWNER,
      image: 'registry.example.net/team/billing-api',
    });
    const workflow = parse(read('.github/workflows/ci.yml'));
    expect(workflow.jobs['container-image'].permissions).toEqual({
      contents: 'read',
    });
    const login = workflow.jobs['container-image'].steps.find((s: KObject) =>
      s.uses?.startsWith('docker/login-action'),
    );
    expect(login.with).toEqual({
      registry: 'registry.example.net',
      username: '${{ secrets.REGISTRY_USERNAME }}',
      password: '${{ secrets.REGISTRY_PASSWORD }}',
    });
    expect(await actionlintProblems(read('.github/workflows/ci.yml'))).toEqual(
      [],
    );
  });

  it("writes no pipeline with ci 'none', and reports what it rendered", async () => {
    const ctx = await run({
      stack: 'rust',
      name: 'orders',
      owner: OWNER,
      ci: 'none',
      targetPath: 'svc',
    });
    const files = list(workspace.resolve('svc'));
    expect(
      files.filter(f => f.startsWith('.github') || f.startsWith('.gitlab')),
    ).toEqual([]);
    expect(files).toContain('Dockerfile');
    expect(ctx.output).toHaveBeenCalledWith('targetPath', 'svc');
    expect(ctx.output).toHaveBeenCalledWith('files', files);
    expect(ctx.output).toHaveBeenCalledWith('overlays', [
      'deploy/kubernetes/overlays/dev',
      'deploy/kubernetes/overlays/prod',
    ]);
  });

  it('renders the same bytes for the same input', async () => {
    const input = {
      stack: 'rust',
      name: 'orders',
      owner: OWNER,
      description: HOSTILE,
      serviceMonitor: true,
    };
    await run({ ...input, targetPath: 'a' });
    await run({ ...input, targetPath: 'b' });
    const files = list(workspace.resolve('a'));
    expect(list(workspace.resolve('b'))).toEqual(files);
    for (const f of files) expect(read(`b/${f}`)).toBe(read(`a/${f}`));
  });

  it.each([
    [{ port: 0 }, /^port: 0 is not a port number/],
    [{ port: 70000 }, /^port: 70000 is not a port number/],
    [{ port: 80.5 }, /^port: 80.5 is not a port number/],
    [{ port: 80 }, /^port: 80 is a privileged port/],
    [{ port: '8080' }, /^port: must be a number/],
    [
      { ci: 'jenkins' },
      /^ci: 'jenkins' is not a CI provider.*github, gitlab, none/,
    ],
    [
      { image: 'ghcr.io/Acme/api' },
      /^image: 'ghcr.io\/Acme\/api' is not a valid image reference/,
    ],
    [
      { image: 'ghcr.io/acme/api:latest' },
      /^image: .*'latest' is not a version/,
    ],
    [{ image: 'ghcr.io/acme/api:-bad' }, /^image: .*is not a tag/],
    [{ image: 'ghcr.io/acme/api@sha256:abc' }, /^image: .*is not a digest/],
    [{ image: 'ghcr.io//api' }, /^image: .*not a valid image reference/],
    [{ image: 'ghcr.io/acme/api:1.0 --privileged' }, /^image: .*whitespace/],
    [{ image: `ghcr.io/${'a'.repeat(260)}` }, /^image: .*longer than 255/],
    [{ image: 'ghcr.io/acme/api\n- name: evil' }, /^image: /],
    [{ serviceMonitor: 'yes' }, /^serviceMonitor: must be a boolean/],
    [{ license: 'MIT"; rm -rf /' }, /^license: /],
    [{ stack: 'dotnet' }, /^stack: 'dotnet' is not available yet/],
    [{ stack: 'cobol' }, /^stack: 'cobol' is unknown/],
    [{ name: 'Billing_API' }, /^name: 'Billing_API' is not a DNS-1123 label/],
    [{ owner: ' ' }, /^owner: required/],
  ])(
    'refuses %j with an InputError naming the field, writing nothing',
    async (bad, message) => {
      await expect(
        run({ stack: 'go', name: 'billing-api', owner: OWNER, ...bad }),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringMatching(message),
      });
      expect(list()).toEqual([]);
    },
  );

  it('refuses a targetPath outside the workspace', async () => {
    await expect(
      run({
        stack: 'go',
        name: 'billing-api',
        owner: OWNER,
        targetPath: '../outside',
      }),
    ).rejects.toThrow(/outside/i);
    expect(list()).toEqual([]);
  });

  it('writes nothing when a file already exists, unless asked to overwrite', async () => {
    workspace.setContent({ Dockerfile: 'FROM scratch\n' });
    await expect(
      run({ stack: 'go', name: 'billing-api', owner: OWNER }),
    ).rejects.toThrow(/targetPath: 1 file\(s\) already exist.*Dockerfile/);
    expect(list()).toEqual(['Dockerfile']);
    await run({
      stack: 'go',
      name: 'billing-api',
      owner: OWNER,
      overwrite: true,
    });
    expect(read('Dockerfile')).toMatch(/^FROM golang:/m);
  });

  it('builds every overlay as kubectl kustomize does, where kubectl is on PATH', async () => {
    await run({
      stack: 'go',
      name: 'billing-api',
      owner: OWNER,
      serviceMonitor: true,
      auth: true,
    });
    const sortById = (objects: KObject[]) =>
      [...objects].sort((a, b) =>
        `${a.kind}/${a.metadata.name}`.localeCompare(
          `${b.kind}/${b.metadata.name}`,
        ),
      );
    const dirs = ['base', 'overlays/dev', 'overlays/prod'].map(d =>
      workspace.resolve(`deploy/kubernetes/${d}`),
    );
    const built = dirs.map(dir => ({
      dir,
      ours: buildKustomization(dir),
      kubectl: kubectlKustomize(dir),
    }));
    const skipped = built.flatMap(b =>
      'skipped' in b.kubectl ? [b.kubectl.skipped] : [],
    );
    if (skipped.length > 0) {
      // eslint-disable-next-line no-console
      console.log(`not compared with kubectl kustomize: ${skipped[0]}`);
    }
    const compared = built.flatMap(b =>
      'objects' in b.kubectl ? [[b.ours, b.kubectl.objects]] : [],
    );
    for (const [ours, theirs] of compared)
      expect(sortById(ours)).toEqual(sortById(theirs));
    expect(compared.length + skipped.length).toBe(3);
  });

  it('is part of `yarn render`: the template step as the template calls it renders beside the service', async () => {
    const template = parse(fs.readFileSync(TEMPLATE_FILE, 'utf8'));
    if (
      !template.spec.steps.some((s: KObject) => s.action === DEPLOY_RENDER_ID)
    ) {
      template.spec.steps.splice(1, 0, {
        id: 'deploy',
        action: DEPLOY_RENDER_ID,
        input: {
          stack: '${{ parameters.stack }}',
          name: '${{ parameters.name }}',
          description: '${{ parameters.description }}',
          owner: '${{ parameters.owner }}',
          ci: '${{ parameters.ci }}',
          serviceMonitor: '${{ parameters.serviceMonitor }}',
          repoUrl: '${{ parameters.repoUrl }}',
        },
      });
    }
    workspace.setContent({ 'template.yaml': stringify(template) });
    const out = workspace.resolve('out/orders');
    const files = await renderFromTemplate({
      parameters: {
        stack: 'rust',
        name: 'orders',
        owner: OWNER,
        description: HOSTILE,
      },
      out,
      templateFile: workspace.resolve('template.yaml'),
    });
    expect(files).toEqual(
      expect.arrayContaining([
        'Cargo.toml',
        'Dockerfile',
        '.github/workflows/ci.yml',
        'deploy/kubernetes/overlays/prod/kustomization.yaml',
      ]),
    );
    expect(checkDockerfile(read('out/orders/Dockerfile')).stages[0].image).toBe(
      'rust',
    );
    expect(
      one(
        buildKustomization(`${out}/deploy/kubernetes/overlays/prod`),
        'Deployment',
      ).metadata.annotations,
    ).toEqual({
      'kubernetes.io/description': HOSTILE,
    });
  });
});
