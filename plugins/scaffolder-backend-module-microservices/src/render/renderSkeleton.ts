import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import nunjucks from 'nunjucks';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  createTemplateEnvironment,
  renderTemplateString,
  SkeletonRenderError,
} from './templating';

/** One file of a rendered skeleton, held in memory until the whole tree has rendered. */
export interface RenderedFile {
  /** POSIX path relative to the target directory. */
  path: string;
  content: Buffer;
  /** Permission bits copied from the skeleton file. */
  mode: number;
}

export interface RenderSkeletonOptions {
  /** Absolute path of the skeleton tree, or of several layered trees. */
  skeletonDir: string | readonly string[];
  /** See `RenderSkeletonFilesOptions.includeRoot`. */
  includeRoot?: string;
  /** Nothing is written outside this directory (the task workspace). */
  rootDir: string;
  /** Target directory relative to `rootDir`; the root itself when empty. */
  targetPath?: string;
  /** Available to templates as `values`. */
  values: object;
  /** Replace files that already exist in the target. Default false. */
  overwrite?: boolean;
}

const TEMPLATE_SUFFIX = '.njk';

/** How `renderSkeletonFiles` finds what skeleton files include. */
export interface RenderSkeletonFilesOptions {
  /**
   * Folder that `{% include %}` names resolve against, normally the skeleton root (`skeletons/`), so a
   * skeleton includes `shared/include/…` parts; includes are refused without it.
   */
  includeRoot?: string;
}

// One environment per include root (the loader is part of the environment).
const environments = new Map<string, nunjucks.Environment>();
function environmentFor(includeRoot?: string): nunjucks.Environment {
  const key = includeRoot ?? '';
  let env = environments.get(key);
  if (!env) {
    env = createTemplateEnvironment(includeRoot);
    environments.set(key, env);
  }
  return env;
}

// Compiled templates by environment and absolute path; a changed file (mtime/size) is compiled again.
const compiled = new Map<
  string,
  { mtimeMs: number; size: number; template: nunjucks.Template; source: string }
>();

async function compiledTemplate(
  env: nunjucks.Environment,
  includeRoot: string,
  file: string,
  displayName: string,
) {
  const stat = await fs.stat(file);
  const key = `${includeRoot}\0${file}`;
  const cached = compiled.get(key);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) {
    return cached;
  }
  const source = await fs.readFile(file, 'utf8');
  let template: nunjucks.Template;
  try {
    template = new nunjucks.Template(source, env, displayName, true);
  } catch (error) {
    throw new SkeletonRenderError(
      `${displayName}: ${String((error as Error).message).replace(
        /\s+/g,
        ' ',
      )}`,
      displayName,
    );
  }
  const entry = { mtimeMs: stat.mtimeMs, size: stat.size, template, source };
  compiled.set(key, entry);
  return entry;
}

function renderSegment(
  env: nunjucks.Environment,
  segment: string,
  values: object,
  file: string,
): string {
  if (!segment.includes('{')) return segment;
  const rendered = renderTemplateString(
    env,
    segment,
    segment,
    { values },
    file,
  );
  if (/[\\/]/.test(rendered) || rendered === '.' || rendered === '..') {
    throw new SkeletonRenderError(
      `${file}: path segment renders to '${rendered}', which is not a plain file name`,
      file,
    );
  }
  return rendered;
}

/**
 * Renders skeleton trees in memory: `*.njk` files through nunjucks (suffix stripped), every other file
 * byte for byte. Several trees (layers, e.g. the shared service files and a stack's own) render into one
 * output; two files that render to the same path are an error, so no layer silently replaces another's file.
 * Entries are visited in sorted order so the same input always gives the same tree.
 */
export async function renderSkeletonFiles(
  skeletonDirs: string | readonly string[],
  values: object,
  options: RenderSkeletonFilesOptions = {},
): Promise<RenderedFile[]> {
  const env = environmentFor(options.includeRoot);
  const includeRoot = options.includeRoot ?? '';
  const files: RenderedFile[] = [];
  const layers =
    typeof skeletonDirs === 'string' ? [skeletonDirs] : skeletonDirs;
  for (const layer of layers) {
    files.push(...(await renderLayer(layer)));
  }

  async function renderLayer(skeletonDir: string): Promise<RenderedFile[]> {
    const root = await fs.realpath(skeletonDir);
    const layerFiles: RenderedFile[] = [];
    const visited = new Set<string>();

    async function walk(dir: string, relSource: string, relOutput: string[]) {
      const real = await fs.realpath(dir);
      if (visited.has(real)) {
        throw new SkeletonRenderError(
          `${relSource || '.'}: directory cycle`,
          relSource,
        );
      }
      visited.add(real);
      const names = (await fs.readdir(dir)).sort();
      // Entries are visited concurrently; the first failure in name order is reported, so errors are
      // deterministic, and the result is sorted at the end.
      const results = await Promise.allSettled(
        names.map(name => visit(dir, name, relSource, relOutput)),
      );
      const failure = results.find(r => r.status === 'rejected');
      if (failure) throw (failure as PromiseRejectedResult).reason;
    }

    async function visit(
      dir: string,
      name: string,
      relSource: string,
      relOutput: string[],
    ) {
      const source = path.join(dir, name);
      const display = relSource ? `${relSource}/${name}` : name;
      let stat = await fs.lstat(source);
      let resolved = source;
      if (stat.isSymbolicLink()) {
        resolved = await fs.realpath(source).catch(() => '');
        const rel = resolved ? path.relative(root, resolved) : '..';
        if (rel.startsWith('..') || path.isAbsolute(rel)) {
          throw new SkeletonRenderError(
            `${display}: symlink points outside the skeleton and is refused`,
            display,
          );
        }
        stat = await fs.stat(resolved);
      }
      let outName = renderSegment(env, name, values, display);
      if (stat.isDirectory()) {
        if (outName === '') return;
        await walk(resolved, display, [...relOutput, outName]);
        return;
      }
      if (!stat.isFile()) return;
      const isTemplate = outName.endsWith(TEMPLATE_SUFFIX);
      if (isTemplate) outName = outName.slice(0, -TEMPLATE_SUFFIX.length);
      // A name that renders empty marks an optional file that is off.
      if (outName === '') return;
      let content: Buffer;
      if (isTemplate) {
        const { template, source: text } = await compiledTemplate(
          env,
          includeRoot,
          resolved,
          display,
        );
        content = Buffer.from(
          renderTemplateString(env, template, text, { values }, display),
          'utf8',
        );
      } else {
        content = await fs.readFile(resolved);
      }
      layerFiles.push({
        path: [...relOutput, outName].join('/'),
        content,
        mode: stat.mode & 0o777,
      });
    }

    await walk(root, '', []);
    return layerFiles;
  }

  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) {
      throw new SkeletonRenderError(
        `two skeleton files render to '${file.path}'`,
        file.path,
      );
    }
    seen.add(file.path);
  }
  // Byte order, not locale order: the same on every machine (paths are unique).
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

// Each directory is created once, then files are written concurrently; chmod because the umask applies to
// the mode given at creation.
async function writeTree(base: string, files: RenderedFile[]) {
  const destinations = files.map(file => resolveSafeChildPath(base, file.path));
  const dirs = [
    ...new Set(destinations.map(dest => path.dirname(dest))),
  ].sort();
  for (const dir of dirs) await fs.mkdir(dir, { recursive: true });
  await Promise.all(
    files.map(async (file, i) => {
      await fs.writeFile(destinations[i], file.content);
      await fs.chmod(destinations[i], file.mode);
    }),
  );
}

/**
 * Writes rendered files below `rootDir/targetPath`, all or nothing: files are staged in a temporary directory
 * inside the root and moved into place only when every one was written. Existing files are refused unless
 * `overwrite` is set. Returns the written paths relative to the target.
 */
export async function writeRenderedFiles(options: {
  rootDir: string;
  targetPath?: string;
  files: RenderedFile[];
  overwrite?: boolean;
  /** Paths that may replace an existing file even when `overwrite` is off (the answers file, which each action extends). */
  replaceable?: string[];
}): Promise<string[]> {
  const { rootDir, files, overwrite = false } = options;
  const replaceable = new Set(options.replaceable ?? []);
  const root = resolveSafeChildPath(rootDir, '.');
  const target = resolveSafeChildPath(root, options.targetPath || '.');
  const destinations = files.map(f => resolveSafeChildPath(target, f.path));

  if (!overwrite) {
    const existing: string[] = [];
    for (const [i, dest] of destinations.entries()) {
      if (!replaceable.has(files[i].path) && (await exists(dest)))
        existing.push(files[i].path);
    }
    if (existing.length > 0) {
      throw new InputError(
        `targetPath: ${
          existing.length
        } file(s) already exist and overwrite is off: ${existing
          .slice(0, 5)
          .join(', ')}${existing.length > 5 ? ', …' : ''}`,
      );
    }
  }

  // The highest missing ancestor of the target: staging beside it and renaming it into place is atomic.
  let topMissing: string | undefined;
  for (
    let dir = target;
    dir !== root && !(await exists(dir));
    dir = path.dirname(dir)
  ) {
    topMissing = dir;
  }

  if (topMissing) {
    const staging = await fs.mkdtemp(
      path.join(path.dirname(topMissing), '.render-'),
    );
    try {
      await writeTree(
        path.join(staging, path.relative(topMissing, target)),
        files,
      );
      await fs.rename(staging, topMissing);
    } catch (error) {
      await fs.rm(staging, { recursive: true, force: true });
      throw error;
    }
    return files.map(f => f.path);
  }

  // The target exists: stage inside it, then move file by file, undoing every move if one fails.
  const staging = await fs.mkdtemp(path.join(target, '.render-'));
  const undo: Array<() => Promise<void>> = [];
  try {
    await writeTree(path.join(staging, 'new'), files);
    for (const [i, file] of files.entries()) {
      const dest = destinations[i];
      const staged = path.join(staging, 'new', file.path);
      const createdDirs = await mkdirTracked(path.dirname(dest));
      if (await exists(dest)) {
        const backup = path.join(staging, 'old', file.path);
        await fs.mkdir(path.dirname(backup), { recursive: true });
        await fs.rename(dest, backup);
        undo.push(() => fs.rename(backup, dest));
      } else {
        undo.push(async () => {
          await fs.rm(dest, { force: true });
          for (const dir of createdDirs) await fs.rmdir(dir).catch(() => {});
        });
      }
      await fs.rename(staged, dest);
    }
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => {});
    throw error;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  return files.map(f => f.path);
}

// mkdir -p that reports which directories it created (deepest first), for undo.
async function mkdirTracked(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let d = dir; !(await exists(d)); d = path.dirname(d)) missing.push(d);
  await fs.mkdir(dir, { recursive: true });
  return missing;
}

/** Renders a skeleton tree into `rootDir/targetPath`; a failure leaves the target exactly as it was. */
export async function renderSkeleton(
  options: RenderSkeletonOptions,
): Promise<string[]> {
  const files = await renderSkeletonFiles(options.skeletonDir, options.values, {
    includeRoot: options.includeRoot,
  });
  return writeRenderedFiles({
    rootDir: options.rootDir,
    targetPath: options.targetPath,
    files,
    overwrite: options.overwrite,
  });
}
