import fs from 'node:fs';
import path from 'node:path';
import { parseChangelog, readReleases } from './releases';

describe('parseChangelog', () => {
  it('takes every version heading with its section, newest first, and nothing else', () => {
    const markdown = [
      '# @acme/template',
      '',
      'Text before the first release.',
      '',
      '## 1.10.0',
      '',
      '### Minor Changes',
      '',
      '- Adds .NET.',
      '',
      '## Unreleased notes',
      '',
      '- not a release',
      '',
      '## 1.9.1',
      '',
      '### Patch Changes',
      '',
      '- Fixes `x`.',
      '',
    ].join('\n');
    expect(parseChangelog(markdown)).toEqual([
      { version: '1.10.0', notes: '### Minor Changes\n\n- Adds .NET.' },
      { version: '1.9.1', notes: '### Patch Changes\n\n- Fixes `x`.' },
    ]);
  });

  it('sorts by version, not by position', () => {
    expect(
      parseChangelog('## 0.2.0\n\nb\n\n## 0.10.0\n\nc\n\n## 0.1.0\n\na\n').map(
        r => r.version,
      ),
    ).toEqual(['0.10.0', '0.2.0', '0.1.0']);
  });
});

describe('readReleases', () => {
  it('reads the installed template package: its version and its CHANGELOG.md', () => {
    const dir = path.dirname(
      require.resolve(
        '@cross-stack/plugin-scaffolder-backend-module-microservices/package.json',
      ),
    );
    const { version } = JSON.parse(
      fs.readFileSync(path.join(dir, 'package.json'), 'utf8'),
    );
    const releases = readReleases();
    expect(releases.newest).toBe(version);
    expect(releases.releases[0].version).toBe(version);
    // The oldest release is the package's first.
    expect(releases.releases[releases.releases.length - 1]).toEqual({
      version: '0.1.0',
      notes: expect.stringContaining('First release'),
    });
  });
});
