import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ANSWERS_FILE,
  PRISTINE_RENDER_TRAILER,
  parseAnswers,
  type Answers,
} from '../answers';
import { knownVersions, packageVersion } from '../packageFiles';
import { OFFERED_STACKS } from '../stacks';
import { git, gitVersion } from './git';
import { renderAnswers } from './renderAnswers';

/** The trailer on an update's merge commit, naming the template version it brought in. */
export const UPDATE_TRAILER = 'Microservice-Update';
/** Branches `update` creates are named `microservice-update/<version>-<render>` unless a name is given. */
export const UPDATE_BRANCH_PREFIX = 'microservice-update/';
/**
 * Every pristine render an update makes is also tagged `microservice/pristine/<version>-<commit>`: the tag keeps it
 * reachable when the update's branch is squash- or rebase-merged (and deleted), so the next update finds its base.
 */
export const PRISTINE_TAG_PREFIX = 'microservice/pristine/';
// `git merge-tree --write-tree` (a merge without a work tree) arrived in git 2.38.
const MIN_GIT: [number, number] = [2, 38];

export interface UpdateRepositoryOptions {
  /** The top directory of the repository's work tree. */
  repoDir: string;
  /** The branch to create; default `microservice-update/<version>-<short hash of the new render>`. */
  branchName?: string;
  /** The template version to update to; this package renders only its own version. */
  version?: string;
  /** Resolve recorded `repoUrl`s (default: the public hosts). */
  integrations?: ScmIntegrationRegistry;
  /** Render from this skeleton tree instead of the shipped one (tests; trying a skeleton change). */
  skeletonRoot?: string;
  /** Work out the update completely, but create no branch and write nothing into the repository. */
  dryRun?: boolean;
  /** Say in the summary how to push the branch and its tag (a local repository); default true. */
  explainPush?: boolean;
  /** Who the two commits are by; default the repository's git identity, else `Microservice template`. */
  author?: { name: string; email: string };
  logger?: LoggerService;
}

export interface UpdateResult {
  status: 'up-to-date' | 'updated' | 'conflicts';
  dryRun: boolean;
  repoDir: string;
  /** The version of the pristine render the merge starts from, and the version it brings in. */
  fromVersion: string;
  toVersion: string;
  /** The repository's HEAD (ours) and the branch it is on (`HEAD` when detached). */
  head: string;
  headRef: string;
  /** The pristine-render commit used as the merge base. */
  base: string;
  /**
   * Where the base was found: `history` — in the history of HEAD (the first render, or an update merged with a
   * merge commit or fast-forward); `tag` — by its `microservice/pristine/…` tag, because the update that
   * brought HEAD's recorded version was squash- or rebase-merged; `fallback` — no render of HEAD's recorded
   * version was found, so the newest one in the history stands in (see `baseDescription`).
   */
  baseSource: 'history' | 'tag' | 'fallback';
  /** One sentence: which base, and how it was found. */
  baseDescription: string;
  /** The tag on the new pristine render (created with the branch). */
  pristineTag?: string;
  /** The new branch; also set in a dry run (the branch it would create). Unset when up to date. */
  branchName?: string;
  pristineCommit?: string;
  mergeCommit?: string;
  /** Files that hold conflict markers on the new branch. */
  conflicts: string[];
  /** git's own description of each conflict. */
  conflictMessages: string[];
  /** What the new branch changes against HEAD: `A`dded, `M`odified, `D`eleted files. */
  changes: Array<{ status: string; path: string }>;
  /** One paragraph for people: what happened and what to do next. */
  summary: string;
}

/** Refusals name the problem; nothing has been written when one is thrown. */
function refuse(repoDir: string, problem: string): InputError {
  return new InputError(`${repoDir}: ${problem}; nothing was written`);
}

const short = (oid: string) => oid.slice(0, 7);

async function isGitTop(repoDir: string): Promise<string> {
  const top = await git(['rev-parse', '--show-toplevel'], {
    cwd: repoDir,
  }).catch(() => undefined);
  if (!top) throw refuse(repoDir, 'not a git repository');
  const topDir = await fs.realpath(top.stdout.trim());
  if (topDir !== repoDir) {
    throw refuse(
      repoDir,
      `not the top of its git repository (that is ${topDir}); pass the repository's top directory`,
    );
  }
  return topDir;
}

async function headOf(repoDir: string) {
  const head = await git(
    ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'],
    {
      cwd: repoDir,
    },
  ).catch(() => undefined);
  if (!head) throw refuse(repoDir, 'the repository has no commits');
  const ref = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], {
    cwd: repoDir,
  }).catch(() => undefined);
  return { head: head.stdout.trim(), headRef: ref?.stdout.trim() || 'HEAD' };
}

async function refuseDirty(repoDir: string) {
  const { stdout } = await git(
    ['status', '--porcelain=v1', '-z', '--untracked-files=all'],
    { cwd: repoDir },
  );
  const dirty = stdout
    .split('\0')
    .filter(Boolean)
    .map(line => line.slice(3));
  if (dirty.length > 0) {
    throw refuse(
      repoDir,
      `the work tree has uncommitted changes (${dirty.length} file(s): ${dirty
        .slice(0, 5)
        .join(', ')}${
        dirty.length > 5 ? ', …' : ''
      }); commit or stash them first`,
    );
  }
}

async function answersAt(
  repoDir: string,
  commit: string,
): Promise<string | undefined> {
  const shown = await git(['show', `${commit}:${ANSWERS_FILE}`], {
    cwd: repoDir,
  }).catch(() => undefined);
  return shown?.stdout;
}

/** The answers at HEAD, checked for what this package can render: known stacks and a known template version. */
async function recordedAnswers(
  repoDir: string,
  head: string,
): Promise<Answers> {
  const text = await answersAt(repoDir, head);
  if (text === undefined) {
    throw refuse(
      repoDir,
      `no answers file (${ANSWERS_FILE}) at HEAD: only repositories rendered by this package, which records the values it used there, can be updated`,
    );
  }
  let answers: Answers;
  try {
    answers = parseAnswers(text);
  } catch (error) {
    throw refuse(repoDir, (error as Error).message);
  }
  for (const [id, input] of Object.entries(answers.actions)) {
    const stack = (input as { stack?: unknown }).stack;
    if (!(OFFERED_STACKS as readonly unknown[]).includes(stack)) {
      throw refuse(
        repoDir,
        `answers: actions.${id}.stack '${String(
          stack,
        )}' is a stack this package does not know (it renders ${OFFERED_STACKS.join(
          ', ',
        )})`,
      );
    }
  }
  const known = knownVersions();
  if (!known.includes(answers.packageVersion)) {
    throw refuse(
      repoDir,
      `answers: packageVersion '${
        answers.packageVersion
      }' is a template version this package does not know (it knows ${known.join(
        ', ',
      )}); update with the package release that version belongs to, or a newer one`,
    );
  }
  return answers;
}

interface PristineRender {
  commit: string;
  version: string;
  /** Committer time, seconds. */
  time: number;
  reachable: boolean;
  tag?: string;
}

/**
 * The genuine pristine renders in the history of HEAD and behind the pristine tags, newest first (topological).
 * A commit carrying the trailer is genuine when it is the first commit or its only parent is a genuine pristine
 * render: the chain every render and update builds. A copy of a pristine commit replayed onto the default branch
 * by a rebase merge, or a squash commit whose message repeats the trailer, has a parent outside that chain, so its
 * tree — a merge with the team's changes — is never taken for a pristine render.
 */
async function pristineRenders(repoDir: string): Promise<PristineRender[]> {
  const format = `%H%x1f%P%x1f%ct%x1f%(trailers:key=${PRISTINE_RENDER_TRAILER},valueonly,separator=%x2C)`;
  const log = async (...revisions: string[]) =>
    (
      await git(
        ['log', '--topo-order', '-z', `--format=${format}`, ...revisions],
        { cwd: repoDir },
      )
    ).stdout
      .split('\0')
      .filter(entry => entry.trim())
      .map(entry => {
        const [commit, parents, time, versions] = entry.trim().split('\x1f');
        return {
          commit,
          parents: parents ? parents.split(' ') : [],
          time: Number(time),
          version: versions?.split(',')[0]?.trim() || undefined,
        };
      });
  // Each tag's commit in one call: annotated tags peeled, tags of anything but a commit ignored.
  const tags = new Map<string, string>();
  const listed = await git(
    [
      'for-each-ref',
      '--format=%(objecttype) %(objectname) %(*objecttype) %(*objectname) %(refname:strip=2)',
      `refs/tags/${PRISTINE_TAG_PREFIX}`,
    ],
    { cwd: repoDir },
  );
  for (const line of listed.stdout.split('\n').filter(Boolean)) {
    const [type, oid, peeledType, peeled, name] = line.split(' ');
    let commit: string | undefined;
    if (type === 'commit') commit = oid;
    else if (peeledType === 'commit') commit = peeled;
    if (commit && !tags.has(commit)) tags.set(commit, name);
  }
  const fromHead = await log('HEAD');
  const behindTags =
    tags.size > 0 ? await log(...tags.keys(), '--not', 'HEAD') : [];
  const reachable = new Set(fromHead.map(c => c.commit));
  const all = [...fromHead, ...behindTags];
  const byOid = new Map(all.map(c => [c.commit, c]));
  const genuine = new Map<string, boolean>();
  // Parents come after their children in topological order: decide from the oldest up.
  const isGenuine = (oid: string): boolean => {
    const known = genuine.get(oid);
    if (known !== undefined) return known;
    const c = byOid.get(oid);
    const result =
      !!c?.version &&
      (c.parents.length === 0 ||
        (c.parents.length === 1 && isGenuine(c.parents[0])));
    genuine.set(oid, result);
    return result;
  };
  for (const c of [...all].reverse()) isGenuine(c.commit);
  return all
    .filter(c => genuine.get(c.commit))
    .map(c => ({
      commit: c.commit,
      version: c.version!,
      time: c.time,
      reachable: reachable.has(c.commit),
      tag: tags.get(c.commit),
    }));
}

/**
 * The merge base: the pristine render of the template version HEAD records in its answers file. Among the
 * genuine renders of that version — in the history of HEAD or behind a pristine tag — the one whose answers equal
 * HEAD's (a repository may be re-rendered with the same version after an edit of its answers), then one in the
 * history (first render, merge-commit merges), then the newest. The newest render in the history of HEAD, whatever
 * its version, is only a fallback for a repository whose updates were never tagged, and says so.
 */
async function findBase(
  repoDir: string,
  head: string,
  headRef: string,
  headAnswers: Answers,
) {
  const renders = await pristineRenders(repoDir);
  const recorded = headAnswers.packageVersion;
  const where = headRef === 'HEAD' ? 'HEAD' : headRef;
  const headText = await answersAt(repoDir, head);
  const ofVersion = renders.filter(r => r.version === recorded);
  const scored = await Promise.all(
    ofVersion.map(async (render, order) => ({
      render,
      order,
      same: sameAnswers(headText, await answersAt(repoDir, render.commit)),
    })),
  );
  // Renders come newest first within the history, then the tagged ones; the newest tagged first among those.
  scored.sort(
    (a, b) =>
      Number(b.same) - Number(a.same) ||
      Number(b.render.reachable) - Number(a.render.reachable) ||
      (a.render.reachable ? a.order - b.order : b.render.time - a.render.time),
  );
  const chosen = scored[0]?.render;
  if (chosen?.reachable) {
    return {
      ...chosen,
      source: 'history' as const,
      description: `Base: the pristine render ${short(
        chosen.commit,
      )} (version ${chosen.version}) in the history of ${where}.`,
    };
  }
  if (chosen) {
    return {
      ...chosen,
      source: 'tag' as const,
      description: `Base: the pristine render ${short(
        chosen.commit,
      )} (version ${chosen.version}), found by its tag ${
        chosen.tag
      }: the update that brought it reached ${where} by a squash or rebase merge, so it is not in the history.`,
    };
  }
  const newest = renders.find(r => r.reachable);
  if (!newest) return undefined;
  return {
    ...newest,
    source: 'fallback' as const,
    description: `Base (fallback): the newest pristine render in the history of ${where}, ${short(
      newest.commit,
    )} (version ${
      newest.version
    }). No pristine render of version ${recorded}, which ${where} records, is in its history or under a ${PRISTINE_TAG_PREFIX} tag (were the tags not pushed?), so changes the template made since ${
      newest.version
    } count as this repository's own: expect conflicts, and check that files the template removed since are gone.`,
  };
}

async function identity(
  repoDir: string,
  author?: UpdateRepositoryOptions['author'],
) {
  if (author) return author;
  const read = async (key: string) =>
    (
      await git(['config', '--get', key], { cwd: repoDir }).catch(
        () => undefined,
      )
    )?.stdout.trim();
  return {
    name: (await read('user.name')) || 'Microservice template',
    email: (await read('user.email')) || 'scaffolder@backstage.local',
  };
}

/** Answers equal but for the version that rendered them: a new release that changes nothing for this repository. */
function sameAnswers(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const strip = (text: string) => {
    const answers = parseAnswers(text) as Partial<Answers>;
    delete answers.packageVersion;
    return JSON.stringify(answers);
  };
  return strip(a) === strip(b);
}

/** Parses `git merge-tree --write-tree -z --name-only` output. */
function parseMergeTree(stdout: string) {
  const parts = stdout.split('\0');
  const tree = parts[0].trim();
  const conflicts: string[] = [];
  let i = 1;
  for (; i < parts.length && parts[i] !== ''; i++) conflicts.push(parts[i]);
  const messages: string[] = [];
  // Informational messages: <count> NUL <paths…> NUL <type> NUL <message> NUL.
  for (i += 1; i < parts.length; ) {
    const count = Number(parts[i]);
    if (!Number.isInteger(count) || count < 1) break;
    const message = parts[i + count + 2];
    const type = parts[i + count + 1] ?? '';
    if (message && type.startsWith('CONFLICT')) messages.push(message.trim());
    i += count + 3;
  }
  return { tree, conflicts: [...new Set(conflicts)], messages };
}

/**
 * Brings a generated repository to the current skeletons with a three-way merge: base = the newest pristine
 * render in its history, ours = HEAD, theirs = the recorded answers rendered now. The result is a new branch
 * holding a pristine-render commit (parent: the base) and the merge of it into HEAD; no other ref, the index and
 * the work tree are never touched. Conflicts are committed with git's conflict markers and listed.
 *
 * All the work happens in a temporary clone that shares the repository's objects; only the last step writes into
 * the repository (one fetch that creates the branch), so a refusal or a failure leaves it exactly as it was.
 */
export async function updateRepository(
  options: UpdateRepositoryOptions,
): Promise<UpdateResult> {
  const dryRun = options.dryRun ?? false;
  const toVersion = packageVersion();
  const given = path.resolve(options.repoDir);
  const stat = await fs.stat(given).catch(() => undefined);
  if (!stat?.isDirectory()) throw refuse(given, 'no such directory');
  const repoDir = await fs.realpath(given);
  if (options.version && options.version !== toVersion) {
    throw refuse(
      repoDir,
      `version: this package renders template version ${toVersion} only, not '${options.version}'`,
    );
  }
  const [major, minor] = await gitVersion(repoDir);
  if (major < MIN_GIT[0] || (major === MIN_GIT[0] && minor < MIN_GIT[1])) {
    throw refuse(
      repoDir,
      `git ${major}.${minor} is too old: update needs git ${MIN_GIT.join(
        '.',
      )} or newer (merge-tree --write-tree)`,
    );
  }
  await isGitTop(repoDir);
  const { head, headRef } = await headOf(repoDir);
  await refuseDirty(repoDir);
  const answers = await recordedAnswers(repoDir, head);
  const base = await findBase(repoDir, head, headRef, answers);
  if (!base) {
    throw refuse(
      repoDir,
      `no pristine render in the history of HEAD (no commit with a '${PRISTINE_RENDER_TRAILER}:' trailer), so there is no base for a three-way merge`,
    );
  }
  const baseAnswers = await answersAt(repoDir, base.commit);
  if (baseAnswers === undefined) {
    throw refuse(
      repoDir,
      `commit ${short(
        base.commit,
      )} is marked as a pristine render but has no ${ANSWERS_FILE}`,
    );
  }
  if (options.branchName !== undefined) {
    await checkBranchName(repoDir, options.branchName);
  }

  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'microservice-update-'));
  try {
    const renderDir = path.join(work, 'render');
    const clone = path.join(work, 'repo');
    await fs.mkdir(renderDir);
    options.logger?.info(
      `Rendering the recorded answers of ${repoDir} with template version ${toVersion}`,
    );
    await renderAnswers({
      answers,
      outDir: renderDir,
      integrations: options.integrations,
      skeletonRoot: options.skeletonRoot,
      logger: options.logger,
    });

    // A clone that borrows the repository's objects: new objects land here, not in the repository.
    await git(
      ['clone', '--quiet', '--shared', '--no-checkout', '--', repoDir, clone],
      {
        cwd: work,
      },
    );
    const inClone = { cwd: clone };
    // Stage exactly what publishing stages: every file, honouring the render's own .gitignore files only.
    const staging = {
      cwd: renderDir,
      env: {
        GIT_DIR: path.join(clone, '.git'),
        GIT_WORK_TREE: renderDir,
        GIT_INDEX_FILE: path.join(work, 'render.index'),
      },
    };
    await git(['-c', 'core.excludesFile=', 'add', '--all', '.'], staging);
    const theirsTree = (await git(['write-tree'], staging)).stdout.trim();

    const baseTree = (
      await git(['rev-parse', `${base.commit}^{tree}`], inClone)
    ).stdout.trim();
    const renderChanges = (
      await git(['diff', '--name-only', '-z', baseTree, theirsTree], inClone)
    ).stdout
      .split('\0')
      .filter(Boolean);
    const newAnswers = await fs.readFile(
      path.join(renderDir, ANSWERS_FILE),
      'utf8',
    );
    const upToDate =
      renderChanges.length === 0 ||
      (renderChanges.length === 1 &&
        renderChanges[0] === ANSWERS_FILE &&
        sameAnswers(baseAnswers, newAnswers));
    const common = {
      dryRun,
      repoDir,
      fromVersion: base.version,
      toVersion,
      head,
      headRef,
      base: base.commit,
      baseSource: base.source,
      baseDescription: base.description,
    };
    if (upToDate) {
      return {
        ...common,
        status: 'up-to-date',
        conflicts: [],
        conflictMessages: [],
        changes: [],
        summary: `Already up to date: template version ${toVersion} renders the recorded answers exactly as the pristine render ${short(
          base.commit,
        )} (version ${
          base.version
        }) that ${headRef} builds on, so there is nothing to merge; nothing was written. ${
          base.description
        }`,
      };
    }

    const branchName =
      options.branchName ??
      `${UPDATE_BRANCH_PREFIX}${toVersion}-${short(theirsTree)}`;
    await checkBranchName(repoDir, branchName);
    const who = await identity(repoDir, options.author);
    const commitEnv = {
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
    };
    const pristineCommit = (
      await git(
        [
          'commit-tree',
          theirsTree,
          '-p',
          base.commit,
          '-m',
          `Pristine render of ${answers.templateRef} version ${toVersion}`,
          '-m',
          `The recorded answers (${ANSWERS_FILE}) rendered by template version ${toVersion}, on top of the previous pristine render (${short(
            base.commit,
          )}, version ${
            base.version
          }). Its diff against its parent is the template's change.`,
          '-m',
          `${PRISTINE_RENDER_TRAILER}: ${toVersion}`,
        ],
        { ...inClone, env: commitEnv },
      )
    ).stdout.trim();

    // The merge base must be the chosen pristine render, which after a squash or rebase merge is not an
    // ancestor of HEAD (so not git's own merge base), and git before 2.40 cannot be told a base
    // (merge-tree --merge-base). So the merge runs on HEAD's tree committed on top of the base: that commit and
    // the new pristine render have exactly the base as their merge base. The merge commit itself has HEAD as
    // its first parent.
    const oursOnBase = (
      await git(
        [
          'commit-tree',
          `${head}^{tree}`,
          '-p',
          base.commit,
          '-m',
          `${headRef} on the base`,
        ],
        { ...inClone, env: commitEnv },
      )
    ).stdout.trim();
    // Named refs only so that conflict markers say where each side comes from.
    const oursLabel = headRef === 'HEAD' ? 'detached-HEAD' : headRef;
    const theirsLabel = `template-${toVersion}`;
    await git(['update-ref', `refs/heads/${oursLabel}`, oursOnBase], inClone);
    await git(
      ['update-ref', `refs/heads/${theirsLabel}`, pristineCommit],
      inClone,
    );
    const merged = await git(
      [
        'merge-tree',
        '--write-tree',
        '-z',
        '--name-only',
        oursLabel,
        theirsLabel,
      ],
      { ...inClone, okExitCodes: [1] },
    );
    const {
      tree: mergedTree,
      conflicts,
      messages,
    } = parseMergeTree(merged.stdout);

    const body = [
      `Merges the pristine render of version ${toVersion} (${short(
        pristineCommit,
      )}) into ${headRef} (${short(head)}), with the pristine render ${short(
        base.commit,
      )} (version ${
        base.version
      }) as the base: files you did not change take the template's change, your changes stay.`,
    ];
    if (conflicts.length > 0) {
      body.push(
        `Conflicts to resolve — the template and this repository changed the same lines; these files hold conflict markers:\n${conflicts
          .map(f => `- ${f}`)
          .join('\n')}`,
      );
    }
    const mergeCommit = (
      await git(
        [
          'commit-tree',
          mergedTree,
          '-p',
          head,
          '-p',
          pristineCommit,
          '-m',
          `Update to template version ${toVersion} (from ${base.version})${
            conflicts.length > 0 ? ` — ${conflicts.length} conflict(s)` : ''
          }`,
          ...body.flatMap(paragraph => ['-m', paragraph]),
          '-m',
          `${UPDATE_TRAILER}: ${toVersion}`,
        ],
        { ...inClone, env: commitEnv },
      )
    ).stdout.trim();
    const changes = (
      await git(
        ['diff', '--name-status', '--no-renames', '-z', head, mergeCommit],
        inClone,
      )
    ).stdout
      .split('\0')
      .filter(Boolean)
      .reduce<Array<{ status: string; path: string }>>((acc, item, i, all) => {
        if (i % 2 === 0) acc.push({ status: item, path: all[i + 1] });
        return acc;
      }, []);

    const pristineTag = `${PRISTINE_TAG_PREFIX}${toVersion}-${short(
      pristineCommit,
    )}`;
    if (!dryRun) {
      await git(
        ['update-ref', 'refs/heads/microservice-update-result', mergeCommit],
        inClone,
      );
      // Annotated, so `git push --follow-tags` takes it along with the branch.
      await git(
        [
          'tag',
          '--annotate',
          '--message',
          `Pristine render of template version ${toVersion}: the base of the next update`,
          pristineTag,
          pristineCommit,
        ],
        { ...inClone, env: commitEnv },
      );
      // The only write into the repository: a new branch and the pristine render's tag, in one fetch that
      // refuses to move an existing ref.
      await git(
        [
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          clone,
          `refs/heads/microservice-update-result:refs/heads/${branchName}`,
          `refs/tags/${pristineTag}:refs/tags/${pristineTag}`,
        ],
        { cwd: repoDir },
      );
    }

    const status = conflicts.length > 0 ? 'conflicts' : 'updated';
    const where = dryRun
      ? `would create branch ${branchName} and tag ${pristineTag}`
      : `created branch ${branchName} and tag ${pristineTag}`;
    const next =
      status === 'updated'
        ? `changing ${changes.length} file(s) without conflicts. ${headRef} is unchanged; review and merge the branch (with any merge strategy: the tag keeps the pristine render for the next update).`
        : `${
            conflicts.length
          } file(s) changed by both the template and this repository hold conflict markers: ${conflicts.join(
            ', ',
          )}. ${headRef} is unchanged; check out the branch, resolve the markers, commit, then merge it.`;
    const push =
      options.explainPush === false || dryRun
        ? ''
        : ` To propose it elsewhere, push both: git push origin ${branchName} ${pristineTag}.`;
    const summary = `Template version ${base.version} → ${toVersion}: ${where} with the pristine render and its merge into ${headRef}, ${next} ${base.description}${push}`;
    return {
      ...common,
      status,
      branchName,
      pristineTag: dryRun ? undefined : pristineTag,
      pristineCommit,
      mergeCommit,
      conflicts,
      conflictMessages: messages,
      changes,
      summary,
    };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

async function checkBranchName(repoDir: string, branchName: string) {
  const valid = await git(['check-ref-format', '--branch', branchName], {
    cwd: repoDir,
  }).catch(() => undefined);
  if (!valid || !branchName) {
    throw refuse(repoDir, `branch: '${branchName}' is not a valid branch name`);
  }
  const exists = await git(
    ['rev-parse', '--verify', '--quiet', `refs/heads/${branchName}`],
    { cwd: repoDir },
  ).catch(() => undefined);
  if (exists) {
    throw refuse(
      repoDir,
      `branch: '${branchName}' already exists (an earlier update?); merge or delete it, or choose another branch name`,
    );
  }
}

/** Writes the tree of `commit` into `outDir` (files and modes), e.g. for a pull request made from the workspace. */
export async function checkoutTree(
  repoDir: string,
  commit: string,
  outDir: string,
): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'microservice-tree-'));
  try {
    await fs.mkdir(outDir, { recursive: true });
    await git([`--work-tree=${outDir}`, 'read-tree', '--reset', '-u', commit], {
      cwd: repoDir,
      env: { GIT_INDEX_FILE: path.join(work, 'index') },
    });
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** The files of `from` that `to` no longer has. */
export async function filesRemoved(
  repoDir: string,
  from: string,
  to: string,
): Promise<string[]> {
  const list = async (commit: string) =>
    (
      await git(['ls-tree', '-r', '--name-only', '-z', commit], {
        cwd: repoDir,
      })
    ).stdout
      .split('\0')
      .filter(Boolean);
  const kept = new Set(await list(to));
  return (await list(from)).filter(f => !kept.has(f));
}
