/*
 * Render benchmark: the full Go skeleton through our engine (`renderSkeletonFiles` + `writeRenderedFiles`, as the
 * `microservice:service:render` action does: the shared layer and the Go folder, with includes) against
 * Backstage's built-in `fetch:template` with `templateFileExtension: true`, in one process, interleaved, with the
 * same values. `fetch:template` has no include loader, so it renders a flat copy of the same layers with every
 * include written out in place. Both outputs are compared before anything is timed, so the two sides provably
 * render the same tree.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { createFetchTemplateAction } from '@backstage/plugin-scaffolder-backend';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderSkeletonFiles, writeRenderedFiles } from '../src/render';
import { quotingFilters } from '../src/render/quoting';
import { skeletonPath } from '../src/packageFiles';
import { serviceSkeletonFolders } from '../src/stacks';
import { prepareService } from '../src/stacks/prepareService';
import { median, round } from './stats';

export interface RenderResult {
  oursMs: number;
  fetchTemplateMs: number;
  ratioVsFetchTemplate: number;
  files: number;
  runs: number;
}

type FetchTemplateOptions = Parameters<typeof createFetchTemplateAction>[0];

const silentLogger: LoggerService = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child: () => silentLogger,
};

function listTree(
  root: string,
  dir = root,
  out = new Map<string, Buffer>(),
): Map<string, Buffer> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) listTree(root, full, out);
    else
      out.set(
        path.relative(root, full).split(path.sep).join('/'),
        fs.readFileSync(full),
      );
  }
  return out;
}

const INCLUDE = /\{%-?\s*include\s+"([^"]+)"\s*-?%\}/g;

/** Copies the layers into one folder, writing every `{% include %}` out in place (partials may include too). */
function flatten(skeletons: string, folders: string[], target: string) {
  const inline = (text: string, depth = 0): string =>
    depth > 5
      ? text
      : text.replace(INCLUDE, (_, name: string) =>
          inline(
            fs.readFileSync(path.join(skeletons, name), 'utf8'),
            depth + 1,
          ),
        );
  for (const folder of folders) {
    const root = path.join(skeletons, folder);
    for (const [rel] of listTree(root)) {
      const dest = path.join(target, rel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      const source = path.join(root, rel);
      if (rel.endsWith('.njk'))
        fs.writeFileSync(dest, inline(fs.readFileSync(source, 'utf8')));
      else fs.copyFileSync(source, dest);
      fs.chmodSync(dest, fs.statSync(source).mode & 0o777);
    }
  }
}

function sameTree(a: string, b: string): string | undefined {
  const left = listTree(a);
  const right = listTree(b);
  const names = [...new Set([...left.keys(), ...right.keys()])].sort();
  const differing = names.filter(
    n => !left.has(n) || !right.has(n) || !left.get(n)!.equals(right.get(n)!),
  );
  return differing.length
    ? `${differing.length} file(s) differ: ${differing.slice(0, 5).join(', ')}`
    : undefined;
}

export async function benchRender(options: {
  runs: number;
  warmup: number;
}): Promise<RenderResult> {
  const skeletons = skeletonPath('.');
  const { values, stack } = await prepareService({
    stack: 'go',
    name: 'bench-api',
    owner: 'group:default/team-a',
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-render-'));
  const flat = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-render-flat-'));
  flatten(skeletons, serviceSkeletonFolders(stack), path.join(flat, 'flat'));

  // Local templates need no SCM integration or URL reader: fetch:template copies a file:// base directly.
  const fetchTemplate = createFetchTemplateAction({
    reader: {} as FetchTemplateOptions['reader'],
    integrations: {
      byUrl: () => undefined,
    } as unknown as FetchTemplateOptions['integrations'],
    additionalTemplateFilters:
      quotingFilters as FetchTemplateOptions['additionalTemplateFilters'],
  });

  let sequence = 0;
  const ours = async () => {
    const target = `ours-${sequence++}`;
    const started = performance.now();
    const files = await renderSkeletonFiles(
      serviceSkeletonFolders(stack).map(folder => skeletonPath(folder)),
      { ...values },
      { includeRoot: skeletons },
    );
    await writeRenderedFiles({ rootDir: work, targetPath: target, files });
    return { ms: performance.now() - started, dir: path.join(work, target) };
  };
  const builtin = async () => {
    const workspacePath = path.join(work, `fetch-${sequence++}`);
    fs.mkdirSync(workspacePath);
    const temporary = path.join(work, `fetch-tmp-${sequence++}`);
    // A minimal action context; the scaffolder's own is built by its task worker.
    const ctx = {
      input: {
        url: './flat',
        values: { ...values },
        templateFileExtension: true,
      },
      workspacePath,
      logger: silentLogger,
      output() {},
      checkpoint: async ({ fn }: { fn: () => Promise<unknown> }) => fn(),
      createTemporaryDirectory: async () => fs.mkdtempSync(`${temporary}-`),
      getInitiatorCredentials: async () => {
        throw new Error('no initiator in the benchmark');
      },
      task: { id: 'bench' },
      templateInfo: {
        entityRef: 'template:default/bench',
        baseUrl: `file://${flat}/template.yaml`,
      },
    };
    const started = performance.now();
    await fetchTemplate.handler(
      ctx as unknown as Parameters<typeof fetchTemplate.handler>[0],
    );
    return { ms: performance.now() - started, dir: workspacePath };
  };
  const clean = () => {
    for (const entry of fs.readdirSync(work))
      fs.rmSync(path.join(work, entry), { recursive: true, force: true });
  };

  try {
    const first = await ours();
    const second = await builtin();
    const difference = sameTree(first.dir, second.dir);
    if (difference)
      throw new Error(
        `our engine and fetch:template render different trees: ${difference}`,
      );
    const files = listTree(first.dir).size;
    clean();

    const oursMs: number[] = [];
    const fetchMs: number[] = [];
    for (let i = 0; i < options.warmup + options.runs; i++) {
      // Alternate which side goes first, so drift and GC debt fall on both equally.
      const pair = i % 2 ? [builtin, ours] : [ours, builtin];
      for (const run of pair) {
        const { ms } = await run();
        if (i >= options.warmup) (run === ours ? oursMs : fetchMs).push(ms);
      }
      clean();
    }
    const oursMedian = median(oursMs);
    const fetchMedian = median(fetchMs);
    return {
      oursMs: round(oursMedian),
      fetchTemplateMs: round(fetchMedian),
      ratioVsFetchTemplate: round(oursMedian / fetchMedian, 3),
      files,
      runs: options.runs,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(flat, { recursive: true, force: true });
  }
}
