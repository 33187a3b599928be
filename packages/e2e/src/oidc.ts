import { spawn } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from './backend';
import { CHROMIUM, CHROMIUM_ARGS } from './portal';

/** Logins of the test identity provider and the e-mail addresses it vouches for. */
export const OIDC_ACCOUNTS = {
  // catalog/org.yaml: user:default/pat, member of team-a (production's platform team).
  pat: { email: 'pat@example.com', name: 'Pat Example' },
  // user:default/oli, member of team-b.
  oli: { email: 'oli@example.com', name: 'Oli Example' },
  // No User in the catalog has this address.
  eve: { email: 'eve@example.com', name: 'Eve Unknown' },
};

/** Starts src/fixtures/oidc/server.mjs (oidc-provider) on a free port; resolves once it listens. */
export async function startOidcProvider(options: {
  client: { id: string; secret: string };
  redirectUris: string[];
  accounts: Record<string, { email: string; name: string }>;
}): Promise<{ issuer: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [path.join(__dirname, 'fixtures/oidc/server.mjs')],
    {
      env: {
        PATH: process.env.PATH,
        OIDC_PORT: String(port),
        OIDC_CLIENT_ID: options.client.id,
        OIDC_CLIENT_SECRET: options.client.secret,
        OIDC_REDIRECT_URIS: options.redirectUris.join(' '),
        OIDC_ACCOUNTS: JSON.stringify(options.accounts),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<void>(resolve =>
    child.on('exit', () => resolve()),
  );
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`OIDC provider not ready in 30 s:\n${output}`)),
      30_000,
    );
    const onData = (data: Buffer) => {
      output += data;
      const ready = /oidc ready (\S+)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', code => {
      clearTimeout(timer);
      reject(new Error(`OIDC provider exited (${code}):\n${output}`));
    });
  });
  return {
    issuer,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** What the portal's sign-in popup hands back: Backstage's identity, or the error that refused it. */
export interface SignInResult {
  userEntityRef?: string;
  ownershipEntityRefs?: string[];
  token?: string;
  error?: string;
}

/** In the provider's popup: its login page (the login, any password), then its consent page if it shows one. */
async function logInAtProvider(popup: Page, login: string) {
  await popup.locator('input[name=login]').fill(login);
  await popup.locator('input[name=password]').fill('any password');
  await popup.locator('button[type=submit]').click();
  // The consent page, shown once per client and account; the popup closes itself once signed in.
  const consent = popup.locator('button[type=submit]');
  await consent.waitFor({ timeout: 15_000 }).catch(() => undefined);
  if (!popup.isClosed() && (await consent.count()) > 0)
    await consent.click().catch(() => undefined);
}

/**
 * Signs in to the portal as a person does: its sign-in page, the organisation card's button, the provider's
 * pages in the popup. Returns the page, signed in (the portal's home is showing).
 */
export async function signInToPortal(
  browser: Browser,
  baseUrl: string,
  login: string,
): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(baseUrl);
  await page.getByText('Organisation sign-in').waitFor({ timeout: 60_000 });
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await logInAtProvider(popup, login);
  await page
    .getByText('Organisation sign-in')
    .waitFor({ state: 'detached', timeout: 60_000 });
  return page;
}

/**
 * Signs in as the portal's frontend does: a page on the portal's origin opens the provider's sign-in flow
 * (`/api/auth/oidc/start`) in a popup and waits for the message the backend's handler posts back. In the popup
 * a person types the login and a password into the provider's own login page and confirms the consent page.
 */
export async function signInThroughOidc(
  browser: Browser,
  baseUrl: string,
  login: string,
): Promise<SignInResult> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/.backstage/health/v1/readiness`);
    const message = page.evaluate(
      () =>
        new Promise<any>(resolve =>
          window.addEventListener('message', event => {
            if (event.data?.type === 'authorization_response')
              resolve(event.data);
          }),
        ),
    );
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.evaluate(url => {
        window.open(url, 'sign-in');
      }, `${baseUrl}/api/auth/oidc/start?env=production`),
    ]);
    await logInAtProvider(popup, login);
    const data = await message;
    if (data.error) return { error: String(data.error.message) };
    const identity = data.response.backstageIdentity;
    return {
      userEntityRef: identity.identity.userEntityRef,
      ownershipEntityRefs: identity.identity.ownershipEntityRefs,
      token: identity.token,
    };
  } finally {
    await context.close();
  }
}
