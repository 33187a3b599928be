import { createMockDirectory } from '@backstage/backend-test-utils';
import fs from 'node:fs';
import { parse } from 'yaml';
import {
  parseRenderArgs,
  renderFromTemplate,
  runRenderCommand,
  TEMPLATE_FILE,
} from './render';
import {
  loadTemplate,
  parameterDefaults,
  renderStepInput,
} from './templateSteps';

describe('yarn render', () => {
  const dir = createMockDirectory();
  beforeEach(() => dir.clear());

  it('maps flags, --values and --set onto the template parameter names', () => {
    dir.setContent({
      'answers.yaml':
        'description: "From: file"\nresource: order\nauth: false\n',
    });
    const request = parseRenderArgs([
      '--stack',
      'rust',
      '--name',
      'orders',
      '--values',
      dir.resolve('answers.yaml'),
      '--set',
      'auth=true',
      '--set',
      'system=system:default/commerce',
      '--out',
      dir.resolve('out'),
    ]);
    expect(request.parameters).toEqual({
      stack: 'rust',
      name: 'orders',
      owner: 'group:default/team-a',
      description: 'From: file',
      resource: 'order',
      auth: true,
      system: 'system:default/commerce',
    });
    expect(request.out).toBe(dir.resolve('out'));
  });

  it('requires --out and refuses unknown flags', () => {
    expect(() => parseRenderArgs(['--stack', 'go'])).toThrow('--out: required');
    expect(() => parseRenderArgs(['--out', 'x', '--colour', 'red'])).toThrow(
      /colour/,
    );
  });

  it('--help prints the usage with every option; an unknown option prints it with the error', async () => {
    const run = async (argv: string[]) => {
      let out = '';
      let err = '';
      const code = await runRenderCommand(argv, {
        out: t => (out += t),
        err: t => (err += t),
      });
      return { code, out, err };
    };
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const option of [
      '--stack',
      '--name',
      '--out',
      '--owner',
      '--description',
      '--values',
      '--set',
      '--help',
    ]) {
      expect(help.out).toContain(`  ${option} `);
    }
    const unknown = await run(['--out', 'x', '--colour', 'red']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(
      /Unknown option '--colour'[\s\S]*usage: yarn render --stack/,
    );
  });

  it('renders what the template steps render, with the template defaults', async () => {
    const out = dir.resolve('svc/billing-api');
    const files = await renderFromTemplate({
      parameters: {
        stack: 'go',
        name: 'billing-api',
        owner: 'group:default/team-a',
      },
      out,
    });
    expect(files).toContain('go.mod');
    expect(fs.readdirSync(dir.resolve('svc'))).toEqual(['billing-api']);
    // The template's default resource is 'user'.
    expect(
      Object.keys(parse(fs.readFileSync(`${out}/openapi.yaml`, 'utf8')).paths),
    ).toContain('/api/v1/users');
  });

  it('leaves no directory behind on bad input', async () => {
    const out = dir.resolve('new-parent/bad');
    await expect(
      renderFromTemplate({
        parameters: {
          stack: 'go',
          name: 'Bad_Name',
          owner: 'group:default/team-a',
        },
        out,
      }),
    ).rejects.toThrow("name: 'Bad_Name' is not a DNS-1123 label");
    expect(fs.existsSync(dir.resolve('new-parent'))).toBe(false);
    // The action's published schema offers only the proven stacks, and is checked as the scaffolder checks it.
    await expect(
      renderFromTemplate({
        parameters: {
          stack: 'cobol',
          name: 'svc',
          owner: 'group:default/team-a',
        },
        out: dir.resolve('x'),
      }),
    ).rejects.toThrow(
      'Invalid input passed to action microservice:service:render: stack: is not one of enum values: go,dotnet,rust',
    );
    expect(dir.content()).toEqual({});
  });

  it('refuses an existing --out', async () => {
    dir.setContent({ out: {} });
    await expect(
      renderFromTemplate({
        parameters: { stack: 'go', name: 'svc', owner: 'group:default/team-a' },
        out: dir.resolve('out'),
      }),
    ).rejects.toThrow(/--out: .* already exists/);
  });

  it('fills step inputs as the scaffolder does: sole expressions keep their type', () => {
    const template = loadTemplate(TEMPLATE_FILE);
    const parameters = {
      ...parameterDefaults(template),
      name: 'x',
      owner: 'o',
      auth: true,
    };
    const step = template.spec.steps.find(
      s => s.action === 'microservice:service:render',
    )!;
    const input = renderStepInput(step.input!, { parameters }) as any;
    expect(input.features).toEqual({ auth: true });
    expect(input.name).toBe('x');
    expect(renderStepInput('${{ parameters.name }}-svc', { parameters })).toBe(
      'x-svc',
    );
  });
});
