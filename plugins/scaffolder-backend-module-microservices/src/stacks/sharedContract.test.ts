/*
 * One contract for every stack: for the same inputs, the parts written once in skeletons/shared render the same
 * bytes in every stack, and the document's request rules, as the conformance tier derives them, are consistent
 * (each rule has a case on both sides of it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderFromTemplate } from '../cli/render';
import { stacks } from './index';
import { matrix, variantSlug } from '../../conformance/matrix';
import { OpenApiDocument } from '../../conformance/openapi';
import {
  bodyCases,
  idCases,
  queryCases,
  trimWhiteSpace,
} from '../../conformance/requestRules';

const SHARED = [
  'openapi.yaml',
  'mkdocs.yml',
  'docs/api.md',
  'docs/configuration.md',
  'docs/operations.md',
];

describe('the shared contract', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-contract-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const render = async (stack: string, variant: (typeof matrix)[number]) => {
    const out = path.join(work, `${stack}-${variantSlug(variant)}`);
    if (!fs.existsSync(out))
      await renderFromTemplate({
        parameters: {
          stack,
          name: variant.name,
          owner: 'group:default/team-a',
          ...variant.parameters,
        },
        out,
      });
    return (file: string) => fs.readFileSync(path.join(out, file), 'utf8');
  };

  for (const variant of matrix) {
    it(`${variant.id}: shared files, README sections and migration SQL are identical across stacks`, async () => {
      const readers = await Promise.all(
        stacks.map(async s => [s.id, await render(s.id, variant)] as const),
      );
      const [first, ...others] = readers;
      for (const file of SHARED) {
        for (const [id, read] of others)
          expect([id, file, read(file)]).toEqual([id, file, first[1](file)]);
      }
      // The README's API, configuration and operations sections are the TechDocs pages' bodies.
      for (const [id, read] of readers) {
        const readme = read('README.md');
        for (const page of ['api', 'configuration', 'operations']) {
          const body = read(`docs/${page}.md`)
            .replace(/^# .*\n\n/, '')
            .replace(/\(\.\.\/(openapi\.yaml|migrations)\)/g, '($1)');
          expect([id, page, readme.includes(body)]).toEqual([id, page, true]);
        }
        expect(readme).toContain(
          '[`openapi.yaml`](openapi.yaml) is the source of truth for clients',
        );
      }
      // Migrations: the same SQL, Go's under goose's annotation line.
      const migrations = (read: (f: string) => string, id: string) =>
        fs
          .readdirSync(
            path.join(work, `${id}-${variantSlug(variant)}`, 'migrations'),
          )
          .filter(f => f.endsWith('.sql'))
          .sort()
          .map(f => [
            f,
            read(`migrations/${f}`).replace(/^-- \+goose Up\n/, ''),
          ]);
      const [goId, goRead] = readers.find(([id]) => id === 'go')!;
      const [rustId, rustRead] = readers.find(([id]) => id === 'rust')!;
      expect(migrations(goRead, goId).length).toBe(2);
      expect(migrations(goRead, goId)).toEqual(migrations(rustRead, rustId));
      expect(goRead(`migrations/0001_create_${variant.plural}.sql`)).toMatch(
        /^-- \+goose Up\n/,
      );
    });
  }

  it('derives request cases on both sides of every rule the document declares', async () => {
    const variant = matrix[0];
    await render('go', variant);
    const doc = new OpenApiDocument(
      path.join(work, `go-${variantSlug(variant)}`, 'openapi.yaml'),
    );
    const collection = `/api/v1/${variant.plural}`;
    const body = bodyCases(doc, collection);
    const verdict = (title: string) =>
      body.find(c => c.title === title)?.expect;
    expect({
      empty: verdict('name: empty'),
      at: verdict('name: exactly 200 characters'),
      past: verdict('name: 201 characters'),
      padded: verdict('name: 200 characters inside surrounding spaces'),
      nfc: verdict('name: 202 code points that NFC makes 101'),
      astral: verdict('name: 200 code points, astral'),
      bom: verdict('name: a BOM (U+FEFF, not whitespace, kept)'),
      nel: verdict('email: a next-line (U+0085)'),
      email254: verdict('email: exactly 254 characters'),
      email255: verdict('email: 255 characters'),
      missing: verdict('without email'),
    }).toEqual({
      empty: { status: 400, field: 'name' },
      at: { status: 201 },
      past: { status: 400, field: 'name' },
      padded: { status: 201 },
      nfc: { status: 400, field: 'name' },
      astral: { status: 201 },
      bom: { status: 201 },
      nel: { status: 400, field: 'email' },
      email254: { status: 201 },
      email255: { status: 400, field: 'email' },
      missing: { status: 400, field: 'email' },
    });
    expect(trimWhiteSpace('\u00a0 Ada\u3000\ufeff')).toBe('Ada\u3000\ufeff');
    const query = queryCases(doc, collection);
    expect(
      Object.fromEntries(query.map(c => [c.title, c.expect.status])),
    ).toMatchObject({
      'limit: the maximum ("100")': 200,
      'limit: one past the maximum ("101")': 400,
      'limit: a plus sign ("+2")': 200,
      'limit: a number in quotes ("\\"20\\"")': 400,
      'offset: the maximum ("9223372036854775807")': 200,
      'offset: one past the maximum ("9223372036854775808")': 400,
      'limit: given twice': 400,
    });
    const ids = idCases(doc, `${collection}/{id}`);
    expect(ids.map(c => c.expect.status)).toEqual([
      404, 404, 400, 400, 400, 400, 400, 400, 400,
    ]);
  });

  it('checks answers against the document: a wrong body, status, header or Allow is named', async () => {
    const variant = matrix[1];
    await render('rust', variant);
    const doc = new OpenApiDocument(
      path.join(work, `rust-${variantSlug(variant)}`, 'openapi.yaml'),
    );
    const json = { 'content-type': 'application/json' };
    const item = {
      id: '3f2c8a4e-9b1d-4c7e-8f6a-0d5e4b3c2a19',
      email: 'ada@example.com',
      name: 'Ada',
      created_at: '2026-01-02T03:04:05.123456Z',
    };
    const answer = (over: Record<string, any>) => ({
      method: 'POST',
      url: '/api/v1/users',
      status: 201,
      headers: { ...json, location: `/api/v1/users/${item.id}` },
      text: JSON.stringify(item),
      json: item,
      ...over,
    });
    expect(doc.check(answer({}))).toEqual([]);
    expect(doc.check(answer({ headers: json }))).toEqual([
      expect.stringContaining('required header Location missing'),
    ]);
    expect(doc.check(answer({ status: 202 }))).toEqual([
      expect.stringContaining('status not declared'),
    ]);
    expect(doc.check(answer({ json: { ...item, extra: 1 } }))).toEqual([
      expect.stringContaining('must NOT have additional properties'),
    ]);
    const unauthorized = {
      method: 'GET',
      url: '/api/v1/users',
      status: 401,
      headers: { ...json, 'www-authenticate': 'Bearer realm="x"' },
      text: '',
      json: { error: { code: 'unauthorized', message: 'no' } },
    };
    expect(doc.check(unauthorized)).toEqual([
      expect.stringContaining('header WWW-Authenticate'),
    ]);
    const validation = {
      method: 'GET',
      url: '/api/v1/users?limit=0',
      status: 400,
      headers: json,
      text: '',
      json: { error: { code: 'validation_failed', message: 'x' } },
    };
    expect(doc.check(validation).join()).toContain(
      "must have required property 'field'",
    );
    const wrongField = {
      ...validation,
      json: {
        error: { code: 'validation_failed', message: 'x', field: 'email' },
      },
    };
    expect(doc.check(wrongField).join()).toContain(
      'must be equal to one of the allowed values',
    );
    const methodNotAllowed = {
      method: 'DELETE',
      url: '/api/v1/users',
      status: 405,
      headers: { ...json, allow: 'GET, HEAD' },
      text: '',
      json: { error: { code: 'method_not_allowed', message: 'x' } },
    };
    expect(doc.check(methodNotAllowed)).toEqual([
      expect.stringContaining("Allow 'GET, HEAD' is not the declared methods"),
    ]);
    expect(
      doc.check({
        ...methodNotAllowed,
        headers: { ...json, allow: 'GET, HEAD, POST, OPTIONS' },
      }),
    ).toEqual([]);
  });
});
