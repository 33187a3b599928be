import { InputError } from '@backstage/errors';
import {
  dotnetNameProblem,
  dotnetNames,
} from '@cross-stack/plugin-microservices-common';
import type { ServiceSpec, StackDefinition } from './types';

// The name rules and their messages live in the common package, shared with the Create-component form.
export { dotnetNames };

export const dotnetStack: StackDefinition = {
  id: 'dotnet',
  title: '.NET (ASP.NET Core)',
  skeleton: 'dotnet',
  validate(spec: ServiceSpec) {
    const problem = dotnetNameProblem(spec.name);
    if (problem) throw new InputError(problem);
    // A type named like the root namespace is hidden by it wherever the code names it unqualified.
    const { namespace } = dotnetNames(spec.name);
    for (const type of [spec.resource.pascal, spec.resource.pascalPlural]) {
      if (type.toLowerCase() === namespace.toLowerCase()) {
        throw new InputError(
          `name: '${spec.name}' becomes the C# namespace '${namespace}', which would hide the resource type '${type}' in the .NET stack; choose another name (try '${spec.name}-service') or another resource`,
        );
      }
    }
  },
  async values(spec) {
    return { ...dotnetNames(spec.name) };
  },
};
