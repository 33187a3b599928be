import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import fs from 'node:fs';
import { catalogInfoYaml } from '../catalog/catalogInfo';
import { findStack } from './index';
import { resourceNames, titleFromName, validateServiceName } from './names';
import type { ServiceSpec, StackDefinition } from './types';

export const PACKAGE_NAME =
  '@cross-stack/plugin-scaffolder-backend-module-microservices';
export const DEFAULT_TEMPLATE_REF = 'template:default/microservice';
const LIFECYCLES = ['experimental', 'production', 'deprecated'];

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

export function packageVersion(): string {
  const file = resolvePackagePath(PACKAGE_NAME, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

export function skeletonPath(folder: string): string {
  return resolvePackagePath(PACKAGE_NAME, 'skeletons', folder);
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

/** Applies defaults, validates and derives every name once; skeletons only interpolate the result. */
export async function prepareService(
  input: ServiceInput,
  templateRef: string = DEFAULT_TEMPLATE_REF,
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
    'experimental',
  );
  if (!LIFECYCLES.includes(lifecycle)) {
    throw new InputError(
      `lifecycle: '${lifecycle}' must be one of ${LIFECYCLES.join(', ')}`,
    );
  }
  const auth = input.features?.auth ?? false;
  if (typeof auth !== 'boolean')
    throw new InputError('features.auth: must be true or false');

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
    resource: resourceNames(input.resource ?? 'user', input.resourcePlural),
    repoUrl: optionalString(input.repoUrl, 'repoUrl', ''),
  };
  stack.validate(spec);

  const values = {
    ...spec,
    [stack.id]: await stack.values(spec),
    catalogInfoYaml: catalogInfoYaml(spec, {
      templateRef,
      templateVersion: packageVersion(),
    }),
  };
  return { spec, stack, values };
}
