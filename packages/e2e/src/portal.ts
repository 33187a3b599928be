import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunningBackend } from './backend';
import { freePort, guestToken } from './backend';

const REPO_ROOT = path.join(__dirname, '../../..');

/** Debian's Chromium; the browser tests skip, saying so, where it is missing. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless flags that keep Chromium from dialling hosts this machine cannot reach (see ENVIRONMENT.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * `describe`, or `describe.skip` with a printed reason where Debian's Chromium is missing: how every browser test
 * file starts.
 */
export function describeWithChromium(what: string): jest.Describe {
  if (fs.existsSync(CHROMIUM)) return describe;
  // eslint-disable-next-line no-console
  console.warn(
    `${what} SKIPPED: ${CHROMIUM} is not installed (Debian's chromium package; scripts/system-packages.sh installs it as root)`,
  );
  return describe.skip;
}

/** Headless Chromium with this machine's flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** A page in a fresh context at the size the screenshots are taken. */
export async function desktopPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
  });
  return context.newPage();
}

/** The portal as start.sh runs it; `logs()` is everything start.sh and the backend printed. */
export type RunningPortal = RunningBackend;

/**
 * Starts the portal exactly as the quick start does — `scripts/start.sh`, which builds the frontend when its
 * inputs changed, starts the backend that serves it and waits for the template — on a free port, with its own
 * repository directory, and resolves once start.sh prints the portal's URL.
 */
export async function startPortal(timeoutMs: number): Promise<RunningPortal> {
  const port = await freePort();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'microservices-portal-'));
  const reposDir = path.join(work, 'repos');
  let output = '';
  const child: ChildProcess = spawn(
    'bash',
    [path.join(REPO_ROOT, 'scripts/start.sh')],
    {
      cwd: REPO_ROOT,
      // Its own process group, so stopping it stops yarn, the CLI and the backend together.
      detached: true,
      env: {
        ...Object.fromEntries(
          // The quick start's environment: nothing jest sets (JEST_*, NODE_ENV=test) leaks into it.
          Object.entries(process.env).filter(
            ([k]) => !k.startsWith('JEST') && k !== 'NODE_ENV',
          ),
        ),
        // Dependencies are installed already (this runs inside `yarn test:all`).
        SETUP_SKIP_INSTALL: '1',
        PORTAL_PORT: String(port),
        APP_CONFIG_microservices_localPublishing_directory: reposDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const exited = new Promise<void>(resolve =>
    child.on('exit', () => resolve()),
  );

  const logs = () => output;
  // The whole process group: start.sh, yarn, the CLI and the backend. start.sh can exit before the backend has
  // finished shutting down, so wait for the group to be empty, not for start.sh, and kill what is left.
  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stop = async () => {
    if (groupAlive()) {
      process.kill(-child.pid!, 'SIGTERM');
      const deadline = Date.now() + 15_000;
      while (groupAlive() && Date.now() < deadline)
        await new Promise(r => setTimeout(r, 200));
      if (groupAlive()) process.kill(-child.pid!, 'SIGKILL');
    }
    await exited;
    fs.rmSync(work, { recursive: true, force: true });
  };

  const ready = /Portal ready: (http:\/\/127\.0\.0\.1:\d+)/;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = ready.exec(output);
    if (match) {
      const baseUrl = match[1];
      // REST calls go in as the guest, whom the portal signs in.
      return {
        baseUrl,
        token: await guestToken(baseUrl),
        reposDir,
        logs,
        stop,
      };
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `start.sh exited before the portal was ready:\n${output.slice(-4000)}`,
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `start.sh printed no portal URL within ${timeoutMs} ms:\n${output.slice(
          -4000,
        )}`,
      );
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

/**
 * The microservice template's form after its About page: Options (waiting for it to show), Repository with its
 * defaults, the Preview (waiting for the generated files to show), Review, then Create, as a person clicks
 * through it.
 */
export async function reviewAndCreate(page: Page): Promise<void> {
  await page.getByRole('textbox', { name: 'Sample API resource' }).waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('list', { name: 'Generated files' }).waitFor();
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();
}

/**
 * A full-page screenshot from the top left, mouse out of the way: a wide task log can leave the next page's
 * content container scrolled sideways.
 */
export async function fullPageScreenshot(page: Page, file: string) {
  await page.mouse.move(0, 0);
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    document.querySelectorAll('*').forEach(element => {
      if (element.scrollLeft) element.scrollLeft = 0; // eslint-disable-line no-param-reassign
    });
  });
  await page.screenshot({ path: file, fullPage: true });
}
