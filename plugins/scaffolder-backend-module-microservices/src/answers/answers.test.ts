import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parse, stringify } from 'yaml';
import { createDeployRenderAction } from '../actions/deployRender';
import { createServiceRenderAction } from '../actions/serviceRender';
import { PACKAGE_NAME, packageVersion } from '../packageFiles';
import { publicHostIntegrations } from '../scm/repositoryLocation';
import { ANSWERS_FILE, formatAnswers, parseAnswers, type Answers } from '.';

describe('recorded answers', () => {
  const workspace = createMockDirectory();
  beforeEach(() => workspace.clear());
  const integrations = publicHostIntegrations();

  const render = async (
    action: ReturnType<typeof createServiceRenderAction>,
    input: Record<string, unknown>,
  ) => {
    const ctx = createMockActionContext({
      input: input as any,
      workspacePath: workspace.path,
      templateInfo: { entityRef: 'template:platform/go-service' } as any,
    });
    await action.handler(ctx);
    return ctx;
  };

  it('records every value both render actions used, defaults and derived names included, in a fixed order', async () => {
    const service = await render(createServiceRenderAction({ integrations }), {
      stack: 'rust',
      name: 'people-api',
      owner: 'group:default/team-a',
      resource: 'person',
      repoUrl: 'github.com?owner=acme&repo=people-api',
    });
    await render(createDeployRenderAction({ integrations }) as any, {
      stack: 'rust',
      name: 'people-api',
      owner: 'group:default/team-a',
      ci: 'gitlab',
      repoUrl: 'github.com?owner=acme&repo=people-api',
    });
    expect(service.output).toHaveBeenCalledWith(
      'files',
      expect.arrayContaining([ANSWERS_FILE]),
    );
    const text = (workspace.content() as any)['.microservice'];
    const answers = parse(text['answers.yaml']);
    expect(answers).toEqual({
      apiVersion: 'microservices.cross-stack.dev/v1',
      kind: 'Answers',
      templateRef: 'template:platform/go-service',
      package: PACKAGE_NAME,
      packageVersion: packageVersion(),
      actions: {
        'microservice:service:render': {
          stack: 'rust',
          name: 'people-api',
          owner: 'group:default/team-a',
          description: '',
          system: '',
          lifecycle: 'experimental',
          resource: 'person',
          resourcePlural: 'people',
          features: { auth: false },
          repoUrl: 'github.com?owner=acme&repo=people-api',
        },
        'microservice:deploy:render': {
          stack: 'rust',
          name: 'people-api',
          owner: 'group:default/team-a',
          description: '',
          repoUrl: 'github.com?owner=acme&repo=people-api',
          image: 'ghcr.io/acme/people-api',
          port: 8080,
          ci: 'gitlab',
          signing: 'keyless',
          serviceMonitor: false,
          auth: false,
          license: 'LicenseRef-Proprietary',
          argocd: false,
          databaseEgress: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16',
          otlpEgress: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16',
        },
      },
    });
    expect(text['answers.yaml']).toMatch(/^# Recorded by @cross-stack\//);
    // The same answers always give the same bytes.
    expect(formatAnswers(parseAnswers(text['answers.yaml']))).toBe(
      text['answers.yaml'],
    );
  });

  it('replaces its own entry when rendered again with overwrite, and refuses a foreign answers file', async () => {
    const action = createServiceRenderAction({ integrations });
    const input = { stack: 'go', name: 'svc', owner: 'group:default/a' };
    await render(action, input);
    await render(action, { ...input, description: 'Second', overwrite: true });
    const answers = parseAnswers(
      (workspace.content() as any)['.microservice']['answers.yaml'],
    );
    expect(Object.keys(answers.actions)).toEqual([
      'microservice:service:render',
    ]);
    expect(answers.actions['microservice:service:render']!.description).toBe(
      'Second',
    );

    workspace.clear();
    workspace.setContent({ '.microservice': { 'answers.yaml': 'mine: 1\n' } });
    await expect(render(action, input)).rejects.toThrow(
      /^targetPath: \.microservice\/answers\.yaml already exists there and is not an answers file this package wrote/,
    );
    expect(workspace.content()).toEqual({
      '.microservice': { 'answers.yaml': 'mine: 1\n' },
    });
  });

  it('refuses answers files it cannot trust, naming the problem', () => {
    const valid: Answers = {
      apiVersion: 'microservices.cross-stack.dev/v1',
      kind: 'Answers',
      templateRef: 'template:default/microservice',
      package: PACKAGE_NAME,
      packageVersion: '0.1.0',
      actions: { 'microservice:service:render': { stack: 'go' } },
    };
    expect(parseAnswers(formatAnswers(valid))).toEqual(valid);
    const broken = (change: Record<string, unknown>) =>
      stringify({ ...valid, ...change });
    expect(() => parseAnswers('a: [')).toThrow(/YAML error/);
    expect(() => parseAnswers('- 1\n')).toThrow(/not a YAML mapping/);
    expect(() => parseAnswers(broken({ packageVersion: '' }))).toThrow(
      /packageVersion must be a non-empty string/,
    );
    expect(() => parseAnswers(broken({ package: 'other' }))).toThrow(
      /package is 'other'/,
    );
    expect(() =>
      parseAnswers(broken({ actions: { 'fetch:template': {} } })),
    ).toThrow(/actions\.fetch:template is not an action this package records/);
    expect(() => parseAnswers(broken({ actions: {} }))).toThrow(
      /actions records no action/,
    );
  });
});
