// Waits until the portal answers at URL (its page, from the backend that serves it) and the catalog holds
// template:default/microservice, so everything the README's "Try it" says works from that moment.
// Usage: node scripts/wait-for-portal.mjs URL [PID]; exits 1 when PID exits first or after 5 minutes.
const [url, pid] = process.argv.slice(2);
const TEMPLATE = 'template/default/microservice';
const deadline = Date.now() + 5 * 60_000;

async function answers(path, check) {
  try {
    const response = await fetch(`${url}${path}`);
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
    (await answers(`/api/catalog/entities/by-name/${TEMPLATE}`, body =>
      body.includes('"kind":"Template"'),
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
