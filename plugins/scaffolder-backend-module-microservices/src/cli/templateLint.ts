/*
 * `yarn template lint`: offline checks of scaffolder templates, run against the scaffolder itself. A sandbox backend
 * (the scaffolder plugin, its GitHub and GitLab modules and this module, as the embedded portal runs them, on an
 * in-memory database) provides the registered actions with their JSON Schemas and the dry-run endpoint; Backstage's
 * own v1beta3 template validator checks the document. Rules, one line per problem (`file:line: rule: message`):
 *
 *   yaml        the file is not YAML
 *   schema      the document is not a valid scaffolder.backstage.io/v1beta3 Template
 *   action      a step's action is not registered (ours, the scaffolder's built-ins, the GitHub/GitLab modules)
 *   reference   `${{ parameters.x }}` names no parameter; `${{ steps.id.output.y }}` names no earlier step, or an
 *               output its action does not declare
 *   parameters  lint cannot fill a required parameter (no default, no `examples`), or the form refuses a value
 *   input       in some combination of choices, a step's input does not validate against its action's schema
 *   dry-run     in some combination of choices, the template fails in the scaffolder's dry run
 *
 * Combinations: every parameter at its default (or its first `examples` entry), then each choice of every
 * enumerated parameter (enum, oneOf consts, booleans) on its own — for every value of `stack` when there is one.
 */
/* eslint-disable @backstage/no-undeclared-imports -- a development tool run from source, like `yarn render`:
   not part of the built package, so the scaffolder packages it boots are devDependencies. */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import { Validator } from 'jsonschema';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
} from 'yaml';
import { startGitServer, type GitServer } from '../../testUtils/gitServer';
import { createPublishLocalAction } from '../actions/publishLocal';
import { ANSWERS_API_VERSION, ANSWERS_KIND } from '../answers';
import { PACKAGE_NAME, packageVersion } from '../packageFiles';
import { renderAnswers } from '../update/renderAnswers';
import { runAction, silentLogger } from '../update/runAction';

export type LintRule =
  | 'yaml'
  | 'schema'
  | 'action'
  | 'reference'
  | 'parameters'
  | 'input'
  | 'dry-run';

export interface LintProblem {
  file: string;
  line: number;
  rule: LintRule;
  message: string;
}

/** A registered action as the scaffolder's `GET /v2/actions` lists it. */
export interface ActionInfo {
  id: string;
  schema?: { input?: any; output?: any };
}

/** The sandbox's local publishing directory holds one generated repository under this name (Go, defaults). */
export const SANDBOX_REPOSITORY = 'billing-api';
const SANDBOX_TOKEN = 'template-lint-sandbox';

type Path = Array<string | number>;

/** Line numbers of a YAML document's nodes, by JSON path. */
class LineMap {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The line of the node at `target` (of its key, when it sits in a mapping); the nearest ancestor's otherwise. */
  line(target: Path): number {
    let node: unknown = this.doc.contents;
    let line = 1;
    for (const segment of target) {
      if (isMap(node)) {
        const pair = node.items.find(
          p => isScalar(p.key) && String(p.key.value) === String(segment),
        );
        if (!pair) break;
        const key = pair.key as { range?: [number, number, number] };
        if (key.range) line = this.lines.linePos(key.range[0]).line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        const range = (node as { range?: [number, number, number] })?.range;
        if (range) line = this.lines.linePos(range[0]).line;
      } else {
        break;
      }
    }
    return line;
  }

  /** The line where `text` occurs inside the node at `target`, for references inside block scalars. */
  lineOfText(target: Path, text: string, source: string): number {
    const node = this.doc.getIn(target, true) as
      | { range?: [number, number, number] }
      | undefined;
    if (node?.range) {
      const at = source.indexOf(text, node.range[0]);
      if (at >= 0 && at <= node.range[1]) return this.lines.linePos(at).line;
    }
    return this.line(target);
  }
}

interface Template {
  spec: {
    parameters?: any;
    steps: Array<{
      id?: string;
      action: string;
      input?: unknown;
      if?: unknown;
    }>;
    output?: unknown;
  };
}

function pages(template: Template): any[] {
  const parameters = template.spec.parameters ?? [];
  return Array.isArray(parameters) ? parameters : [parameters];
}

/** Every parameter a form can produce: each page's properties and those of its dependency / composition branches. */
export function parameterProperties(template: Template): Map<string, Path> {
  const found = new Map<string, Path>();
  const visit = (schema: any, at: Path) => {
    if (!schema || typeof schema !== 'object') return;
    for (const name of Object.keys(schema.properties ?? {})) {
      if (!found.has(name)) found.set(name, [...at, 'properties', name]);
    }
    for (const key of ['oneOf', 'anyOf', 'allOf']) {
      (schema[key] ?? []).forEach((branch: any, i: number) =>
        visit(branch, [...at, key, i]),
      );
    }
    for (const key of ['then', 'else']) visit(schema[key], [...at, key]);
    for (const [name, dependency] of Object.entries<any>(
      schema.dependencies ?? {},
    )) {
      visit(dependency, [...at, 'dependencies', name]);
    }
  };
  const parameters = template.spec.parameters;
  if (Array.isArray(parameters)) {
    parameters.forEach((page, i) => visit(page, ['spec', 'parameters', i]));
  } else {
    visit(parameters, ['spec', 'parameters']);
  }
  return found;
}

const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;
const PARAMETER_REFERENCE =
  /\bparameters(?:\.([A-Za-z_$][\w$]*)|\[\s*(['"])([^'"]+)\2\s*\])/g;
const STEP_REFERENCE =
  /\bsteps(?:\.([A-Za-z_$][\w$]*)|\[\s*(['"])([^'"]+)\2\s*\])(?:\s*(?:\.output|\[\s*(['"])output\4\s*\])(?:\.([A-Za-z_$][\w$]*)|\[\s*(['"])([^'"]+)\6\s*\])?)?/g;

/** The `${{ }}` references in a value: parameters by name, step outputs by step id and output key. */
export function references(value: unknown): {
  parameters: string[];
  steps: Array<{ step: string; output?: string; text: string }>;
} {
  const parameters: string[] = [];
  const steps: Array<{ step: string; output?: string; text: string }> = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      for (const [, expression] of v.matchAll(EXPRESSION)) {
        for (const m of expression.matchAll(PARAMETER_REFERENCE)) {
          parameters.push(m[1] ?? m[3]);
        }
        for (const m of expression.matchAll(STEP_REFERENCE)) {
          steps.push({ step: m[1] ?? m[3], output: m[5] ?? m[7], text: m[0] });
        }
      }
    } else if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v && typeof v === 'object') {
      Object.values(v).forEach(walk);
    }
  };
  walk(value);
  return { parameters, steps };
}

/** The choices of an enumerated parameter schema, or undefined when it is free. */
function choices(schema: any): unknown[] | undefined {
  if (Array.isArray(schema?.enum)) return schema.enum;
  if (
    Array.isArray(schema?.oneOf) &&
    schema.oneOf.every((o: any) => 'const' in o)
  )
    return schema.oneOf.map((o: any) => o.const);
  if (schema?.type === 'boolean') return [false, true];
  return undefined;
}

function sample(schema: any): unknown {
  if (schema?.default !== undefined) return schema.default;
  if (Array.isArray(schema?.examples) && schema.examples.length > 0)
    return schema.examples[0];
  return undefined;
}

interface Combination {
  label: string;
  values: Record<string, unknown>;
}

/**
 * The value sets lint dry-runs: defaults, then each choice of each enumerated parameter alone, for every `stack`
 * (or every combination of choices when `exhaustive`). Values of properties that a dependency branch adds are
 * filled for the branch the combination selects. Unfillable required parameters are reported.
 */
export function combinations(
  template: Template,
  options: { exhaustive?: boolean } = {},
): {
  combinations: Combination[];
  missing: Array<{ name: string; path: Path }>;
} {
  const base: Record<string, unknown> = {};
  const enumerated: Array<{ name: string; values: unknown[] }> = [];
  const missing: Array<{ name: string; path: Path }> = [];
  const pageList = pages(template);
  pageList.forEach((page, i) => {
    for (const [name, schema] of Object.entries<any>(page.properties ?? {})) {
      const value = sample(schema);
      if (value !== undefined) base[name] = value;
      else if ((page.required ?? []).includes(name)) {
        missing.push({
          name,
          path: ['spec', 'parameters', i, 'properties', name],
        });
      }
      const options_ = choices(schema);
      if (options_) enumerated.push({ name, values: options_ });
    }
  });

  // Fill the properties of the dependency branches the values select.
  const complete = (values: Record<string, unknown>) => {
    const filled = { ...values };
    pageList.forEach((page, i) => {
      for (const [controller, dependency] of Object.entries<any>(
        page.dependencies ?? {},
      )) {
        (dependency.oneOf ?? []).forEach((branch: any, b: number) => {
          const rule = branch.properties?.[controller];
          const selected =
            rule &&
            (('const' in rule && rule.const === filled[controller]) ||
              (Array.isArray(rule.enum) &&
                rule.enum.includes(filled[controller])));
          if (!selected) return;
          for (const [name, schema] of Object.entries<any>(branch.properties)) {
            if (name === controller || filled[name] !== undefined) continue;
            const value = sample(schema);
            if (value !== undefined) filled[name] = value;
            else if ((branch.required ?? []).includes(name)) {
              const at: Path = [
                'spec',
                'parameters',
                i,
                'dependencies',
                controller,
                'oneOf',
                b,
                'properties',
                name,
              ];
              if (
                !missing.some(
                  m => m.name === name && m.path.join('/') === at.join('/'),
                )
              )
                missing.push({ name, path: at });
            }
          }
        });
      }
    });
    return filled;
  };

  const label = (values: Record<string, unknown>, changed: string[]) =>
    changed.length === 0
      ? 'defaults'
      : changed.map(k => `${k}=${JSON.stringify(values[k])}`).join(', ');

  const stack = enumerated.find(e => e.name === 'stack');
  const others = enumerated.filter(e => e !== stack);
  const result: Combination[] = [];
  const add = (values: Record<string, unknown>, changed: string[]) =>
    result.push({ label: label(values, changed), values: complete(values) });

  if (options.exhaustive) {
    let sets: Array<Record<string, unknown>> = [{ ...base }];
    for (const e of enumerated) {
      sets = sets.flatMap(s => e.values.map(v => ({ ...s, [e.name]: v })));
    }
    for (const s of sets)
      add(
        s,
        enumerated.map(e => e.name),
      );
    return { combinations: result, missing };
  }
  for (const stackValue of stack ? stack.values : [undefined]) {
    const start: Record<string, unknown> = stack
      ? { ...base, stack: stackValue }
      : { ...base };
    const fixed = stack ? ['stack'] : [];
    add(start, fixed);
    for (const e of others) {
      for (const value of e.values) {
        if (value === start[e.name]) continue;
        add({ ...start, [e.name]: value }, [...fixed, e.name]);
      }
    }
  }
  return { combinations: result, missing };
}

/** The sandbox: a scaffolder with the portal's modules, an in-memory database, and a local publishing directory. */
export async function startSandbox() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'template-lint-'));
  const reposDir = path.join(work, 'repos');
  fs.mkdirSync(reposDir);
  await seedRepository(reposDir);
  const scm = await startSandboxScm(path.join(reposDir, SANDBOX_REPOSITORY));
  const backend = await startTestBackend({
    features: [
      import('@backstage/plugin-scaffolder-backend'),
      import('@backstage/plugin-scaffolder-backend-module-github'),
      import('@backstage/plugin-scaffolder-backend-module-gitlab'),
      import('../index'),
      catalogServiceMock.factory(),
      mockServices.rootConfig.factory({
        data: {
          // github.com and gitlab.com are a local git server here: an update's dry run clones from it (every
          // repository it is asked for is the seeded one); the publish actions do not dry-run.
          integrations: {
            github: [
              {
                host: 'github.com',
                apiBaseUrl: `${scm.baseUrl}/api/v3`,
                token: SANDBOX_TOKEN,
              },
            ],
            gitlab: [
              {
                host: 'gitlab.com',
                apiBaseUrl: `${scm.baseUrl}/api/v4`,
                baseUrl: scm.baseUrl,
                token: SANDBOX_TOKEN,
              },
            ],
          },
          microservices: {
            localPublishing: { enabled: true, directory: reposDir },
          },
        },
      }),
    ],
  });
  const { port } = backend.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/api/scaffolder`;
  const response = await fetch(`${baseUrl}/v2/actions`);
  const actions = (await response.json()) as ActionInfo[];
  let dryRuns = 0;
  return {
    actions,
    dryRuns: () => dryRuns,
    async dryRun(template: unknown, values: Record<string, unknown>) {
      dryRuns += 1;
      const res = await fetch(`${baseUrl}/v2/dry-run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          template,
          values,
          secrets: {},
          directoryContents: [],
        }),
      });
      return { status: res.status, body: (await res.json()) as any };
    },
    async stop() {
      await backend.stop();
      await scm.stop();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * The sandbox's GitHub and GitLab: a local git server whose API answers the repository lookups an update makes
 * (GitHub's `GET /repos/{owner}/{repo}`, GitLab's `GET /projects/:id`) for any repository, as a copy of the seeded
 * one, so the update template's dry run clones and works out a real update without a network.
 */
async function startSandboxScm(seeded: string) {
  const ensure = (server: GitServer, fullPath: string) => {
    // Owner and repository names only: nothing outside the server's folder.
    if (!/^[\w.-]+(\/[\w.-]+)+$/.test(fullPath) || fullPath.includes('..')) {
      return undefined;
    }
    const [owner, ...rest] = fullPath.split('/');
    const name = rest.join('/');
    const bare = path.join(server.root, `${fullPath}.git`);
    if (!fs.existsSync(bare)) {
      fs.mkdirSync(path.dirname(bare), { recursive: true });
      execFileSync('git', ['clone', '--quiet', '--mirror', seeded, bare]);
    }
    return { owner, name, cloneUrl: `${server.baseUrl}/${fullPath}.git` };
  };
  return startGitServer({
    token: SANDBOX_TOKEN,
    api: ({ method, path: route }, server) => {
      const github = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)$/.exec(route);
      if (method === 'GET' && github) {
        const repo = ensure(server, `${github[1]}/${github[2]}`);
        if (!repo) return undefined;
        return {
          status: 200,
          body: {
            name: repo.name,
            full_name: `${github[1]}/${github[2]}`,
            default_branch: 'main',
            clone_url: repo.cloneUrl,
            html_url: repo.cloneUrl.replace(/\.git$/, ''),
            permissions: { push: true, pull: true },
          },
        };
      }
      const gitlab = /^\/api\/v4\/projects\/([^/]+)$/.exec(route);
      if (method === 'GET' && gitlab) {
        const repo = ensure(server, decodeURIComponent(gitlab[1]));
        if (!repo) return undefined;
        return {
          status: 200,
          body: {
            default_branch: 'main',
            http_url_to_repo: repo.cloneUrl,
            web_url: repo.cloneUrl.replace(/\.git$/, ''),
            permissions: { project_access: { access_level: 30 } },
          },
        };
      }
      return undefined;
    },
  });
}

/** A repository generated from the current skeletons (Go, defaults), for templates that update one to dry-run on. */
async function seedRepository(reposDir: string) {
  const workspace = fs.mkdtempSync(
    path.join(os.tmpdir(), 'template-lint-seed-'),
  );
  try {
    const common = {
      stack: 'go',
      name: SANDBOX_REPOSITORY,
      owner: 'group:default/team-a',
    };
    await renderAnswers({
      answers: {
        apiVersion: ANSWERS_API_VERSION,
        kind: ANSWERS_KIND,
        templateRef: 'template:default/microservice',
        package: PACKAGE_NAME,
        packageVersion: packageVersion(),
        actions: {
          'microservice:service:render': common,
          'microservice:deploy:render': common,
        },
      },
      outDir: workspace,
    });
    await runAction(
      createPublishLocalAction({
        config: new ConfigReader({
          microservices: {
            localPublishing: { enabled: true, directory: reposDir },
          },
        }),
      }),
      {
        input: { repoName: SANDBOX_REPOSITORY },
        workspacePath: workspace,
        templateRef: 'template:default/microservice',
        logger: silentLogger,
      },
    );
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

const DRY_RUN_INPUT =
  /^(?:\S+: )?Running (\S+) in dry-run mode with inputs \(secrets redacted\): ([\s\S]*)$/;

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** Lints one template file. `display` is how the file is named in problem lines. */
export async function lintTemplate(
  file: string,
  sandbox: Sandbox,
  options: { display?: string; exhaustive?: boolean } = {},
): Promise<LintProblem[]> {
  const display = options.display ?? file;
  const source = fs.readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const problems: LintProblem[] = [];
  const report = (line: number, rule: LintRule, message: string) =>
    problems.push({ file: display, line, rule, message });

  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      report(
        lineCounter.linePos(error.pos[0]).line,
        'yaml',
        error.message.split('\n')[0],
      );
    }
    return problems;
  }
  const lines = new LineMap(doc, lineCounter);
  const template = doc.toJS() as Template;

  // Backstage's own v1beta3 template validator, as the catalog applies it.
  try {
    if (!(await templateEntityV1beta3Validator.check(template as any))) {
      report(
        1,
        'schema',
        'not a scaffolder.backstage.io/v1beta3 Template (apiVersion/kind)',
      );
      return problems;
    }
  } catch (error) {
    const message = (error as Error).message;
    const [pointer] = message.split(' ');
    const at = pointer.startsWith('/')
      ? pointer
          .slice(1)
          .split('/')
          .map(s => (/^\d+$/.test(s) ? Number(s) : s))
      : [];
    report(lines.line(at), 'schema', message.replace(/^<root> /, ''));
    return problems;
  }

  const actions = new Map(sandbox.actions.map(a => [a.id, a]));
  const steps = template.spec.steps;
  const parameterNames = parameterProperties(template);

  steps.forEach((step, i) => {
    if (!actions.has(step.action)) {
      report(
        lines.line(['spec', 'steps', i, 'action']),
        'action',
        `step '${step.id ?? i}' uses action '${
          step.action
        }', which is not registered (registered: this module's microservice:*, the scaffolder's built-ins and the GitHub/GitLab modules)`,
      );
    }
  });

  // References, in step inputs and conditions (earlier steps only) and in the template's output (any step).
  const checkReferences = (value: unknown, at: Path, stepsBefore: number) => {
    const found = references(value);
    for (const name of new Set(found.parameters)) {
      if (!parameterNames.has(name)) {
        report(
          lines.lineOfText(at, name, source),
          'reference',
          `\${{ parameters.${name} }} names no parameter of this template (parameters: ${[
            ...parameterNames.keys(),
          ].join(', ')})`,
        );
      }
    }
    for (const ref of found.steps) {
      const index = steps.findIndex(s => s.id === ref.step);
      const line = lines.lineOfText(at, ref.text, source);
      if (index < 0) {
        report(line, 'reference', `${ref.text} names no step of this template`);
      } else if (index >= stepsBefore) {
        report(
          line,
          'reference',
          `${ref.text} refers to step '${ref.step}', which runs ${
            index === stepsBefore ? 'in this same step' : 'later'
          }`,
        );
      } else if (ref.output !== undefined) {
        const action = actions.get(steps[index].action);
        const declared = Object.keys(action?.schema?.output?.properties ?? {});
        if (action && !declared.includes(ref.output)) {
          report(
            line,
            'reference',
            `${ref.text}: action ${action.id} of step '${
              ref.step
            }' declares no output '${ref.output}' (its outputs: ${
              declared.join(', ') || 'none'
            })`,
          );
        }
      }
    }
  };
  steps.forEach((step, i) => {
    checkReferences(step.input, ['spec', 'steps', i, 'input'], i);
    checkReferences(step.if, ['spec', 'steps', i, 'if'], i);
  });
  checkReferences(template.spec.output, ['spec', 'output'], steps.length);

  const { combinations: sets, missing } = combinations(template, options);
  for (const { name, path: at } of missing) {
    report(
      lines.line(at),
      'parameters',
      `required parameter '${name}' has neither a default nor examples, so lint cannot fill it for a dry run`,
    );
  }
  if (problems.length > 0) return problems;

  const validator = new Validator();
  const seen = new Map<string, { problem: LintProblem; count: number }>();
  const once = (
    line: number,
    rule: LintRule,
    message: string,
    label: string,
  ) => {
    const key = `${line}\0${rule}\0${message}`;
    const entry = seen.get(key);
    if (entry) entry.count += 1;
    else
      seen.set(key, {
        problem: {
          file: display,
          line,
          rule,
          message: `${message} [${label}]`,
        },
        count: 1,
      });
  };
  const stepLine = (id: string | undefined) => {
    const index = steps.findIndex(s => s.id === id);
    return lines.line(
      index >= 0 ? ['spec', 'steps', index] : ['spec', 'steps'],
    );
  };

  for (const combination of sets) {
    const { status, body } = await sandbox.dryRun(template, combination.values);
    if (status === 200) {
      // Every step that ran logs the input the scaffolder rendered for it; check it against the action's schema
      // (the scaffolder checks it only for actions that support dry-run).
      for (const entry of body.log ?? []) {
        const match = DRY_RUN_INPUT.exec(stripAnsi(entry.body?.message ?? ''));
        if (!match) continue;
        const action = actions.get(match[1]);
        if (!action?.schema?.input) continue;
        const result = validator.validate(
          JSON.parse(match[2]),
          action.schema.input,
        );
        for (const error of result.errors) {
          once(
            stepLine(entry.body.stepId),
            'input',
            `step '${entry.body.stepId}' (${action.id}): ${
              error.property.replace(/^instance\.?/, '') || 'input'
            } ${error.message}`,
            combination.label,
          );
        }
      }
      continue;
    }
    if (Array.isArray(body.errors)) {
      for (const error of body.errors) {
        const name = String(error.path?.[0] ?? '');
        once(
          lines.line(parameterNames.get(name) ?? ['spec', 'parameters']),
          'parameters',
          `the form refuses ${name} = ${JSON.stringify(error.instance)}: ${
            error.message
          }`,
          combination.label,
        );
      }
      continue;
    }
    const message = String(body.error?.message ?? JSON.stringify(body));
    const failing = await failingStep(sandbox, template, combination.values);
    once(
      stepLine(failing),
      /^Invalid input passed to action /.test(message) ? 'input' : 'dry-run',
      `${failing ? `step '${failing}': ` : ''}${message}`,
      combination.label,
    );
  }
  for (const { problem, count } of seen.values()) {
    problems.push(
      count > 1
        ? {
            ...problem,
            message: `${problem.message} and ${count - 1} more combination(s)`,
          }
        : problem,
    );
  }
  return problems;
}

/** The dry-run endpoint reports a failure without its log: find the step by dry-running ever longer prefixes. */
async function failingStep(
  sandbox: Sandbox,
  template: Template,
  values: Record<string, unknown>,
): Promise<string | undefined> {
  const steps = template.spec.steps;
  for (let n = 1; n <= steps.length; n++) {
    const prefix = {
      ...template,
      spec: { ...template.spec, steps: steps.slice(0, n), output: {} },
    };
    const { status } = await sandbox.dryRun(prefix, values);
    if (status !== 200) return steps[n - 1].id;
  }
  return undefined;
}

/** Every Template document under `dir` (recursively), sorted. */
export function findTemplates(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) {
        const text = fs.readFileSync(full, 'utf8');
        if (/^kind:\s*Template\s*$/m.test(text)) found.push(full);
      }
    }
  };
  walk(dir);
  return found.sort();
}

export function formatProblem(problem: LintProblem): string {
  return `${problem.file}:${problem.line}: ${problem.rule}: ${problem.message}`;
}
