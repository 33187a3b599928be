// Builds the portal frontend (packages/app) only when its inputs changed since the last build: a SHA-256 over
// the sources of the app and of the workspace packages it bundles, the lockfile and the app config, stored next
// to the build. `./scripts/start.sh` and the browser tests call it, so a second start does not rebuild.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'packages/app/dist');
const stamp = path.join(dist, '.inputs-sha256');
const INPUTS = [
  'packages/app',
  'plugins/scaffolder-frontend-module-microservices',
  'plugins/microservices-common',
  'plugins/microservices',
  'yarn.lock',
  'app-config.yaml',
];
const SKIP = new Set(['node_modules', 'dist', 'dist-types', 'coverage']);

function files(entry) {
  const full = path.join(root, entry);
  if (!fs.statSync(full).isDirectory()) return [entry];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .filter(d => !SKIP.has(d.name))
    .flatMap(d => files(path.join(entry, d.name)));
}

export function appInputsHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(files).sort()) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

const wanted = appInputsHash();
const built = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
if (built === wanted && fs.existsSync(path.join(dist, 'index.html'))) {
  console.log('portal: frontend build is up to date (packages/app/dist)');
} else {
  console.log(
    'portal: building the frontend (packages/app); the next start reuses it while its inputs are unchanged',
  );
  const started = Date.now();
  const result = spawnSync('corepack', ['yarn', 'workspace', 'app', 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error('portal: the frontend build failed');
    process.exit(result.status ?? 1);
  }
  fs.writeFileSync(stamp, `${wanted}\n`);
  console.log(
    `portal: frontend built in ${Math.round((Date.now() - started) / 1000)} s`,
  );
}
