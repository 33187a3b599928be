import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { spawnSync } from 'node:child_process';
import type { Env } from 'dockerfile-ast';
import {
  CI_TOOLS,
  DEFAULT_EGRESS,
  DEPLOY_TOOLCHAINS,
  POSTGRES_IMAGE,
  TRIVY_IMAGE,
  UNBUILT_DIGEST,
} from '../deploy';
import { TOOLS_GO_VERSION } from '../deploy/toolchains';
import { dockerContextFiles } from '../../testUtils/dockerContext';
import {
  checkDockerfile,
  dockerfileLabelText,
} from '../../testUtils/dockerfile';
import { actionlintProblems } from '../../testUtils/githubWorkflow';
import { checkGitlabPipeline } from '../../testUtils/gitlabPipeline';
import { kubernetesObjectProblems } from '../../testUtils/kubernetes';
import { buildKustomization, kustomizeBuild } from '../../testUtils/kustomize';
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
  'config.env',
  'deployment.yaml',
  'hpa.yaml',
  'kustomization.yaml',
  'networkpolicy.yaml',
  'pdb.yaml',
  'service.yaml',
  'serviceaccount.yaml',
];
const OVERLAY_FILES = [
  'config.env',
  'deployment-patch.yaml',
  'kustomization.yaml',
];

type KObject = Record<string, any>;

type Stack = keyof typeof DEPLOY_TOOLCHAINS;

/**
 * The Pod Security Standards' restricted profile, checked on a pod spec, plus what OpenShift's restricted-v2 SCC
 * adds for a portable manifest: no fixed runAsUser, runAsGroup or fsGroup (the SCC assigns them per namespace).
 */
function restrictedProfileProblems(pod: KObject): string[] {
  const problems: string[] = [];
  const allowedVolumes = [
    'configMap',
    'csi',
    'downwardAPI',
    'emptyDir',
    'ephemeral',
    'persistentVolumeClaim',
    'projected',
    'secret',
  ];
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC'])
    if (pod[key]) problems.push(`${key} is set`);
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find(k => k !== 'name');
    if (!type || !allowedVolumes.includes(type))
      problems.push(`volume ${volume.name}: type ${type} is not allowed`);
  }
  const podContext = pod.securityContext ?? {};
  for (const key of ['runAsUser', 'runAsGroup', 'fsGroup'])
    if (key in podContext) problems.push(`pod securityContext.${key} is fixed`);
  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    const c = container.securityContext ?? {};
    const where = `container ${container.name}`;
    if (c.privileged) problems.push(`${where}: privileged`);
    if (c.allowPrivilegeEscalation !== false)
      problems.push(`${where}: allowPrivilegeEscalation is not false`);
    if ((c.runAsNonRoot ?? podContext.runAsNonRoot) !== true)
      problems.push(`${where}: runAsNonRoot is not true`);
    for (const key of ['runAsUser', 'runAsGroup'])
      if (key in c) problems.push(`${where}: securityContext.${key} is fixed`);
    if (!(c.capabilities?.drop ?? []).includes('ALL'))
      problems.push(`${where}: capabilities do not drop ALL`);
    const added = (c.capabilities?.add ?? []).filter(
      (a: string) => a !== 'NET_BIND_SERVICE',
    );
    if (added.length) problems.push(`${where}: adds ${added.join(', ')}`);
    const seccomp = (c.seccompProfile ?? podContext.seccompProfile)?.type;
    if (!['RuntimeDefault', 'Localhost'].includes(seccomp))
      problems.push(`${where}: seccompProfile is ${seccomp}`);
    for (const port of container.ports ?? [])
      if (port.hostPort) problems.push(`${where}: hostPort ${port.hostPort}`);
  }
  return problems;
}

/** Every `uses:` line of a workflow: a full commit SHA with the version in a comment. */
function usesLines(text: string): string[] {
  return text
    .split('\n')
    .map(line => line.trim())
    .filter(line => /^(- )?uses:/.test(line))
    .map(line => line.replace(/^- /, ''));
}

/** The GitHub pipeline's gate jobs: the image job needs them all, and none of them may hold extra permissions. */
const GITHUB_GATE_JOBS = [
  'lint',
  'unit-test',
  'integration-test',
  'build',
  'audit',
  'manifests',
];

const PINNED_USES = /^uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/;

/**
 * Each stack's gate commands as CI runs them (toolchain set-up aside). Go's `make lint` is fmt-check + vet, so the
 * pipeline runs vet alone after fmt-check; Rust's is clippy. .NET restores from the lock files first, then runs
 * the SDK's own gates.
 */
const DOTNET_RESTORE = 'dotnet restore --locked-mode';
const GATE_COMMANDS: Record<
  string,
  { lint: string[]; test: string[]; beforeBuild: string[] }
> = {
  go: {
    lint: ['make fmt-check', 'make vet'],
    test: ['make test'],
    beforeBuild: [],
  },
  rust: {
    lint: ['make fmt-check', 'make lint'],
    test: ['make test'],
    beforeBuild: [],
  },
  dotnet: {
    lint: [
      DOTNET_RESTORE,
      'dotnet format --verify-no-changes --no-restore',
      'dotnet build -c Release -warnaserror --no-restore',
    ],
    test: [DOTNET_RESTORE, 'dotnet test -c Release --no-restore'],
    beforeBuild: [DOTNET_RESTORE],
  },
};
/** .NET's audit: NuGet Audit over every locked package; high and critical advisories and unread advisory data fail. */
const NUGET_AUDIT =
  'dotnet restore --locked-mode --force -p:NuGetAudit=true -p:NuGetAuditMode=all -p:NuGetAuditLevel=high -warnaserror:NU1900,NU1903,NU1904,NU1905';

/** The GitHub workflows: actionlint-clean, gates before the push, supply chain after it, pinned actions. */
/** What key signing adds to every cosign sign/attest: the repository's key, nothing to a public log. */
const KEY_SIGNING_FLAGS =
  '--key env://COSIGN_PRIVATE_KEY --tlog-upload=false --use-signing-config=false';

/**
 * Runs the GitHub sign job's cosign provenance step as a runner does (bash -e), with the environment GitHub
 * sets and a `cosign` that records its arguments and the predicate, and checks the SLSA statement it signs.
 */
function expectCosignProvenance(step: KObject) {
  if (spawnSync('jq', ['--version']).status !== 0) {
    // eslint-disable-next-line no-console
    console.log('cosign provenance step not run: no jq on this machine');
    return;
  }
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'provenance-'));
  try {
    fs.writeFileSync(
      path.join(bin, 'cosign'),
      '#!/bin/sh\nprintf \'%s\\n\' "$@" > cosign.args\ncp provenance.json signed.json\n',
      { mode: 0o755 },
    );
    const sha = 'a'.repeat(40);
    const digest = `sha256:${'d'.repeat(64)}`;
    const result = spawnSync(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run],
      {
        cwd: bin,
        encoding: 'utf8',
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          ...step.env,
          WORKFLOW_REF:
            'acme/billing-api/.github/workflows/ci.yml@refs/heads/main',
          RUN_URL:
            'https://github.com/acme/billing-api/actions/runs/42/attempts/1',
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: 'acme/billing-api',
          GITHUB_REF: 'refs/heads/main',
          GITHUB_SHA: sha,
          IMAGE: 'ghcr.io/acme/billing-api',
          DIGEST: digest,
        },
      },
    );
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    expect(
      fs.readFileSync(path.join(bin, 'cosign.args'), 'utf8').split('\n'),
    ).toEqual([
      'attest',
      '--yes',
      '--type',
      'slsaprovenance1',
      '--predicate',
      'provenance.json',
      `ghcr.io/acme/billing-api@${digest}`,
      '',
    ]);
    expect(
      JSON.parse(fs.readFileSync(path.join(bin, 'signed.json'), 'utf8')),
    ).toEqual({
      buildDefinition: {
        buildType: 'https://actions.github.io/buildtypes/workflow/v1',
        externalParameters: {
          workflow: {
            ref: 'refs/heads/main',
            repository: 'https://github.com/acme/billing-api',
            workflowRef:
              'acme/billing-api/.github/workflows/ci.yml@refs/heads/main',
          },
        },
        resolvedDependencies: [
          {
            uri: 'git+https://github.com/acme/billing-api@refs/heads/main',
            digest: { gitCommit: sha },
          },
        ],
      },
      runDetails: {
        builder: {
          id: 'https://github.com/acme/billing-api/.github/workflows/ci.yml@refs/heads/main',
        },
        metadata: {
          invocationId:
            'https://github.com/acme/billing-api/actions/runs/42/attempts/1',
        },
      },
    });
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

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
  // The commands that gate and build (toolchain set-up steps aside).
  const runs = (job: string) =>
    workflow.jobs[job].steps
      .map((s: KObject) => s.run)
      .filter((r?: string) => r && /^(make|test|sh|dotnet) /.test(r));
  const commands = GATE_COMMANDS[stack];
  expect(runs('lint')).toEqual(commands.lint);
  expect(runs('unit-test')).toEqual(commands.test);
  expect(runs('integration-test')).toEqual(commands.test);
  expect(runs('build')).toEqual([
    ...commands.beforeBuild,
    'make build',
    `test -x ${toolchain.binaryPath(name)}`,
  ]);
  expect(workflow.jobs['integration-test'].services.postgres.image).toBe(
    POSTGRES_IMAGE,
  );
  expect(workflow.jobs['integration-test'].env.DATABASE_URL).toMatch(
    /^postgres:\/\/app:app@localhost:5432\/app/,
  );
  // The language's own audit.
  const audit = workflow.jobs.audit.steps
    .filter((s: KObject) => s.run)
    .map((s: KObject) => s.run)
    .join('\n');
  if (stack === 'go') {
    expect(audit).toContain(
      'go install "golang.org/x/vuln/cmd/govulncheck@${GOVULNCHECK_VERSION}"',
    );
    expect(audit).toMatch(/^govulncheck \.\/\.\.\.$/m);
    expect(workflow.jobs.audit.env.GOVULNCHECK_VERSION).toBe(
      CI_TOOLS.govulncheck,
    );
  } else if (stack === 'dotnet') {
    expect(audit).toBe(NUGET_AUDIT);
  } else {
    expect(audit).toContain(
      'cargo install cargo-audit --locked --version "$CARGO_AUDIT_VERSION"',
    );
    expect(audit).toMatch(/^cargo audit$/m);
    expect(workflow.jobs.audit.env.CARGO_AUDIT_VERSION).toBe(
      CI_TOOLS.cargoAudit,
    );
  }
  // Manifests: the tools at pinned versions, then every overlay built, validated and linted.
  const manifests = workflow.jobs.manifests.steps;
  const install = manifests.find((s: KObject) => s.env?.KUSTOMIZE_VERSION);
  expect(install.env).toEqual({
    KUSTOMIZE_VERSION: CI_TOOLS.kustomize,
    KUBECONFORM_VERSION: CI_TOOLS.kubeconform,
    KUBE_SCORE_VERSION: CI_TOOLS.kubeScore,
  });
  expect(runs('manifests')).toEqual(['sh deploy/kubernetes/check.sh']);
  // The image is built only after every gate, pushed by commit SHA only.
  expect(workflow.jobs.image.needs).toEqual(GITHUB_GATE_JOBS);
  const build = workflow.jobs.image.steps.find((s: KObject) =>
    s.uses?.startsWith('docker/build-push-action'),
  );
  const onMain =
    "github.event_name == 'push' && github.ref == 'refs/heads/main'";
  expect(build.with.push).toBe(`\${{ ${onMain} }}`);
  expect(build.with.tags).toBe('${{ env.IMAGE }}:${{ github.sha }}');
  expect(workflow.jobs.image.outputs.digest).toBe(
    `\${{ steps.${build.id}.outputs.digest }}`,
  );
  // SBOM and a scan that fails on fixable high/critical findings, for the pushed digest.
  const scan = workflow.jobs.scan;
  expect(scan.if).toBe(onMain);
  expect(scan.env.DIGEST).toBe('${{ needs.image.outputs.digest }}');
  const step = (job: KObject, action: string) =>
    job.steps.find((s: KObject) => s.uses?.startsWith(`${action}@`));
  expect(step(scan, 'anchore/sbom-action').with).toMatchObject({
    image: '${{ env.IMAGE }}@${{ env.DIGEST }}',
    format: 'spdx-json',
    'output-file': 'sbom.spdx.json',
  });
  expect(step(scan, 'anchore/scan-action').with).toMatchObject({
    sbom: 'sbom.spdx.json',
    'severity-cutoff': 'high',
    'only-fixed': true,
    'fail-build': true,
  });
  // Signing: keyless cosign, SBOM attestation, build provenance; the only job with an OIDC token.
  const sign = workflow.jobs.sign;
  expect(sign.needs).toEqual(['image', 'scan']);
  const signRuns = sign.steps.map((s: KObject) => s.run ?? '').join('\n');
  expect(signRuns).toContain('cosign sign --yes "${IMAGE}@${DIGEST}"');
  expect(signRuns).toContain(
    'cosign attest --yes --type spdxjson --predicate sbom.spdx.json "${IMAGE}@${DIGEST}"',
  );
  // Build provenance: GitHub's attestation where the plan has it, else the same SLSA statement with cosign.
  const githubProvenance = step(sign, 'actions/attest-build-provenance');
  expect(githubProvenance.with).toEqual({
    'subject-name': '${{ env.IMAGE }}',
    'subject-digest': '${{ env.DIGEST }}',
    'push-to-registry': true,
  });
  const cosignProvenance = sign.steps.find((s: KObject) =>
    /cosign attest --yes --type slsaprovenance1/.test(s.run ?? ''),
  );
  // Exactly one of them runs, whatever the repository's visibility and variable; a private repository
  // without ATTESTATIONS=github (Free, Pro, Team) takes cosign's.
  // The two conditions are one `||` or one `&&` of `<context> == '<literal>'` / `!=` clauses.
  const chooses = (condition: string, visibility: string, variable: string) => {
    const values: Record<string, string> = {
      'github.event.repository.visibility': visibility,
      'vars.ATTESTATIONS': variable,
    };
    const clause = (part: string) => {
      const m = /^\s*([\w.]+)\s*(==|!=)\s*'([^']*)'\s*$/.exec(part);
      if (!m || !(m[1] in values))
        throw new Error(`unexpected condition: ${part}`);
      return (values[m[1]] === m[3]) === (m[2] === '==');
    };
    return condition.includes('||')
      ? condition.split('||').some(clause)
      : condition.split('&&').every(clause);
  };
  for (const visibility of ['public', 'internal', 'private']) {
    for (const variable of ['github', '']) {
      const chosen = [githubProvenance.if, cosignProvenance.if].map(c =>
        chooses(c, visibility, variable),
      );
      expect(chosen.filter(Boolean)).toHaveLength(1);
      expect(chosen[1]).toBe(visibility === 'private' && variable !== 'github');
    }
  }
  expectCosignProvenance(cosignProvenance);
  // The dev overlay follows the signed digest.
  const deployDev = workflow.jobs['deploy-dev'];
  expect(deployDev.needs).toEqual(['image', 'sign']);
  expect(deployDev.permissions).toEqual({ contents: 'write' });
  expect(deployDev.steps.map((s: KObject) => s.run ?? '').join('\n')).toMatch(
    /^sh deploy\/kubernetes\/set-digest\.sh dev "\$DIGEST"$/m,
  );
  const permissions = Object.fromEntries(
    Object.entries<KObject>(workflow.jobs).map(([id, job]) => [
      id,
      job.permissions,
    ]),
  );
  expect(
    Object.entries(permissions)
      .filter(([, p]) => p?.['id-token'])
      .map(([id]) => id),
  ).toEqual(['sign']);
  expect(permissions.sign).toEqual({
    contents: 'read',
    'id-token': 'write',
    attestations: 'write',
    packages: 'write',
  });
  expect(permissions.image).toEqual({ contents: 'read', packages: 'write' });
  for (const id of GITHUB_GATE_JOBS) expect(permissions[id]).toBeUndefined();
  expect(workflow.env).toMatchObject({
    IMAGE: 'ghcr.io/acme/billing-api',
    DEFAULT_BRANCH: 'main',
    KUBERNETES_VERSION: '1.27.0',
  });
  if (stack === 'dotnet') {
    // The SDK comes from global.json, in every job that builds; the manifest tools' Go from TOOLS_GO_VERSION.
    for (const [id, job] of Object.entries<KObject>(workflow.jobs)) {
      const setup = job.steps.find((s: KObject) =>
        s.uses?.startsWith('actions/setup-dotnet@'),
      );
      const usesDotnet = job.steps.some((s: KObject) =>
        /^dotnet /.test(s.run ?? ''),
      );
      expect([id, Boolean(setup)]).toEqual([id, usesDotnet]);
      if (setup) expect(setup.with['global-json-file']).toBe('global.json');
    }
    expect(workflow.env.TOOLS_GO_VERSION).toBe(TOOLS_GO_VERSION);
  } else {
    expect(workflow.env[stack === 'go' ? 'GO_VERSION' : 'RUST_VERSION']).toBe(
      toolchain.version,
    );
  }

  // Promotion: by hand, signature verified, a pull request that changes the prod overlay.
  const promoteText = read('.github/workflows/promote.yml');
  expect(await actionlintProblems(promoteText)).toEqual([]);
  const promote = parse(promoteText);
  expect(Object.keys(promote.on)).toEqual(['workflow_dispatch']);
  expect(promote.jobs.promote.permissions).toEqual({
    contents: 'write',
    'pull-requests': 'write',
    actions: 'write',
    packages: 'read',
  });
  const promoteRuns = promote.jobs.promote.steps
    .map((s: KObject) => s.run ?? '')
    .join('\n');
  expect(promoteRuns).toContain(
    '--certificate-identity "${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/.github/workflows/ci.yml@refs/heads/${DEFAULT_BRANCH}"',
  );
  // The promotion pull request gets its checks: opened with PROMOTION_TOKEN when set, else the ci workflow
  // (which accepts workflow_dispatch) is dispatched on the promotion branch with GITHUB_TOKEN.
  expect(Object.keys(workflow.on)).toEqual([
    'push',
    'pull_request',
    'workflow_dispatch',
  ]);
  const open = promote.jobs.promote.steps.find((s: KObject) =>
    /gh pr create/.test(s.run ?? ''),
  );
  expect(open.env).toMatchObject({
    GH_TOKEN: '${{ secrets.PROMOTION_TOKEN || secrets.GITHUB_TOKEN }}',
    DISPATCH_CHECKS: "${{ secrets.PROMOTION_TOKEN == '' }}",
    DISPATCH_TOKEN: '${{ secrets.GITHUB_TOKEN }}',
  });
  expect(open.run).toMatch(
    /gh pr create[\s\S]*if \[ "\$DISPATCH_CHECKS" = true \]; then\n\s*GH_TOKEN="\$DISPATCH_TOKEN" gh workflow run ci\.yml --ref "\$branch"/,
  );
  expect(promoteRuns).toMatch(
    /set-digest\.sh --print dev[\s\S]*cosign verify[\s\S]*branch="\$\(sh deploy\/kubernetes\/promote\.sh prod "\$DIGEST" "\$IMAGE"\)"\n\s*if \[ -z "\$branch" \]; then exit 0; fi[\s\S]*push --force origin "HEAD:refs\/heads\/\$\{branch\}"[\s\S]*gh pr create[\s\S]*push origin --delete "\$branch"/,
  );

  // Every action pinned by commit SHA with its version; one SHA per action across both workflows.
  const uses = [...usesLines(text), ...usesLines(promoteText)];
  expect(uses.length).toBeGreaterThan(10);
  for (const line of uses) expect(line).toMatch(PINNED_USES);
  const shaOf = new Map<string, string>();
  for (const line of uses) {
    const [, action, sha] = /^uses: ([^@]+)@(\S+)/.exec(line)!;
    expect(shaOf.get(action) ?? sha).toBe(sha);
    shaOf.set(action, sha);
  }
  return Object.keys(workflow.jobs);
}

/** The GitLab pipeline: schema-valid, gates before the image, supply chain and promotion after it. */
async function expectGitlabCi(
  read: (file: string) => string,
  stack: Stack,
  name: string,
): Promise<string[]> {
  const toolchain = DEPLOY_TOOLCHAINS[stack];
  const text = read('.gitlab-ci.yml');
  const { problems, stages, jobs } = checkGitlabPipeline(text);
  expect(problems).toEqual([]);
  expect(stages).toEqual([
    'lint',
    'test',
    'build',
    'image',
    'scan',
    'sign',
    'deploy',
  ]);
  const job = (id: string) => jobs.find(j => j.name === id)!;
  const pipeline = parse(text);
  const commands = GATE_COMMANDS[stack];
  // .NET restores in the default before_script, for every job that builds; Go and Rust fetch as they build.
  const beforeScript = (id: string) =>
    job(id).raw.before_script ?? pipeline.default.before_script ?? [];
  expect([...beforeScript('lint'), ...job('lint').script]).toEqual(
    stack === 'rust'
      ? ['rustup component add rustfmt clippy', ...commands.lint]
      : commands.lint,
  );
  for (const id of ['unit-test', 'integration-test'])
    expect(
      [...beforeScript(id), ...job(id).script].filter(
        line => !line.startsWith('rustup '),
      ),
    ).toEqual(commands.test);
  expect(job('integration-test').raw.services).toEqual([
    expect.objectContaining({ name: POSTGRES_IMAGE, alias: 'postgres' }),
  ]);
  expect(
    [...beforeScript('build'), ...job('build').script].filter(
      line => !line.startsWith('rustup '),
    ),
  ).toEqual([
    ...(stack === 'dotnet'
      ? [
          'apt-get update && apt-get install --yes --no-install-recommends make=4.3-4.1build2',
        ]
      : []),
    ...commands.beforeBuild,
    'make build',
    `test -x ${toolchain.binaryPath(name)}`,
  ]);
  expect(pipeline.default.image).toBe(toolchain.builderImage);
  // Audit and manifests in stages before the image.
  if (stack === 'dotnet') {
    expect(job('audit').raw.before_script).toEqual([]);
    expect(job('audit').script).toEqual([NUGET_AUDIT]);
  } else {
    expect(job('audit').script.join('\n')).toMatch(
      stack === 'go' ? /govulncheck" \.\/\.\.\./ : /^cargo audit$/m,
    );
  }
  expect(job('manifests').script).toEqual([
    'go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"',
    'go install "github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION}"',
    'go install "github.com/zegl/kube-score/cmd/kube-score@${KUBE_SCORE_VERSION}"',
    'sh deploy/kubernetes/check.sh',
  ]);
  expect(job('manifests').raw.variables).toMatchObject({
    KUSTOMIZE_VERSION: CI_TOOLS.kustomize,
    KUBECONFORM_VERSION: CI_TOOLS.kubeconform,
    KUBE_SCORE_VERSION: CI_TOOLS.kubeScore,
  });
  const order = stages.indexOf.bind(stages);
  expect(order(job('manifests').stage)).toBeLessThan(
    order(job('container-image').stage),
  );
  expect(order(job('audit').stage)).toBeLessThan(
    order(job('container-image').stage),
  );
  // The image: pushed by commit SHA only, from the default branch, its digest handed on.
  const push = job('container-image').script.join('\n');
  expect(push).toMatch(
    /if \[ "\$CI_COMMIT_BRANCH" = "\$CI_DEFAULT_BRANCH" \]; then[\s\S]*docker push "\$IMAGE:\$CI_COMMIT_SHA"[\s\S]*IMAGE_DIGEST=[\s\S]*fi/,
  );
  expect(push.match(/--tag "[^"]+"/g)).toEqual([
    '--tag "$IMAGE:$CI_COMMIT_SHA"',
  ]);
  expect(push.match(/docker push "[^"]+"/g)).toEqual([
    'docker push "$IMAGE:$CI_COMMIT_SHA"',
  ]);
  expect(job('container-image').raw.artifacts.reports.dotenv).toBe('image.env');
  const onDefault = [{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }];
  // SBOM and scan.
  expect(job('scan').raw.image.name).toBe(TRIVY_IMAGE);
  expect(job('scan').raw.rules).toEqual(onDefault);
  expect(job('scan').script).toEqual([
    'trivy image --format cyclonedx --output sbom.cdx.json "$IMAGE@$IMAGE_DIGEST"',
    'trivy image --exit-code 1 --ignore-unfixed --severity HIGH,CRITICAL "$IMAGE@$IMAGE_DIGEST"',
  ]);
  // Signing: the only job with an ID token.
  expect(jobs.filter(j => j.raw.id_tokens).map(j => j.name)).toEqual(['sign']);
  expect(job('sign').raw.id_tokens).toEqual({
    SIGSTORE_ID_TOKEN: { aud: 'sigstore' },
  });
  const sign = job('sign').script.join('\n');
  expect(sign).toContain('cosign sign --yes "$IMAGE@$IMAGE_DIGEST"');
  expect(sign).toContain(
    'cosign attest --yes --type cyclonedx --predicate sbom.cdx.json "$IMAGE@$IMAGE_DIGEST"',
  );
  expect(sign).toContain(
    'cosign attest --yes --type slsaprovenance1 --predicate provenance.json "$IMAGE@$IMAGE_DIGEST"',
  );
  // The provenance predicate the heredoc writes is JSON once GitLab's variables are filled in.
  const heredoc = /<<PROVENANCE\n([\s\S]*?)\nPROVENANCE/.exec(sign)![1];
  const predicate = JSON.parse(heredoc.replace(/\$[A-Z_]+/g, 'x'));
  expect(predicate.buildDefinition.resolvedDependencies[0].digest).toEqual({
    gitCommit: 'x',
  });
  expect(job('sign').raw.variables.COSIGN_VERSION).toBe(CI_TOOLS.cosign);
  // Dev follows the signed digest; prod moves by a merge request made by hand.
  expect(job('deploy-dev').raw.needs).toEqual(['container-image', 'sign']);
  expect(job('deploy-dev').raw.rules).toEqual(onDefault);
  expect(job('deploy-dev').script.join('\n')).toMatch(
    /set-digest\.sh dev "\$IMAGE_DIGEST"[\s\S]*git push -o ci\.skip /,
  );
  expect(job('promote-prod').raw.rules).toEqual([
    { ...onDefault[0], when: 'manual', allow_failure: true },
  ]);
  expect(job('promote-prod').script.join('\n')).toMatch(
    /set-digest\.sh --print dev[\s\S]*cosign verify "\$IMAGE@\$digest" --certificate-identity "\$CI_PROJECT_URL\/\/\.gitlab-ci\.yml@refs\/heads\/\$CI_DEFAULT_BRANCH" --certificate-oidc-issuer "\$CI_SERVER_URL"[\s\S]*branch="\$\(sh deploy\/kubernetes\/promote\.sh prod "\$digest" "\$IMAGE"\)"\nif \[ -z "\$branch" \]; then exit 0; fi[\s\S]*-o merge_request\.create/,
  );
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
    ['dotnet', 'github', false],
    ['dotnet', 'github', true],
    ['dotnet', 'gitlab', false],
    ['dotnet', 'gitlab', true],
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
          ci === 'github'
            ? ['.github/workflows/ci.yml', '.github/workflows/promote.yml']
            : ['.gitlab-ci.yml'];
        expect(list()).toEqual(
          [
            '.dockerignore',
            '.microservice/answers.yaml',
            'Dockerfile',
            'renovate.json',
            ...ciFiles,
            'deploy/kubernetes/README.md',
            'deploy/kubernetes/check.sh',
            'deploy/kubernetes/promote.sh',
            'deploy/kubernetes/set-digest.sh',
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
        const kinds = [
          'Deployment',
          'HorizontalPodAutoscaler',
          'NetworkPolicy',
          'PodDisruptionBudget',
          'Service',
          'ServiceAccount',
          ...(serviceMonitor ? ['ServiceMonitor'] : []),
        ];
        const base = [
          ...BASE_FILES,
          ...(serviceMonitor ? ['servicemonitor.yaml'] : []),
        ]
          .filter(f => f.endsWith('.yaml') && f !== 'kustomization.yaml')
          .flatMap(f => yamlObjects(`deploy/kubernetes/base/${f}`));
        // The ConfigMap exists only as a generator's output.
        expect(base.map(o => o.kind).sort()).toEqual([...kinds].sort());
        for (const objects of [
          buildKustomization(workspace.resolve('deploy/kubernetes/base')),
          overlay('dev'),
          overlay('prod'),
        ]) {
          expect(objects.map(o => o.kind).sort()).toEqual(
            [...kinds, 'ConfigMap'].sort(),
          );
          expect(objects.flatMap(kubernetesObjectProblems)).toEqual([]);
          expect(objects.filter(o => o.kind === 'Secret')).toEqual([]);
        }
      });

      it.each(['dev', 'prod'])(
        'built %s overlay: its namespace, a digest, no replicas under the HPA, a generated ConfigMap, the restricted profile',
        env => {
          const objects = overlay(env);
          for (const object of objects)
            expect(object.metadata.namespace).toBe(`${name}-${env}`);
          const deployment = one(objects, 'Deployment');
          const pod = deployment.spec.template.spec;
          const [container] = pod.containers;
          // Immutable image: the repository at a digest (the all-zero one until CI's first push).
          expect(container.image).toBe(
            `ghcr.io/acme/billing-api@${UNBUILT_DIGEST}`,
          );
          expect(container.imagePullPolicy).toBe('Always');
          // The HPA alone owns the replica count.
          expect(deployment.spec).not.toHaveProperty('replicas');
          const hpa = one(objects, 'HorizontalPodAutoscaler').spec;
          expect(hpa.scaleTargetRef.name).toBe(deployment.metadata.name);
          expect([hpa.minReplicas, hpa.maxReplicas]).toEqual(
            env === 'dev' ? [1, 2] : [3, 10],
          );
          // The ConfigMap comes from the generator: a content-hash name the Deployment follows.
          const configMap = one(objects, 'ConfigMap');
          expect(configMap.metadata.name).toMatch(
            /^billing-api-config-[a-z0-9]{10}$/,
          );
          expect(container.envFrom).toEqual([
            { configMapRef: { name: configMap.metadata.name } },
          ]);
          expect(configMap.data).toMatchObject({
            LOG_LEVEL: env === 'dev' ? 'debug' : 'info',
            OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=${env}`,
            PORT: '8080',
            OTEL_SERVICE_NAME: name,
          });
          expect(restrictedProfileProblems(pod)).toEqual([]);
          expect(pod.securityContext).toEqual({
            runAsNonRoot: true,
            seccompProfile: { type: 'RuntimeDefault' },
          });
          // Requests and limits for CPU, memory and ephemeral storage.
          for (const kind of ['requests', 'limits'])
            expect(Object.keys(container.resources[kind]).sort()).toEqual([
              'cpu',
              'ephemeral-storage',
              'memory',
            ]);
          // The runtime's memory limit follows the container's (Go); Rust has no GC heap to tell, and .NET's GC
          // reads the cgroup limit itself (DOTNET_GCHeapHardLimit would be read as hex, so none is derived).
          const memoryEnv = container.env.filter(
            (e: KObject) => e.valueFrom?.resourceFieldRef,
          );
          expect(memoryEnv).toEqual(
            stack === 'go'
              ? [
                  {
                    name: 'GOMEMLIMIT',
                    valueFrom: {
                      resourceFieldRef: {
                        containerName: container.name,
                        resource: 'limits.memory',
                      },
                    },
                  },
                ]
              : [],
          );
          // The overlay's patch touched the resources only: the rest of the container is the base's.
          expect(container.resources.requests.cpu).toBe(
            env === 'dev' ? '50m' : '250m',
          );
          expect(container.readinessProbe.httpGet.path).toBe('/ready');
        },
      );

      it("Kubernetes README: how the runtime's memory follows the container's limit", () => {
        const readme = read('deploy/kubernetes/README.md');
        const settings = readme.slice(readme.indexOf('## Settings'));
        expect(
          settings.includes('`GOMEMLIMIT` is set from the container'),
        ).toBe(stack === 'go');
        // .NET: the GC's own cgroup-derived limit, and why no resourceFieldRef feeds DOTNET_GCHeapHardLimit.
        expect(settings.includes('keeps its heap\n  under 75 % of it')).toBe(
          stack === 'dotnet',
        );
        expect(/hexadecimal bytes/.test(settings)).toBe(stack === 'dotnet');
        expect(settings.includes('`DOTNET_GCHeapHardLimitPercent`')).toBe(
          stack === 'dotnet',
        );
        // Nothing sets a .NET heap variable the README says is left alone.
        for (const env of ['dev', 'prod']) {
          const [container] = one(overlay(env), 'Deployment').spec.template.spec
            .containers;
          const configMap = one(overlay(env), 'ConfigMap').data;
          expect(
            [
              ...container.env.map((e: KObject) => e.name),
              ...Object.keys(configMap),
            ].filter(key => key.startsWith('DOTNET_GC')),
          ).toEqual([]);
        }
      });

      it('builds the overlays as the kustomize binary does, where one is available', () => {
        const sortById = (objects: KObject[]) =>
          [...objects].sort((a, b) =>
            `${a.kind}/${a.metadata.name}`.localeCompare(
              `${b.kind}/${b.metadata.name}`,
            ),
          );
        for (const env of ['dev', 'prod']) {
          const dir = workspace.resolve(`deploy/kubernetes/overlays/${env}`);
          const real = kustomizeBuild(dir);
          if ('skipped' in real) {
            // eslint-disable-next-line no-console
            console.log(`not compared with kustomize: ${real.skipped}`);
            return;
          }
          expect(sortById(buildKustomization(dir))).toEqual(
            sortById(real.objects),
          );
        }
      });

      it('Dockerfile: parses and passes the policy; dependencies in their own layer before the source; builds through `make build`', () => {
        const text = read('Dockerfile');
        const report = checkDockerfile(text, { port: 8080 });
        expect(report.problems).toEqual([]);
        expect(report.stages.map(s => `${s.image}:${s.tag}`)).toEqual([
          toolchain.builderImage,
          toolchain.runtimeImage,
        ]);
        // The runtime image's own non-root user: distroless `nonroot` for Go and Rust, the .NET images' `app`.
        const uid = { go: 65532, rust: 65532, dotnet: 1654 }[stack];
        expect(toolchain.userId).toBe(uid);
        expect(report.user).toBe(`${uid}:${uid}`);
        // .NET runs the published apphost, next to its assemblies in /app.
        expect(report.entrypoint).toEqual([
          stack === 'dotnet' ? '/app/BillingApi.Api' : `/app/${name}`,
        ]);
        expect(report.exposed).toEqual(['8080']);
        // The build stage, instruction by instruction: manifests, dependencies, source, build.
        const build = report.stages[0].instructions.map(
          i => `${i.getKeyword()} ${i.getArgumentsContent()}`,
        );
        // What pins the dependencies, copied before the source. .NET: the SDK pin, the package sources, the
        // central package versions, then the API project with its lock file in its own folder.
        const manifestCopies = {
          go: ['COPY go.mod go.sum ./'],
          rust: ['COPY Cargo.toml Cargo.lock ./'],
          dotnet: [
            'COPY global.json nuget.config Directory.Build.props Directory.Packages.props BillingApi.slnx ./',
            'COPY src/BillingApi.Api/BillingApi.Api.csproj src/BillingApi.Api/packages.lock.json src/BillingApi.Api/',
            'COPY tests/BillingApi.Api.Tests/BillingApi.Api.Tests.csproj tests/BillingApi.Api.Tests/packages.lock.json tests/BillingApi.Api.Tests/',
          ],
        }[stack];
        const copyManifests = build.indexOf(manifestCopies[0]);
        const copySource = build.indexOf('COPY . .');
        expect(copyManifests).toBeGreaterThanOrEqual(0);
        expect(copySource).toBeGreaterThan(copyManifests);
        const between = build.slice(copyManifests, copySource);
        expect(between.slice(0, -1)).toEqual(manifestCopies);
        const dependencies = between[between.length - 1];
        // No cache mount: the layer itself holds the dependencies, so a CI layer cache keeps them.
        expect(dependencies).not.toContain('--mount');
        // Go: the module download. Rust: a placeholder crate builds every dependency with the release profile,
        // then its own artifacts go. .NET: the API project restored exactly as its lock file says.
        const dependencyStep = {
          go: /^RUN go mod download && go mod verify$/,
          rust: /^RUN mkdir src[\s\S]*src\/main\.rs[\s\S]*cargo build --release --locked[\s\S]*cargo clean --release --locked --package billing-api[\s\S]*rm -rf src$/,
          dotnet: /^RUN dotnet restore --locked-mode$/,
        }[stack];
        expect(dependencies).toMatch(dependencyStep);
        // The first step: .NET's SDK image has no make, so Ubuntu's own package at an exact version comes first.
        expect(build[0]).toMatch(
          {
            go: /^WORKDIR \/src$/,
            rust: /^WORKDIR \/src$/,
            dotnet:
              /^RUN apt-get update\s+&& apt-get install --yes --no-install-recommends make=4\.3-4\.1build2\s+&& rm -rf \/var\/lib\/apt\/lists\/\*$/,
          }[stack],
        );
        // What the runtime stage takes from the build: the binary alone; .NET's native executable (without its
        // debug symbols, in the working directory that is the service's content root) with the dependency
        // manifest that is the image scanners' only view of the runtime and packages compiled into it.
        const runtime = report.stages[1].instructions
          .map(i => `${i.getKeyword()} ${i.getArgumentsContent()}`)
          .filter(i => /^(COPY|WORKDIR) /.test(i));
        expect(runtime).toEqual(
          {
            go: ['COPY /src/bin/api /app/billing-api'],
            rust: ['COPY /out/billing-api /app/billing-api'],
            dotnet: [
              'WORKDIR /app',
              'COPY /src/publish/BillingApi.Api /src/publish/BillingApi.Api.deps.json /app/',
            ],
          }[stack],
        );
        expect(
          text.split('\n').filter(line => line.startsWith('COPY --from=')),
        ).toEqual(
          runtime
            .filter(i => i.startsWith('COPY '))
            .map(i => i.replace('COPY ', 'COPY --from=build ')),
        );
        const envOf = (stage: number) =>
          Object.fromEntries(
            report.stages[stage].instructions
              .filter(i => i.getKeyword() === 'ENV')
              .flatMap(i => (i as Env).getProperties())
              .map(p => [p.getName(), p.getValue() ?? '']),
          );
        // The build's settings: Go reads go.sum only; .NET builds without advisory lookups (the audit is CI's job),
        // so the image depends on the lock files alone.
        expect(envOf(0)).toEqual(
          {
            go: { GOFLAGS: '-mod=readonly' },
            rust: {},
            dotnet: {
              DOTNET_CLI_TELEMETRY_OPTOUT: '1',
              DOTNET_NOLOGO: '1',
              NuGetAudit: 'false',
            },
          }[stack],
        );
        // PORT is the service's; .NET also empties the chiseled image's own port variable (8080) and turns off
        // GSS encryption, which needs a Kerberos library the chiseled image does not have.
        const env = envOf(1);
        expect(env).toEqual(
          stack === 'dotnet'
            ? {
                PORT: '8080',
                ASPNETCORE_HTTP_PORTS: '',
                PGGSSENCMODE: 'disable',
              }
            : { PORT: '8080' },
        );
        expect(
          build.slice(copySource + 1).some(r => /\bmake build\b/.test(r)),
        ).toBe(true);
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
            ...{
              go: ['bin'],
              rust: ['target'],
              dotnet: ['**/bin', '**/obj', 'publish'],
            }[stack],
          ]),
        );
        // The lock files reach the build: none is ignored.
        const lockFiles = toolchain.lockFiles(name);
        expect(dockerContextFiles(lockFiles, read('.dockerignore'))).toEqual(
          lockFiles,
        );
        // Every file the build reads stays in the context; local build output does not.
        const { kept, outputs } = {
          go: {
            kept: ['go.mod', 'go.sum', 'Makefile', 'cmd/api/main.go'],
            outputs: ['bin/api', 'coverage.out'],
          },
          rust: {
            kept: ['Cargo.toml', 'Cargo.lock', 'Makefile', 'src/main.rs'],
            outputs: ['target/release/billing-api'],
          },
          dotnet: {
            kept: [
              'global.json',
              'nuget.config',
              'Directory.Build.props',
              'Directory.Packages.props',
              '.editorconfig',
              'BillingApi.slnx',
              'Makefile',
              'src/BillingApi.Api/BillingApi.Api.csproj',
              'src/BillingApi.Api/Program.cs',
              'migrations/0001_create_users.sql',
            ],
            outputs: [
              'publish/BillingApi.Api',
              'src/BillingApi.Api/bin/Release/net10.0/BillingApi.Api.dll',
              'src/BillingApi.Api/obj/project.assets.json',
              'tests/BillingApi.Api.Tests/bin/Debug/net10.0/xunit.core.dll',
              'tests/BillingApi.Api.Tests/TestResults/coverage.xml',
            ],
          },
        }[stack];
        expect(
          dockerContextFiles([...kept, ...outputs], read('.dockerignore')),
        ).toEqual(kept);
      });

      it(`CI (${ci}): valid; gates, audit and manifest checks before the push; SBOM, scan, signature, provenance and promotion after it`, async () => {
        expect(
          await (ci === 'github' ? expectGithubCi : expectGitlabCi)(
            read,
            stack,
            name,
          ),
        ).toEqual(
          ci === 'github'
            ? [
                'lint',
                'unit-test',
                'integration-test',
                'build',
                'audit',
                'manifests',
                'image',
                'scan',
                'sign',
                'deploy-dev',
              ]
            : [
                'lint',
                'manifests',
                'unit-test',
                'integration-test',
                'audit',
                'build',
                'container-image',
                'scan',
                'sign',
                'deploy-dev',
                'promote-prod',
              ],
        );
      });

      it('Renovate: pins and updates base images, CI images, actions, CI tools and the language dependencies; leaves the service image to CI', () => {
        const config = JSON.parse(read('renovate.json'));
        expect(config.extends).toEqual([
          'config:recommended',
          'docker:pinDigests',
          ...(ci === 'github' ? ['helpers:pinGitHubActionDigests'] : []),
        ]);
        expect(config.lockFileMaintenance).toEqual({ enabled: true });
        const [manager] = config.customManagers;
        const ciText = read(
          ci === 'github' ? '.github/workflows/ci.yml' : '.gitlab-ci.yml',
        );
        const ciFile =
          ci === 'github' ? '.github/workflows/ci.yml' : '.gitlab-ci.yml';
        const fileMatches = manager.managerFilePatterns.map(
          (p: string) => new RegExp(p.slice(1, -1)),
        );
        expect(fileMatches.some((r: RegExp) => r.test(ciFile))).toBe(true);
        // Renovate's regex (RE2) read as a JavaScript one: what it finds is every pinned tool version.
        const found = [
          ...ciText.matchAll(new RegExp(manager.matchStrings[0], 'g')),
        ].map(m => `${m.groups!.depName}@${m.groups!.currentValue}`);
        expect(found).toEqual(
          expect.arrayContaining([
            `sigs.k8s.io/kustomize/kustomize/v5@${CI_TOOLS.kustomize}`,
            `github.com/yannh/kubeconform@${CI_TOOLS.kubeconform}`,
            `github.com/zegl/kube-score@${CI_TOOLS.kubeScore}`,
            // .NET's audit is the SDK's own NuGet Audit: no tool to pin.
            ...{
              go: [`golang.org/x/vuln@${CI_TOOLS.govulncheck}`],
              rust: [`cargo-audit@${CI_TOOLS.cargoAudit}`],
              dotnet: [],
            }[stack],
            ...(ci === 'gitlab'
              ? [`github.com/sigstore/cosign/v3@${CI_TOOLS.cosign}`]
              : []),
          ]),
        );
        // Every '# renovate:' comment is matched: none is silently skipped.
        expect(found).toHaveLength(
          (ciText.match(/# renovate: /g) ?? []).length,
        );
        expect(config.packageRules[0]).toMatchObject({
          matchManagers: ['kustomize'],
          matchPackageNames: ['ghcr.io/acme/billing-api'],
          enabled: false,
        });
        expect(config.packageRules[1].matchPackageNames).toEqual(
          {
            go: ['golang', 'go'],
            rust: ['rust'],
            // The SDK and runtime images and global.json's SDK: one .NET release.
            dotnet: [
              'mcr.microsoft.com/dotnet/sdk',
              'mcr.microsoft.com/dotnet/runtime-deps',
              'dotnet-sdk',
            ],
          }[stack],
        );
        // .NET's lock files record the SDK's native compiler, which Renovate does not rewrite for a global.json
        // change: the group's pull request says what to run. Go's and Rust's toolchains leave their locks alone.
        const notes = {
          go: undefined,
          rust: undefined,
          dotnet: [expect.stringContaining('run `make lock`')],
        }[stack];
        expect(config.packageRules[1].prBodyNotes).toEqual(notes);
      });

      it('set-digest.sh moves one overlay to a new digest and keeps its comments; it refuses what is not a digest', () => {
        const digest = `sha256:${'b'.repeat(64)}`;
        const script = workspace.resolve('deploy/kubernetes/set-digest.sh');
        const sh = (...args: string[]) =>
          spawnSync('sh', [script, ...args], { encoding: 'utf8' });
        const before = read(
          'deploy/kubernetes/overlays/dev/kustomization.yaml',
        );
        expect(sh('--print', 'dev').stdout.trim()).toBe(UNBUILT_DIGEST);
        expect(sh('dev', digest).status).toBe(0);
        const after = read('deploy/kubernetes/overlays/dev/kustomization.yaml');
        expect(after.split('\n').filter(l => !before.includes(l))).toEqual([
          `    digest: "${digest}"`,
        ]);
        expect(sh('--print', 'dev').stdout.trim()).toBe(digest);
        expect(
          one(overlay('dev'), 'Deployment').spec.template.spec.containers[0]
            .image,
        ).toBe(`ghcr.io/acme/billing-api@${digest}`);
        // Prod is untouched until a promotion copies the digest.
        expect(
          one(overlay('prod'), 'Deployment').spec.template.spec.containers[0]
            .image,
        ).toBe(`ghcr.io/acme/billing-api@${UNBUILT_DIGEST}`);
        const refused = sh('prod', 'main');
        expect(refused.status).not.toBe(0);
        expect(refused.stderr).toMatch(/'main' is not a sha256 digest/);
        expect(sh('--print', 'prod').stdout.trim()).toBe(UNBUILT_DIGEST);
        // check.sh and promote.sh are valid shell.
        expect(
          spawnSync('sh', [
            '-n',
            workspace.resolve('deploy/kubernetes/promote.sh'),
          ]).status,
        ).toBe(0);
        expect(
          spawnSync('sh', [
            '-n',
            workspace.resolve('deploy/kubernetes/check.sh'),
          ]).status,
        ).toBe(0);
      });
    },
  );

  it('promote.sh commits a promotion once; run again it is a no-op that says so; a bad digest changes nothing', async () => {
    await run({ stack: 'go', name: 'billing-api', owner: OWNER, ci: 'gitlab' });
    const git = (...args: string[]) =>
      spawnSync('git', ['-C', workspace.path, ...args], { encoding: 'utf8' });
    const identity = ['-c', 'user.name=CI', '-c', 'user.email=ci@example.com'];
    git('init', '--quiet', '--initial-branch=main');
    git('add', '--all');
    git(...identity, 'commit', '--quiet', '-m', 'Initial commit');
    const digest = `sha256:${'c'.repeat(64)}`;
    const image = 'ghcr.io/acme/billing-api';
    const promote = (value: string) =>
      spawnSync(
        'sh',
        [
          workspace.resolve('deploy/kubernetes/promote.sh'),
          'prod',
          value,
          image,
        ],
        {
          encoding: 'utf8',
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'CI',
            GIT_AUTHOR_EMAIL: 'ci@example.com',
            GIT_COMMITTER_NAME: 'CI',
            GIT_COMMITTER_EMAIL: 'ci@example.com',
          },
        },
      );
    const commits = () => git('rev-list', '--count', 'HEAD').stdout.trim();

    const bad = promote('latest');
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/'latest' is not a sha256 digest/);
    expect([commits(), git('status', '--porcelain').stdout]).toEqual(['1', '']);

    const first = promote(digest);
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(`promote/prod-${'c'.repeat(12)}\n`);
    expect(commits()).toBe('2');
    expect(git('log', '-1', '--format=%s').stdout.trim()).toBe(
      `deploy(prod): ${image}@${digest}`,
    );
    expect(git('show', '--name-only', '--format=', 'HEAD').stdout.trim()).toBe(
      'deploy/kubernetes/overlays/prod/kustomization.yaml',
    );
    // The overlay's image (the placeholder registry here: no repository location was given) at that digest.
    expect(
      one(overlay('prod'), 'Deployment').spec.template.spec.containers[0].image,
    ).toBe(`registry.example.com/billing-api@${digest}`);

    const second = promote(digest);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe(
      `promote: prod already runs ${image}@${digest}; nothing to promote\n`,
    );
    expect([commits(), git('status', '--porcelain').stdout]).toEqual(['2', '']);
  });

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
    // No fixed UID/GID: the image's numeric USER runs; OpenShift's restricted-v2 may assign its own.
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
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
      'ephemeral-storage',
      'memory',
    ]);
    expect(Object.keys(container.resources.limits).sort()).toEqual([
      'cpu',
      'ephemeral-storage',
      'memory',
    ]);
    expect(pod.volumes[0].emptyDir.sizeLimit).toBe('64Mi');
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
        name: 'GOMEMLIMIT',
        valueFrom: {
          resourceFieldRef: { containerName: 'api', resource: 'limits.memory' },
        },
      },
      {
        name: 'DATABASE_URL',
        valueFrom: {
          secretKeyRef: { name: 'billing-api-database', key: 'url' },
        },
      },
    ]);
    expect(Object.keys(config)).not.toContain('DATABASE_URL');
    expect(container.envFrom).toEqual([
      { configMapRef: { name: one(objects, 'ConfigMap').metadata.name } },
    ]);
    // The base names the repository only; the overlays add the digest.
    expect(container.image).toBe('registry.example.com/billing-api');
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
    // Every egress rule names its destinations: none allows any address.
    const rules = policy.egress.map((rule: KObject) => ({
      to: rule.to,
      ports: rule.ports.map((p: KObject) => `${p.port}/${p.protocol}`),
    }));
    const privateRanges = DEFAULT_EGRESS.split(',').map(cidr => ({
      ipBlock: { cidr },
    }));
    expect(rules).toEqual([
      {
        // kube-dns/CoreDNS, and NodeLocal DNSCache's link-local address.
        to: [
          {
            namespaceSelector: {
              matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
            },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
          { ipBlock: { cidr: '169.254.20.10/32' } },
        ],
        ports: ['53/UDP', '53/TCP'],
      },
      {
        // OpenShift DNS pods listen on 5353 behind the dns-default Service.
        to: [
          {
            namespaceSelector: {
              matchLabels: { 'kubernetes.io/metadata.name': 'openshift-dns' },
            },
          },
        ],
        ports: ['5353/UDP', '5353/TCP'],
      },
      { to: privateRanges, ports: ['5432/TCP'] },
      { to: privateRanges, ports: ['4317/TCP', '4318/TCP'] },
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
    [
      'dotnet',
      [
        'global.json',
        'nuget.config',
        'Directory.Build.props',
        'Directory.Packages.props',
        '.editorconfig',
        'BillingApi.slnx',
        'Makefile',
        'src/BillingApi.Api/BillingApi.Api.csproj',
        'src/BillingApi.Api/packages.lock.json',
        'src/BillingApi.Api/Program.cs',
        'tests/BillingApi.Api.Tests/BillingApi.Api.Tests.csproj',
        'tests/BillingApi.Api.Tests/packages.lock.json',
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
          /\.(go|rs|sql|toml|lock|sum|mod|cs|csproj|props|slnx)$|(^|\/)(packages\.lock\.json|global\.json|nuget\.config|\.editorconfig)$/.test(
            f,
          ) && !f.startsWith('deploy/'),
      );
      expect(sources.length).toBeGreaterThan(needed.length);
      expect(sources.filter(f => !context.includes(f))).toEqual([]);
      // Every file the Dockerfile copies before the source is in the context (else `docker build` stops there).
      const copied = read('Dockerfile')
        .split('\n')
        .filter(line => /^COPY (?!--from)/.test(line) && line !== 'COPY . .')
        .flatMap(line => line.split(' ').slice(1, -1));
      expect(copied.length).toBeGreaterThan(0);
      expect(copied.filter(f => !context.includes(f))).toEqual([]);
      expect(
        context.filter(f =>
          /^(deploy\/|\.github\/|\.gitlab-ci\.yml|Dockerfile|\.dockerignore|catalog-info\.yaml|docs\/)/.test(
            f,
          ),
        ),
      ).toEqual([]);
    },
  );

  it("dotnet: the image builds with the SDK global.json pins, the one CI's setup-dotnet installs", async () => {
    await createServiceRenderAction({ integrations }).handler(
      createMockActionContext({
        input: { stack: 'dotnet', name: 'billing-api', owner: OWNER } as any,
        workspacePath: workspace.path,
      }),
    );
    await run({ stack: 'dotnet', name: 'billing-api', owner: OWNER });
    const { sdk } = JSON.parse(read('global.json'));
    // Exactly that SDK: the lock files record its native compiler's packages.
    expect(sdk).toEqual({
      version: DEPLOY_TOOLCHAINS.dotnet.version,
      rollForward: 'disable',
    });
    const [build, runtime] = checkDockerfile(read('Dockerfile')).stages;
    // The SDK's variant with the native compiler's toolchain, and a runtime image without .NET.
    expect(`${build.image}:${build.tag}`).toBe(
      `mcr.microsoft.com/dotnet/sdk:${sdk.version}-noble-aot`,
    );
    expect(runtime.image).toBe('mcr.microsoft.com/dotnet/runtime-deps');
    const setup = parse(read('.github/workflows/ci.yml')).jobs.build.steps.find(
      (s: KObject) => s.uses?.startsWith('actions/setup-dotnet@'),
    );
    expect(setup.with['global-json-file']).toBe('global.json');
  });

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

  it('derives the image from the repository location, or takes it as given, always at a digest', async () => {
    const image = async (input: Record<string, unknown>) => {
      workspace.clear();
      const ctx = await run({
        stack: 'go',
        name: 'billing-api',
        owner: OWNER,
        ...input,
      });
      const images = ['dev', 'prod'].map(
        env =>
          one(overlay(env), 'Deployment').spec.template.spec.containers[0]
            .image,
      );
      expect(images[1]).toBe(images[0]);
      expect(ctx.output).toHaveBeenCalledWith('image', images[0]);
      return images[0];
    };
    const unbuilt = `@${UNBUILT_DIGEST}`;
    expect(
      await image({ repoUrl: 'github.com?owner=Acme&repo=Billing.API' }),
    ).toBe(`ghcr.io/acme/billing.api${unbuilt}`);
    expect(
      await image({
        repoUrl: 'gitlab.com?owner=acme&repo=billing-api',
        ci: 'gitlab',
      }),
    ).toBe(`registry.gitlab.com/acme/billing-api${unbuilt}`);
    expect(await image({ repoUrl: '' })).toBe(
      `registry.example.com/billing-api${unbuilt}`,
    );
    // A self-hosted host's registry is unknown: the placeholder, whatever its type.
    for (const host of [SELF_HOSTED_GITLAB, GITHUB_ENTERPRISE]) {
      expect(
        await image({ repoUrl: `${host}?owner=acme&repo=billing-api` }),
      ).toBe(`registry.example.com/billing-api${unbuilt}`);
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
      await image({ image: 'registry.example.net:5000/team/billing-api' }),
    ).toBe(`registry.example.net:5000/team/billing-api${unbuilt}`);
    // A digest given is where both overlays start; a tag beside it is informational and dropped.
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(await image({ image: `ghcr.io/acme/api@${digest}` })).toBe(
      `ghcr.io/acme/api@${digest}`,
    );
    expect(await image({ image: `ghcr.io/acme/api:1.2.0@${digest}` })).toBe(
      `ghcr.io/acme/api@${digest}`,
    );
    // The answers record the repository alone when no digest was given, so an update keeps CI's digests.
    await image({ image: 'ghcr.io/acme/api' });
    expect(
      parse(read('.microservice/answers.yaml')).actions[DEPLOY_RENDER_ID].image,
    ).toBe('ghcr.io/acme/api');
  });

  it('logs in to other registries with secrets instead of GITHUB_TOKEN, and asks for no packages permission', async () => {
    await run({
      stack: 'go',
      name: 'billing-api',
      owner: OWNER,
      image: 'registry.example.net/team/billing-api',
    });
    const workflow = parse(read('.github/workflows/ci.yml'));
    expect(workflow.jobs.image.permissions).toEqual({
      contents: 'read',
    });
    expect(workflow.jobs.scan.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.sign.permissions).toEqual({
      contents: 'read',
      'id-token': 'write',
      attestations: 'write',
    });
    const login = workflow.jobs.image.steps.find((s: KObject) =>
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

  it('signs with the repository key pair and no public log when signing is key (GitHub)', async () => {
    await run({
      stack: 'go',
      name: 'billing-api',
      owner: OWNER,
      repoUrl: 'github.com?owner=acme&repo=billing-api',
      signing: 'key',
    });
    const ciText = read('.github/workflows/ci.yml');
    const promoteText = read('.github/workflows/promote.yml');
    expect(await actionlintProblems(ciText)).toEqual([]);
    expect(await actionlintProblems(promoteText)).toEqual([]);
    const workflow = parse(ciText);
    // No OIDC token anywhere: nothing talks to Fulcio or Rekor.
    for (const job of Object.values<KObject>(workflow.jobs))
      expect(job.permissions?.['id-token']).toBeUndefined();
    const sign = workflow.jobs.sign;
    expect(sign.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(sign.env).toMatchObject({
      COSIGN_PRIVATE_KEY: '${{ secrets.COSIGN_PRIVATE_KEY }}',
      COSIGN_PASSWORD: '${{ secrets.COSIGN_PASSWORD }}',
    });
    const runs = sign.steps.map((s: KObject) => s.run ?? '').join('\n');
    expect(runs).toContain(
      `cosign sign --yes ${KEY_SIGNING_FLAGS} "\${IMAGE}@\${DIGEST}"`,
    );
    expect(runs).toContain(
      `cosign attest --yes ${KEY_SIGNING_FLAGS} --type spdxjson --predicate sbom.spdx.json "\${IMAGE}@\${DIGEST}"`,
    );
    expect(runs).toContain(
      `cosign attest --yes ${KEY_SIGNING_FLAGS} --type slsaprovenance1 --predicate provenance.json "\${IMAGE}@\${DIGEST}"`,
    );
    expect(
      sign.steps.filter((s: KObject) =>
        s.uses?.startsWith('actions/attest-build-provenance'),
      ),
    ).toEqual([]);
    expect(sign.steps.every((s: KObject) => s.if === undefined)).toBe(true);
    // Promotion verifies with the public key; no certificate identity anywhere.
    const promote = parse(promoteText);
    const verify = promote.jobs.promote.steps.find((s: KObject) =>
      /cosign verify/.test(s.run ?? ''),
    );
    expect(verify.env).toEqual({
      COSIGN_PUBLIC_KEY: '${{ secrets.COSIGN_PUBLIC_KEY }}',
    });
    expect(verify.run).toContain(
      'cosign verify --key env://COSIGN_PUBLIC_KEY --insecure-ignore-tlog=true "${IMAGE}@${digest}" > /dev/null',
    );
    expect(`${ciText}${promoteText}`).not.toContain('certificate-identity');
    const readme = read('deploy/kubernetes/README.md');
    expect(readme).toContain(
      'nothing about this repository reaches a public transparency\n  log',
    );
    expect(readme).toContain(
      'cosign generate-key-pair github://<owner>/<repository>',
    );
    expect(readme).not.toContain('Rekor');
    expect(
      parse(read('.microservice/answers.yaml')).actions[DEPLOY_RENDER_ID],
    ).toMatchObject({ signing: 'key' });
  });

  it('signs with the repository key pair and no public log when signing is key (GitLab), and says what keyless writes', async () => {
    await run({
      stack: 'rust',
      name: 'orders',
      owner: OWNER,
      ci: 'gitlab',
      repoUrl: 'gitlab.com?owner=acme&repo=orders',
      signing: 'key',
    });
    const text = read('.gitlab-ci.yml');
    const { problems, jobs } = checkGitlabPipeline(text);
    expect(problems).toEqual([]);
    const job = (name: string) => jobs.find(j => j.name === name)!;
    expect(job('sign').raw.id_tokens).toBeUndefined();
    const sign = job('sign').script.join('\n');
    expect(sign).toContain(
      `cosign sign --yes ${KEY_SIGNING_FLAGS} "$IMAGE@$IMAGE_DIGEST"`,
    );
    expect(sign).toContain(
      `cosign attest --yes ${KEY_SIGNING_FLAGS} --type cyclonedx --predicate sbom.cdx.json "$IMAGE@$IMAGE_DIGEST"`,
    );
    expect(sign).toContain(
      `cosign attest --yes ${KEY_SIGNING_FLAGS} --type slsaprovenance1 --predicate provenance.json "$IMAGE@$IMAGE_DIGEST"`,
    );
    expect(job('promote-prod').script.join('\n')).toMatch(
      /cosign verify --key env:\/\/COSIGN_PUBLIC_KEY --insecure-ignore-tlog=true "\$IMAGE@\$digest" > \/dev\/null\ngit config user\.name/,
    );
    expect(text).not.toContain('certificate-identity');
    expect(read('deploy/kubernetes/README.md')).toContain(
      'cosign generate-key-pair gitlab://<group>/<project>` (then mark the CI/CD variables protected and masked)',
    );

    // Keyless (the default) says what it writes where, and how to stop it.
    await run({
      stack: 'rust',
      name: 'orders',
      owner: OWNER,
      ci: 'gitlab',
      repoUrl: 'gitlab.com?owner=acme&repo=orders',
      overwrite: true,
    });
    expect(
      checkGitlabPipeline(read('.gitlab-ci.yml')).jobs.find(
        j => j.name === 'sign',
      )!.raw.id_tokens,
    ).toEqual({
      SIGSTORE_ID_TOKEN: { aud: 'sigstore' },
    });
    expect(read('deploy/kubernetes/README.md')).toMatch(
      /written to Sigstore's public transparency log \(Rekor\) — also for a private\s+repository\. To keep that private[\s\S]*`signing: key` in\s+`\.microservice\/answers\.yaml`/,
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
    [
      { image: 'ghcr.io/acme/api:1.2.0' },
      /^image: 'ghcr.io\/acme\/api:1.2.0' names the movable tag '1.2.0', which prod must not deploy/,
    ],
    [{ image: 'ghcr.io/acme/api:main' }, /^image: .*movable tag 'main'/],
    [
      { image: 'ghcr..io/acme/api' },
      /^image: .*the registry host 'ghcr..io' is malformed/,
    ],
    [
      { image: '-ghcr.io/acme/api' },
      /^image: .*the registry host '-ghcr.io' is malformed/,
    ],
    [
      { image: 'ghcr.io:99999/acme/api' },
      /^image: .*registry host 'ghcr.io:99999' is malformed: '99999' is not a port/,
    ],
    [
      { image: `ghcr.io/acme/api@md5:${'a'.repeat(32)}` },
      /^image: .*'md5' is not a digest algorithm/,
    ],
    [
      { image: `ghcr.io/acme/api@sha256:${'A'.repeat(64)}` },
      /^image: .*exactly 64 lowercase hex digits/,
    ],
    [
      { image: `ghcr.io/acme/api@sha256:${'a'.repeat(63)}` },
      /^image: .*exactly 64 lowercase hex digits/,
    ],
    [{ argocd: true }, /^argocd: an Argo CD Application needs the repository/],
    [{ argocd: 'yes' }, /^argocd: must be a boolean/],
    [
      { signing: 'none' },
      /^signing: 'none' is not a signing mode; choose one of keyless, key/,
    ],
    [
      { databaseEgress: '0.0.0.0/0' },
      /^databaseEgress: '0.0.0.0\/0' is every address/,
    ],
    [
      { databaseEgress: '10.0.0.0/33' },
      /^databaseEgress: '10.0.0.0\/33' is neither a CIDR/,
    ],
    [
      { otlpEgress: 'namespace:Observability' },
      /^otlpEgress: 'Observability' is not a namespace name/,
    ],
    [{ otlpEgress: ' , ' }, /^otlpEgress: give at least one CIDR/],
    [{ image: 'ghcr.io/acme/api:-bad' }, /^image: .*is not a tag/],
    [{ image: 'ghcr.io/acme/api@sha256:abc' }, /^image: .*is not a digest/],
    [{ image: 'ghcr.io//api' }, /^image: .*not a valid image reference/],
    [{ image: 'ghcr.io/acme/api:1.0 --privileged' }, /^image: .*whitespace/],
    [{ image: `ghcr.io/${'a'.repeat(260)}` }, /^image: .*longer than 255/],
    [{ image: 'ghcr.io/acme/api\n- name: evil' }, /^image: /],
    [{ serviceMonitor: 'yes' }, /^serviceMonitor: must be a boolean/],
    [{ license: 'MIT"; rm -rf /' }, /^license: /],
    // .NET's own name rules: the deploy files name the C# project, so the names the service render refuses.
    [
      { stack: 'dotnet', name: '2fa-api' },
      /^name: '2fa-api' starts with a digit.*try 'svc-2fa-api'/,
    ],
    [
      { stack: 'dotnet', name: 'system' },
      /^name: 'system' becomes the C# namespace 'System', which clashes with 'System'/,
    ],
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

  it('renders an Argo CD Application per environment, syncing each overlay into its namespace', async () => {
    const ctx = await run({
      stack: 'rust',
      name: 'orders',
      owner: OWNER,
      ci: 'gitlab',
      repoUrl: 'gitlab.com?owner=acme&repo=orders',
      argocd: true,
      databaseEgress: 'namespace:databases, 10.20.0.0/16',
      otlpEgress: 'namespace:observability',
      // A kind beyond the core ones, which the project must allow too.
      serviceMonitor: true,
    });
    expect(ctx.output).toHaveBeenCalledWith('argocdApplications', [
      'deploy/argocd/application-dev.yaml',
      'deploy/argocd/application-prod.yaml',
    ]);
    for (const env of ['dev', 'prod']) {
      const [app] = yamlObjects(`deploy/argocd/application-${env}.yaml`);
      expect(app).toEqual({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: {
          name: `orders-${env}`,
          namespace: 'argocd',
          labels: { 'backstage.io/kubernetes-id': 'orders' },
          finalizers: ['resources-finalizer.argocd.argoproj.io'],
        },
        spec: {
          project: 'orders',
          source: {
            repoURL: 'https://gitlab.com/acme/orders.git',
            targetRevision: 'main',
            path: `deploy/kubernetes/overlays/${env}`,
          },
          destination: {
            server: 'https://kubernetes.default.svc',
            namespace: `orders-${env}`,
          },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['CreateNamespace=true'],
            managedNamespaceMetadata: {
              labels: {
                'pod-security.kubernetes.io/enforce': 'restricted',
                'pod-security.kubernetes.io/audit': 'restricted',
                'pod-security.kubernetes.io/warn': 'restricted',
              },
            },
          },
        },
      });
      // The path it syncs exists and builds into the namespace it deploys to.
      const built = overlay(env);
      expect(new Set(built.map(o => o.metadata.namespace))).toEqual(
        new Set([app.spec.destination.namespace]),
      );
      // Egress goes where the options say, nowhere else.
      const policy = one(built, 'NetworkPolicy').spec;
      expect(policy.egress[2].to).toEqual([
        {
          namespaceSelector: {
            matchLabels: { 'kubernetes.io/metadata.name': 'databases' },
          },
        },
        { ipBlock: { cidr: '10.20.0.0/16' } },
      ]);
      expect(policy.egress[3].to).toEqual([
        {
          namespaceSelector: {
            matchLabels: { 'kubernetes.io/metadata.name': 'observability' },
          },
        },
      ]);
    }
    // The project: this repository only, the two namespaces only, and exactly the kinds the overlays render.
    const [project] = yamlObjects('deploy/argocd/appproject.yaml');
    expect(project).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'orders', namespace: 'argocd' },
      spec: {
        sourceRepos: ['https://gitlab.com/acme/orders.git'],
        destinations: [
          { server: 'https://kubernetes.default.svc', namespace: 'orders-dev' },
          {
            server: 'https://kubernetes.default.svc',
            namespace: 'orders-prod',
          },
        ],
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
      },
    });
    const rendered = new Set(
      [...overlay('dev'), ...overlay('prod')].map(
        o =>
          `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${
            o.kind
          }`,
      ),
    );
    expect(
      new Set(
        project.spec.namespaceResourceWhitelist.map(
          (k: { group: string; kind: string }) => `${k.group}/${k.kind}`,
        ),
      ),
    ).toEqual(rendered);
    expect(
      parse(read('.microservice/answers.yaml')).actions[DEPLOY_RENDER_ID],
    ).toMatchObject({
      argocd: true,
      databaseEgress: 'namespace:databases,10.20.0.0/16',
      otlpEgress: 'namespace:observability',
    });
  });

  it("names the prod Application in the service's catalog-info.yaml, changing nothing else in it", async () => {
    const service = {
      stack: 'go',
      name: 'payments',
      owner: OWNER,
      description: HOSTILE,
      repoUrl: 'github.com?owner=acme&repo=payments',
    };
    await createServiceRenderAction({ integrations }).handler(
      createMockActionContext({
        input: service as any,
        workspacePath: workspace.path,
      }),
    );
    const before = yamlObjects('catalog-info.yaml');
    await run({ ...service, argocd: true });
    const after = yamlObjects('catalog-info.yaml');
    expect(after[0].metadata.annotations).toEqual({
      ...before[0].metadata.annotations,
      'argocd/app-name': 'payments-prod',
    });
    expect(
      yamlObjects('deploy/argocd/application-prod.yaml')[0].metadata.name,
    ).toBe('payments-prod');
    expect({
      ...after[0],
      metadata: {
        ...after[0].metadata,
        annotations: before[0].metadata.annotations,
      },
    }).toEqual(before[0]);
    expect(after.slice(1)).toEqual(before.slice(1));
  });

  it('renders no Argo CD Application unless asked', async () => {
    const ctx = await run({
      stack: 'go',
      name: 'orders',
      owner: OWNER,
      repoUrl: 'github.com?owner=acme&repo=orders',
    });
    expect(list().filter(f => f.startsWith('deploy/argocd'))).toEqual([]);
    expect(ctx.output).toHaveBeenCalledWith('argocdApplications', []);
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
