import { parseDocument } from 'yaml';

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
 * Parses a .gitlab-ci.yml and checks what GitLab checks before it runs anything: valid YAML, a `stages` list,
 * every job's stage declared (default 'test'), a script in every job, `extends` and `needs` naming jobs or
 * templates that exist. `include` cannot be resolved offline and is refused.
 */
export function checkGitlabPipeline(content: string): {
  problems: string[];
  stages: string[];
  jobs: GitlabJob[];
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
  const stages: string[] = pipeline.stages ?? ['build', 'test', 'deploy'];
  if (!Array.isArray(stages) || stages.some(s => typeof s !== 'string'))
    problems.push('stages: must be a list of names');
  const templates = new Map<string, Record<string, any>>();
  const jobs: GitlabJob[] = [];
  for (const [name, value] of Object.entries(pipeline)) {
    if (GLOBAL_KEYWORDS.has(name)) {
      // GitLab reads these as settings: a job given one of these names is not a job at all.
      if (
        value &&
        typeof value === 'object' &&
        ('script' in value || 'stage' in value)
      ) {
        problems.push(`${name}: is a GitLab keyword, not a job name`);
      }
      continue;
    }
    if (typeof value !== 'object' || value === null) {
      problems.push(`${name}: a job must be a mapping`);
      continue;
    }
    if (name.startsWith('.')) templates.set(name, value);
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
  return { problems, stages, jobs };
}
