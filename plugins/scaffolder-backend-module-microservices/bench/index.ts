/*
 * `yarn bench`: scaffolder task latency on the embedded backend, render engine vs fetch:template, and generated
 * services vs bare frameworks under wrk, in that order. Prints a markdown table and the target checks on stdout
 * (progress goes to stderr) and writes bench/results/latest.json. Not a test: missed targets are reported, not
 * failed.
 *
 * For quicker partial runs while working on one part (these do not write latest.json):
 *   BENCH_SECTIONS=render,tasks,services   BENCH_STACKS=go,rust   BENCH_WRK_SECONDS=15
 */
import fs from 'node:fs';
import path from 'node:path';
import { benchRender, type RenderResult } from './render';
import { checks, markdownTable, rows, type BenchResults } from './report';
import { benchServices } from './services';
import { benchTasks } from './tasks';

// Tasks first: the render section writes and removes thousands of files, and on a file system without a journal
// creating files stays slow for minutes after many were removed (the tasks section prints the kernel's share of
// the CPU while its 20 tasks ran).
const SECTIONS = ['tasks', 'render', 'services'] as const;
const RENDER = { runs: 30, warmup: 5 };
const TASKS = { sequential: 20, concurrent: 20 };
const WRK_SECONDS = 15;
const STARTUPS = 3;
const RESULTS_FILE = path.join(__dirname, 'results', 'latest.json');

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map(s => s.trim())
    .filter(Boolean);

async function main(): Promise<number> {
  const sections = list(process.env.BENCH_SECTIONS) ?? [...SECTIONS];
  const unknown = sections.filter(
    s => !(SECTIONS as readonly string[]).includes(s),
  );
  if (unknown.length)
    throw new Error(
      `BENCH_SECTIONS: unknown ${unknown.join(
        ', ',
      )}; choose from ${SECTIONS.join(', ')}`,
    );
  const stacks = list(process.env.BENCH_STACKS);
  const wrkSeconds = Number(process.env.BENCH_WRK_SECONDS ?? WRK_SECONDS);
  if (!Number.isInteger(wrkSeconds) || wrkSeconds < 1 || wrkSeconds > 120) {
    throw new Error(
      'BENCH_WRK_SECONDS: a whole number of seconds from 1 to 120',
    );
  }
  const complete =
    sections.length === SECTIONS.length &&
    !stacks &&
    wrkSeconds === WRK_SECONDS;

  const results: BenchResults = {};
  const problems: string[] = [];
  const lines: string[] = [];
  let render: RenderResult | undefined;
  let servicesFailed: Record<string, string> | undefined;

  if (sections.includes('tasks')) {
    try {
      results.tasks = await benchTasks({ ...TASKS, log });
    } catch (error) {
      problems.push(`tasks: failed — ${(error as Error).message}`);
    }
  }

  if (sections.includes('render')) {
    log(
      `render: Go skeleton, our engine vs fetch:template, ${RENDER.runs} runs each after ${RENDER.warmup} warm-up`,
    );
    try {
      render = await benchRender(RENDER);
      results.render = {
        oursMs: render.oursMs,
        fetchTemplateMs: render.fetchTemplateMs,
        ratioVsFetchTemplate: render.ratioVsFetchTemplate,
      };
    } catch (error) {
      problems.push(`render: failed — ${(error as Error).message}`);
    }
  }

  if (sections.includes('services')) {
    const outcome = await benchServices({
      durationSeconds: wrkSeconds,
      startups: STARTUPS,
      stacks,
      log,
    });
    results.services = outcome.results;
    servicesFailed = outcome.failedStacks;
    lines.push(...outcome.skipped, ...outcome.notes);
    problems.push(...outcome.failed);
  }

  const table = rows(results, {
    renderRuns: RENDER.runs,
    renderFiles: render?.files ?? 0,
    ...TASKS,
    startups: STARTUPS,
    servicesFailed,
  });
  const out: string[] = ['', markdownTable(table), ''];
  out.push(...lines.map(l => `- ${l}`));
  const targetChecks = checks(table);
  const missed = targetChecks.filter(c => !c.met);
  out.push(
    '',
    `Targets: ${targetChecks.length - missed.length} met, ${
      missed.length
    } missed`,
    ...targetChecks.map(
      c =>
        `  ${c.met ? 'met   ' : 'MISSED'} ${c.measure}: ${c.value} (target ${
          c.target
        })`,
    ),
  );
  if (problems.length)
    out.push('', 'Failures:', ...problems.map(p => `  ${p}`));

  if (complete && problems.length === 0) {
    fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    out.push('', `Wrote ${path.relative(process.cwd(), RESULTS_FILE)}`);
  } else {
    out.push(
      '',
      `Not writing ${path.relative(process.cwd(), RESULTS_FILE)}: ${
        problems.length ? 'a part failed' : 'partial run (BENCH_* set)'
      }`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return problems.length ? 1 : 0;
}

main().then(
  code => process.exit(code),
  error => {
    process.stderr.write(
      `bench: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
