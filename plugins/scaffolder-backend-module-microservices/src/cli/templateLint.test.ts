import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { runTemplateCommand, TEMPLATES_DIR } from './template';
import { combinations, findTemplates, references } from './templateLint';

jest.setTimeout(180_000);

const FIXTURES = path.join(__dirname, '../../testUtils/fixtures/template-lint');
const PACKAGE_DIR = path.join(__dirname, '../..');

describe('yarn template lint', () => {
  it('--help prints the usage with every option; an unknown option prints it with the error', async () => {
    let out = '';
    let err = '';
    const io = {
      out: (t: string) => (out += t),
      err: (t: string) => (err += t),
    };
    expect(await runTemplateCommand(['lint', '--help'], io)).toBe(0);
    for (const option of ['template.yaml …', '--exhaustive', '--help']) {
      expect(out).toContain(`  ${option} `);
    }
    expect(await runTemplateCommand(['lint', '--fast'], io)).toBe(2);
    expect(err).toMatch(
      /Unknown option '--fast'[\s\S]*usage: yarn template lint/,
    );
  });

  it('finds every template under templates/', () => {
    expect(
      findTemplates(TEMPLATES_DIR).map(f => path.relative(TEMPLATES_DIR, f)),
    ).toEqual(['microservice/template.yaml', 'update/template.yaml']);
  });

  it('extracts parameter and step-output references in every spelling', () => {
    expect(
      references({
        a: "${{ parameters.name }}-${{ parameters['repo-url'] }}",
        b: [
          "${{ steps['publish-local'].output.repoContentsUrl }}",
          '${{ steps.service.output["entityRef"] or steps.x }}',
        ],
        c: 'no ${ expression } here, parameters.name',
      }),
    ).toEqual({
      parameters: ['name', 'repo-url'],
      steps: [
        {
          step: 'publish-local',
          output: 'repoContentsUrl',
          text: "steps['publish-local'].output.repoContentsUrl",
        },
        {
          step: 'service',
          output: 'entityRef',
          text: 'steps.service.output["entityRef"]',
        },
        { step: 'x', output: undefined, text: 'steps.x' },
      ],
    });
  });

  it('dry-runs the defaults and each choice alone for every stack, filling dependency branches', () => {
    const template = parse(
      fs.readFileSync(
        path.join(TEMPLATES_DIR, 'microservice/template.yaml'),
        'utf8',
      ),
    );
    const { combinations: sets, missing } = combinations(template);
    expect(missing).toEqual([]);
    expect(sets.map(s => s.label)).toEqual(
      ['go', 'dotnet', 'rust'].flatMap(stack =>
        [
          '',
          ', auth=true',
          ', ci="gitlab"',
          ', ci="none"',
          ', signing="key"',
          ', serviceMonitor=true',
          ', publish="github"',
          ', publish="gitlab"',
        ].map(rest => `stack="${stack}"${rest}`),
      ),
    );
    expect(
      sets.find(s => s.label === 'stack="rust", publish="gitlab"')!.values,
    ).toEqual({
      name: 'orders-api',
      owner: 'group:default/team-a',
      description: '',
      system: '',
      stack: 'rust',
      resource: 'user',
      auth: false,
      ci: 'github',
      signing: 'keyless',
      serviceMonitor: false,
      databaseEgress: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16',
      otlpEgress: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16',
      publish: 'gitlab',
      repoUrl: 'gitlab.com?owner=acme&repo=orders-api',
      argocd: false,
      // The Preview page's field, which holds no answer.
      preview: null,
    });
    expect(
      combinations(template, { exhaustive: true }).combinations,
    ).toHaveLength(3 * 2 * 3 * 2 * 2 * 3);
  });

  it('passes the shipped templates and reports each broken fixture precisely, exiting non-zero', () => {
    const fixtures = fs.readdirSync(FIXTURES).sort();
    const run = spawnSync(
      process.execPath,
      [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        'src/cli/template.ts',
        'lint',
        ...fixtures.map(f => path.join(FIXTURES, f)),
        ...findTemplates(TEMPLATES_DIR),
      ],
      {
        cwd: PACKAGE_DIR,
        encoding: 'utf8',
        env: { ...process.env, CALLER_CWD: FIXTURES },
        timeout: 170_000,
      },
    );
    expect(run.stderr).toMatch(
      /template lint: 9 template\(s\), 12 problem\(s\), \d+ dry run\(s\) in [\d.]+ s/,
    );
    expect(run.status).toBe(1);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      "action.yaml:27: action: step 'service' uses action 'microservice:service:rendr', which is not registered (registered: this module's microservice:*, the scaffolder's built-ins and the GitHub/GitLab modules)",
      `dry-run.yaml:28: dry-run: step 'service': resource: 'health' is reserved by the generated service; choose another name [stack="go"] and 1 more combination(s)`,
      `input.yaml:29: input: step 'deploy': Invalid input passed to action microservice:deploy:render, instance.ci is not one of enum values: github,gitlab,none [stack="go", ci="jenkins"] and 1 more combination(s)`,
      `input.yaml:37: input: step 'publish' (publish:github): repoVisibility is not one of enum values: private,public,internal [stack="go"] and 1 more combination(s)`,
      "parameters.yaml:14: parameters: required parameter 'name' has neither a default nor examples, so lint cannot fill it for a dry run",
      'reference.yaml:30: reference: ${{ parameters.nmae }} names no parameter of this template (parameters: name, owner, stack)',
      "reference.yaml:32: reference: steps.log.output.message refers to step 'log', which runs later",
      "reference.yaml:37: reference: steps.service.output.entityref: action microservice:service:render of step 'service' declares no output 'entityref' (its outputs: targetPath, files, initialCommitMessage, entityRef)",
      'reference.yaml:42: reference: steps.deploy.output.targetPath names no step of this template',
      "schema.yaml:25: schema: /spec/steps/0 must have required property 'action' - missingProperty: action",
      'yaml.yaml:11: yaml: Block collections are not allowed within flow collections',
      'yaml.yaml:12: yaml: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    // Every rule has its fixture.
    expect(fixtures).toEqual(
      [
        'action',
        'dry-run',
        'input',
        'parameters',
        'reference',
        'schema',
        'yaml',
      ].map(r => `${r}.yaml`),
    );
  });
});
