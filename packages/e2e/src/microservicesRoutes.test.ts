/*
 * The portal's own routes (/api/microservices) on the real embedded backend: the template's releases and
 * changelog, and the Create form's preview, which runs the template's steps through the scaffolder's dry run.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  api,
  startBackend,
  waitForEntity,
  waitForTask,
  type RunningBackend,
} from './backend';

jest.setTimeout(240_000);

const MODULE_DIR = path.join(
  __dirname,
  '../../../plugins/scaffolder-backend-module-microservices',
);
const values = (stack: string, name = 'billing-api') => ({
  stack,
  name,
  owner: 'group:default/team-a',
});

describe('/api/microservices on the embedded backend', () => {
  let backend: RunningBackend;

  beforeAll(async () => {
    backend = await startBackend();
    await waitForEntity(backend, 'template:default/microservice');
    await waitForEntity(backend, 'template:default/microservice-update');
  });
  afterAll(async () => {
    await backend?.stop();
  });

  it('answers the releases of the installed template package, newest first, with their changelog sections', async () => {
    const { status, body } = await api(
      backend,
      'GET',
      '/api/microservices/releases',
    );
    expect(status).toBe(200);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(MODULE_DIR, 'package.json'), 'utf8'),
    );
    expect(body.newest).toBe(manifest.version);
    const changelog = fs.readFileSync(
      path.join(MODULE_DIR, 'CHANGELOG.md'),
      'utf8',
    );
    const versions = [...changelog.matchAll(/^## (\d+\.\d+\.\d+)$/gm)].map(
      m => m[1],
    );
    expect(body.releases.map((r: { version: string }) => r.version)).toEqual(
      versions,
    );
    expect(body.releases[0].notes).toContain('### Minor Changes');
    expect(body.releases[0].notes).not.toMatch(/^## /m);
  });

  it('refuses callers without a token', async () => {
    for (const [method, route] of [
      ['GET', '/api/microservices/releases'],
      ['POST', '/api/microservices/preview'],
    ]) {
      const response = await fetch(`${backend.baseUrl}${route}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body:
          method === 'POST'
            ? JSON.stringify({ values: values('go') })
            : undefined,
      });
      expect(response.status).toBe(401);
    }
  });

  it.each([
    ['go', 'cmd/api/main.go', 'package main'],
    ['rust', 'src/main.rs', 'fn main'],
    ['dotnet', 'src/BillingApi.Api/Program.cs', 'WebApplication'],
  ])(
    'previews a %s service: its tree and key files, as the template would generate them',
    async (stack, mainFile, mainText) => {
      const { status, body } = await api(
        backend,
        'POST',
        '/api/microservices/preview',
        { values: values(stack) },
      );
      expect(status).toBe(200);
      const paths = body.tree.map((e: { path: string }) => e.path);
      expect(paths).toEqual([...paths].sort((a, b) => a.localeCompare(b)));
      expect(paths).toEqual(
        expect.arrayContaining([
          'README.md',
          'openapi.yaml',
          'Dockerfile',
          'catalog-info.yaml',
          '.microservice/answers.yaml',
          mainFile,
        ]),
      );
      expect(body.cutOff).toBeUndefined();
      expect(body.totalBytes).toBe(
        body.tree.reduce((n: number, e: { size: number }) => n + e.size, 0),
      );
      const files = Object.fromEntries(
        body.files.map((f: { role: string }) => [f.role, f]),
      );
      expect(files.readme.content).toContain('billing-api');
      expect(files.openapi.content).toMatch(/^openapi: 3/m);
      expect(files.dockerfile.content).toMatch(/^FROM /m);
      expect(files.main.path).toBe(mainFile);
      expect(files.main.content).toContain(mainText);
      // Nothing was published: the preview is a dry run.
      expect(fs.existsSync(path.join(backend.reposDir, 'billing-api'))).toBe(
        false,
      );
    },
  );

  it('answers the template parameters’ own field errors for invalid values, page by page as the form checks them', async () => {
    const badName = await api(backend, 'POST', '/api/microservices/preview', {
      values: { ...values('go'), name: 'Billing_API', resource: '9x' },
    });
    expect(badName.status).toBe(400);
    // The About page is refused first, as the form stops there.
    expect(badName.body.fieldErrors).toEqual([
      {
        field: 'name',
        message: 'does not match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"',
      },
    ]);
    const badResource = await api(
      backend,
      'POST',
      '/api/microservices/preview',
      { values: { ...values('go'), resource: '9x' } },
    );
    expect(badResource.status).toBe(400);
    expect(badResource.body.fieldErrors).toEqual([
      {
        field: 'resource',
        message: expect.stringContaining('does not match pattern'),
      },
    ]);
  });

  it('names the field when the request is malformed, the template unknown or not a microservice template', async () => {
    const noValues = await api(backend, 'POST', '/api/microservices/preview', {
      templateRef: 'template:default/microservice',
    });
    expect(noValues.status).toBe(400);
    expect(noValues.body.error.message).toMatch(/^values: /);

    const unknown = await api(backend, 'POST', '/api/microservices/preview', {
      templateRef: 'template:default/nope',
      values: values('go'),
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('templateRef');

    const update = await api(backend, 'POST', '/api/microservices/preview', {
      templateRef: 'template:default/microservice-update',
      values: values('go'),
    });
    expect(update.status).toBe(400);
    expect(update.body.error.message).toBe(
      'templateRef: template:default/microservice-update is not one of the templates this portal previews (microservices.preview.templates: template:default/microservice)',
    );
  });

  it('lists the update proposals of the Components asked for, or why not', async () => {
    const { status, body } = await api(
      backend,
      'POST',
      '/api/scaffolder/v2/tasks',
      {
        templateRef: 'template:default/microservice',
        values: values('go', 'proposals-api'),
      },
    );
    expect(status).toBe(201);
    expect((await waitForTask(backend, body.id)).status).toBe('completed');
    const answer = await api(backend, 'POST', '/api/microservices/proposals', {
      entityRefs: [
        'component:default/proposals-api',
        'component:default/cross-stack-microservices',
        'component:default/nope',
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual({
      'component:default/proposals-api': { proposals: [] },
      // This repository's own Component: a `file` location the backend reads, not a repository.
      'component:default/cross-stack-microservices': {
        error: expect.stringMatching(
          /^its location \(backstage\.io\/managed-by-location\) is 'file:.*', not a registered repository$/,
        ),
      },
      'component:default/nope': { error: 'not in the catalog' },
    });
    const malformed = await api(
      backend,
      'POST',
      '/api/microservices/proposals',
      { entityRefs: 'component:default/proposals-api' },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/^entityRefs: /);
  });

  it('runs one preview per person at a time, answering 429 to the others', async () => {
    const answers = await Promise.all(
      ['go', 'rust', 'dotnet'].map(stack =>
        api(backend, 'POST', '/api/microservices/preview', {
          values: values(stack),
        }),
      ),
    );
    const statuses = answers.map(a => a.status).sort();
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(429);
    expect(answers.find(a => a.status === 429)!.body.error.message).toBe(
      'A preview of yours is still rendering; the next one starts when it has answered',
    );
  });
});

/** One preview of a Go service on a backend started with the given environment (its own config). */
async function previewWith(env: Record<string, string>) {
  const backend = await startBackend({ env });
  try {
    // Ready is not loaded: the catalog reads the template a moment after the backend starts.
    await waitForEntity(backend, 'template:default/microservice');
    return await api(backend, 'POST', '/api/microservices/preview', {
      values: values('go'),
    });
  } finally {
    await backend.stop();
  }
}

describe('/api/microservices/preview with small bounds', () => {
  it('lists a render larger than microservices.preview.maxBytes up to the bound, saying so', async () => {
    const { status, body } = await previewWith({
      APP_CONFIG_microservices_preview_maxBytes: '180000',
    });
    expect(status).toBe(200);
    expect(body.totalBytes).toBeLessThanOrEqual(180_000);
    expect(body.tree.length).toBeGreaterThan(0);
    expect(body.cutOff).toMatch(
      /^The preview was cut off after \d+ of \d+ files: the generated files exceed 180000 bytes/,
    );
  });

  it('does not even read a dry run far larger than the bound', async () => {
    const { status, body } = await previewWith({
      APP_CONFIG_microservices_preview_maxBytes: '20000',
    });
    expect(status).toBe(200);
    expect(body.tree).toEqual([]);
    expect(body.cutOff).toBe(
      "The preview was cut off: the dry run's answer exceeds 95536 bytes, so the generated files exceed 20000 bytes (microservices.preview.maxBytes)",
    );
  });

  it('cuts off a render slower than microservices.preview.timeoutMs, saying so', async () => {
    const { status, body } = await previewWith({
      APP_CONFIG_microservices_preview_timeoutMs: '5',
    });
    expect(status).toBe(503);
    expect(body.error.message).toBe(
      'The preview was cut off: rendering took longer than 5 ms (microservices.preview.timeoutMs)',
    );
  });
});
