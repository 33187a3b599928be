import { ConfigReader } from '@backstage/config';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listUpdateProposals } from './updateProposals';

describe('listUpdateProposals for a locally published repository', () => {
  let reposDir: string;
  const config = (enabled = true) =>
    new ConfigReader({
      microservices: { localPublishing: { enabled, directory: reposDir } },
    });
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'T',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 'T',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    });

  beforeEach(() => {
    reposDir = fs.mkdtempSync(path.join(os.tmpdir(), 'proposals-'));
    const repo = path.join(reposDir, 'billing-api');
    fs.mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, 'a.txt'), '1\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'first');
    // An update merged into main, then a newer one still open.
    git(repo, 'checkout', '-qb', 'microservice-update/0.2.0-aaaa');
    fs.writeFileSync(path.join(repo, 'a.txt'), '2\n');
    git(repo, 'commit', '-qam', 'update 0.2.0');
    git(repo, 'checkout', '-q', 'main');
    git(
      repo,
      'merge',
      '-q',
      '--no-ff',
      '-m',
      'merge',
      'microservice-update/0.2.0-aaaa',
    );
    git(repo, 'checkout', '-qb', 'microservice-update/0.3.0-bbbb');
    fs.writeFileSync(path.join(repo, 'a.txt'), '3\n');
    git(repo, 'commit', '-qam', 'update 0.3.0');
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'branch', 'unrelated');
  });
  afterEach(() => fs.rmSync(reposDir, { recursive: true, force: true }));

  it('lists its update branches, open or merged into the default branch', async () => {
    const proposals = await listUpdateProposals({
      target: { location: 'local', repository: 'billing-api' },
      config: config(),
    });
    const url = `file://${path.join(reposDir, 'billing-api')}`;
    expect(proposals.sort((a, b) => a.branch.localeCompare(b.branch))).toEqual([
      { branch: 'microservice-update/0.2.0-aaaa', state: 'merged', url },
      { branch: 'microservice-update/0.3.0-bbbb', state: 'open', url },
    ]);
  });

  it('judges merged against main even while an update branch is checked out', async () => {
    const repo = path.join(reposDir, 'billing-api');
    git(repo, 'checkout', '-q', 'microservice-update/0.3.0-bbbb');
    const states = (
      await listUpdateProposals({
        target: { location: 'local', repository: 'billing-api' },
        config: config(),
      })
    ).map(p => [p.branch, p.state]);
    expect(states.sort()).toEqual([
      ['microservice-update/0.2.0-aaaa', 'merged'],
      ['microservice-update/0.3.0-bbbb', 'open'],
    ]);
  });

  it('refuses, naming the field, what it cannot read', async () => {
    await expect(
      listUpdateProposals({
        target: { location: 'local', repository: 'billing-api' },
        config: config(false),
      }),
    ).rejects.toThrow(/^repository: /);
    await expect(
      listUpdateProposals({
        target: { location: 'local', repository: '../etc' },
        config: config(),
      }),
    ).rejects.toThrow("repository: '../etc' is not a DNS-1123 label");
    await expect(
      listUpdateProposals({
        target: { location: 'local', repository: 'nope' },
        config: config(),
      }),
    ).rejects.toThrow("repository: 'nope' is not published here");
  });
});
