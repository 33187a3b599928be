import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import {
  commitFiles,
  copySkeletons,
  generateRepository,
  gitIn,
  repositoryState,
} from '../../testUtils/generatedRepository';
import { ANSWERS_FILE, PRISTINE_RENDER_TRAILER } from '../answers';
import { packageVersion } from '../packageFiles';
import { updateRepository } from './updateRepository';

jest.setTimeout(60_000);

const read = (dir: string, file: string) =>
  fs.readFileSync(path.join(dir, file), 'utf8');
const showAt = (dir: string, ref: string, file: string) =>
  gitIn(dir, 'show', `${ref}:${file}`);
const author = { name: 'Template Bot', email: 'bot@example.com' };

describe('updateRepository', () => {
  let work: string;
  let reposDir: string;
  let skeletons: string;

  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'update-test-'));
    reposDir = path.join(work, 'repos');
    skeletons = copySkeletons(work);
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  /** A Go service generated from today's skeletons (the private copy), with one commit by its team on top. */
  async function generatedWithUserChange() {
    const repo = await generateRepository({
      reposDir,
      name: 'billing-api',
      skeletonRoot: skeletons,
    });
    const readme = read(repo, 'README.md');
    commitFiles(
      repo,
      {
        'README.md': readme.replace(
          /^# .*$/m,
          '# Billing API — owned by team A',
        ),
        'internal/notes.md': 'Our own file.\n',
      },
      'Team changes',
    );
    return repo;
  }

  /** A template change, as a platform team makes it in the skeleton tree. */
  function changeSkeleton(file: string, change: (text: string) => string) {
    const full = path.join(skeletons, file);
    fs.writeFileSync(full, change(fs.readFileSync(full, 'utf8')));
  }

  it('records the pristine render: the initial commit carries the trailer and the answers file', async () => {
    const repo = await generateRepository({
      reposDir,
      name: 'billing-api',
      skeletonRoot: skeletons,
    });
    expect(gitIn(repo, 'log', '-1', '--format=%B')).toContain(
      `${PRISTINE_RENDER_TRAILER}: ${packageVersion()}`,
    );
    const answers = parse(read(repo, ANSWERS_FILE));
    expect(answers).toMatchObject({
      templateRef: 'template:default/microservice',
      packageVersion: packageVersion(),
    });
    expect(Object.keys(answers.actions['microservice:service:render'])).toEqual(
      [
        'stack',
        'name',
        'owner',
        'description',
        'system',
        'lifecycle',
        'resource',
        'resourcePlural',
        'features',
        'repoUrl',
      ],
    );
  });

  it('updates a .NET service: a skeleton change to its C# code merges beside a team change, lock files untouched', async () => {
    const repo = await generateRepository({
      reposDir,
      name: 'ledger-api',
      stack: 'dotnet',
      skeletonRoot: skeletons,
    });
    const program = 'src/LedgerApi.Api/Program.cs';
    const lock = 'src/LedgerApi.Api/packages.lock.json';
    commitFiles(
      repo,
      { [program]: `// Team note: owned by team A.\n${read(repo, program)}` },
      'Team changes',
    );
    const lockBefore = read(repo, lock);
    changeSkeleton(
      'dotnet/src/${{ values.dotnet.project }}/Program.cs.njk',
      t => `${t}\n// Template change: see the platform handbook.\n`,
    );

    const result = await updateRepository({
      repoDir: repo,
      skeletonRoot: skeletons,
      author,
    });

    expect([result.status, result.conflicts]).toEqual(['updated', []]);
    const merged = showAt(repo, result.branchName!, program);
    expect(merged).toMatch(/^\/\/ Team note: owned by team A\.$/m);
    expect(merged).toContain('// Template change: see the platform handbook.');
    expect(showAt(repo, result.branchName!, lock)).toBe(lockBefore);
  });

  it('merges a template change: an untouched file takes it, the team change survives, the default branch stays', async () => {
    const repo = await generatedWithUserChange();
    const before = repositoryState(repo);
    const main = gitIn(repo, 'rev-parse', 'main');
    // One file the team did not touch (Makefile), one it did (README.md, far from the team's line).
    changeSkeleton(
      'go/Makefile',
      t => `${t}\n# Template change: lint target\n`,
    );
    changeSkeleton(
      'go/README.md.njk',
      t => `${t}\nTemplate footer: see the platform handbook.\n`,
    );

    const result = await updateRepository({
      repoDir: repo,
      skeletonRoot: skeletons,
      author,
    });

    expect(result.status).toBe('updated');
    expect(result.conflicts).toEqual([]);
    const branch = result.branchName!;
    expect(branch).toMatch(/^microservice-update\/\d+\.\d+\.\d+-[0-9a-f]{7}$/);
    expect(showAt(repo, branch, 'Makefile')).toContain(
      '# Template change: lint target',
    );
    const readme = showAt(repo, branch, 'README.md');
    expect(readme).toContain('# Billing API — owned by team A');
    expect(readme).toContain('Template footer: see the platform handbook.');
    expect(showAt(repo, branch, 'internal/notes.md')).toBe('Our own file.');
    expect(result.changes).toEqual([
      { status: 'M', path: 'Makefile' },
      { status: 'M', path: 'README.md' },
    ]);

    // The branch: a pristine-render commit on the previous one, and the merge of it into main.
    const [merge, pristine] = [
      gitIn(repo, 'rev-parse', branch),
      gitIn(repo, 'rev-parse', `${branch}^2`),
    ];
    expect(merge).toBe(result.mergeCommit);
    expect(pristine).toBe(result.pristineCommit);
    expect(gitIn(repo, 'rev-parse', `${branch}^1`)).toBe(main);
    expect(gitIn(repo, 'rev-parse', `${pristine}^`)).toBe(result.base);
    expect(gitIn(repo, 'log', '-1', '--format=%B', pristine)).toContain(
      `${PRISTINE_RENDER_TRAILER}: ${packageVersion()}`,
    );
    expect(gitIn(repo, 'log', '-1', '--format=%an', merge)).toBe(
      'Template Bot',
    );
    // The pristine commit's own diff is exactly the template's change.
    expect(
      gitIn(repo, 'diff', '--name-only', `${pristine}^`, pristine).split('\n'),
    ).toEqual(['Makefile', 'README.md']);

    // Nothing else moved: main, HEAD, the index and the work tree are as they were.
    const after = repositoryState(repo);
    expect(gitIn(repo, 'rev-parse', 'main')).toBe(main);
    expect(after.head).toBe(before.head);
    expect(after.status).toBe('');
    expect(read(repo, 'Makefile')).not.toContain('Template change');
    // Two new refs: the branch and the tag that keeps the pristine render whichever way the branch is merged.
    expect(result.pristineTag).toBe(
      `microservice/pristine/${packageVersion()}-${pristine.slice(0, 7)}`,
    );
    const tagObject = gitIn(
      repo,
      'rev-parse',
      `refs/tags/${result.pristineTag}`,
    );
    expect(gitIn(repo, 'cat-file', '-t', tagObject)).toBe('tag');
    expect(gitIn(repo, 'rev-parse', `${tagObject}^{commit}`)).toBe(pristine);
    expect(after.refs.split('\n').sort()).toEqual(
      [
        ...before.refs.split('\n'),
        `refs/heads/${branch} ${merge}`,
        `refs/tags/${result.pristineTag} ${tagObject}`,
      ].sort(),
    );
    expect(result.summary).toContain(
      `push both: git push origin ${branch} ${result.pristineTag}.`,
    );
    expect(result.baseSource).toBe('history');
  });

  it('reports a conflict with the file list when the template and the team changed the same lines', async () => {
    const repo = await generatedWithUserChange();
    const main = gitIn(repo, 'rev-parse', 'main');
    changeSkeleton('go/Makefile', t => `${t}\n# Template change\n`);
    changeSkeleton('go/README.md.njk', t =>
      t.replace(/^# .*$/m, '# ${{ values.title }} service'),
    );

    const result = await updateRepository({
      repoDir: repo,
      skeletonRoot: skeletons,
      author,
    });

    expect(result.status).toBe('conflicts');
    expect(result.conflicts).toEqual(['README.md']);
    expect(result.conflictMessages.join('\n')).toMatch(
      /CONFLICT \(content\): Merge conflict in README\.md/,
    );
    expect(result.summary).toContain('README.md');
    const readme = showAt(repo, result.branchName!, 'README.md');
    expect(readme).toMatch(
      /<<<<<<< main\n# Billing API — owned by team A\n=======\n# Billing Api service\n>>>>>>> template-/,
    );
    // The rest of the update still applies, and the merge commit lists the conflict.
    expect(showAt(repo, result.branchName!, 'Makefile')).toContain(
      '# Template change',
    );
    expect(
      gitIn(repo, 'log', '-1', '--format=%B', result.branchName!),
    ).toContain('- README.md');
    expect(gitIn(repo, 'rev-parse', 'main')).toBe(main);
    expect(repositoryState(repo).status).toBe('');
  });

  it('is a no-op that says so when the template did not change', async () => {
    const repo = await generatedWithUserChange();
    const before = repositoryState(repo);
    const result = await updateRepository({
      repoDir: repo,
      skeletonRoot: skeletons,
    });
    expect(result.status).toBe('up-to-date');
    expect(result.branchName).toBeUndefined();
    expect(result.summary).toMatch(
      /^Already up to date: .*nothing was written/,
    );
    expect(repositoryState(repo)).toEqual(before);
  });

  it('takes the newest pristine render as the base once an update is merged', async () => {
    const repo = await generatedWithUserChange();
    changeSkeleton('go/Makefile', t => `${t}\n# Template change 1\n`);
    const first = await updateRepository({
      repoDir: repo,
      skeletonRoot: skeletons,
      author,
    });
    gitIn(
      repo,
      'merge',
      '--quiet',
      '--no-ff',
      '-m',
      'Merge update',
      first.branchName!,
    );
    // Merged: the same skeletons have nothing more to bring.
    const again = await updateRepository({
      repoDir: repo,
      skeletonRoot: skeletons,
    });
    expect(again.status).toBe('up-to-date');
    expect(again.base).toBe(first.pristineCommit);

    // A second template change to the very lines the first one added merges cleanly against that base.
    changeSkeleton('go/Makefile', t =>
      t.replace('# Template change 1', '# Template change 2'),
    );
    const second = await updateRepository({
      repoDir: repo,
      skeletonRoot: skeletons,
      author,
    });
    expect(second.status).toBe('updated');
    expect(second.base).toBe(first.pristineCommit);
    const makefile = showAt(repo, second.branchName!, 'Makefile');
    expect(makefile).toContain('# Template change 2');
    expect(makefile).not.toContain('# Template change 1');
  });

  it('dry run: reports the branch, changes and conflicts it would create, and writes nothing', async () => {
    const repo = await generatedWithUserChange();
    const before = repositoryState(repo);
    changeSkeleton('go/README.md.njk', t =>
      t.replace(/^# .*$/m, '# ${{ values.title }} service'),
    );
    const result = await updateRepository({
      repoDir: repo,
      skeletonRoot: skeletons,
      dryRun: true,
    });
    expect(result).toMatchObject({
      status: 'conflicts',
      dryRun: true,
      conflicts: ['README.md'],
    });
    expect(result.summary).toContain(
      `would create branch ${result.branchName}`,
    );
    expect(repositoryState(repo)).toEqual(before);
  });

  // Each case asserts through expectRefusal.
  /* eslint-disable jest/expect-expect */
  describe('refuses, naming the problem and writing nothing', () => {
    async function expectRefusal(repo: string, message: RegExp) {
      const before = fs.existsSync(path.join(repo, '.git'))
        ? repositoryState(repo)
        : undefined;
      await expect(
        updateRepository({ repoDir: repo, skeletonRoot: skeletons }),
      ).rejects.toThrow(message);
      if (before) expect(repositoryState(repo)).toEqual(before);
    }

    it('a directory that is not a git repository', async () => {
      const dir = path.join(work, 'plain');
      fs.mkdirSync(dir);
      await expectRefusal(
        dir,
        /plain: not a git repository; nothing was written/,
      );
      await expectRefusal(
        path.join(work, 'missing'),
        /missing: no such directory/,
      );
    });

    it('a work tree with uncommitted changes', async () => {
      const repo = await generatedWithUserChange();
      fs.appendFileSync(path.join(repo, 'README.md'), 'draft\n');
      fs.writeFileSync(path.join(repo, 'scratch.txt'), 'x');
      await expectRefusal(
        repo,
        /the work tree has uncommitted changes \(2 file\(s\): README\.md, scratch\.txt\); commit or stash them first/,
      );
    });

    it('a repository without answers, or with invalid ones', async () => {
      const repo = path.join(work, 'hand-made');
      fs.mkdirSync(repo);
      gitIn(repo, 'init', '--quiet', '-b', 'main');
      commitFiles(repo, { 'README.md': '# hi\n' }, 'Start');
      await expectRefusal(
        repo,
        /no answers file \(\.microservice\/answers\.yaml\) at HEAD/,
      );
      commitFiles(repo, { [ANSWERS_FILE]: 'stack: [go\n' }, 'Broken answers');
      await expectRefusal(
        repo,
        /answers: .* is not a valid answers file: YAML error/,
      );
      commitFiles(repo, { [ANSWERS_FILE]: 'stack: go\n' }, 'Not ours');
      await expectRefusal(repo, /apiVersion\/kind must be/);
    });

    it('answers from a stack or a template version this package does not know', async () => {
      const repo = await generatedWithUserChange();
      const answers = read(repo, ANSWERS_FILE);
      commitFiles(
        repo,
        { [ANSWERS_FILE]: answers.replace(/stack: go/g, 'stack: cobol') },
        'Unknown stack',
      );
      await expectRefusal(
        repo,
        /actions\.microservice:service:render\.stack 'cobol' is a stack this package does not know \(it renders go, dotnet, rust\)/,
      );
      commitFiles(
        repo,
        {
          [ANSWERS_FILE]: answers.replace(
            /packageVersion: .*/,
            'packageVersion: 99.0.0',
          ),
        },
        'Unknown version',
      );
      await expectRefusal(
        repo,
        /packageVersion '99\.0\.0' is a template version this package does not know/,
      );
    });

    it('a history without a pristine render, a bad version or an existing branch', async () => {
      const repo = await generatedWithUserChange();
      await expect(
        updateRepository({ repoDir: repo, version: '0.0.1' }),
      ).rejects.toThrow(/renders template version .* only, not '0\.0\.1'/);
      changeSkeleton('go/Makefile', t => `${t}\n# change\n`);
      gitIn(repo, 'branch', 'taken');
      await expect(
        updateRepository({
          repoDir: repo,
          skeletonRoot: skeletons,
          branchName: 'taken',
        }),
      ).rejects.toThrow(/branch: 'taken' already exists/);

      const orphan = path.join(work, 'orphan');
      fs.mkdirSync(orphan);
      gitIn(orphan, 'init', '--quiet', '-b', 'main');
      commitFiles(
        orphan,
        { [ANSWERS_FILE]: read(repo, ANSWERS_FILE) },
        'Copied',
      );
      await expectRefusal(
        orphan,
        /no pristine render in the history of HEAD \(no commit with a 'Microservice-Pristine-Render:' trailer\)/,
      );
    });
  });
  /* eslint-enable jest/expect-expect */
});
