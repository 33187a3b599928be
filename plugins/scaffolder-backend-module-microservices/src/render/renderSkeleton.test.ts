import { createMockDirectory } from '@backstage/backend-test-utils';
import fs from 'node:fs/promises';
import path from 'node:path';
import { renderSkeletonFiles, renderSkeleton } from './renderSkeleton';

const values = { name: 'billing-api', description: 'Bills', auth: false };

describe('renderSkeleton', () => {
  const skeleton = createMockDirectory();
  const workspace = createMockDirectory();

  beforeEach(() => {
    skeleton.clear();
    workspace.clear();
  });

  const render = (extra: Partial<Parameters<typeof renderSkeleton>[0]> = {}) =>
    renderSkeleton({
      skeletonDir: skeleton.path,
      rootDir: workspace.path,
      targetPath: 'out',
      values,
      ...extra,
    });

  it('renders only *.njk files, strips the suffix and copies everything else byte for byte', async () => {
    const binary = Buffer.from([
      0x00, 0xff, 0x24, 0x7b, 0x7b, 0x0a, 0x89, 0x50,
    ]);
    skeleton.setContent({
      'README.md.njk': '# ${{ values.name }}\n',
      'raw.txt': 'kept ${{ values.name }} as is\n',
      'logo.png': binary,
      nested: {
        'main.go.njk': 'package ${{ values.name | replace("-", "") }}\n',
      },
    });
    const written = await render();
    expect(written).toEqual([
      'README.md',
      'logo.png',
      'nested/main.go',
      'raw.txt',
    ]);
    expect(workspace.content({ path: 'out' })).toEqual({
      'README.md': '# billing-api\n',
      'raw.txt': 'kept ${{ values.name }} as is\n',
      'logo.png': binary,
      nested: { 'main.go': 'package billingapi\n' },
    });
  });

  it('keeps file modes, including the exec bit', async () => {
    skeleton.setContent({
      'run.sh': '#!/bin/sh\n',
      'gen.sh.njk': '#!/bin/sh\necho ${{ values.name }}\n',
    });
    await fs.chmod(skeleton.resolve('run.sh'), 0o755);
    await fs.chmod(skeleton.resolve('gen.sh.njk'), 0o750);
    await render();
    expect((await fs.stat(workspace.resolve('out/run.sh'))).mode & 0o777).toBe(
      0o755,
    );
    expect((await fs.stat(workspace.resolve('out/gen.sh'))).mode & 0o777).toBe(
      0o750,
    );
  });

  it('does not escape HTML (autoescape off)', async () => {
    skeleton.setContent({ 'a.txt.njk': '${{ values.description }}' });
    await render({ values: { description: '<b>&"\'</b>' } });
    expect(workspace.content({ path: 'out' })).toEqual({
      'a.txt': '<b>&"\'</b>',
    });
  });

  it('names the file and the variable when a variable is undefined', async () => {
    skeleton.setContent({
      'ok.txt.njk': '${{ values.name }}',
      docs: {
        'index.md.njk':
          'line one\nhello ${{ values.name }} and ${{ values.missing }}\n',
      },
    });
    await expect(render()).rejects.toThrow(
      /docs\/index\.md\.njk: undefined variable 'values\.missing' \(\[Line 2, Column \d+\]\)/,
    );
    expect(workspace.content()).toEqual({});
  });

  it('renders templated path segments and skips files whose name renders empty', async () => {
    skeleton.setContent({
      '${{ values.name }}': { 'x.txt': 'x' },
      '${{ "auth.go" if values.auth }}.njk': 'auth',
      '${{ "dir" if values.auth }}': { 'y.txt': 'y' },
    });
    await render();
    expect(workspace.content({ path: 'out' })).toEqual({
      'billing-api': { 'x.txt': 'x' },
    });
    workspace.clear();
    await render({ values: { ...values, auth: true } });
    expect(workspace.content({ path: 'out' })).toEqual({
      'auth.go': 'auth',
      'billing-api': { 'x.txt': 'x' },
      dir: { 'y.txt': 'y' },
    });
  });

  it('refuses a path segment that renders to a separator or ..', async () => {
    skeleton.setContent({ '${{ values.name }}.txt': 'x' });
    await expect(
      render({ values: { name: '../../etc/passwd' } }),
    ).rejects.toThrow(/not a plain file name/);
    await expect(render({ values: { name: '..' } })).rejects.toThrow(
      /not a plain file name|outside/,
    );
    expect(workspace.content()).toEqual({});
  });

  it('never writes outside the root directory', async () => {
    skeleton.setContent({ 'a.txt': 'a' });
    await expect(render({ targetPath: '../escape' })).rejects.toThrow(
      /outside/i,
    );
    await expect(
      render({ targetPath: '/tmp/absolute-escape' }),
    ).rejects.toThrow(/outside/i);
    await expect(
      fs.stat(path.join(path.dirname(workspace.path), 'escape')),
    ).rejects.toThrow();
  });

  it('refuses a skeleton symlink that points outside the skeleton, and follows one inside', async () => {
    skeleton.setContent({
      'real.txt': 'inside',
      'inner-link.txt': ({ symlink }) => symlink('./real.txt'),
    });
    await render();
    expect(workspace.content({ path: 'out' })).toEqual({
      'real.txt': 'inside',
      'inner-link.txt': 'inside',
    });

    workspace.clear();
    skeleton.addContent({
      'evil.txt': ({ symlink }) => symlink('/etc/hostname'),
    });
    await expect(render()).rejects.toThrow(
      /evil\.txt: symlink points outside the skeleton/,
    );
    expect(workspace.content()).toEqual({});
  });

  it('renders layers into one tree and includes parts by name from the include root', async () => {
    skeleton.setContent({
      shared: {
        service: { 'api.yaml.njk': 'name: ${{ values.name }}\n' },
        include: {
          'intro.md.njk': 'About ${{ values.name }} (${{ link }}).\n',
        },
      },
      go: {
        'README.md.njk':
          '{%- set link = "api.yaml" -%}\n# Go\n{% include "shared/include/intro.md.njk" %}',
        'main.go': 'package main\n',
      },
    });
    const files = await renderSkeletonFiles(
      [skeleton.resolve('shared/service'), skeleton.resolve('go')],
      values,
      { includeRoot: skeleton.path },
    );
    expect(
      Object.fromEntries(files.map(f => [f.path, f.content.toString()])),
    ).toEqual({
      'README.md': '# Go\nAbout billing-api (api.yaml).\n',
      'api.yaml': 'name: billing-api\n',
      'main.go': 'package main\n',
    });

    // A changed part is read again on the next render.
    skeleton.addContent({
      shared: { include: { 'intro.md.njk': 'Changed.\n' } },
    });
    const again = await renderSkeletonFiles(
      [skeleton.resolve('shared/service'), skeleton.resolve('go')],
      values,
      { includeRoot: skeleton.path },
    );
    expect(again.find(f => f.path === 'README.md')?.content.toString()).toBe(
      '# Go\nChanged.\n',
    );
  });

  it('refuses two layers rendering the same path, includes outside the root, and includes without a root', async () => {
    skeleton.setContent({
      a: { 'same.txt': 'a' },
      b: { 'same.txt.njk': 'b' },
      c: { 'escape.njk': '{% include "../outside.txt" %}' },
      d: { 'inc.njk': '{% include "a/same.txt" %}' },
    });
    await expect(
      renderSkeletonFiles(
        [skeleton.resolve('a'), skeleton.resolve('b')],
        values,
      ),
    ).rejects.toThrow(/two skeleton files render to 'same.txt'/);
    await expect(
      renderSkeletonFiles(skeleton.resolve('c'), values, {
        includeRoot: skeleton.resolve('a'),
      }),
    ).rejects.toThrow(/escape\.njk/);
    await expect(
      renderSkeletonFiles(skeleton.resolve('d'), values),
    ).rejects.toThrow(/inc\.njk/);
    const included = await renderSkeletonFiles(skeleton.resolve('d'), values, {
      includeRoot: skeleton.path,
    });
    expect(included[0].content.toString()).toBe('a');
  });

  it('is atomic: a failure in the 30th of 60 files leaves nothing behind', async () => {
    const content: Record<string, string> = {};
    for (let i = 1; i <= 60; i++) {
      const name = `file-${String(i).padStart(2, '0')}.txt.njk`;
      content[name] =
        i === 30 ? '${{ values.nope }}' : `\${{ values.name }} ${i}`;
    }
    skeleton.setContent(content);
    await expect(render()).rejects.toThrow(
      /file-30\.txt\.njk: undefined variable 'values\.nope'/,
    );
    expect(workspace.content()).toEqual({});
  });

  it('is atomic when the target already exists: existing files are untouched after a failure', async () => {
    workspace.setContent({ out: { 'keep.txt': 'mine', 'b.txt': 'old' } });
    skeleton.setContent({ 'a.txt': 'a', 'b.txt.njk': '${{ values.nope }}' });
    await expect(render({ overwrite: true })).rejects.toThrow(
      /undefined variable/,
    );
    expect(workspace.content()).toEqual({
      out: { 'keep.txt': 'mine', 'b.txt': 'old' },
    });
  });

  it('does not overwrite existing files unless asked, and writes nothing when it refuses', async () => {
    workspace.setContent({ out: { 'b.txt': 'old' } });
    skeleton.setContent({ 'a.txt': 'a', 'b.txt': 'new' });
    await expect(render()).rejects.toThrow(
      /targetPath: 1 file\(s\) already exist and overwrite is off: b\.txt/,
    );
    expect(workspace.content()).toEqual({ out: { 'b.txt': 'old' } });
    await render({ overwrite: true });
    expect(workspace.content()).toEqual({
      out: { 'a.txt': 'a', 'b.txt': 'new' },
    });
  });

  it('renders into the root itself and into a deep missing target', async () => {
    skeleton.setContent({ 'a.txt': 'a' });
    await render({ targetPath: '' });
    await render({ targetPath: 'x/y/z' });
    expect(workspace.content()).toEqual({
      'a.txt': 'a',
      x: { y: { z: { 'a.txt': 'a' } } },
    });
  });

  it('is deterministic: the same input gives byte-identical trees', async () => {
    skeleton.setContent({
      b: { 'z.txt.njk': '${{ values | json }}', 'a.txt': 'a' },
      'c.md.njk':
        '{% for k in ["x", "y"] %}${{ k }}-${{ values.name }}\n{% endfor %}',
    });
    const first = await renderSkeletonFiles(skeleton.path, values);
    const second = await renderSkeletonFiles(skeleton.path, values);
    expect(second).toEqual(first);
    expect(first.map(f => f.path)).toEqual(['b/a.txt', 'b/z.txt', 'c.md']);
  });

  it('renders values once: template syntax inside user text appears literally', async () => {
    skeleton.setContent({
      'a.txt.njk': '${{ values.description }}',
      '${{ values.name }}.txt': 'x',
    });
    const description =
      'use ${{ values.name }} and {% raw %}x{% endraw %} {# no #}';
    await render({
      values: { name: '${{ values.description }}', description },
    });
    expect(workspace.content({ path: 'out' })).toEqual({
      'a.txt': description,
      '${{ values.description }}.txt': 'x',
    });
  });

  it('offers quoting filters that keep free text literal', async () => {
    skeleton.setContent({
      'q.yaml.njk': 'a: ${{ values.description | yaml_string }}\n',
    });
    const description = 'colon: "quote" # hash\nnew line ünï';
    await render({ values: { description } });
    const text = await fs.readFile(workspace.resolve('out/q.yaml'), 'utf8');
    expect(text).toBe('a: "colon: \\"quote\\" # hash\\nnew line ünï"\n');
  });
});
