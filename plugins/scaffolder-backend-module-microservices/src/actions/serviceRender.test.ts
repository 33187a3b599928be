import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import {
  GITHUB_ENTERPRISE,
  SELF_HOSTED_GITLAB,
  selfHostedIntegrations,
} from '../../testUtils/integrations';
import { packageVersion } from '../packageFiles';
import { createServiceRenderAction } from './serviceRender';

const HOSTILE =
  'Bills: "quoted" \'single\'\nsecond line ${{ values.name }} {% raw %}x{% endraw %} {# c #} # hash ünïcode 🚀 \\ back';

describe('microservice:service:render', () => {
  const workspace = createMockDirectory();
  const action = createServiceRenderAction({
    integrations: selfHostedIntegrations(),
  });
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
  const list = (dir = workspace.path): string[] =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir, { withFileTypes: true })
          .flatMap(e =>
            e.isDirectory()
              ? list(path.join(dir, e.name)).map(f => `${e.name}/${f}`)
              : [e.name],
          )
      : [];

  it('renders the Go skeleton with only the required inputs', async () => {
    const ctx = await run({
      stack: 'go',
      name: 'billing-api',
      owner: 'group:default/team-a',
    });
    const files = list();
    expect(files).toEqual(
      expect.arrayContaining([
        'cmd/api/main.go',
        'go.mod',
        'go.sum',
        'openapi.yaml',
        'catalog-info.yaml',
        'README.md',
        'mkdocs.yml',
        'docs/index.md',
        'migrations/0001_create_users.sql',
      ]),
    );
    expect(files.some(f => f.endsWith('.njk'))).toBe(false);
    expect(files).not.toContain('pkg/middleware/auth.go');
    expect(read('go.mod')).toMatch(/^module example\.com\/billing-api$/m);
    expect(read('go.mod')).toMatch(/^go 1\.26/m);
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/billing-api',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'files',
      expect.arrayContaining(['go.mod']),
    );
  });

  it('adds the JWT middleware only when auth is on, and takes the Go module from repoUrl', async () => {
    await run({
      stack: 'go',
      name: 'billing-api',
      owner: 'group:default/team-a',
      features: { auth: true },
      repoUrl: 'github.com?owner=Acme&repo=billing-api',
    });
    expect(list()).toContain('pkg/middleware/auth.go');
    expect(read('go.mod')).toMatch(/^module github\.com\/acme\/billing-api$/m);
    const [component] = parseAllDocuments(read('catalog-info.yaml')).map(d =>
      d.toJS(),
    );
    expect(component.metadata.annotations['github.com/project-slug']).toBe(
      'Acme/billing-api',
    );
  });

  it.each([
    [
      `${SELF_HOSTED_GITLAB}?owner=Platform&repo=orders`,
      `${SELF_HOSTED_GITLAB}/platform/orders`,
      { 'gitlab.com/project-slug': 'Platform/orders' },
    ],
    [
      `${GITHUB_ENTERPRISE}?owner=platform&repo=orders`,
      `${GITHUB_ENTERPRISE}/platform/orders`,
      { 'github.com/project-slug': 'platform/orders' },
    ],
    [
      'bitbucket.org?workspace=acme&project=shop&repo=orders',
      'bitbucket.org/acme/orders',
      {},
    ],
  ])(
    'takes the Go module and the SCM annotation from the integration of %s',
    async (repoUrl, module, annotations) => {
      await run({
        stack: 'go',
        name: 'orders',
        owner: 'group:default/team-a',
        repoUrl,
      });
      expect(read('go.mod').split('\n')[0]).toBe(`module ${module}`);
      const [component] = parseAllDocuments(read('catalog-info.yaml')).map(d =>
        d.toJS(),
      );
      const scm = Object.fromEntries(
        Object.entries(component.metadata.annotations).filter(([k]) =>
          k.endsWith('/project-slug'),
        ),
      );
      expect(scm).toEqual(annotations);
    },
  );

  it('refuses a repository host without an integration, naming repoUrl and the configured hosts, writing nothing', async () => {
    await expect(
      run({
        stack: 'go',
        name: 'orders',
        owner: 'group:default/team-a',
        repoUrl: 'git.example.org?owner=a&repo=orders',
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(
        new RegExp(
          `^repoUrl: no SCM integration is configured for host 'git\\.example\\.org'; configured hosts: .*${SELF_HOSTED_GITLAB}, ${GITHUB_ENTERPRISE}, github\\.com, gitlab\\.com`,
        ),
      ),
    });
    expect(list()).toEqual([]);
  });

  it('writes catalog-info.yaml with Component, API and Resource, and keeps free text literal everywhere', async () => {
    await run({
      stack: 'go',
      name: 'billing-api',
      owner: 'group:default/team-a',
      system: 'system:default/payments',
      description: HOSTILE,
    });
    const docs = parseAllDocuments(read('catalog-info.yaml')).map(d =>
      d.toJS(),
    );
    expect(docs.map(d => `${d.kind}:${d.metadata.name}`)).toEqual([
      'Component:billing-api',
      'API:billing-api',
      'Resource:billing-api-db',
    ]);
    const [component, api, resource] = docs;
    expect(component.metadata.description).toBe(HOSTILE);
    expect(component.spec).toMatchObject({
      type: 'service',
      lifecycle: 'experimental',
      owner: 'group:default/team-a',
      system: 'system:default/payments',
      providesApis: ['api:billing-api'],
      dependsOn: ['resource:billing-api-db'],
    });
    expect(component.metadata.annotations).toMatchObject({
      'backstage.io/techdocs-ref': 'dir:.',
      'backstage.io/kubernetes-id': 'billing-api',
      'backstage.io/source-template': 'template:default/microservice',
      // Where the Component comes from: template, version and stack, which an update rewrites.
      'cross-stack.dev/template-version': packageVersion(),
      'cross-stack.dev/stack': 'go',
    });
    expect(api.spec).toMatchObject({
      type: 'openapi',
      definition: { $text: './openapi.yaml' },
    });
    expect(resource.spec).toMatchObject({
      type: 'database',
      owner: 'group:default/team-a',
    });

    expect(parse(read('openapi.yaml')).info.description).toBe(HOSTILE);
    expect(parse(read('mkdocs.yml')).site_name).toBe('Billing Api');
    expect(read('README.md')).toContain(HOSTILE);
  });

  it('renames the resource everywhere', async () => {
    await run({
      stack: 'go',
      name: 'crm',
      owner: 'group:default/team-a',
      resource: 'customer',
    });
    const openapi = parse(read('openapi.yaml'));
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/v1/customers', '/api/v1/customers/{id}']),
    );
    expect(read('migrations/0001_create_customers.sql')).toMatch(
      /CREATE TABLE "customers"/,
    );
  });

  it('renders the Rust skeleton with a Cargo.lock whose root package follows the name, in cargo order', async () => {
    await run({ stack: 'rust', name: 'orders', owner: 'group:default/team-a' });
    expect(read('Cargo.toml')).toMatch(/^name = "orders"$/m);
    const lock = read('Cargo.lock');
    const names = [...lock.matchAll(/^name = "([^"]+)"$/gm)].map(m => m[1]);
    expect(names).toContain('orders');
    expect(names).not.toContain('billing-api');
    expect([...names].sort()).toEqual(names);
  });

  it.each([
    ['', /name: required/],
    ['Billing', /name: 'Billing' is not a DNS-1123 label/],
    ['billing_api', /name: 'billing_api' is not a DNS-1123 label/],
    ['billing api', /not a DNS-1123 label/],
    ['-billing', /not a DNS-1123 label/],
    ['billing-', /not a DNS-1123 label/],
    ['a'.repeat(64), /64 characters; a DNS-1123 label has at most 63/],
    ['../etc', /not a DNS-1123 label/],
    ['${{ values.x }}', /not a DNS-1123 label/],
  ])(
    'refuses the name %j with an InputError naming the field',
    async (name, message) => {
      await expect(
        run({ stack: 'go', name, owner: 'group:default/team-a' }),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringMatching(message),
      });
      expect(list()).toEqual([]);
    },
  );

  it('refuses an unknown stack without rendering anything', async () => {
    await expect(
      run({ stack: 'cobol', name: 'svc', owner: 'group:default/team-a' }),
    ).rejects.toThrow("stack: 'cobol' is unknown");
    expect(list()).toEqual([]);
  });

  it.each(['self', 'crate', 'test', 'async', 'type', 'tokio', '1password'])(
    'refuses the Rust crate name %j with an InputError',
    async name => {
      await expect(
        run({ stack: 'rust', name, owner: 'group:default/team-a' }),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringMatching(/^name: /),
      });
      expect(list()).toEqual([]);
    },
  );

  it.each([
    ['1password', /starts with a digit.*try 'svc-1password'/],
    [
      'system',
      /C# namespace 'System', which clashes with 'System'.*try 'system-service'/,
    ],
    ['microsoft', /clashes with 'Microsoft'/],
    ['program', /clashes with 'Program'/],
    ['npgsql', /C# namespace 'Npgsql', which clashes with 'Npgsql'/],
    [
      'open-telemetry',
      /C# namespace 'OpenTelemetry', which clashes with 'OpenTelemetry/,
    ],
    [
      'opentelemetry',
      /C# namespace 'Opentelemetry', which clashes with 'OpenTelemetry/,
    ],
    ['metrics', /C# namespace 'Metrics', which clashes with 'Metrics'/],
    [
      'class',
      /C# namespace 'Class', a C# or Visual Basic keyword.*CA1716.*try 'class-service'/,
    ],
    ['module', /C# namespace 'Module', a C# or Visual Basic keyword/],
    ['task', /C# namespace 'Task', which clashes with 'Task'/],
    ['api-error', /C# namespace 'ApiError', which clashes with 'ApiError'/],
    [
      'new-user',
      /C# namespace 'NewUser', which would hide 'NewUser' \(made from the resource\)/,
    ],
  ])(
    'refuses the .NET name %j with an InputError on name that suggests another',
    async (name, message) => {
      await expect(
        run({ stack: 'dotnet', name, owner: 'group:default/team-a' }),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringMatching(
          new RegExp(`^name: .*${message.source}`),
        ),
      });
      expect(list()).toEqual([]);
    },
  );

  it.each([
    [
      'task',
      "resource: 'task' gives the C# name 'Task', which clashes with 'Task'",
    ],
    [
      'metric',
      "resource: 'metric' gives the C# name 'Metrics', which clashes with 'Metrics'",
    ],
    [
      'class',
      "resource: 'class' gives the C# name 'Class', a C# or Visual Basic keyword",
    ],
    [
      'name',
      "resource: 'name' gives the C# type 'Name', which cannot have its field 'Name'",
    ],
    [
      'configuration',
      "resource: 'configuration' gives the C# name 'Configuration', which clashes with 'Configuration'",
    ],
  ])(
    'refuses the .NET resource %j whose C# names would shadow the code',
    async (resource, message) => {
      await expect(
        run({
          stack: 'dotnet',
          name: 'billing-api',
          owner: 'group:default/team-a',
          resource,
        }),
      ).rejects.toThrow(message);
      expect(list()).toEqual([]);
    },
  );

  it('refuses a .NET name whose namespace would hide the resource type', async () => {
    await expect(
      run({
        stack: 'dotnet',
        name: 'customer',
        owner: 'group:default/team-a',
        resource: 'customer',
      }),
    ).rejects.toThrow(
      "name: 'customer' becomes the C# namespace 'Customer', which would hide the resource type 'Customer'",
    );
    expect(list()).toEqual([]);
  });

  it('refuses a bad resource, owner and an escaping targetPath', async () => {
    const base = { stack: 'go', name: 'svc', owner: 'group:default/team-a' };
    await expect(run({ ...base, resource: 'User_Name' })).rejects.toThrow(
      /^resource: /,
    );
    await expect(run({ ...base, owner: '' })).rejects.toThrow(
      /^owner: required/,
    );
    await expect(run({ ...base, targetPath: '../outside' })).rejects.toThrow(
      /outside/i,
    );
    expect(list()).toEqual([]);
  });

  it('refuses to overwrite an existing service unless asked', async () => {
    const input = { stack: 'go', name: 'svc', owner: 'group:default/team-a' };
    await run(input);
    await expect(run(input)).rejects.toThrow(
      /targetPath: \d+ file\(s\) already exist/,
    );
    await run({ ...input, overwrite: true });
  });
});
