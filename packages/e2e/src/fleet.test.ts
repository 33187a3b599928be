/*
 * The platform team's view in Chromium against the embedded portal: the template card on a fresh Component and on
 * one whose answers record an older version, the fleet page with its counts and a bulk update proposal, and the
 * Create form's preview for every stack. Screenshots go to e2e/screenshots; with UPDATE_DOCS_IMAGES=1 the README's
 * three (docs/images) are written too.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { api, waitForEntity, waitForTask } from './backend';
import {
  describeWithChromium,
  desktopPage,
  fullPageScreenshot,
  launchChromium,
  startPortal,
  type RunningPortal,
} from './portal';

const SCREENSHOTS = path.join(__dirname, '../screenshots');
const DOCS_IMAGES = path.join(__dirname, '../../../docs/images');
const START_TIMEOUT_MS = 15 * 60_000;
jest.setTimeout(5 * 60_000);

const describeInBrowser = describeWithChromium('Fleet browser tests');

const MODULE_VERSION: string = JSON.parse(
  fs.readFileSync(
    path.join(
      __dirname,
      '../../../plugins/scaffolder-backend-module-microservices/package.json',
    ),
    'utf8',
  ),
).version;
const OLD_VERSION = '0.0.9';

describeInBrowser('the platform team’s view (Chromium, headless)', () => {
  let portal: RunningPortal;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    portal = await startPortal(START_TIMEOUT_MS);
    browser = await launchChromium();
    // Two services through the task API: one stays current, one is made to record an older version.
    for (const [name, stack] of [
      ['fleet-current', 'go'],
      ['fleet-behind', 'rust'],
    ]) {
      const { status, body } = await api(
        portal,
        'POST',
        '/api/scaffolder/v2/tasks',
        {
          templateRef: 'template:default/microservice',
          values: { name, stack, owner: 'group:default/team-a' },
        },
      );
      const task = status === 201 ? await waitForTask(portal, body.id) : body;
      if (task.status !== 'completed')
        throw new Error(`creating ${name}: ${JSON.stringify(task)}`);
    }
    const repo = path.join(portal.reposDir, 'fleet-behind');
    for (const [file, from, to] of [
      [
        'catalog-info.yaml',
        `cross-stack.dev/template-version: ${MODULE_VERSION}`,
        `cross-stack.dev/template-version: ${OLD_VERSION}`,
      ],
      [
        '.microservice/answers.yaml',
        `packageVersion: ${MODULE_VERSION}`,
        `packageVersion: ${OLD_VERSION}`,
      ],
    ]) {
      const text = fs.readFileSync(path.join(repo, file), 'utf8');
      if (!text.includes(from)) throw new Error(`${file} lacks '${from}'`);
      fs.writeFileSync(path.join(repo, file), text.replace(from, to));
    }
    execFileSync('git', ['commit', '-qam', `Recorded as ${OLD_VERSION}`], {
      cwd: repo,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
      },
    });
    const { status } = await api(portal, 'POST', '/api/catalog/refresh', {
      entityRef: 'component:default/fleet-behind',
    });
    if (status !== 200) throw new Error(`catalog refresh answered ${status}`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const entity = await waitForEntity(
        portal,
        'component:default/fleet-behind',
      );
      if (
        entity.metadata.annotations['cross-stack.dev/template-version'] ===
        OLD_VERSION
      )
        break;
      if (Date.now() > deadline)
        throw new Error('the catalog did not pick up the older version');
      await new Promise(r => setTimeout(r, 500));
    }
  }, START_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  const newPage = () => desktopPage(browser);

  async function screenshot(page: Page, file: string, docs = false) {
    await fullPageScreenshot(page, path.join(SCREENSHOTS, file));
    if (docs && process.env.UPDATE_DOCS_IMAGES === '1') {
      fs.mkdirSync(DOCS_IMAGES, { recursive: true });
      fs.copyFileSync(
        path.join(SCREENSHOTS, file),
        path.join(DOCS_IMAGES, file),
      );
    }
  }

  const card = (page: Page) => page.locator('.microservice-template-card');

  it('shows a fresh Component’s template card: current version, nothing behind, no update', async () => {
    const page = await newPage();
    await page.goto(
      `${portal.baseUrl}/catalog/default/component/fleet-current`,
    );
    await page.getByText('Status: up to date').waitFor();
    const text = await card(page).innerText();
    expect(text).toContain('Stack: Go');
    expect(text).toContain('Template: template:default/microservice');
    expect(text).toContain(`Rendered version: ${MODULE_VERSION}`);
    expect(text).toContain(`Newest version: ${MODULE_VERSION}`);
    expect(await page.getByRole('link', { name: /^Update to/ }).count()).toBe(
      0,
    );
    await screenshot(page, 'card-current.png');
  });

  it('shows a Component that records an older version as behind, with the changelog, and opens the update template prefilled', async () => {
    const page = await newPage();
    await page.goto(`${portal.baseUrl}/catalog/default/component/fleet-behind`);
    await page.getByText('Status: 1 release behind').waitFor();
    const text = await card(page).innerText();
    expect(text).toContain('Stack: Rust');
    expect(text).toContain(`Rendered version: ${OLD_VERSION}`);
    expect(text).toContain(`Changes in ${MODULE_VERSION}`);
    // The changelog section of the package, rendered from its Markdown.
    expect(text).toContain('First release of the scaffolder module');
    await screenshot(page, 'card-behind.png', true);

    await page
      .getByRole('link', { name: `Update to ${MODULE_VERSION}` })
      .click();
    await page.waitForURL(/\/create\/templates\/default\/microservice-update/);
    // RJSF's input for the `repository` property.
    const repository = page.locator('input#root_repository');
    await repository.waitFor();
    expect(await repository.inputValue()).toBe('fleet-behind');
  });

  it('lists every generated Component on the fleet page with the catalog’s counts, and proposes updates for the selected rows', async () => {
    const { body: generated } = await api(
      portal,
      'GET',
      '/api/catalog/entities/by-query?filter=kind=component,metadata.annotations.cross-stack.dev/template-version&limit=500',
    );
    const items: Array<{
      metadata: { name: string; annotations: Record<string, string> };
    }> = generated.items;
    expect(items.length).toBeGreaterThanOrEqual(2);

    const page = await newPage();
    await page.goto(portal.baseUrl);
    await page.getByRole('link', { name: 'Service fleet' }).first().click();
    await page.getByTestId('fleet-summary').waitFor();
    const rows = page
      .getByRole('table', { name: 'Generated services' })
      .locator('tbody tr');
    expect(await rows.count()).toBe(items.length);
    expect(await page.getByTestId('fleet-summary').innerText()).toBe(
      `${items.length} generated services; newest template version ${MODULE_VERSION}; 1 behind.`,
    );
    const perVersion = new Map<string, number>();
    for (const item of items) {
      const v = item.metadata.annotations['cross-stack.dev/template-version'];
      perVersion.set(v, (perVersion.get(v) ?? 0) + 1);
    }
    for (const [version, count] of perVersion)
      expect(
        await page.getByTestId(`version-count-${version}`).innerText(),
      ).toBe(String(count));
    expect(
      await page.getByTestId('fleet-row-fleet-behind').innerText(),
    ).toMatch(
      /Fleet Behind\s+group:default\/team-a\s+rust\s+0\.0\.9\s+1 release behind/,
    );

    // Filters: the stack filter leaves the Rust services.
    await page.getByRole('button', { name: /^Stack/ }).click();
    await page.getByRole('option', { name: 'rust' }).click();
    expect(await rows.count()).toBe(
      items.filter(
        i => i.metadata.annotations['cross-stack.dev/stack'] === 'rust',
      ).length,
    );
    await page.getByRole('button', { name: /^Stack/ }).click();
    await page.getByRole('option', { name: 'All' }).click();

    const before = (await api(portal, 'GET', '/api/scaffolder/v2/tasks')).body
      .tasks.length;
    await page.getByRole('checkbox', { name: 'Select fleet-behind' }).check();
    await page.getByRole('checkbox', { name: 'Select fleet-current' }).check();
    await page.getByRole('button', { name: 'Propose updates (2)' }).click();
    for (const name of ['fleet-behind', 'fleet-current']) {
      await page
        .getByTestId(`fleet-row-${name}`)
        .getByRole('link', { name: /^task (completed|failed)$/ })
        .waitFor({ timeout: 120_000 });
    }
    const { body: after } = await api(
      portal,
      'GET',
      '/api/scaffolder/v2/tasks',
    );
    const updates = after.tasks
      .slice(0)
      .filter(
        (t: any) =>
          t.spec.templateInfo.entityRef ===
          'template:default/microservice-update',
      );
    expect(after.tasks.length - before).toBe(2);
    expect(
      updates.map((t: any) => t.spec.parameters.repository).sort(),
    ).toEqual(['fleet-behind', 'fleet-current']);
    await screenshot(page, 'fleet.png', true);
  });

  it.each([
    ['Go', 'cmd/api/main.go', 'package main'],
    ['Rust', 'src/main.rs', 'fn main'],
    ['.NET', 'src/FleetPreview.Api/Program.cs', 'WebApplication'],
  ])(
    'previews what Create will generate for %s before Create, and opens its main file',
    async (stackTitle, mainFile, mainText) => {
      const page = await newPage();
      await page.goto(
        `${portal.baseUrl}/create/templates/default/microservice`,
      );
      await page
        .getByRole('radio', {
          name: new RegExp(`^${stackTitle.replace('.', '\\.')} `),
        })
        .check();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('textbox', { name: 'Name' }).fill('fleet-preview');
      const owner = page.getByRole('textbox', { name: 'Owner' });
      await owner.click();
      await owner.fill('team-a');
      await page.getByRole('option', { name: /team-a/ }).click();
      await page.getByRole('button', { name: 'Next' }).click();
      await page
        .getByRole('textbox', { name: 'Sample API resource' })
        .waitFor();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('button', { name: 'Next' }).click();
      const files = page.getByRole('list', { name: 'Generated files' });
      await files.waitFor();
      const tree = await files.innerText();
      for (const file of ['README.md', 'openapi.yaml', 'Dockerfile', mainFile])
        expect(tree.split('\n')).toContain(file);
      await page.getByRole('button', { name: mainFile }).click();
      expect(
        await page.getByLabel(mainFile, { exact: true }).last().innerText(),
      ).toContain(mainText);
      await screenshot(
        page,
        `preview-${stackTitle.replace('.', '').toLowerCase()}.png`,
        stackTitle === 'Go',
      );
      // Nothing was created by the preview.
      expect(fs.existsSync(path.join(portal.reposDir, 'fleet-preview'))).toBe(
        false,
      );
    },
  );
});
