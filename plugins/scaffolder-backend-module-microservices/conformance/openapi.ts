import Ajv2020, {
  type ErrorObject,
  type ValidateFunction,
} from 'ajv/dist/2020';
import fs from 'node:fs';
import type http from 'node:http';
import { parse } from 'yaml';

type Json = any;

/** One answer the tier received, as the document is asked about it. */
export interface ObservedResponse {
  method: string;
  /** The request path, with its query string. */
  url: string;
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: Json;
}

const DOCUMENT_ID = 'openapi.yaml';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const escapePointer = (segment: string) =>
  segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** The field an ajv error is about: the top-level property it names, or the missing one. */
export function fieldOf(error: ErrorObject): string | undefined {
  if (error.keyword === 'required')
    return error.instancePath
      ? error.instancePath.split('/')[1]
      : (error.params as { missingProperty: string }).missingProperty;
  return error.instancePath.split('/')[1] || undefined;
}

/**
 * The generated repository's own openapi.yaml (OpenAPI 3.1, whose schemas are JSON Schema 2020-12), asked by the
 * tier what it promises: which responses an operation declares (status, content type, body schema and headers),
 * and whether a request input keeps a declared rule. Schemas are compiled by ajv straight from the document, so
 * every `$ref` resolves as any other 3.1 tool would resolve it.
 */
export class OpenApiDocument {
  readonly doc: Json;
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(file: string) {
    this.doc = parse(fs.readFileSync(file, 'utf8'));
    if (!String(this.doc.openapi).startsWith('3.1.'))
      throw new Error(`openapi.yaml is OpenAPI ${this.doc.openapi}, not 3.1`);
    // strict off: the document carries OpenAPI keywords (example) and x- extensions beside JSON Schema ones.
    this.ajv = new Ajv2020({ allErrors: true, strict: false });
    this.ajv.addFormat('uuid', UUID);
    this.ajv.addFormat('date-time', {
      type: 'string',
      validate: s => RFC3339.test(s) && !Number.isNaN(Date.parse(s)),
    });
    this.ajv.addFormat('int64', { type: 'number', validate: Number.isInteger });
    this.ajv.addSchema(this.doc, DOCUMENT_ID);
  }

  /** Follows an OpenAPI `$ref` (response, parameter) inside the document; returns the node and its pointer. */
  private resolve(
    node: Json,
    pointer: string,
  ): { node: Json; pointer: string } {
    let current = node;
    let at = pointer;
    for (let hops = 0; current && typeof current.$ref === 'string'; hops++) {
      if (hops > 10) throw new Error(`$ref loop at ${at}`);
      at = current.$ref.replace(/^#/, '');
      current = at
        .split('/')
        .slice(1)
        .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((acc: Json, key: string) => acc?.[key], this.doc);
      if (current === undefined) throw new Error(`unresolved $ref ${at}`);
    }
    return { node: current, pointer: at };
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }

  /** ajv's errors for `value` against the schema at `pointer`; empty when it conforms. */
  validate(pointer: string, value: Json): ErrorObject[] {
    const validate = this.validator(pointer);
    return validate(value) ? [] : [...(validate.errors ?? [])];
  }

  /** The path templates the document declares. */
  pathTemplates(): string[] {
    return Object.keys(this.doc.paths ?? {});
  }

  /** The template a concrete path matches (`{param}` is one segment), if any. */
  matchPath(urlPath: string): string | undefined {
    const path = urlPath.split('?')[0];
    return this.pathTemplates().find(template =>
      new RegExp(
        `^${template
          .split(/\{[^/}]+\}/)
          .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]+')}$`,
      ).test(path),
    );
  }

  /** The methods declared on a path template, upper case. */
  declaredMethods(template: string): string[] {
    const methods = [
      'get',
      'put',
      'post',
      'delete',
      'options',
      'head',
      'patch',
      'trace',
    ];
    return Object.keys(this.doc.paths[template] ?? {})
      .filter(key => methods.includes(key))
      .map(key => key.toUpperCase());
  }

  /** JSON pointer of a declared parameter's schema (path-level and operation-level parameters). */
  parameterSchemaPointer(
    method: string,
    template: string,
    name: string,
  ): { pointer: string; parameter: Json } {
    const pathItem = this.doc.paths[template];
    const base = `/paths/${escapePointer(template)}`;
    const lists: Array<[Json[], string]> = [
      [
        pathItem?.[method.toLowerCase()]?.parameters ?? [],
        `${base}/${method.toLowerCase()}/parameters`,
      ],
      [pathItem?.parameters ?? [], `${base}/parameters`],
    ];
    for (const [list, at] of lists) {
      for (const [i, entry] of list.entries()) {
        const { node, pointer } = this.resolve(entry, `${at}/${i}`);
        if (node.name === name)
          return { pointer: `${pointer}/schema`, parameter: node };
      }
    }
    throw new Error(
      `openapi.yaml declares no parameter ${name} on ${method} ${template}`,
    );
  }

  /** JSON pointer of an operation's JSON request body schema. */
  requestSchemaPointer(method: string, template: string): string {
    const at = `/paths/${escapePointer(
      template,
    )}/${method.toLowerCase()}/requestBody`;
    const { node, pointer } = this.resolve(
      this.doc.paths[template]?.[method.toLowerCase()]?.requestBody,
      at,
    );
    if (!node?.content?.['application/json']?.schema)
      throw new Error(
        `openapi.yaml declares no JSON body for ${method} ${template}`,
      );
    return `${pointer}/content/application~1json/schema`;
  }

  /** A node of the document by JSON pointer, following a `$ref` there. */
  node(pointer: string): Json {
    const node = pointer
      .split('/')
      .slice(1)
      .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((acc: Json, key: string) => acc?.[key], this.doc);
    return this.resolve(node, pointer).node;
  }

  /**
   * Problems with one received answer, empty when the document declares it: the operation (or, for a declared
   * path asked with an undeclared method, the MethodNotAllowed answer with an Allow header listing exactly the
   * declared methods; for a path outside the document, NotFound), the status, the content type, the body against
   * the declared schema, and every declared header (required ones present, values matching their schema).
   */
  check(res: ObservedResponse): string[] {
    const where = `${res.method} ${res.url} → ${res.status}`;
    const template = this.matchPath(res.url);
    let response: { node: Json; pointer: string };
    const problems: string[] = [];
    if (!template) {
      if (res.status !== 404)
        return [`${where}: path outside openapi.yaml answered other than 404`];
      response = this.resolve({ $ref: '#/components/responses/NotFound' }, '');
    } else {
      const declared = this.declaredMethods(template);
      const served =
        res.method === 'HEAD' && declared.includes('GET') ? 'GET' : res.method;
      const operation = this.doc.paths[template][served.toLowerCase()];
      if (!operation) {
        if (res.status !== 405)
          return [`${where}: undeclared method answered other than 405`];
        response = this.resolve(
          { $ref: '#/components/responses/MethodNotAllowed' },
          '',
        );
        const allow = String(res.headers.allow ?? '')
          .split(',')
          .map(m => m.trim())
          .filter(Boolean)
          .sort();
        const expected = declared.filter(m => m !== 'OPTIONS');
        if (expected.includes('GET')) expected.push('HEAD');
        const withoutOptions = allow.filter(m => m !== 'OPTIONS');
        if (JSON.stringify(withoutOptions) !== JSON.stringify(expected.sort()))
          problems.push(
            `${where}: Allow '${
              res.headers.allow
            }' is not the declared methods ${expected.join(', ')}`,
          );
      } else {
        const at = `/paths/${escapePointer(
          template,
        )}/${served.toLowerCase()}/responses`;
        const declaredResponse = operation.responses?.[String(res.status)];
        if (!declaredResponse)
          return [
            `${where}: status not declared for ${served} ${template} (declared: ${Object.keys(
              operation.responses ?? {},
            ).join(', ')})`,
          ];
        response = this.resolve(declaredResponse, `${at}/${res.status}`);
      }
    }
    for (const [name, raw] of Object.entries(response.node.headers ?? {})) {
      const header = this.resolve(
        raw,
        `${response.pointer}/headers/${escapePointer(name)}`,
      );
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.node.required)
          problems.push(`${where}: required header ${name} missing`);
        continue;
      }
      for (const e of this.validate(`${header.pointer}/schema`, String(value)))
        problems.push(`${where}: header ${name} '${value}' ${e.message}`);
    }
    const content = response.node.content;
    if (!content) {
      if (res.text !== '')
        problems.push(
          `${where}: declares no body, got '${res.text.slice(0, 80)}'`,
        );
      return problems;
    }
    const contentType = String(res.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    if (!content[contentType])
      return [
        ...problems,
        `${where}: content type '${contentType}' not declared (${Object.keys(
          content,
        ).join(', ')})`,
      ];
    const schemaPointer = `${response.pointer}/content/${escapePointer(
      contentType,
    )}/schema`;
    if (res.method === 'HEAD') return problems;
    const body = contentType === 'application/json' ? res.json : res.text;
    if (contentType === 'application/json' && body === undefined)
      return [
        ...problems,
        `${where}: body is not JSON: '${res.text.slice(0, 80)}'`,
      ];
    for (const e of this.validate(schemaPointer, body))
      problems.push(
        `${where}: body${e.instancePath} ${e.message} ${JSON.stringify(
          e.params,
        )}`,
      );
    return problems;
  }
}
