/*
 * Golden fixtures: for every stack × variant of the conformance matrix, the sorted list of rendered files with the
 * SHA-256 of each, in `sha256sum` format (`sha256sum -c golden/go/defaults.sha256` inside a render checks it too).
 * A change to generated output must show up here and be explained in its commit message; on a machine without a
 * stack's toolchain these fixtures are what keeps that stack honest.
 *
 * After an intended change: `UPDATE_GOLDEN=1 yarn test golden`, then read the diff.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderFromTemplate } from '../src/cli/render';
import { stacks } from '../src/stacks';
import { matrix, variantSlug } from '../conformance/matrix';

const update = process.env.UPDATE_GOLDEN === '1';

function listFiles(root: string, dir = ''): string[] {
  return fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap(entry => {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      return entry.isDirectory() ? listFiles(root, rel) : [rel];
    });
}

/** `sha256  path` lines, sorted by path (byte order, so the order does not depend on the locale). */
function manifest(root: string): string {
  return `${listFiles(root)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(file => {
      const hash = crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(root, file)))
        .digest('hex');
      return `${hash}  ${file}`;
    })
    .join('\n')}\n`;
}

describe('golden fixtures', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const stack of stacks) {
    for (const variant of matrix) {
      const fixture = path.join(
        __dirname,
        stack.id,
        `${variantSlug(variant)}.sha256`,
      );
      it(`${stack.id} ${
        variant.id
      }: every rendered file matches ${path.relative(
        __dirname,
        fixture,
      )}`, async () => {
        const out = path.join(work, `${stack.id}-${variantSlug(variant)}`);
        await renderFromTemplate({
          parameters: {
            stack: stack.id,
            name: variant.name,
            owner: 'group:default/team-a',
            ...variant.parameters,
          },
          out,
        });
        const actual = manifest(out);
        if (update) {
          fs.mkdirSync(path.dirname(fixture), { recursive: true });
          fs.writeFileSync(fixture, actual);
        }
        expect(fs.existsSync(fixture)).toBe(true);
        // Compared line by line, so a failure names the files that changed.
        expect(actual.split('\n')).toEqual(
          fs.readFileSync(fixture, 'utf8').split('\n'),
        );
      });
    }
  }

  it('has no fixture for a stack or variant that no longer exists', () => {
    const expected = stacks
      .flatMap(s => matrix.map(v => `${s.id}/${variantSlug(v)}.sha256`))
      .sort();
    const present = fs
      .readdirSync(__dirname, { withFileTypes: true })
      .filter(e => e.isDirectory())
      .flatMap(d =>
        fs.readdirSync(path.join(__dirname, d.name)).map(f => `${d.name}/${f}`),
      )
      .sort();
    expect(present).toEqual(expected);
  });
});
