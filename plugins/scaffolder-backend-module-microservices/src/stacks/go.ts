import type { ServiceSpec, StackDefinition } from './types';

/** The Go module path: taken from the repository location when known, otherwise a local path. */
export function goModulePath(spec: ServiceSpec): string {
  const match = /^([a-z0-9.-]+)\?(.*)$/i.exec(spec.repoUrl);
  if (match) {
    const params = new URLSearchParams(match[2]);
    const owner =
      params.get('owner') ??
      params.get('organization') ??
      params.get('workspace');
    const repo = params.get('repo');
    if (owner && repo)
      return `${match[1].toLowerCase()}/${owner}/${repo}`.toLowerCase();
  }
  return `example.com/${spec.name}`;
}

export const goStack: StackDefinition = {
  id: 'go',
  title: 'Go (gin)',
  skeleton: 'go',
  validate() {},
  async values(spec) {
    return { module: goModulePath(spec) };
  },
};
