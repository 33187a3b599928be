import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { git, GitError, gitInitialCommit } from './git';

describe('git through the helper process', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'git-helper-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers with the output, and with exit codes that are answers', async () => {
    expect((await git(['--version'], { cwd: dir })).stdout).toMatch(
      /^git version \d+\.\d+/,
    );
    // Outside a repository: 128 is a failure, unless the caller expects it.
    await expect(git(['rev-parse', 'HEAD'], { cwd: dir })).rejects.toThrow(
      GitError,
    );
    expect(
      (await git(['rev-parse', 'HEAD'], { cwd: dir, okExitCodes: [128] }))
        .exitCode,
    ).toBe(128);
  });

  it('runs many commands at once, each answered with its own output', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        git(['var', 'GIT_AUTHOR_IDENT'], {
          cwd: dir,
          env: {
            GIT_AUTHOR_NAME: `Author ${i}`,
            GIT_AUTHOR_EMAIL: `a${i}@example.com`,
          },
        }),
      ),
    );
    answers.forEach((answer, i) =>
      expect(answer.stdout).toMatch(
        new RegExp(`^Author ${i} <a${i}@example\\.com>`),
      ),
    );
  });

  it('commits a tree in one process: commit, files, message verbatim, no hooks or global excludes', async () => {
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n');
    fs.writeFileSync(path.join(dir, '.gitignore'), 'ignored.txt\n');
    fs.writeFileSync(path.join(dir, 'ignored.txt'), 'x\n');
    fs.writeFileSync(path.join(dir, '.env.example'), 'X=1\n');
    const message = 'Initial commit\n\n# not a comment\nTrailer: yes\n';
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'git-home-'));
    fs.writeFileSync(path.join(home, 'excludes'), '.env.example\n');
    fs.writeFileSync(
      path.join(home, '.gitconfig'),
      `[core]\n\texcludesFile = ${path.join(home, 'excludes')}\n`,
    );
    expect(
      (
        await git(['config', '--global', 'core.excludesFile'], {
          cwd: dir,
          env: { HOME: home },
        })
      ).stdout.trim(),
    ).toBe(path.join(home, 'excludes'));
    const { commit, files } = await gitInitialCommit({
      cwd: dir,
      branch: 'trunk',
      message,
      env: {
        GIT_AUTHOR_NAME: 'A',
        GIT_AUTHOR_EMAIL: 'a@example.com',
        GIT_COMMITTER_NAME: 'A',
        GIT_COMMITTER_EMAIL: 'a@example.com',
        // This global config's excludes file would drop .env.example; the initial commit does not read it.
        HOME: home,
      },
    });
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(files).toEqual(['.env.example', '.gitignore', 'a.txt']);
    const log = await git(['log', '-1', '--format=%B%x00%D'], { cwd: dir });
    expect(log.stdout).toBe(`${message}\0HEAD -> trunk\n`);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('copies a tree and stores its files in one pack, converting what .gitattributes asks to convert', async () => {
    const from = fs.mkdtempSync(path.join(os.tmpdir(), 'git-from-'));
    fs.mkdirSync(path.join(from, 'src', 'nested'), { recursive: true });
    for (let i = 0; i < 12; i++)
      fs.writeFileSync(path.join(from, 'src', `f${i}.txt`), `file ${i}\n`);
    fs.writeFileSync(path.join(from, 'src', 'nested', 'deep.txt'), 'deep\n');
    fs.writeFileSync(path.join(from, '.gitattributes'), '*.crlf text eol=lf\n');
    fs.writeFileSync(path.join(from, 'windows.crlf'), 'one\r\ntwo\r\n');
    fs.mkdirSync(path.join(from, 'vendored', '.git'), { recursive: true });
    fs.writeFileSync(path.join(from, 'vendored', '.git', 'HEAD'), 'x\n');
    fs.writeFileSync(path.join(from, 'vendored', 'kept.txt'), 'kept\n');
    try {
      const { files } = await gitInitialCommit({
        cwd: dir,
        from,
        branch: 'main',
        message: 'Initial commit',
        env: {
          GIT_AUTHOR_NAME: 'A',
          GIT_AUTHOR_EMAIL: 'a@example.com',
          GIT_COMMITTER_NAME: 'A',
          GIT_COMMITTER_EMAIL: 'a@example.com',
        },
      });
      expect(files).toHaveLength(16);
      expect(files).toContain('src/nested/deep.txt');
      expect(files).toContain('vendored/kept.txt');
      expect(files.some(f => f.startsWith('vendored/.git'))).toBe(false);
      // The fifteen files stored as they are went into one pack; the converted one was stored converted.
      const counts = Object.fromEntries(
        (await git(['count-objects', '-v'], { cwd: dir })).stdout
          .trim()
          .split('\n')
          .map(line => line.split(': ')),
      );
      expect(Number(counts.packs)).toBe(1);
      expect(Number(counts['in-pack'])).toBe(15);
      // No template was copied: no sample hooks.
      expect(fs.existsSync(path.join(dir, '.git', 'hooks'))).toBe(false);
      expect(
        (await git(['cat-file', 'blob', 'HEAD:windows.crlf'], { cwd: dir }))
          .stdout,
      ).toBe('one\ntwo\n');
      expect(
        (await git(['show', 'HEAD:src/f7.txt'], { cwd: dir })).stdout,
      ).toBe('file 7\n');
      expect(
        (await git(['fsck', '--strict', '--no-dangling'], { cwd: dir }))
          .exitCode,
      ).toBe(0);
      expect((await git(['status', '--porcelain'], { cwd: dir })).stdout).toBe(
        '',
      );
    } finally {
      fs.rmSync(from, { recursive: true, force: true });
    }
  });

  it('answers a command Node cannot start as a failure, and the other commands as usual', async () => {
    const slow = git(['--version'], { cwd: dir });
    await expect(
      git(['commit', '-m', 'a\u0000b'], { cwd: dir }),
    ).rejects.toThrow('an argument contains a NUL byte');
    await expect(
      gitInitialCommit({ cwd: dir, branch: 'main', message: 'a\u0000b' }),
    ).rejects.toThrow(GitError);
    // Refused by Node inside the helper (an environment value with a NUL byte): a failure, not a crash.
    await expect(
      git(['--version'], { cwd: dir, env: { BROKEN: 'a\u0000b' } }),
    ).rejects.toThrow(GitError);
    expect((await slow).stdout).toMatch(/^git version/);
    expect((await git(['--version'], { cwd: dir })).exitCode).toBe(0);
  });

  it('keeps a command-line run alive until its git answers arrive', () => {
    const script = path.join(dir, 'run.ts');
    fs.writeFileSync(
      script,
      `import { gitVersion } from ${JSON.stringify(
        path.join(__dirname, 'git'),
      )};\ngitVersion(process.cwd()).then(v => console.log('version', v.join('.')));\n`,
    );
    const run = spawnSync(
      process.execPath,
      [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        script,
      ],
      { cwd: dir, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^version \d+\.\d+\n$/);
    expect(run.status).toBe(0);
  });
});
