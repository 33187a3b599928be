/*
 * Task benchmark: the real embedded backend (`yarn start`'s), the Create-component template submitted through the
 * REST API, timed from just before the POST until a poll sees the task completed (render + local publish +
 * catalog registration). First sequentially, then a burst submitted at once, then an update task for each service
 * of the burst submitted at once (the fleet page's bulk proposal), then the Create form's preview one at a time.
 */
import {
  api,
  startBackend,
  taskLog,
  waitForEntity,
  type RunningBackend,
} from 'e2e';
import { cpuSplit, cpuTicks, type CpuSplit } from './process';
import { percentile, sleep } from './stats';

export interface TasksResult {
  sequentialP50Ms: number;
  sequentialP95Ms: number;
  concurrentP95Ms: number;
  /** The fleet page's bulk proposal: one update task per service, all submitted at once. */
  bulkUpdateP95Ms: number;
  bulkUpdateMaxMs: number;
  /** The Create form's preview (POST /api/microservices/preview), one at a time, stacks in turn. */
  previewP50Ms: number;
  previewP95Ms: number;
  /**
   * What the machine's CPUs did while the 20 Create tasks ran at once (Linux only): seconds in user code, in the
   * kernel and idle, summed over CPUs. On a file system that is slow to create files, the kernel share is what
   * grows.
   */
  concurrentCpu?: CpuSplit;
}

export interface TasksOptions {
  sequential: number;
  concurrent: number;
  log: (line: string) => void;
}

export const TEMPLATE = 'template:default/microservice';
const UPDATE_TEMPLATE = 'template:default/microservice-update';
const PREVIEW_STACKS = ['go', 'rust', 'dotnet'];
const OWNER = 'group:default/team-a';
const TASK_TIMEOUT_MS = 120_000;
// The status is polled; the interval bounds the measurement error (and the load the polling adds).
const SEQUENTIAL_POLL_MS = 20;
const CONCURRENT_POLL_MS = 100;

async function submit(
  backend: RunningBackend,
  name: string,
  templateRef = TEMPLATE,
): Promise<{ id: string; started: number }> {
  const started = performance.now();
  const { status, body } = await api(
    backend,
    'POST',
    '/api/scaffolder/v2/tasks',
    {
      templateRef,
      values:
        templateRef === TEMPLATE
          ? { name, owner: OWNER, stack: 'go' }
          : { location: 'local', repository: name },
    },
  );
  if (status !== 201)
    throw new Error(
      `POST /api/scaffolder/v2/tasks for '${name}' answered ${status}: ${JSON.stringify(
        body,
      )}`,
    );
  return { id: body.id, started };
}

async function failIfNotCompleted(backend: RunningBackend, id: string) {
  const { body } = await api(backend, 'GET', `/api/scaffolder/v2/tasks/${id}`);
  if (body?.status !== 'completed')
    throw new Error(
      `task ${id} ${body?.status}:\n${await taskLog(backend, id)}`,
    );
}

/**
 * Polls until every task completed; returns each one's latency. Fails on a failed task; bounded. One task is
 * polled by its id; many through one request for the unfinished ones (`?status=open&status=processing`), so the
 * polling does not add one request per task to the load being measured.
 */
async function awaitCompleted(
  backend: RunningBackend,
  tasks: Array<{ id: string; started: number }>,
  pollMs: number,
): Promise<number[]> {
  const latencies = new Map<string, number>();
  const deadline = performance.now() + TASK_TIMEOUT_MS;
  while (latencies.size < tasks.length) {
    if (performance.now() > deadline) {
      throw new Error(
        `${
          tasks.length - latencies.size
        } task(s) not completed within ${TASK_TIMEOUT_MS} ms`,
      );
    }
    const pending = tasks.filter(t => !latencies.has(t.id));
    if (pending.length === 1 && tasks.length === 1) {
      const { body } = await api(
        backend,
        'GET',
        `/api/scaffolder/v2/tasks/${pending[0].id}`,
      );
      const seen = performance.now();
      if (body?.status === 'completed')
        latencies.set(pending[0].id, seen - pending[0].started);
      else if (body?.status === 'failed' || body?.status === 'cancelled')
        await failIfNotCompleted(backend, pending[0].id);
    } else {
      const { status, body } = await api(
        backend,
        'GET',
        '/api/scaffolder/v2/tasks?status=open&status=processing&limit=1000',
      );
      const seen = performance.now();
      if (status !== 200)
        throw new Error(`listing unfinished tasks answered ${status}`);
      const unfinished = new Set(
        (body.tasks as Array<{ id: string }>).map(t => t.id),
      );
      for (const task of pending.filter(t => !unfinished.has(t.id))) {
        latencies.set(task.id, seen - task.started);
        await failIfNotCompleted(backend, task.id);
      }
    }
    if (latencies.size < tasks.length) await sleep(pollMs);
  }
  return tasks.map(t => latencies.get(t.id)!);
}

export async function benchTasks(options: TasksOptions): Promise<TasksResult> {
  options.log('tasks: starting the embedded backend');
  const backend = await startBackend();
  try {
    await waitForEntity(backend, TEMPLATE);
    await waitForEntity(backend, OWNER);

    // The first task loads modules and compiles templates; it is not counted.
    await awaitCompleted(
      backend,
      [await submit(backend, 'bench-warmup')],
      SEQUENTIAL_POLL_MS,
    );

    options.log(`tasks: ${options.sequential} sequential tasks`);
    const sequential: number[] = [];
    for (let i = 0; i < options.sequential; i++) {
      const [latency] = await awaitCompleted(
        backend,
        [await submit(backend, `bench-seq-${i}`)],
        SEQUENTIAL_POLL_MS,
      );
      sequential.push(latency);
    }

    options.log(`tasks: ${options.concurrent} tasks submitted at once`);
    const cpuBefore = cpuTicks();
    const burst = await Promise.all(
      Array.from({ length: options.concurrent }, (_, i) =>
        submit(backend, `bench-burst-${i}`),
      ),
    );
    const concurrent = await awaitCompleted(backend, burst, CONCURRENT_POLL_MS);
    const concurrentCpu = cpuSplit(cpuBefore, cpuTicks());

    // What "Propose updates" on the fleet page does for the services the burst created.
    options.log(
      `tasks: ${options.concurrent} update tasks submitted at once (a bulk proposal)`,
    );
    const updates = await Promise.all(
      Array.from({ length: options.concurrent }, (_, i) =>
        submit(backend, `bench-burst-${i}`, UPDATE_TEMPLATE),
      ),
    );
    const bulk = await awaitCompleted(backend, updates, CONCURRENT_POLL_MS);

    options.log(`tasks: ${options.sequential} previews, one at a time`);
    const previews: number[] = [];
    for (let i = 0; i < options.sequential; i++) {
      const started = performance.now();
      const { status, body } = await api(
        backend,
        'POST',
        '/api/microservices/preview',
        {
          values: {
            name: `bench-preview-${i}`,
            owner: OWNER,
            stack: PREVIEW_STACKS[i % PREVIEW_STACKS.length],
          },
        },
      );
      if (status !== 200 || !body.tree?.length)
        throw new Error(
          `POST /api/microservices/preview answered ${status}: ${JSON.stringify(
            body,
          ).slice(0, 500)}`,
        );
      previews.push(performance.now() - started);
    }

    return {
      sequentialP50Ms: Math.round(percentile(sequential, 50)),
      sequentialP95Ms: Math.round(percentile(sequential, 95)),
      concurrentP95Ms: Math.round(percentile(concurrent, 95)),
      bulkUpdateP95Ms: Math.round(percentile(bulk, 95)),
      bulkUpdateMaxMs: Math.round(Math.max(...bulk)),
      previewP50Ms: Math.round(percentile(previews, 50)),
      previewP95Ms: Math.round(percentile(previews, 95)),
      ...(concurrentCpu ? { concurrentCpu } : {}),
    };
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nbackend log tail:\n${backend
        .logs()
        .slice(-3000)}`,
    );
  } finally {
    await backend.stop();
  }
}
