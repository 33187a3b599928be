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

/** Only the product's own templates are previewed: one that renders a service with this product's action. */
export function assertPreviewable(template: Entity, templateRef: string) {
  const steps = (template.spec?.steps ?? []) as Array<{ action?: unknown }>;
  if (!steps.some(step => step.action === SERVICE_RENDER_ACTION)) {
    throw new InputError(
      `templateRef: ${templateRef} does not render a microservice (no ${SERVICE_RENDER_ACTION} step), so it has no preview`,
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
    if ((error as Error)?.name === 'TimeoutError') {
      throw new ServiceUnavailableError(
        `The preview was cut off: rendering took longer than ${options.timeoutMs} ms (microservices.preview.timeoutMs)`,
      );
    }
    throw error;
  }
  const body = (await response.json().catch(() => ({}))) as {
    errors?: Array<{ property?: string; path?: unknown[]; message?: string }>;
    error?: { name?: string; message?: string };
    directoryContents?: DryRunFile[];
  };
  if (response.status === 400 && Array.isArray(body.errors)) {
    throw new PreviewFieldErrors(
      body.errors.map(e => ({
        field:
          (e.property ?? '').replace(/^instance\.?/, '') ||
          String((e as { argument?: unknown }).argument ?? 'values'),
        message: e.message ?? 'is not accepted',
      })),
    );
  }
  if (!response.ok) {
    // A step refused the values (an action's InputError names the field); anything else is the scaffolder's.
    const message = body.error?.message ?? `HTTP ${response.status}`;
    if (body.error?.name === 'InputError' || response.status === 400)
      throw new InputError(message);
    throw new Error(`The scaffolder's dry run failed: ${message}`);
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
