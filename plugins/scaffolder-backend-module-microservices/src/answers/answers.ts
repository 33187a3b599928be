import { InputError } from '@backstage/errors';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, parseDocument, stringify } from 'yaml';
import type { RenderedFile } from '../render';
import { PACKAGE_NAME } from '../packageFiles';

/** Where a generated repository records what rendered it, relative to the repository (the render's target). */
export const ANSWERS_FILE = '.microservice/answers.yaml';
export const ANSWERS_API_VERSION = 'microservices.cross-stack.dev/v1';
export const ANSWERS_KIND = 'Answers';

/**
 * The commit trailer that marks a commit whose tree is exactly what the recorded answers rendered with the
 * package version in its value: the publish step's initial commit, and each update's pristine-render commit.
 * `update` takes the newest such commit in the repository's history as the base of its three-way merge.
 */
export const PRISTINE_RENDER_TRAILER = 'Microservice-Pristine-Render';

/** What the render actions' `initialCommitMessage` output is for. */
export const INITIAL_COMMIT_MESSAGE_DESCRIPTION = `The first commit's message for a publish step (publish:github's and publish:gitlab's gitCommitMessage): marks the commit, with the trailer ${PRISTINE_RENDER_TRAILER}, as the pristine render that 'microservice:service:update' starts from. Use it when the published tree is exactly what the template's render actions wrote`;

/** The trailer naming the scaffolder task that made a commit. */
export const TASK_TRAILER = 'Scaffolder-Task';

/**
 * A generated repository's first commit message: the subject, the task that made it and, when the tree is
 * exactly a render of recorded answers, the pristine-render trailer with the template version that rendered
 * it, from which `update` starts. Every publisher uses it (`publish:local` itself; `publish:github` and
 * `publish:gitlab` through their `gitCommitMessage` input, from the render actions' `initialCommitMessage`).
 */
export function initialCommitMessage(options: {
  taskId: string;
  pristineRenderVersion?: string;
  subject?: string;
}): string {
  return `${options.subject ?? 'Initial commit'}\n\n${TASK_TRAILER}: ${
    options.taskId
  }\n${
    options.pristineRenderVersion
      ? `${PRISTINE_RENDER_TRAILER}: ${options.pristineRenderVersion}\n`
      : ''
  }`;
}

/**
 * The actions that record their input, in the order `update` runs them again. The service comes first because
 * the deploy files sit beside it.
 */
export const RECORDED_ACTIONS = [
  'microservice:service:render',
  'microservice:deploy:render',
] as const;
export type RecordedAction = (typeof RECORDED_ACTIONS)[number];

/** The content of `.microservice/answers.yaml` (docs/answers.md describes every field). */
export interface Answers {
  apiVersion: typeof ANSWERS_API_VERSION;
  kind: typeof ANSWERS_KIND;
  /** The template entity whose run rendered the repository, e.g. `template:default/microservice`. */
  templateRef: string;
  /** The package that rendered it, and its version: the template version. */
  package: string;
  packageVersion: string;
  /** Every value each action used, defaults applied, keyed by action id, in `RECORDED_ACTIONS` order. */
  actions: Partial<Record<RecordedAction, Record<string, unknown>>>;
}

const HEADER = `# Recorded by ${PACKAGE_NAME}: what rendered this repository.
# \`yarn service update\` and the portal's "Update a service from its template" render these values again with
# newer skeletons and merge the change into the repository. Format: docs/answers.md. Edit a value only to change
# what the next update renders (commit the edit first).
`;

/** The answers file's text: a fixed header, then the fields in a fixed order, so equal answers give equal bytes. */
export function formatAnswers(answers: Answers): string {
  const actions: Record<string, unknown> = {};
  for (const id of RECORDED_ACTIONS) {
    if (answers.actions[id]) actions[id] = answers.actions[id];
  }
  const ordered = {
    apiVersion: answers.apiVersion,
    kind: answers.kind,
    templateRef: answers.templateRef,
    package: answers.package,
    packageVersion: answers.packageVersion,
    actions,
  };
  return `${HEADER}${stringify(ordered, { lineWidth: 0 })}`;
}

function invalid(source: string, problem: string): InputError {
  return new InputError(
    `answers: ${source} is not a valid answers file: ${problem}`,
  );
}

/**
 * Parses and checks an answers file's structure (not the values themselves: the actions that use them validate
 * those, with errors naming the field). `source` names the file in errors.
 */
export function parseAnswers(text: string, source = ANSWERS_FILE): Answers {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    throw invalid(source, `YAML error: ${doc.errors[0].message}`);
  }
  if (!isMap(doc.contents)) throw invalid(source, 'not a YAML mapping');
  const data = doc.toJS() as Record<string, unknown>;
  if (data.apiVersion !== ANSWERS_API_VERSION || data.kind !== ANSWERS_KIND) {
    throw invalid(
      source,
      `apiVersion/kind must be ${ANSWERS_API_VERSION}/${ANSWERS_KIND}, found ${String(
        data.apiVersion,
      )}/${String(data.kind)}`,
    );
  }
  for (const field of ['templateRef', 'package', 'packageVersion']) {
    if (typeof data[field] !== 'string' || !(data[field] as string).trim()) {
      throw invalid(source, `${field} must be a non-empty string`);
    }
  }
  if (data.package !== PACKAGE_NAME) {
    throw invalid(
      source,
      `package is '${String(data.package)}', not ${PACKAGE_NAME}`,
    );
  }
  const actions = data.actions;
  if (!actions || typeof actions !== 'object' || Array.isArray(actions)) {
    throw invalid(source, 'actions must be a mapping of action id to input');
  }
  for (const [id, input] of Object.entries(actions)) {
    if (!(RECORDED_ACTIONS as readonly string[]).includes(id)) {
      throw invalid(
        source,
        `actions.${id} is not an action this package records (${RECORDED_ACTIONS.join(
          ', ',
        )})`,
      );
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw invalid(source, `actions.${id} must be a mapping of input values`);
    }
  }
  if (Object.keys(actions).length === 0) {
    throw invalid(source, 'actions records no action');
  }
  return data as unknown as Answers;
}

/** The answers recorded in `dir` (a rendered tree), or undefined when it has none; invalid ones throw. */
export async function readAnswersFile(
  dir: string,
): Promise<Answers | undefined> {
  const text = await fs
    .readFile(path.join(dir, ANSWERS_FILE), 'utf8')
    .catch(() => undefined);
  return text === undefined ? undefined : parseAnswers(text);
}

/**
 * The answers file an action writes beside its files: the file already in the target (another recorded action
 * of the same render) with this action's entry added or replaced, under the current template and version.
 */
export async function answersFileFor(options: {
  targetDir: string;
  action: RecordedAction;
  input: Record<string, unknown>;
  templateRef: string;
  packageVersion: string;
}): Promise<RenderedFile> {
  const existingPath = path.join(options.targetDir, ANSWERS_FILE);
  let existing: Answers | undefined;
  const text = await fs.readFile(existingPath, 'utf8').catch(() => undefined);
  if (text !== undefined) {
    try {
      existing = parseAnswers(text);
    } catch (error) {
      throw new InputError(
        `targetPath: ${ANSWERS_FILE} already exists there and is not an answers file this package wrote (${
          (error as Error).message
        }); remove it or render elsewhere`,
      );
    }
  }
  const answers: Answers = {
    apiVersion: ANSWERS_API_VERSION,
    kind: ANSWERS_KIND,
    templateRef: options.templateRef,
    package: PACKAGE_NAME,
    packageVersion: options.packageVersion,
    actions: { ...existing?.actions, [options.action]: options.input },
  };
  return {
    path: ANSWERS_FILE,
    content: Buffer.from(formatAnswers(answers), 'utf8'),
    mode: 0o644,
  };
}
