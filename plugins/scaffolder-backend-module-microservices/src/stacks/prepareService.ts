import { InputError } from '@backstage/errors';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import { catalogInfoYaml } from '../catalog/catalogInfo';
import { packageVersion } from '../packageFiles';
import {
  parseRepositoryLocation,
  publicHostIntegrations,
} from '../scm/repositoryLocation';
import { findStack } from './index';
import { migrationTable } from './migrationTable';
import { resourceNames, titleFromName, validateServiceName } from './names';
import type { ServiceSpec, StackDefinition } from './types';

export const DEFAULT_TEMPLATE_REF = 'template:default/microservice';
export const LIFECYCLES = ['experimental', 'production', 'deprecated'] as const;
export const DEFAULT_LIFECYCLE = 'experimental';
export const DEFAULT_RESOURCE = 'user';

/** The raw inputs of `microservice:service:render`, as they arrive (optional fields may be missing). */
export interface ServiceInput {
  stack: string;
  name: string;
  owner: string;
  description?: string;
  system?: string;
  lifecycle?: string;
  resource?: string;
  resourcePlural?: string;
  features?: { auth?: boolean };
  repoUrl?: string;
}

function optionalString(
  value: unknown,
  field: string,
  fallback: string,
): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string')
    throw new InputError(`${field}: must be a string`);
  return value;
}

/**
 * Applies defaults, validates and derives every name once; skeletons only interpolate the result. Without
 * `integrations`, repository locations resolve against the public hosts only.
 */
export async function prepareService(
  input: ServiceInput,
  options: { templateRef?: string; integrations?: ScmIntegrationRegistry } = {},
): Promise<{
  spec: ServiceSpec;
  stack: StackDefinition;
  values: Record<string, unknown>;
}> {
  const stack = findStack(input.stack);
  const name = validateServiceName(input.name);
  const owner = optionalString(input.owner, 'owner', '');
  if (!owner.trim())
    throw new InputError(
      "owner: required, an entity ref such as 'group:default/team-a'",
    );
  const lifecycle = optionalString(
    input.lifecycle,
    'lifecycle',
    DEFAULT_LIFECYCLE,
  );
  if (!(LIFECYCLES as readonly string[]).includes(lifecycle)) {
    throw new InputError(
      `lifecycle: '${lifecycle}' must be one of ${LIFECYCLES.join(', ')}`,
    );
  }
  const auth = input.features?.auth ?? false;
  if (typeof auth !== 'boolean')
    throw new InputError('features.auth: must be true or false');

  const repoUrl = optionalString(input.repoUrl, 'repoUrl', '');
  const spec: ServiceSpec = {
    stack: stack.id,
    name,
    title: titleFromName(name),
    description: optionalString(input.description, 'description', ''),
    owner,
    system: optionalString(input.system, 'system', ''),
    lifecycle,
    port: 8080,
    auth,
    resource: resourceNames(
      input.resource ?? DEFAULT_RESOURCE,
      input.resourcePlural,
    ),
    repoUrl,
    repository: parseRepositoryLocation(
      repoUrl,
      options.integrations ?? publicHostIntegrations(),
    ),
  };
  stack.validate(spec);

  const values = {
    ...spec,
    // One per service, the same for every stack: services sharing a database never share migration records.
    migrationTable: migrationTable(spec.name),
    [stack.id]: await stack.values(spec),
    catalogInfoYaml: catalogInfoYaml(spec, {
      templateRef: options.templateRef ?? DEFAULT_TEMPLATE_REF,
      templateVersion: packageVersion(),
    }),
  };
  return { spec, stack, values };
}
