import type { RepositoryLocation } from '../scm/repositoryLocation';
import type { ResourceNames } from './names';

/** Everything the form and the actions know about the service, after defaults and validation. */
export interface ServiceSpec {
  stack: string;
  name: string;
  title: string;
  description: string;
  owner: string;
  system: string;
  lifecycle: string;
  port: number;
  auth: boolean;
  resource: ResourceNames;
  /** Where the repository will live, in RepoUrlPicker form (`github.com?owner=o&repo=r`); empty when local. */
  repoUrl: string;
  /** `repoUrl` resolved against the SCM integrations; undefined when local. */
  repository?: RepositoryLocation;
}

/** One language stack: a skeleton folder plus the names it derives. */
export interface StackDefinition {
  id: string;
  title: string;
  /** Folder under `skeletons/`. */
  skeleton: string;
  /** Refuses what this stack cannot generate (InputError naming the field). */
  validate(spec: ServiceSpec): void;
  /**
   * The table the service records its applied migrations in (`values.migrationTable`, which the shared
   * documentation names): one per service, so services sharing a database never share migration records.
   */
  migrationTable(spec: ServiceSpec): string;
  /** Values only this stack's skeleton uses, under `values.<id>`. */
  values(spec: ServiceSpec): Promise<Record<string, unknown>>;
}
