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
const results = path.join(
  os.tmpdir(),
  `microservices-test-results-${process.pid}.json`,
);
fs.rmSync(summary, { force: true });

const result = spawnSync(
  'backstage-cli',
  [
    'package',
    'test',
    '--watchAll=false',
    '--runInBand',
    '--json',
    `--outputFile=${results}`,
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

// One plain closing line with the totals.
if (fs.existsSync(results)) {
  const totals = JSON.parse(fs.readFileSync(results, 'utf8'));
  console.log(
    `\ntests: ${totals.numPassedTests} passed, ${totals.numFailedTests} failed, ${totals.numPendingTests} skipped`,
  );
  fs.rmSync(results, { force: true });
}
process.exit(result.status ?? 1);
