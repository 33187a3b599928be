import type { z as zImpl } from 'zod/v3';
import { DNS_LABEL_PATTERN, OFFERED_STACKS } from '../stacks';

type Z = typeof zImpl;

/**
 * Declares `value` as the default in the published JSON Schema while the field stays optional: the scaffolder
 * validates input with that JSON Schema and never applies zod defaults, so every handler applies them itself.
 */
export function withDefault<T extends zImpl.ZodTypeAny>(
  schema: T,
  value: zImpl.util.noUndefined<T['_input']>,
) {
  return schema.default(value).optional();
}

// Shared input fragments, reused by every action.
export const stack = (z: Z) =>
  z.enum(OFFERED_STACKS, {
    description: `Language stack: ${OFFERED_STACKS.map(s => `'${s}'`).join(
      ', ',
    )}`,
  });

// The DNS-1123 rule is checked in the handler, whose error explains the rule better than a schema pattern.
export const name = (z: Z) =>
  z.string({
    description: `Service name, a DNS-1123 label such as 'billing-api' (${DNS_LABEL_PATTERN}, at most 63 characters)`,
  });

export const description = (z: Z) =>
  withDefault(
    z.string({
      description: 'What the service does (free text, kept literally)',
    }),
    '',
  );

export const owner = (z: Z) =>
  z.string({
    description: "Owning group entity ref, e.g. 'group:default/team-a'",
  });

export const system = (z: Z) =>
  withDefault(
    z.string({
      description: 'System entity ref the service belongs to (optional)',
    }),
    '',
  );

export const targetPath = (z: Z) =>
  withDefault(
    z.string({
      description: 'Directory inside the workspace to render into',
    }),
    '.',
  );

export const overwrite = (z: Z) =>
  withDefault(
    z.boolean({
      description: 'Replace files that already exist in the target',
    }),
    false,
  );

export const repoUrl = (z: Z) =>
  z
    .string({
      description:
        "Repository location in RepoUrlPicker form ('github.com?owner=o&repo=r'); its host needs an SCM integration. Names the Go module, the default image and the catalog's SCM annotations",
    })
    .optional();
