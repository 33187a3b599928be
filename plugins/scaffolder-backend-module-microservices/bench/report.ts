import type { RenderResult } from './render';
import type { ServiceResult } from './services';
import type { TasksResult } from './tasks';

/** `bench/results/latest.json`: the fields the benchmark issues specify, and the tasks section's CPU split. */
export interface BenchResults {
  render?: Pick<
    RenderResult,
    'oursMs' | 'fetchTemplateMs' | 'ratioVsFetchTemplate'
  >;
  tasks?: TasksResult;
  services?: Record<string, ServiceResult>;
}

interface Target {
  label: string;
  holds: (value: number) => boolean;
}

const atMost = (limit: number, unit = ''): Target => ({
  label: `≤ ${limit}${unit}`,
  holds: v => v <= limit,
});
const below = (limit: number, unit = ''): Target => ({
  label: `< ${limit}${unit}`,
  holds: v => v < limit,
});
const atLeast = (limit: number): Target => ({
  label: `≥ ${limit}`,
  holds: v => v >= limit,
});

/** Idle RSS targets per stack; a stack without one is reported without a check. */
const IDLE_RSS_TARGET_MIB: Record<string, number> = {
  go: 15,
  rust: 8,
  dotnet: 50,
};
/** Exec → /ready targets per stack; a stack without one is reported without a check. */
const STARTUP_TARGET_MS: Record<string, number> = { dotnet: 1000 };
/** Generated / bare throughput, for /health and for the database route alike. */
const RATIO_TARGET = 0.8;

interface Row {
  measure: string;
  value: string;
  target?: Target;
  raw?: number;
}

export interface TargetCheck {
  measure: string;
  value: string;
  target: string;
  met: boolean;
}

export function rows(
  results: BenchResults,
  context: {
    renderRuns: number;
    renderFiles: number;
    sequential: number;
    concurrent: number;
    startups: number;
    /** Stacks whose services benchmark failed, with a one-line reason. */
    servicesFailed?: Record<string, string>;
  },
): Row[] {
  const out: Row[] = [];
  const { render, tasks, services } = results;
  if (render) {
    out.push(
      {
        measure: `render: our engine, Go skeleton (${context.renderFiles} files, median of ${context.renderRuns})`,
        value: `${render.oursMs} ms`,
      },
      {
        measure: `render: fetch:template, same files (median of ${context.renderRuns})`,
        value: `${render.fetchTemplateMs} ms`,
      },
      {
        measure: 'render: ours / fetch:template',
        value: String(render.ratioVsFetchTemplate),
        raw: render.ratioVsFetchTemplate,
        target: atMost(0.5),
      },
    );
  }
  if (tasks) {
    out.push(
      {
        measure: `tasks: sequential p50 (${context.sequential} tasks, POST → completed)`,
        value: `${tasks.sequentialP50Ms} ms`,
        raw: tasks.sequentialP50Ms,
        target: below(1000, ' ms'),
      },
      {
        measure: 'tasks: sequential p95',
        value: `${tasks.sequentialP95Ms} ms`,
      },
      {
        measure: `tasks: concurrent p95 (${context.concurrent} submitted at once)`,
        value: `${tasks.concurrentP95Ms} ms`,
        raw: tasks.concurrentP95Ms,
        target: below(3000, ' ms'),
      },
      ...(tasks.concurrentCpu
        ? [
            {
              measure: `tasks: machine CPU while the ${context.concurrent} ran (user / kernel / idle / stolen by the host, all CPUs)`,
              value: `${tasks.concurrentCpu.userS} / ${tasks.concurrentCpu.kernelS} / ${tasks.concurrentCpu.idleS} / ${tasks.concurrentCpu.stolenS} s`,
            },
          ]
        : []),
      {
        measure: `tasks: bulk update proposal p95 (${context.concurrent} update tasks submitted at once)`,
        value: `${tasks.bulkUpdateP95Ms} ms`,
        raw: tasks.bulkUpdateP95Ms,
        target: below(3000, ' ms'),
      },
      {
        measure: 'tasks: bulk update proposal, last task completed',
        value: `${tasks.bulkUpdateMaxMs} ms`,
      },
      {
        measure: `preview: Create form preview p50 (${context.sequential} previews, POST /api/microservices/preview)`,
        value: `${tasks.previewP50Ms} ms`,
      },
      {
        measure: 'preview: Create form preview p95',
        value: `${tasks.previewP95Ms} ms`,
        raw: tasks.previewP95Ms,
        target: below(1000, ' ms'),
      },
    );
  }
  for (const [stack, s] of Object.entries(services ?? {})) {
    const rssLimit = IDLE_RSS_TARGET_MIB[stack];
    const bare = s.baseline;
    out.push(
      {
        measure: `${stack}: GET /health, generated / ${bare} (${s.healthRps} vs ${s.bareHealthRps} req/s)`,
        value: String(s.healthRpsRatioVsBare),
        raw: s.healthRpsRatioVsBare,
        target: atLeast(RATIO_TARGET),
      },
      {
        measure: `${stack}: GET /api/v1/users/{id}, same row and pool size, generated / ${bare} (${s.userGetRps} vs ${s.bareUserGetRps} req/s)`,
        value: String(s.userGetRpsRatioVsBare),
        raw: s.userGetRpsRatioVsBare,
        target: atLeast(RATIO_TARGET),
      },
      {
        measure: `${stack}: idle RSS after start (${bare} idles at ${s.bareIdleRssMiB} MiB)`,
        value: `${s.idleRssMiB} MiB`,
        raw: s.idleRssMiB,
        target: rssLimit === undefined ? undefined : below(rssLimit, ' MiB'),
      },
      {
        measure: `${stack}: peak RSS under load`,
        value: `${s.loadRssMiB} MiB`,
      },
      {
        measure: `${stack}: exec → /ready 200 (median of ${context.startups})`,
        value: `${s.startupMs} ms`,
        raw: s.startupMs,
        target:
          STARTUP_TARGET_MS[stack] === undefined
            ? undefined
            : below(STARTUP_TARGET_MS[stack], ' ms'),
      },
    );
  }
  for (const [stack, reason] of Object.entries(context.servicesFailed ?? {})) {
    out.push({
      measure: `${stack}: services (see Failures)`,
      value: `failed: ${reason}`,
    });
  }
  return out;
}

export function checks(table: Row[]): TargetCheck[] {
  return table
    .filter(r => r.target && r.raw !== undefined)
    .map(r => ({
      measure: r.measure,
      value: r.value,
      target: r.target!.label,
      met: r.target!.holds(r.raw!),
    }));
}

export function markdownTable(table: Row[]): string {
  const lines = ['| measure | value | target | result |', '|---|---:|---|---|'];
  for (const r of table) {
    let result = '';
    if (r.target && r.raw !== undefined)
      result = r.target.holds(r.raw) ? 'met' : '**missed**';
    lines.push(
      `| ${r.measure} | ${r.value} | ${r.target?.label ?? ''} | ${result} |`,
    );
  }
  return lines.join('\n');
}
