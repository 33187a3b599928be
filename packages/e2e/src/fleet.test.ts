/*
 * The platform team's view in Chromium against the embedded portal: the template card on a fresh Component, on ones
 * that record the previous release or a made-up version, the fleet page with its counts against the catalog and an
 * update proposal for the selected rows, and the Create form's preview for every stack. Screenshots go to
 * e2e/screenshots; with UPDATE_DOCS_IMAGES=1 the README's three (docs/images) are written too.
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

const MODULE_DIR = path.join(
  __dirname,
  '../../../plugins/scaffolder-backend-module-microservices',
);
const MODULE_VERSION: string = JSON.parse(
  fs.readFileSync(path.join(MODULE_DIR, 'package.json'), 'utf8'),
).version;
/** The release before the current one, from the package's changelog: what the "behind" services record. */
const OLD_VERSION = [
  ...fs
    .readFileSync(path.join(MODULE_DIR, 'CHANGELOG.md'), 'utf8')
    .matchAll(/^## (\d+\.\d+\.\d+)$/gm),
]
  .map(m => m[1])
  .find(v => v !== MODULE_VERSION)!;
/** A version no release has: what a hand-edited annotation might say. */
const MADE_UP_VERSION = '0.0.9';
const VERSION_ANNOTATION = 'cross-stack.dev/template-version';

/** Four services: one current, two a release behind, one whose version was edited by hand. */
const SERVICES: Array<[name: string, stack: string, version: string]> = [
  ['fleet-current', 'go', MODULE_VERSION],
  ['fleet-behind', 'rust', OLD_VERSION],
  ['fleet-legacy', 'dotnet', OLD_VERSION],
  ['fleet-edited', 'go', MADE_UP_VERSION],
];

describeInBrowser('the platform team’s view (Chromium, headless)', () => {
  let portal: RunningPortal;
  let browser: Browser;

  /** Makes a published service record `version`, as one rendered by that release would, and waits for the catalog. */
  async function recordVersion(name: string, version: string) {
    const repo = path.join(portal.reposDir, name);
    for (const [file, key] of [
      ['catalog-info.yaml', `${VERSION_ANNOTATION}: `],
      ['.microservice/answers.yaml', 'packageVersion: '],
    ]) {
      const text = fs.readFileSync(path.join(repo, file), 'utf8');
      const from = `${key}${MODULE_VERSION}`;
      if (!text.includes(from)) throw new Error(`${file} lacks '${from}'`);
      fs.writeFileSync(
        path.join(repo, file),
        text.replace(from, `${key}${version}`),
      );
    }
    // The first commit becomes that release's pristine render: the same files but for the version, and the
    // trailer naming it, so an update finds it as its base, as it would in a repository that release rendered.
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: repo,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'Test',
          GIT_AUTHOR_EMAIL: 'test@example.com',
          GIT_COMMITTER_NAME: 'Test',
          GIT_COMMITTER_EMAIL: 'test@example.com',
        },
      });
    const message = git('log', '-1', '--format=%B');
    const trailer = `Microservice-Pristine-Render: ${MODULE_VERSION}`;
    if (!message.includes(trailer))
      throw new Error(`the first commit of ${name} lacks '${trailer}'`);
    git(
      'commit',
      '-qa',
      '--amend',
      '--cleanup=verbatim',
      '-m',
      message.replace(trailer, `Microservice-Pristine-Render: ${version}`),
    );
    const ref = `component:default/${name}`;
    const { status } = await api(portal, 'POST', '/api/catalog/refresh', {
      entityRef: ref,
    });
    if (status !== 200) throw new Error(`catalog refresh answered ${status}`);
    const deadline = Date.now() + 60_000;
    while (
      (await waitForEntity(portal, ref)).metadata.annotations[
        VERSION_ANNOTATION
      ] !== version
    ) {
      if (Date.now() > deadline)
        throw new Error(`the catalog did not pick up ${version} for ${name}`);
      await new Promise(r => setTimeout(r, 500));
    }
  }

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    if (!OLD_VERSION)
      throw new Error(
        `${MODULE_DIR}/CHANGELOG.md has no release before ${MODULE_VERSION}`,
      );
    portal = await startPortal(START_TIMEOUT_MS);
    browser = await launchChromium();
    for (const [name, stack, version] of SERVICES) {
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
      if (version !== MODULE_VERSION) await recordVersion(name, version);
    }
  }, START_TIMEOUT_MS + 180_000);

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
    expect(text).toContain(`Rendered version: ${MODULE_VERSION}`);
    expect(text).toContain(`Newest version: ${MODULE_VERSION}`);
    expect(
      await card(page)
        .getByRole('link', { name: /microservice/i })
        .getAttribute('href'),
    ).toBe('/catalog/default/template/microservice');
    expect(await page.getByText(/^Update to/).count()).toBe(0);
    await screenshot(page, 'card-current.png');
  });

  it('shows a Component that records the previous release as behind, with that release’s changelog, and opens the update template prefilled', async () => {
    const page = await newPage();
    await page.goto(`${portal.baseUrl}/catalog/default/component/fleet-behind`);
    await page.getByText('Status: 1 release behind').waitFor();
    // The Update button comes once the person's access is known.
    const update = page.getByRole('button', {
      name: `Update to ${MODULE_VERSION}`,
    });
    await update.waitFor();
    const text = await card(page).innerText();
    expect(text).toContain('Stack: Rust');
    expect(text).toContain(`Rendered version: ${OLD_VERSION}`);
    expect(text).toContain(`Changes in ${MODULE_VERSION}`);
    // The package's own changelog section, rendered from its Markdown.
    expect(text).toContain('.NET is the third stack');
    expect(text).toContain('Repository: local repository fleet-behind');
    await screenshot(page, 'card-behind.png', true);

    await update.click();
    await page.waitForURL(/\/create\/templates\/default\/microservice-update/);
    // RJSF's input for the `repository` property.
    const repository = page.locator('input#root_repository');
    await repository.waitFor();
    expect(await repository.inputValue()).toBe('fleet-behind');
  });

  it('shows "unknown" with the reason for a hand-edited version, and offers no update', async () => {
    const page = await newPage();
    await page.goto(`${portal.baseUrl}/catalog/default/component/fleet-edited`);
    await page
      .getByText(
        `Status: unknown — ${MADE_UP_VERSION} is not a released version of the template`,
      )
      .waitFor();
    expect(await card(page).innerText()).toContain(
      `Rendered version: ${MADE_UP_VERSION}`,
    );
    expect(await page.getByText(/^Update to/).count()).toBe(0);
  });

  it('lists every generated Component on the fleet page with the catalog’s counts, and proposes updates for the selected rows', async () => {
    const { body: generated } = await api(
      portal,
      'GET',
      `/api/catalog/entities/by-query?filter=kind=component,metadata.annotations.${VERSION_ANNOTATION}&limit=500`,
    );
    const items: Array<{
      metadata: { name: string; annotations: Record<string, string> };
    }> = generated.items;
    const versionOf = (i: (typeof items)[number]) =>
      i.metadata.annotations[VERSION_ANNOTATION];
    expect(items.length).toBe(SERVICES.length);
    const behind = items.filter(i => versionOf(i) === OLD_VERSION).length;
    expect(behind).toBe(2);

    const page = await newPage();
    await page.goto(portal.baseUrl);
    await page.getByRole('link', { name: 'Service fleet' }).first().click();
    await page.getByTestId('fleet-summary').waitFor();
    const rows = page
      .getByRole('table', { name: 'Generated services' })
      .locator('tbody tr');
    expect(await rows.count()).toBe(items.length);
    expect(await page.getByTestId('fleet-summary').innerText()).toBe(
      `${items.length} generated services; newest template version ${MODULE_VERSION}; ${behind} behind.`,
    );
    for (const version of new Set(items.map(versionOf)))
      expect(
        await page.getByTestId(`version-count-${version}`).innerText(),
      ).toBe(String(items.filter(i => versionOf(i) === version).length));
    const row = (name: string) => page.getByTestId(`fleet-row-${name}`);
    expect(await row('fleet-behind').innerText()).toMatch(
      new RegExp(
        `^\\s*Fleet Behind\\s+team-a\\s+rust\\s+${OLD_VERSION.replace(
          /\./g,
          '\\.',
        )}\\s+1 release behind\\s+local repository fleet-behind\\s+—\\s+(…|none)\\s*$`,
      ),
    );
    // No update proposed yet: the repositories have no update branch.
    await row('fleet-behind')
      .getByTestId('proposal-state')
      .getByText('none')
      .waitFor();
    expect(await row('fleet-edited').innerText()).toContain(
      `unknown — ${MADE_UP_VERSION} is not a released version`,
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

    // Only services that are behind can be selected: "select all" takes exactly those.
    const checkbox = (name: string) =>
      page.getByRole('checkbox', { name: `Select ${name}` });
    expect(await checkbox('fleet-current').isDisabled()).toBe(true);
    expect(await checkbox('fleet-edited').isDisabled()).toBe(true);
    const before = (await api(portal, 'GET', '/api/scaffolder/v2/tasks')).body
      .tasks.length;
    await page.getByRole('checkbox', { name: 'Select all shown' }).check();
    await page.getByRole('button', { name: 'Propose updates (2)' }).click();
    for (const name of ['fleet-behind', 'fleet-legacy'])
      await row(name)
        .getByRole('link', { name: 'task completed' })
        .waitFor({ timeout: 120_000 });
    const { body: after } = await api(
      portal,
      'GET',
      '/api/scaffolder/v2/tasks',
    );
    expect(after.tasks.length - before).toBe(2);
    const updates = after.tasks.filter(
      (t: any) =>
        t.spec.templateInfo.entityRef ===
        'template:default/microservice-update',
    );
    expect(
      updates.map((t: any) => t.spec.parameters.repository).sort(),
    ).toEqual(['fleet-behind', 'fleet-legacy']);
    // Each update made its branch in the service's repository, bringing the new version.
    for (const name of ['fleet-behind', 'fleet-legacy']) {
      const repo = path.join(portal.reposDir, name);
      const branch = execFileSync(
        'git',
        [
          'branch',
          '--list',
          '--format=%(refname:short)',
          'microservice-update/*',
        ],
        { cwd: repo, encoding: 'utf8' },
      ).trim();
      expect(branch).toMatch(
        new RegExp(
          `^microservice-update/${MODULE_VERSION.replace(/\./g, '\\.')}-`,
        ),
      );
      expect(
        execFileSync('git', ['show', `${branch}:catalog-info.yaml`], {
          cwd: repo,
          encoding: 'utf8',
        }),
      ).toContain(`${VERSION_ANNOTATION}: ${MODULE_VERSION}`);
    }
    // The Proposal column reads each repository's update branch: open until the default branch merges it.
    for (const name of ['fleet-behind', 'fleet-legacy'])
      await row(name)
        .getByTestId('proposal-state')
        .getByText(
          new RegExp(
            `^microservice-update/${MODULE_VERSION.replace(
              /\./g,
              '\\.',
            )}-\\w+ open$`,
          ),
        )
        .waitFor({ timeout: 30_000 });
    // Once its task has ended, a row that is still behind (its branch is not merged yet) can be proposed again.
    expect(await checkbox('fleet-behind').isDisabled()).toBe(false);
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
