import type { Entity } from '@backstage/catalog-model';
import { InputError, ServiceUnavailableError } from '@backstage/errors';
import type {
  Preview,
  PreviewEntry,
  PreviewFieldError as FieldError,
  PreviewFile,
} from '@cross-stack/plugin-microservices-common';

/** The values did not satisfy the template's parameters: 400 with the fields. */
export class PreviewFieldErrors extends InputError {
  constructor(readonly fieldErrors: FieldError[]) {
    super(fieldErrors.map(e => `${e.field}: ${e.message}`).join('; '));
  }
}

/** The scaffolder's dry run failed for a reason that is not the person's input. */
export class DryRunFailed extends Error {
  name = 'DryRunFailed';
}

/** A jsonschema error as a form field: its property path, else the missing property a `required` names. */
function fieldError(error: {
  property?: string;
  name?: string;
  argument?: unknown;
  message?: string;
}): FieldError {
  const property = (error.property ?? '').replace(/^instance\.?/, '');
  const field =
    error.name === 'required' && typeof error.argument === 'string'
      ? [property, error.argument].filter(Boolean).join('.')
      : property || 'values';
  return { field, message: error.message ?? 'is not accepted' };
}

/**
 * The answer's JSON, read no further than a bound: a dry run's answer carries every file in base64, so one much
 * larger than `maxBytes` is not read at all (`{ tooLarge }`).
 */
async function readJson(
  response: Response,
  options: { maxBytes: number },
): Promise<unknown> {
  // Base64 is 4/3 of the bytes; the rest is the dry run's log and JSON.
  const limit = Math.ceil(options.maxBytes * 1.5) + 65_536;
  const reader = response.body?.getReader();
  if (!reader) return {};
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return { tooLarge: limit };
    }
    chunks.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return {};
  }
}

const KEY_FILE_LIMIT = 64 * 1024;

const KEY_FILES: Array<{ role: PreviewFile['role']; pattern: RegExp }> = [
  { role: 'readme', pattern: /^README\.md$/ },
  { role: 'openapi', pattern: /^openapi\.ya?ml$/ },
  { role: 'dockerfile', pattern: /^Dockerfile$/ },
  // Go's cmd/<binary>/main.go, Rust's src/main.rs, .NET's src/<Project>/Program.cs.
  {
    role: 'main',
    pattern: /^(cmd\/[^/]+\/main\.go|src\/main\.rs|src\/[^/]+\/Program\.cs)$/,
  },
];

/** The action every template this route previews runs: it renders the service. */
export const SERVICE_RENDER_ACTION = 'microservice:service:render';

/**
 * The actions a previewed template may use. The dry run runs with this plugin's credentials, so only actions whose
 * dry run writes nothing outside its workspace and contacts nothing are allowed: this product's (render, publish
 * locally, register — each reports what it would do) and Backstage's GitHub and GitLab publishers (which return
 * made-up outputs in a dry run). A template with any other step (fetch:plain, catalog:fetch, fs:read, …) has no
 * preview.
 */
export const PREVIEWABLE_ACTIONS: ReadonlySet<string> = new Set([
  SERVICE_RENDER_ACTION,
  'microservice:deploy:render',
  'microservice:publish:local',
  'microservice:catalog:register',
  'publish:github',
  'publish:gitlab',
]);

/**
 * Only the product's own templates are previewed: one the configuration names (the Create template by default),
 * which renders a service, and whose every step uses an action of `PREVIEWABLE_ACTIONS`.
 */
export function assertPreviewable(
  template: Entity,
  templateRef: string,
  allowedRefs: ReadonlyArray<string>,
) {
  if (!allowedRefs.includes(templateRef)) {
    throw new InputError(
      `templateRef: ${templateRef} is not one of the templates this portal previews (microservices.preview.templates: ${allowedRefs.join(
        ', ',
      )})`,
    );
  }
  const steps = (template.spec?.steps ?? []) as Array<{
    id?: unknown;
    action?: unknown;
  }>;
  if (!steps.some(step => step.action === SERVICE_RENDER_ACTION)) {
    throw new InputError(
      `templateRef: ${templateRef} does not render a microservice (no ${SERVICE_RENDER_ACTION} step), so it has no preview`,
    );
  }
  const others = steps.filter(
    step => !PREVIEWABLE_ACTIONS.has(String(step.action)),
  );
  if (others.length > 0) {
    throw new InputError(
      `templateRef: ${templateRef} has steps this portal does not run for a preview (${others
        .map(step => `${String(step.id ?? '?')}: ${String(step.action)}`)
        .join(', ')})`,
    );
  }
}

interface DryRunFile {
  path: string;
  base64Content: string;
}

/**
 * Runs the template's steps in dry-run through the scaffolder's own dry-run endpoint (the real actions, in a
 * temporary workspace the scaffolder removes afterwards), then keeps the tree and the key files.
 */
export async function previewTemplate(options: {
  template: Entity;
  values: Record<string, unknown>;
  scaffolderBaseUrl: string;
  token: string;
  timeoutMs: number;
  maxBytes: number;
}): Promise<Preview> {
  const started = performance.now();
  const timedOut = () =>
    new ServiceUnavailableError(
      `The preview was cut off: rendering took longer than ${options.timeoutMs} ms (microservices.preview.timeoutMs)`,
    );
  let response: Response;
  try {
    response = await fetch(`${options.scaffolderBaseUrl}/v2/dry-run`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${options.token}`,
      },
      body: JSON.stringify({
        template: options.template,
        values: options.values,
        secrets: {},
        directoryContents: [],
      }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    if ((error as Error)?.name === 'TimeoutError') throw timedOut();
    throw error;
  }
  const body = (await readJson(response, options).catch(error => {
    if ((error as Error)?.name === 'TimeoutError') throw timedOut();
    throw error;
  })) as {
    errors?: Array<{
      property?: string;
      name?: string;
      argument?: unknown;
      message?: string;
    }>;
    error?: { name?: string; message?: string };
    directoryContents?: DryRunFile[];
    tooLarge?: number;
  };
  if (body.tooLarge !== undefined) {
    return {
      tree: [],
      files: [],
      totalBytes: 0,
      cutOff: `The preview was cut off: the dry run's answer exceeds ${body.tooLarge} bytes, so the generated files exceed ${options.maxBytes} bytes (microservices.preview.maxBytes)`,
      durationMs: Math.round(performance.now() - started),
    };
  }
  if (response.status === 400 && Array.isArray(body.errors)) {
    throw new PreviewFieldErrors(body.errors.map(fieldError));
  }
  if (!response.ok) {
    // A step refused the values: an action's InputError names the field. Anything else is the scaffolder's
    // own failure, logged by the caller and not shown in detail.
    if (body.error?.name === 'InputError' || response.status === 400)
      throw new InputError(body.error?.message ?? 'the values were refused');
    throw new DryRunFailed(
      `the scaffolder's dry run answered ${response.status}: ${
        body.error?.message ?? 'no message'
      }`,
    );
  }

  const contents = [...(body.directoryContents ?? [])]
    .map(file => ({
      path: file.path,
      data: Buffer.from(file.base64Content, 'base64'),
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const tree: PreviewEntry[] = [];
  let totalBytes = 0;
  let cutOff: string | undefined;
  for (const file of contents) {
    if (totalBytes + file.data.length > options.maxBytes) {
      cutOff = `The preview was cut off after ${tree.length} of ${contents.length} files: the generated files exceed ${options.maxBytes} bytes (microservices.preview.maxBytes)`;
      break;
    }
    totalBytes += file.data.length;
    tree.push({ path: file.path, size: file.data.length });
  }
  const listed = new Set(tree.map(entry => entry.path));
  const files: PreviewFile[] = [];
  for (const { role, pattern } of KEY_FILES) {
    const file = contents.find(f => listed.has(f.path) && pattern.test(f.path));
    if (!file) continue;
    const truncated = file.data.length > KEY_FILE_LIMIT;
    files.push({
      path: file.path,
      role,
      content: file.data.subarray(0, KEY_FILE_LIMIT).toString('utf8'),
      truncated,
    });
  }
  return {
    tree,
    files,
    totalBytes,
    ...(cutOff ? { cutOff } : {}),
    durationMs: Math.round(performance.now() - started),
  };
}
