import { DOTNET_DEPENDENCY_PACKAGES } from './dotnetDependencyPackages';
import type { StackDescription } from './types';

/**
 * The C# names of a .NET service, derived once from its DNS-1123 name: the words in PascalCase form the root
 * namespace and the solution, `<Namespace>.Api` the service project, its assembly and namespace, and
 * `<Namespace>.Api.Tests` the test project. C# keywords are all lowercase, so PascalCase maps every keyword to a
 * plain identifier (`class` → `Class`); what remains to refuse is in {@link dotnetNameProblem}.
 *
 * @public
 */
export interface DotnetNames {
  /** The root namespace, e.g. 'BillingApi'. */
  namespace: string;
  /** The solution file's name, without extension: the root namespace. */
  solution: string;
  /** The service project, its assembly and namespace, e.g. 'BillingApi.Api'. */
  project: string;
  /** The test project, e.g. 'BillingApi.Api.Tests'. */
  testProject: string;
}

/**
 * The C# names of a service named `name` (billing-api → BillingApi, BillingApi.Api, BillingApi.Api.Tests).
 *
 * @public
 */
export function dotnetNames(name: string): DotnetNames {
  const namespace = name
    .split('-')
    .filter(Boolean)
    .map(word => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
  return {
    namespace,
    solution: namespace,
    project: `${namespace}.Api`,
    testProject: `${namespace}.Api.Tests`,
  };
}

// Namespaces the platform owns: a service namespace named like one would merge into it.
const PLATFORM_NAMESPACES = ['System', 'Microsoft', 'Windows', 'Internal'];
/**
 * Top-level names the generated code itself uses unqualified from inside the service's namespace; a root
 * namespace of the same name hides them (`WebApplicationFactory<Program>` would name the namespace).
 *
 * @public
 */
export const DOTNET_SKELETON_IDENTIFIERS: ReadonlyArray<string> = ['Program'];

const lower = (s: string) => s.toLowerCase();

/**
 * The namespace or package a .NET service's root namespace would clash with — a platform namespace, the first
 * word of a NuGet package the skeleton depends on (compared without case: NuGet ids and file systems ignore
 * it), or a top-level name the skeleton uses — or undefined.
 *
 * @public
 */
export function dotnetNamespaceClash(
  name: string,
  packages: Iterable<string> = DOTNET_DEPENDENCY_PACKAGES,
): string | undefined {
  const namespace = lower(dotnetNames(name).namespace);
  for (const root of [...PLATFORM_NAMESPACES, ...DOTNET_SKELETON_IDENTIFIERS])
    if (lower(root) === namespace) return root;
  for (const id of packages)
    if (lower(id.split(/[.-]/)[0]) === namespace || lower(id) === namespace)
      return id;
  return undefined;
}

/** A DNS-1123 label no longer than 63 characters made from `name` with `prefix`/`suffix`, for suggestions. */
function suggestion(name: string, affix: { prefix?: string; suffix?: string }) {
  const room = 63 - (affix.prefix ?? '').length - (affix.suffix ?? '').length;
  return `${affix.prefix ?? ''}${name.slice(0, room).replace(/-+$/, '')}${
    affix.suffix ?? ''
  }`;
}

/**
 * What the .NET stack refuses in a DNS-1123 service name, as the message the actions' InputError carries, with a
 * name that works instead; undefined when the name becomes valid, unambiguous C# names.
 *
 * @public
 */
export function dotnetNameProblem(name: string): string | undefined {
  if (/^[0-9]/.test(name)) {
    return `name: '${name}' starts with a digit, which a C# namespace cannot; the .NET stack needs a name starting with a letter (try '${suggestion(
      name,
      { prefix: 'svc-' },
    )}')`;
  }
  const clash = dotnetNamespaceClash(name);
  if (clash) {
    const { namespace } = dotnetNames(name);
    return `name: '${name}' becomes the C# namespace '${namespace}', which clashes with '${clash}' in the .NET stack; choose another name (try '${suggestion(
      name,
      { suffix: '-service' },
    )}')`;
  }
  return undefined;
}

export const dotnetDescription: StackDescription = {
  id: 'dotnet',
  title: '.NET (ASP.NET Core)',
  framework:
    'ASP.NET Core 10 minimal APIs on Kestrel, Npgsql (NpgsqlDataSource) for PostgreSQL, OpenTelemetry .NET (OTLP), Prometheus metrics, JSON console logging',
  includes: [
    'a solution with the service and its xunit tests (WebApplicationFactory); dotnet format, build -warnaserror and dotnet test in CI',
    'central package management and packages.lock.json restored in locked mode; SQL migrations embedded in the assembly',
    'Dockerfile on the chiseled ASP.NET Core runtime (non-root), Kubernetes manifests, GitHub Actions or GitLab CI',
  ],
  chooseWhen:
    'Teams that already build on .NET, or business services with rich domain logic that profit from C# and its tooling; expect a larger image and more memory than Go or Rust.',
  nameProblem: dotnetNameProblem,
};
