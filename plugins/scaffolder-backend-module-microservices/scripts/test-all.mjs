// `yarn test:all`: the fast tier, the conformance tier and the end-to-end tests in one jest run, followed by
// the conformance tier's per-stack summary (what ran, what was skipped and why).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const summary = path.join(
  os.tmpdir(),
  `microservices-conformance-summary-${process.pid}.txt`,
);
fs.rmSync(summary, { force: true });

const result = spawnSync(
  'backstage-cli',
  [
    'package',
    'test',
    '--watchAll=false',
    '--runInBand',
    ...process.argv.slice(2),
  ],
  {
    stdio: 'inherit',
    env: { ...process.env, CONFORMANCE_SUMMARY_FILE: summary },
  },
);

console.log('\nConformance tier summary:');
console.log(
  fs.existsSync(summary)
    ? fs.readFileSync(summary, 'utf8').trimEnd()
    : '  (the conformance tier did not run)',
);
fs.rmSync(summary, { force: true });
process.exit(result.status ?? 1);
