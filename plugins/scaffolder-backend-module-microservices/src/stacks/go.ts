import { findStackDescription } from '@cross-stack/plugin-microservices-common';
import type { ServiceSpec, StackDefinition } from './types';

/** The Go module path: taken from the repository location when known, otherwise a local path. */
export function goModulePath(spec: ServiceSpec): string {
  const repository = spec.repository;
  if (repository)
    return `${repository.host}/${repository.owner}/${repository.repo}`.toLowerCase();
  return `example.com/${spec.name}`;
}

export const goStack: StackDefinition = {
  id: 'go',
  title: findStackDescription('go')!.title,
  skeleton: 'go',
  validate() {},
  async values(spec) {
    return {
      module: goModulePath(spec),
    };
  },
};
