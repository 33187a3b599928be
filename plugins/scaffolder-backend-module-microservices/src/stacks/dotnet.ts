import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import fs from 'node:fs/promises';
import {
  dotnetNameProblem,
  dotnetNames,
  dotnetSkeletonNames,
  isDotnetKeyword,
  findStackDescription,
} from '@cross-stack/plugin-microservices-common';
import type { ServiceSpec, StackDefinition } from './types';

// The name rules and their messages live in the common package, shared with the Create-component form.
export { dotnetNames };

/** The project the lock files were restored for; the test project's lock names it (lower case, as NuGet writes it). */
const BASE_PROJECT = 'BillingApi.Api';

// Auth adds JwtBearer and its IdentityModel packages, so each variant has its own lock files
// (`dotnet restore --locked-mode` fails on any difference).
async function baseLock(project: 'api' | 'tests', auth: boolean) {
  const file = resolvePackagePath(
    '@cross-stack/plugin-scaffolder-backend-module-microservices',
    `skeletons/data/dotnet/${project}${
      auth ? '' : '.noauth'
    }.packages.lock.json`,
  );
  return fs.readFile(file, 'utf8');
}

/**
 * The test project's lock file names the service project it references (`"billingapi.api": {"type": "Project"…`).
 * NuGet lists project entries in a group of their own, so renaming the one project moves nothing.
 */
export function renameLockProject(lock: string, project: string): string {
  const from = `"${BASE_PROJECT.toLowerCase()}": {`;
  if (!lock.includes(from))
    throw new Error(`packages.lock.json has no project '${BASE_PROJECT}'`);
  return lock.replace(from, `"${project.toLowerCase()}": {`);
}

/** The resource record's members: the contract's fields (id, email, name, created_at). */
const RESOURCE_MEMBERS = ['Id', 'Email', 'Name', 'CreatedAt'];

export const dotnetStack: StackDefinition = {
  id: 'dotnet',
  title: findStackDescription('dotnet')!.title,
  skeleton: 'dotnet',
  validate(spec: ServiceSpec) {
    const problem = dotnetNameProblem(spec.name);
    if (problem) throw new InputError(problem);
    const { namespace } = dotnetNames(spec.name);
    const { fixed, fromResource } = dotnetSkeletonNames(spec.resource);
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    // A type named like the root namespace is hidden by it wherever the code names it unqualified.
    for (const type of [spec.resource.pascal, spec.resource.pascalPlural]) {
      if (same(type, namespace)) {
        throw new InputError(
          `name: '${spec.name}' becomes the C# namespace '${namespace}', which would hide the resource type '${type}' in the .NET stack; choose another name (try '${spec.name}-service') or another resource`,
        );
      }
    }
    const hidden = fromResource.find(type => same(type, namespace));
    if (hidden) {
      throw new InputError(
        `name: '${spec.name}' becomes the C# namespace '${namespace}', which would hide '${hidden}' (made from the resource) in the .NET stack; choose another name (try '${spec.name}-service')`,
      );
    }
    const field = `resource: '${spec.resource.singular}'`;
    for (const type of [spec.resource.pascal, spec.resource.pascalPlural]) {
      if (isDotnetKeyword(type)) {
        throw new InputError(
          `${field} gives the C# name '${type}', a C# or Visual Basic keyword, which .NET's analyzers refuse (CA1716); choose another resource (try '${spec.resource.singular}-item')`,
        );
      }
      // A member cannot be named like its enclosing type (CS0542).
      if (RESOURCE_MEMBERS.includes(type)) {
        throw new InputError(
          `${field} gives the C# type '${type}', which cannot have its field '${type}' in the .NET stack; choose another resource (try '${spec.resource.singular}-item')`,
        );
      }
    }
    // The resource's types and namespace are imported everywhere, so they must not shadow a name the code uses.
    for (const type of fromResource) {
      const clash = fixed.find(name => same(name, type));
      if (clash) {
        throw new InputError(
          `${field} gives the C# name '${type}', which clashes with '${clash}' that the .NET service's code uses; choose another resource (try '${spec.resource.singular}-item')`,
        );
      }
    }
  },
  async values(spec) {
    const names = dotnetNames(spec.name);
    return {
      ...names,
      apiLock: await baseLock('api', spec.auth),
      testsLock: renameLockProject(
        await baseLock('tests', spec.auth),
        names.project,
      ),
    };
  },
};
