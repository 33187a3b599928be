import { Validator } from 'jsonschema';
import fs from 'node:fs';
import { parse } from 'yaml';

type Schema = Record<string, any>;

/** Validates response bodies against the generated repository's own openapi.yaml. */
export class OpenApiChecker {
  private readonly doc: any;
  private readonly validator = new Validator();

  constructor(file: string) {
    this.doc = parse(fs.readFileSync(file, 'utf8'));
  }

  private deref(node: any, seen = new Set<string>()): any {
    if (Array.isArray(node)) return node.map(n => this.deref(n, seen));
    if (!node || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      if (seen.has(node.$ref)) throw new Error(`recursive $ref ${node.$ref}`);
      const target = node.$ref
        .replace(/^#\//, '')
        .split('/')
        .reduce((acc: any, key: string) => acc?.[key], this.doc);
      if (target === undefined) throw new Error(`unresolved $ref ${node.$ref}`);
      return this.deref(target, new Set([...seen, node.$ref]));
    }
    const out: Schema = {};
    for (const [k, v] of Object.entries(node)) out[k] = this.deref(v, seen);
    // OpenAPI 3.0 `nullable` is not JSON Schema.
    if (out.nullable === true && typeof out.type === 'string')
      out.type = [out.type, 'null'];
    return out;
  }

  /** The JSON schema the spec declares for a response, or throws when the spec does not describe it. */
  responseSchema(method: string, pathTemplate: string, status: number): Schema {
    const operation = this.doc.paths?.[pathTemplate]?.[method.toLowerCase()];
    if (!operation)
      throw new Error(
        `openapi.yaml does not describe ${method} ${pathTemplate}`,
      );
    const response = this.deref(
      operation.responses?.[String(status)] ?? operation.responses?.default,
    );
    if (!response)
      throw new Error(
        `openapi.yaml has no ${status} response for ${method} ${pathTemplate}`,
      );
    const schema = response.content?.['application/json']?.schema;
    if (!schema)
      throw new Error(
        `openapi.yaml has no JSON schema for ${method} ${pathTemplate} ${status}`,
      );
    return schema;
  }

  /** Problems with a body, empty when it conforms. */
  check(
    method: string,
    pathTemplate: string,
    status: number,
    body: unknown,
  ): string[] {
    const schema = this.responseSchema(method, pathTemplate, status);
    return this.validator
      .validate(body, schema)
      .errors.map(e => `${e.property} ${e.message}`);
  }
}
