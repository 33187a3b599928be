/*
 * The "Update a service from its template" template end to end on the embedded backend, through the REST API
 * only: a service created by the Create-component template (published locally) is updated in place.
 *
 * The backend renders from the shipped skeletons, which this test does not change; instead the repository's
 * history is given an older pristine render (the initial commit, amended to differ from today's render in two
 * files), so that today's skeletons are a template change relative to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  api,
  startBackend,
  taskLog,
  taskOutput,
  waitForEntity,
  waitForTask,
  type RunningBackend,
} from 'e2e';
import { gitIn } from '../testUtils/generatedRepository';

jest.setTimeout(300_000);

const CREATE = 'template:default/microservice';
const UPDATE = 'template:default/microservice-update';

const git = gitIn;

describe('update template on the embedded backend', () => {
  let backend: RunningBackend;

  beforeAll(async () => {
    backend = await startBackend();
    await waitForEntity(backend, CREATE);
    await waitForEntity(backend, UPDATE);
    await waitForEntity(backend, 'group:default/team-a');
  });

  afterAll(async () => {
    await backend?.stop();
  });

  async function run(templateRef: string, values: Record<string, unknown>) {
    const created = await api(backend, 'POST', '/api/scaffolder/v2/tasks', {
      templateRef,
      values,
    });
    expect(created.status).toBe(201);
    return waitForTask(backend, created.body.id);
  }

  async function createService(name: string): Promise<string> {
    const task = await run(CREATE, {
      name,
      owner: 'group:default/team-a',
      stack: 'go',
    });
    if (task.status !== 'completed')
      throw new Error(`create: ${await taskLog(backend, task.id)}`);
    return path.join(backend.reposDir, name);
  }

  it('merges the template change into a new branch: untouched files take it, team changes stay, conflicts are listed', async () => {
    const name = 'e2e-update-go';
    const repo = await createService(name);
    const read = (file: string) =>
      fs.readFileSync(path.join(repo, file), 'utf8');
    const todaysMakefile = read('Makefile');
    const todaysReadme = read('README.md');

    // An older pristine render: the initial commit (and its trailer), amended to differ in two files.
    fs.writeFileSync(
      path.join(repo, 'Makefile'),
      `${todaysMakefile}\n# old target\n`,
    );
    fs.writeFileSync(
      path.join(repo, 'README.md'),
      todaysReadme.replace(/^# .*$/m, '# Old title'),
    );
    git(repo, 'commit', '--quiet', '--all', '--amend', '--no-edit');
    expect(git(repo, 'log', '-1', '--format=%B')).toMatch(
      /Microservice-Pristine-Render: \S+/,
    );
    // The team's change: the README title (which the template also changes) and a file of its own.
    fs.writeFileSync(
      path.join(repo, 'README.md'),
      read('README.md').replace('# Old title', '# Billing, by team A'),
    );
    fs.writeFileSync(path.join(repo, 'NOTES.md'), 'Ours.\n');
    git(repo, 'add', '--all');
    git(repo, 'commit', '--quiet', '-m', 'Team changes');
    const main = git(repo, 'rev-parse', 'main');

    const task = await run(UPDATE, { location: 'local', repository: name });
    const log = await taskLog(backend, task.id);
    expect([task.status, log]).toEqual(['completed', expect.any(String)]);
    expect(log).toMatch(/Conflicts in 1 file\(s\): README\.md/);

    const [branch] = git(
      repo,
      'branch',
      '--list',
      '--format=%(refname:short)',
      'microservice-update/*',
    ).split('\n');
    expect(branch).toMatch(/^microservice-update\//);
    expect(git(repo, 'show', `${branch}:Makefile`)).toBe(
      todaysMakefile.trimEnd(),
    );
    expect(git(repo, 'show', `${branch}:NOTES.md`)).toBe('Ours.');
    expect(git(repo, 'show', `${branch}:README.md`)).toMatch(
      /<<<<<<< main\n# Billing, by team A\n=======\n# E2e Update Go\n>>>>>>> template-/,
    );
    // The branch is the pristine render plus the merge; main, HEAD and the work tree did not move.
    expect(git(repo, 'rev-parse', `${branch}^1`)).toBe(main);
    expect(git(repo, 'log', '-1', '--format=%B', `${branch}^2`)).toMatch(
      /Microservice-Pristine-Render: \S+/,
    );
    expect(git(repo, 'rev-parse', 'main')).toBe(main);
    expect(git(repo, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(git(repo, 'status', '--porcelain')).toBe('');

    const output = await taskOutput(backend, task.id);
    expect(output.links).toEqual([
      { title: 'Update', url: `file://${fs.realpathSync(repo)}` },
    ]);
    expect(output.text[0].content).toMatch(
      /hold conflict markers: README\.md\. main is unchanged/,
    );
  });

  it('says "already up to date" for a repository rendered by today\'s skeletons, and writes nothing', async () => {
    const name = 'e2e-update-noop';
    const repo = await createService(name);
    const refs = git(repo, 'for-each-ref');
    const task = await run(UPDATE, { location: 'local', repository: name });
    expect(task.status).toBe('completed');
    const output = await taskOutput(backend, task.id);
    expect(output.text[0].content).toMatch(/^Already up to date: /);
    expect(git(repo, 'for-each-ref')).toBe(refs);

    // The template editor's dry run works it out too, and writes nothing.
    const template = (
      await api(
        backend,
        'GET',
        '/api/catalog/entities/by-name/template/default/microservice-update',
      )
    ).body;
    const dry = await api(backend, 'POST', '/api/scaffolder/v2/dry-run', {
      template,
      values: { location: 'local', repository: name },
      secrets: {},
      directoryContents: [],
    });
    expect(dry.status).toBe(200);
    expect(dry.body.log.map((l: any) => l.body.message).join('\n')).toMatch(
      /Dry run: working out .*e2e-update-noop to template version/,
    );
    expect(git(repo, 'for-each-ref')).toBe(refs);
  });

  it('fails clearly, writing nothing, for a dirty work tree and for a repository that does not exist', async () => {
    const name = 'e2e-update-dirty';
    const repo = await createService(name);
    fs.writeFileSync(path.join(repo, 'draft.txt'), 'wip');
    const refs = git(repo, 'for-each-ref');
    const dirty = await run(UPDATE, { location: 'local', repository: name });
    expect(dirty.status).toBe('failed');
    expect(await taskLog(backend, dirty.id)).toMatch(
      /repository: .*e2e-update-dirty: the work tree has uncommitted changes \(1 file\(s\): draft\.txt\)/,
    );
    expect(git(repo, 'for-each-ref')).toBe(refs);

    const missing = await run(UPDATE, {
      location: 'local',
      repository: 'no-such-repo',
    });
    expect(missing.status).toBe('failed');
    expect(await taskLog(backend, missing.id)).toMatch(
      /repository: 'no-such-repo' does not exist in the local publishing directory/,
    );
  });
});
