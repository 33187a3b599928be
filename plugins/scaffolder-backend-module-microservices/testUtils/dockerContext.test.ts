import { dockerContextFiles } from './dockerContext';

describe('dockerContextFiles', () => {
  const files = [
    'go.mod',
    'README.md',
    'docs/index.md',
    'deploy/a/b.yaml',
    'cmd/api/main.go',
    'bin/api',
    'keep.md',
    '.git/HEAD',
  ];

  it('applies patterns, directory matches, ** and negation with the last match winning', () => {
    expect(
      dockerContextFiles(
        files,
        '# comment\n*.md\n!keep.md\ndeploy\n/bin/\n.git\n',
      ),
    ).toEqual(['go.mod', 'docs/index.md', 'cmd/api/main.go', 'keep.md']);
    expect(dockerContextFiles(files, '**/*.md\n**/main.go\n')).toEqual([
      'go.mod',
      'deploy/a/b.yaml',
      'bin/api',
      '.git/HEAD',
    ]);
    expect(dockerContextFiles(files, '*\n!go.mod\n!cmd\n')).toEqual([
      'go.mod',
      'cmd/api/main.go',
    ]);
  });
});
