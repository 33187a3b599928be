import type { Entity } from '@backstage/catalog-model';
import { stringify } from 'yaml';
import type { RepositoryLocation } from '../scm/repositoryLocation';
import type { ServiceSpec } from '../stacks/types';

export const TEMPLATE_REF_ANNOTATION = 'backstage.io/source-template';
export const TEMPLATE_VERSION_ANNOTATION = 'cross-stack.dev/template-version';
/** The stack that rendered the service (`go`, `dotnet`, `rust`): with the two above, where the Component comes from. */
export const STACK_ANNOTATION = 'cross-stack.dev/stack';

export interface CatalogInfoOptions {
  /** The template entity that produced the service, e.g. `template:default/microservice`. */
  templateRef: string;
  templateVersion: string;
}

// The annotation each SCM's Backstage plugin reads the repository from, by integration type (self-hosted too).
const PROJECT_SLUG_ANNOTATIONS: Record<string, string> = {
  github: 'github.com/project-slug',
  gitlab: 'gitlab.com/project-slug',
};

/** Annotations that tie the Component to its repository; none for a local repository or another SCM. */
function scmAnnotations(
  repository: RepositoryLocation | undefined,
): Record<string, string> {
  const annotation = repository && PROJECT_SLUG_ANNOTATIONS[repository.type];
  if (!repository || !annotation) return {};
  return { [annotation]: `${repository.owner}/${repository.repo}` };
}

/** The Component, its API and its database, as the service's own catalog-info.yaml declares them. */
export function catalogEntities(
  spec: ServiceSpec,
  options: CatalogInfoOptions,
): Entity[] {
  const databaseName = `${spec.name}-db`;
  const component: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: spec.name,
      title: spec.title,
      ...(spec.description ? { description: spec.description } : {}),
      annotations: {
        'backstage.io/techdocs-ref': 'dir:.',
        'backstage.io/kubernetes-id': spec.name,
        [TEMPLATE_REF_ANNOTATION]: options.templateRef,
        [TEMPLATE_VERSION_ANNOTATION]: options.templateVersion,
        [STACK_ANNOTATION]: spec.stack,
        ...scmAnnotations(spec.repository),
      },
      tags: [spec.stack, 'microservice'],
    },
    spec: {
      type: 'service',
      lifecycle: spec.lifecycle,
      owner: spec.owner,
      ...(spec.system ? { system: spec.system } : {}),
      providesApis: [`api:${spec.name}`],
      dependsOn: [`resource:${databaseName}`],
    },
  };
  const api: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'API',
    metadata: {
      name: spec.name,
      title: `${spec.title} API`,
      description: `HTTP API of ${spec.name}: ${spec.resource.plural}`,
    },
    spec: {
      type: 'openapi',
      lifecycle: spec.lifecycle,
      owner: spec.owner,
      ...(spec.system ? { system: spec.system } : {}),
      definition: { $text: './openapi.yaml' },
    },
  };
  const database: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: databaseName,
      title: `${spec.title} database`,
      description: `PostgreSQL database of ${spec.name}`,
    },
    spec: {
      type: 'database',
      owner: spec.owner,
      ...(spec.system ? { system: spec.system } : {}),
    },
  };
  return [component, api, database];
}

/** Serialised with a YAML library, never by pasting strings, so any description stays literal and valid. */
export function catalogInfoYaml(
  spec: ServiceSpec,
  options: CatalogInfoOptions,
): string {
  return catalogEntities(spec, options)
    .map(entity => stringify(entity, { lineWidth: 0 }))
    .join('---\n');
}
