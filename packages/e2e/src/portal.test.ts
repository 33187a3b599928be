/*
 * The portal in a browser: Debian's Chromium, driven by playwright-core, against the portal that
 * `./scripts/start.sh` starts (same script, a free port). It creates a service for every offered stack through
 * the Create form and follows the result into the catalog; it types names the actions refuse and checks that
 * the form says so and no task is created. Screenshots of each final page go to e2e/screenshots (git-ignored).
 */
import {
  findStackDescription,
  OFFERED_STACKS,
  serviceNameProblemForStack,
  takenNameProblem,
} from '@cross-stack/plugin-microservices-common';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse, parseAllDocuments } from 'yaml';
import { api } from './backend';
import {
  describeWithChromium,
  desktopPage,
  fullPageScreenshot,
  launchChromium,
  reviewAndCreate,
  startPortal,
  type RunningPortal,
} from './portal';

const SCREENSHOTS = path.join(__dirname, '../screenshots');
// A first start builds the frontend (about a minute here, more on a busy machine).
const START_TIMEOUT_MS = 15 * 60_000;
jest.setTimeout(5 * 60_000);

const describeInBrowser = describeWithChromium('Browser tests');

const escapeRegExp = (text: string) =>
  text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describeInBrowser('the portal in a browser (Chromium, headless)', () => {
  let portal: RunningPortal;
  let browser: Browser;
  const pages: Page[] = [];

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    portal = await startPortal(START_TIMEOUT_MS);
    browser = await launchChromium();
  }, START_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  async function newPage(): Promise<Page> {
    const page = await desktopPage(browser);
    pages.push(page);
    return page;
  }

  const screenshot = (page: Page, file: string) =>
    fullPageScreenshot(page, path.join(SCREENSHOTS, file));

  const taskIds = async (): Promise<string[]> => {
    const { status, body } = await api(
      portal,
      'GET',
      '/api/scaffolder/v2/tasks',
    );
    expect(status).toBe(200);
    return body.tasks.map((t: { id: string }) => t.id);
  };

  /** Create → the microservice template's card → Choose, as a person does. */
  async function openTemplate(page: Page) {
    await page.goto(portal.baseUrl);
    await page.getByRole('link', { name: 'Create' }).click();
    await page
      .getByRole('heading', { name: 'Production-grade microservice' })
      .locator('xpath=following::button[normalize-space()="Choose"][1]')
      .click();
    await page.getByRole('radiogroup', { name: 'Language stack' }).waitFor();
  }

  /** The stack page: every offered stack with its framework, what it includes and when to choose it. */
  async function chooseStack(page: Page, stackId: string) {
    const choices = await page
      .getByRole('radiogroup', { name: 'Language stack' })
      .innerText();
    for (const stack of OFFERED_STACKS) {
      const description = findStackDescription(stack)!;
      expect(choices).toContain(description.title);
      expect(choices).toContain(description.framework);
      expect(choices).toContain(description.chooseWhen);
    }
    await page
      .getByRole('radio', {
        name: new RegExp(
          `^${escapeRegExp(findStackDescription(stackId)!.title)}`,
        ),
      })
      .check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('textbox', { name: 'Name' }).waitFor();
  }

  /** The owner picker (a catalog autocomplete): team-a, then Next. */
  async function chooseOwnerAndGoNext(page: Page) {
    const owner = page.getByRole('textbox', { name: 'Owner' });
    await owner.click();
    await owner.fill('team-a');
    await page.getByRole('option', { name: /team-a/ }).click();
    await page.getByRole('button', { name: 'Next' }).click();
  }

  it('opens without a login, as the development guest, and says so on every page', async () => {
    const page = await newPage();
    await page.goto(`${portal.baseUrl}/create`);
    const notice = page.getByRole('status', { name: 'Development sign-in' });
    await notice.waitFor();
    expect(await notice.innerText()).toContain(
      'signed in as the guest (user:development/guest), no login',
    );
    await page
      .getByRole('heading', { name: 'Production-grade microservice' })
      .waitFor();
    await page.getByRole('link', { name: 'Catalog' }).first().click();
    await notice.waitFor();
    expect(await page.getByText('Organisation sign-in').count()).toBe(0);
  });

  it.each([...OFFERED_STACKS])(
    'creates a %s service from the form and opens it in the catalog with its owner, API, database and API definition',
    async stackId => {
      const name = `portal-${stackId}`;
      const page = await newPage();
      await openTemplate(page);
      await chooseStack(page, stackId);

      await page.getByRole('textbox', { name: 'Name' }).fill(name);
      await page
        .getByRole('textbox', { name: 'Description' })
        .fill(`Created in the browser test (${stackId})`);
      await chooseOwnerAndGoNext(page);
      await reviewAndCreate(page);

      // The task page: its log runs to the end and the output links appear.
      const openInCatalog = page.getByRole('link', { name: 'Open in catalog' });
      await openInCatalog.waitFor({ timeout: 180_000 });
      const taskId = /\/create\/tasks\/([^/?#]+)/.exec(page.url())?.[1];
      expect(taskId).toBeDefined();
      const { body: task } = await api(
        portal,
        'GET',
        `/api/scaffolder/v2/tasks/${taskId}`,
      );
      expect(task.status).toBe('completed');
      expect(task.spec.parameters).toMatchObject({
        name,
        stack: stackId,
        owner: 'group:default/team-a',
      });
      await page.getByText('Finished step Register in the catalog').waitFor();
      // The titles the generated catalog-info.yaml gives the Component, its API and its database.
      const titles = Object.fromEntries(
        parseAllDocuments(
          fs.readFileSync(
            path.join(portal.reposDir, name, 'catalog-info.yaml'),
            'utf8',
          ),
        ).map(d => {
          const entity = d.toJS();
          return [entity.kind, entity.metadata.title as string];
        }),
      );
      const title = titles.Component;
      expect(title).toBeTruthy();
      await screenshot(page, `${stackId}-1-task.png`);

      // Open in catalog: the Component's page with its owner and its relations to the API and the database.
      await openInCatalog.click();
      await page.getByRole('heading', { name: title, level: 2 }).waitFor();
      expect(page.url()).toBe(
        `${portal.baseUrl}/catalog/default/component/${name}`,
      );
      const about = page
        .getByRole('article')
        .filter({ has: page.getByRole('heading', { name: 'About' }) });
      await expect(
        about.getByRole('link', { name: 'team-a' }).getAttribute('href'),
      ).resolves.toBe('/catalog/default/group/team-a');
      const resources = page.getByRole('article').filter({
        has: page.getByRole('heading', { name: 'Depends on resources' }),
      });
      await expect(
        resources
          .getByRole('link', { name: titles.Resource })
          .getAttribute('href'),
      ).resolves.toBe(`/catalog/default/resource/${name}-db`);
      const apis = page.getByRole('article').filter({
        has: page.getByRole('heading', { name: 'Provided APIs' }),
      });
      const apiLink = apis.getByRole('link', { name: titles.API });
      await expect(apiLink.getAttribute('href')).resolves.toBe(
        `/catalog/default/api/${name}`,
      );
      await screenshot(page, `${stackId}-2-component.png`);

      // The API's definition, rendered: the generated openapi.yaml's title, version and every operation.
      const openapi = parse(
        fs.readFileSync(
          path.join(portal.reposDir, name, 'openapi.yaml'),
          'utf8',
        ),
      );
      await apiLink.click();
      await page.getByRole('link', { name: 'Definition' }).click();
      await page
        .getByRole('heading', {
          name: new RegExp(
            `^${escapeRegExp(`${openapi.info.title} ${openapi.info.version}`)}`,
          ),
        })
        .waitFor();
      const operations = Object.entries(
        openapi.paths as Record<string, Record<string, unknown>>,
      ).flatMap(([route, methods]) =>
        Object.keys(methods)
          .filter(m => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
          .map(m => `${m.toUpperCase()} ${route}`),
      );
      expect(operations).toEqual(
        expect.arrayContaining([
          'GET /health',
          'GET /api/v1/users',
          'POST /api/v1/users',
        ]),
      );
      for (const operation of operations) {
        await page
          .getByRole('button', {
            name: new RegExp(`^${escapeRegExp(operation)}(\\s|$)`),
          })
          .first()
          .waitFor();
      }
      await screenshot(page, `${stackId}-3-api-definition.png`);
    },
  );

  it('shows the field error for a bad or taken name while typing, and creates no task', async () => {
    const before = await taskIds();
    const page = await newPage();
    await openTemplate(page);
    await chooseStack(page, 'rust');
    const nameField = page.getByRole('textbox', { name: 'Name' });

    const shows = async (message: string) => {
      // Under the field (and, after Next, in the form's error list too).
      await page.getByText(message, { exact: true }).first().waitFor();
      await expect(nameField.getAttribute('aria-invalid')).resolves.toBe(
        'true',
      );
    };

    // The same rules and messages as the actions: the stack's reserved names, DNS-1123, the catalog.
    await nameField.fill('self');
    await shows(serviceNameProblemForStack('self', 'rust')!);
    expect(serviceNameProblemForStack('self', 'rust')).toMatch(
      /^name: 'self' is a Rust keyword/,
    );
    await nameField.fill('Billing_API');
    await shows(serviceNameProblemForStack('Billing_API', 'rust')!);
    // Another stack, other rules: .NET refuses a name whose C# namespace would clash with the platform's.
    await page.getByRole('button', { name: 'Back' }).click();
    await chooseStack(page, 'dotnet');
    await nameField.fill('system');
    await shows(serviceNameProblemForStack('system', 'dotnet')!);
    expect(serviceNameProblemForStack('system', 'dotnet')).toMatch(
      /^name: 'system' becomes the C# namespace 'System'/,
    );
    // This repository's own Component, which the portal loads at start.
    await nameField.fill('cross-stack-microservices');
    await shows(
      takenNameProblem(
        'cross-stack-microservices',
        'component:default/cross-stack-microservices',
      ),
    );

    // Next refuses to leave the step while the name is taken.
    await chooseOwnerAndGoNext(page);
    await page
      .getByRole('button', { name: 'Next' })
      .and(page.locator(':enabled'))
      .waitFor();
    expect(
      await page.getByRole('textbox', { name: 'Sample API resource' }).count(),
    ).toBe(0);
    await shows(
      takenNameProblem(
        'cross-stack-microservices',
        'component:default/cross-stack-microservices',
      ),
    );
    await screenshot(page, 'name-taken.png');

    expect(await taskIds()).toEqual(before);
  });
});
