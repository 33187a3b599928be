import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  commitFiles,
  copySkeletons,
  generateRepository,
  gitIn,
} from '../../testUtils/generatedRepository';
import { parseServiceArgs, runServiceCommand } from './service';

jest.setTimeout(60_000);

describe('yarn service update', () => {
  let work: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'service-cli-'));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  const run = async (argv: string[], skeletonRoot?: string) => {
    let out = '';
    let err = '';
    const code = await runServiceCommand(argv, {
      out: t => (out += t),
      err: t => (err += t),
      cwd: work,
      skeletonRoot,
    });
    return { code, out, err };
  };

  it('reads --repo, --repos-from, --branch and --dry-run, relative to the caller', () => {
    fs.writeFileSync(
      path.join(work, 'list.txt'),
      '# services\nrepos/a\n\nrepos/b  # billing\n',
    );
    expect(
      parseServiceArgs(
        ['update', '--repo', 'x', '--repos-from', 'list.txt', '--dry-run'],
        work,
      ),
    ).toEqual({
      repos: [
        path.join(work, 'x'),
        path.join(work, 'repos/a'),
        path.join(work, 'repos/b'),
      ],
      branchName: undefined,
      dryRun: true,
    });
    expect(() => parseServiceArgs(['update'], work)).toThrow(
      '--repo: required',
    );
    expect(() => parseServiceArgs(['upgrade', '--repo', 'x'], work)).toThrow(
      "unknown command 'upgrade'",
    );
    expect(() =>
      parseServiceArgs(
        ['update', '--repo', 'a', '--repo', 'b', '--branch', 'x'],
        work,
      ),
    ).toThrow('--branch: only with a single --repo');
  });

  it('rolls a template change out across a list: updated, conflicts (exit 2), refused (exit 1)', async () => {
    const skeletons = copySkeletons(work);
    const reposDir = path.join(work, 'repos');
    const clean = await generateRepository({
      reposDir,
      name: 'clean-api',
      skeletonRoot: skeletons,
    });
    const edited = await generateRepository({
      reposDir,
      name: 'edited-api',
      skeletonRoot: skeletons,
    });
    // The team and the template both change the Makefile's first line.
    const makefile = fs.readFileSync(path.join(edited, 'Makefile'), 'utf8');
    const firstLine = (line: string) => makefile.replace(/^.*$/m, line);
    commitFiles(edited, { Makefile: firstLine('# team: pinned') }, 'Pin');
    fs.writeFileSync(
      path.join(skeletons, 'go/Makefile'),
      firstLine('# template: new targets'),
    );
    fs.mkdirSync(path.join(work, 'plain'));

    const first = await run(
      ['update', '--repo', 'repos/clean-api', '--repo', 'repos/edited-api'],
      skeletons,
    );
    expect(first.err).toBe('');
    expect(first.out).toMatch(/clean-api: updated — /);
    expect(first.out).toMatch(/ {2}M Makefile/);
    expect(first.out).toMatch(/edited-api: conflicts — .*Makefile/);
    expect(first.out).toMatch(
      /CONFLICT \(content\): Merge conflict in Makefile/,
    );
    expect(first.out).toMatch(
      /2 repositories: 1 done, 1 with conflicts, 0 failed/,
    );
    expect(first.code).toBe(2);
    expect(gitIn(clean, 'branch', '--list', 'microservice-update/*')).not.toBe(
      '',
    );

    const second = await run(['update', '--repo', 'plain'], skeletons);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(
      /plain: not a git repository; nothing was written/,
    );
  });
});
