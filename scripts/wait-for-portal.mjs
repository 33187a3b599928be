// Waits until the portal answers at URL (its page, from the backend that serves it) and the catalog holds
// template:default/microservice, so everything the README's "Try it" says works from that moment.
// Usage: node scripts/wait-for-portal.mjs URL [PID]; exits 1 when PID exits first or after 5 minutes.
const [url, pid] = process.argv.slice(2);
const TEMPLATE = 'template/default/microservice';
const deadline = Date.now() + 5 * 60_000;

// The embedded portal's API wants a token like any Backstage backend: the guest's, as its sign-in page gets it.
async function guestToken() {
  try {
    const response = await fetch(`${url}/api/auth/guest/refresh`);
    return response.ok
      ? (await response.json()).backstageIdentity?.token
      : undefined;
  } catch {
    return undefined;
  }
}

async function answers(path, check, token) {
  try {
    const response = await fetch(`${url}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const body = await response.text();
    return response.ok && check(body);
  } catch {
    return false;
  }
}

const alive = () => {
  if (!pid) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
};

for (;;) {
  const portal = await answers('/', body => body.includes('<div id="root">'));
  const template =
    portal &&
    (await answers(
      `/api/catalog/entities/by-name/${TEMPLATE}`,
      body => body.includes('"kind":"Template"'),
      await guestToken(),
    ));
  if (portal && template) process.exit(0);
  if (!alive()) {
    console.error('portal: the backend exited before the portal was ready');
    process.exit(1);
  }
  if (Date.now() > deadline) {
    console.error(
      `portal: not ready after 5 minutes (${
        portal ? 'the template is not in the catalog' : 'no portal page'
      } at ${url})`,
    );
    process.exit(1);
  }
  await new Promise(resolve => setTimeout(resolve, 500));
}
