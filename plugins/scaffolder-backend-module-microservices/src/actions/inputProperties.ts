import type { z as zImpl } from 'zod/v3';
import { DNS_LABEL_PATTERN } from '../stacks/names';

type Z = typeof zImpl;

// Shared input fragments. Backstage validates input with the JSON Schema generated from these, so defaults
// are documented here and applied in each handler.
export const stack = (z: Z) =>
  z.string({
    description: "Language stack: 'go' or 'rust' ('dotnet' is planned)",
  });

// The DNS-1123 rule is checked in the handler, whose error explains the rule better than a schema pattern.
export const name = (z: Z) =>
  z.string({
    description: `Service name, a DNS-1123 label such as 'billing-api' (${DNS_LABEL_PATTERN}, at most 63 characters)`,
  });

export const description = (z: Z) =>
  z
    .string({
      description: 'What the service does (free text, kept literally)',
    })
    .optional();

export const owner = (z: Z) =>
  z.string({
    description: "Owning group entity ref, e.g. 'group:default/team-a'",
  });

export const system = (z: Z) =>
  z
    .string({
      description: 'System entity ref the service belongs to (optional)',
    })
    .optional();

export const targetPath = (z: Z) =>
  z
    .string({
      description: "Directory inside the workspace to render into; default '.'",
    })
    .optional();

export const overwrite = (z: Z) =>
  z
    .boolean({
      description:
        'Replace files that already exist in the target; default false',
    })
    .optional();

export const repoUrl = (z: Z) =>
  z
    .string({
      description:
        "Repository location in RepoUrlPicker form ('github.com?owner=o&repo=r'); names the Go module and SCM annotations",
    })
    .optional();
