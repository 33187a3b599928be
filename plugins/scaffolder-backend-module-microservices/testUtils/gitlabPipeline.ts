import Ajv, { type ValidateFunction } from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

/**
 * GitLab's published CI schema (`ci.json` from gitlab-org/gitlab), as the PyPI package check-jsonschema vendors
 * it; `scripts/setup.sh` installs that package's files into `.tools/python`. `GITLAB_CI_SCHEMA` may name another
 * copy.
 */
export const GITLAB_CI_SCHEMA_FILE =
  process.env.GITLAB_CI_SCHEMA ??
  path.resolve(
    __dirname,
    '../../../.tools/python/check_jsonschema/builtin_schemas/vendor/gitlab-ci.json',
  );

let schemaValidator: ValidateFunction | undefined;

/**
 * Problems GitLab's CI schema finds in a pipeline (unknown or misspelt keywords, wrong types, bad enum values), or
 * why it could not check.
 */
export function gitlabSchemaProblems(
  content: string,
): { problems: string[] } | { skipped: string } {
  if (!fs.existsSync(GITLAB_CI_SCHEMA_FILE)) {
    return {
      skipped: `GitLab's CI schema is not installed (${GITLAB_CI_SCHEMA_FILE}); scripts/setup.sh installs it from PyPI`,
    };
  }
  if (!schemaValidator) {
    // The schema uses editor-only keywords (markdownDescription) and formats that do not change validity.
    const ajv = new Ajv({
      strict: false,
      allErrors: true,
      validateFormats: false,
    });
    schemaValidator = ajv.compile(
      JSON.parse(fs.readFileSync(GITLAB_CI_SCHEMA_FILE, 'utf8')),
    );
  }
  const doc = parseDocument(content, { uniqueKeys: true });
  if (doc.errors.length)
    return { problems: doc.errors.map(e => `YAML: ${e.message}`) };
  if (schemaValidator(doc.toJS())) return { problems: [] };
  return {
    problems: (schemaValidator.errors ?? []).map(
      e =>
        `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${
          e.params && 'additionalProperty' in e.params
            ? ` (${e.params.additionalProperty})`
            : ''
        }${
          e.params && 'allowedValues' in e.params
            ? ` (${(e.params.allowedValues as string[]).join(', ')})`
            : ''
        }`,
    ),
  };
}

// Top-level keys that are GitLab CI keywords rather than jobs.
const GLOBAL_KEYWORDS = new Set([
  'default',
  'include',
  'stages',
  'variables',
  'workflow',
  'image',
  'services',
  'cache',
  'before_script',
  'after_script',
]);
// Stages GitLab always has, even when `stages` does not list them.
const IMPLICIT_STAGES = ['.pre', '.post'];

export interface GitlabJob {
  name: string;
  stage: string;
  script: string[];
  raw: Record<string, any>;
}

/**
 * Parses a .gitlab-ci.yml and checks what GitLab checks across jobs, which a JSON schema cannot express: every
 * job's stage declared (default 'test'), a script in every job once `extends` is resolved, `extends` and `needs`
 * naming jobs or templates that exist. Keywords and types are {@link gitlabSchemaProblems}' part. `include`
 * cannot be resolved offline and is refused.
 */
export function checkGitlabPipeline(content: string): {
  problems: string[];
  stages: string[];
  jobs: GitlabJob[];
  /** Why the schema was not checked; undefined when it was. */
  schemaSkipped?: string;
} {
  const doc = parseDocument(content, { uniqueKeys: true });
  if (doc.errors.length)
    return {
      problems: doc.errors.map(e => `YAML: ${e.message}`),
      stages: [],
      jobs: [],
    };
  const pipeline = doc.toJS() as Record<string, any>;
  const problems: string[] = [];
  if (!pipeline || typeof pipeline !== 'object')
    return { problems: ['not a mapping'], stages: [], jobs: [] };
  if ('include' in pipeline)
    problems.push('include: cannot be checked offline');
  const schema = gitlabSchemaProblems(content);
  if ('problems' in schema)
    problems.push(...schema.problems.map(p => `schema: ${p}`));
  const stages: string[] = Array.isArray(pipeline.stages)
    ? pipeline.stages
    : ['build', 'test', 'deploy'];
  const templates = new Map<string, Record<string, any>>();
  const jobs: GitlabJob[] = [];
  for (const [name, value] of Object.entries(pipeline)) {
    if (name.startsWith('.') && typeof value === 'object' && value !== null)
      templates.set(name, value);
  }
  const resolve = (
    name: string,
    job: Record<string, any>,
    seen: string[] = [],
  ): Record<string, any> => {
    const parents = job.extends === undefined ? [] : [job.extends].flat();
    let merged: Record<string, any> = {};
    for (const parent of parents) {
      const source = templates.get(parent) ?? pipeline[parent];
      if (!source || GLOBAL_KEYWORDS.has(parent))
        problems.push(`${name}: extends '${parent}', which does not exist`);
      else if (seen.includes(parent))
        problems.push(`${name}: extends cycle through '${parent}'`);
      else
        merged = { ...merged, ...resolve(parent, source, [...seen, parent]) };
    }
    const { extends: _, ...own } = job;
    return { ...merged, ...own };
  };
  for (const [name, value] of Object.entries(pipeline)) {
    if (
      GLOBAL_KEYWORDS.has(name) ||
      name.startsWith('.') ||
      typeof value !== 'object' ||
      value === null
    )
      continue;
    const job = resolve(name, value);
    const stage = job.stage ?? 'test';
    if (![...stages, ...IMPLICIT_STAGES].includes(stage)) {
      problems.push(
        `${name}: stage '${stage}' is not declared in stages (${stages.join(
          ', ',
        )})`,
      );
    }
    const script = job.script === undefined ? [] : [job.script].flat();
    if (script.length === 0 && !job.trigger)
      problems.push(`${name}: no script`);
    jobs.push({ name, stage, script, raw: job });
  }
  for (const job of jobs) {
    for (const need of [job.raw.needs ?? []].flat()) {
      const needed = typeof need === 'string' ? need : need?.job;
      if (!jobs.some(j => j.name === needed))
        problems.push(`${job.name}: needs '${needed}', which is not a job`);
    }
  }
  if (jobs.length === 0) problems.push('no jobs');
  return {
    problems,
    stages,
    jobs,
    schemaSkipped: 'skipped' in schema ? schema.skipped : undefined,
  };
}
