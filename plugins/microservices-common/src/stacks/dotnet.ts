import { DOTNET_DEPENDENCY_PACKAGES } from './dotnetDependencyPackages';
import { DOTNET_SKELETON_NAMES } from './dotnetSkeletonNames';
import type { StackDescription } from './types';

/**
 * The C# names of a .NET service, derived once from its DNS-1123 name: the words in PascalCase form the root
 * namespace and the solution, `<Namespace>.Api` the service project, its assembly and namespace, and
 * `<Namespace>.Api.Tests` the test project. C# keywords are all lowercase, so PascalCase maps every keyword to a
 * plain C# identifier (`class` → `Class`), but .NET's analyzers still refuse a namespace named like a C# or Visual
 * Basic keyword in any case; what is refused is in {@link dotnetNameProblem}.
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

/**
 * Keywords of C# and Visual Basic, lowercase: .NET's analyzers refuse a namespace or type named like one (CA1716,
 * an error under the generated repository's warnings-as-errors), whatever its case.
 */
const DOTNET_KEYWORDS = new Set(
  // C#
  (
    'abstract as base bool break byte case catch char checked class const continue decimal default delegate do ' +
    'double else enum event explicit extern false finally fixed float for foreach goto if implicit in int interface ' +
    'internal is lock long namespace new null object operator out override params private protected public readonly ' +
    'ref return sbyte sealed short sizeof stackalloc static string struct switch this throw true try typeof uint ulong ' +
    'unchecked unsafe ushort using virtual void volatile while ' +
    // Visual Basic
    'addhandler addressof alias and andalso boolean byref byval call cbool cbyte cchar cdate cdbl cdec cint clng ' +
    'cobj csbyte cshort csng cstr ctype cuint culng cushort date declare dim directcast each elseif end endif erase ' +
    'error exit friend function get gettype getxmlnamespace global gosub handles implements imports inherits integer ' +
    'isnot let lib like loop me mod module mustinherit mustoverride mybase myclass narrowing next not nothing ' +
    'notinheritable notoverridable of on option optional or orelse overloads overridable overrides paramarray partial ' +
    'property raiseevent redim rem removehandler resume select set shadows shared single step stop structure sub ' +
    'synclock then to trycast typeof uinteger ushort variant wend when widening with withevents writeonly xor'
  ).split(' '),
);

/**
 * True when `identifier` is a C# or Visual Basic keyword in any case, which .NET's analyzers refuse as a namespace
 * or type name.
 *
 * @public
 */
export const isDotnetKeyword = (identifier: string) =>
  DOTNET_KEYWORDS.has(identifier.toLowerCase());

// Namespaces the platform owns: a service namespace named like one would merge into it.
const PLATFORM_NAMESPACES = ['System', 'Microsoft', 'Windows', 'Internal'];
/** The marks in {@link DOTNET_SKELETON_NAMES} that stand for the resource's type names. */
const RESOURCE_MARKS = { pascal: '{Pascal}', pascalPlural: '{PascalPlural}' };

/**
 * The simple names the generated C# code uses, with the resource's type names filled in: `{PascalPlural}` and
 * `{Pascal}` in {@link DOTNET_SKELETON_NAMES} stand for them (`New{Pascal}` → `NewCustomer`).
 *
 * @public
 */
export function dotnetSkeletonNames(resource?: {
  pascal: string;
  pascalPlural: string;
}): { fixed: string[]; fromResource: string[] } {
  const fixed: string[] = [];
  const fromResource: string[] = [];
  for (const name of DOTNET_SKELETON_NAMES) {
    if (!name.includes('{')) fixed.push(name);
    else if (resource)
      fromResource.push(
        name
          .replace(RESOURCE_MARKS.pascalPlural, resource.pascalPlural)
          .replace(RESOURCE_MARKS.pascal, resource.pascal),
      );
  }
  return { fixed, fromResource };
}

const lower = (s: string) => s.toLowerCase();

/**
 * The namespace or package a .NET service's root namespace would clash with — a platform namespace, the first
 * word of a NuGet package the skeleton depends on, or a simple name the generated code uses (compared without
 * case: NuGet ids and some file systems ignore it) — or undefined.
 *
 * @public
 */
export function dotnetNamespaceClash(
  name: string,
  packages: Iterable<string> = DOTNET_DEPENDENCY_PACKAGES,
): string | undefined {
  const namespace = lower(dotnetNames(name).namespace);
  for (const root of [...PLATFORM_NAMESPACES, ...dotnetSkeletonNames().fixed])
    if (lower(root) === namespace) return root;
  for (const id of packages) {
    // NuGet's `runtime.<rid>.<package>` ids carry one platform's native assets; their first word is no namespace.
    const first = id.startsWith('runtime.') ? undefined : id.split(/[.-]/)[0];
    if (lower(id) === namespace || (first && lower(first) === namespace))
      return id;
  }
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
  const { namespace } = dotnetNames(name);
  if (isDotnetKeyword(namespace)) {
    return `name: '${name}' becomes the C# namespace '${namespace}', a C# or Visual Basic keyword, which .NET's analyzers refuse (CA1716) in the .NET stack; choose another name (try '${suggestion(
      name,
      { suffix: '-service' },
    )}')`;
  }
  const clash = dotnetNamespaceClash(name);
  if (clash) {
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
    'a native AOT executable (trimming and AOT analyzers in every build) in a Dockerfile on the chiseled runtime-deps image (non-root), Kubernetes manifests, GitHub Actions or GitLab CI',
  ],
  chooseWhen:
    'Teams that already build on .NET, or business services with rich domain logic that profit from C# and its tooling; expect about twice the memory of Go (about 40 MiB idle) and a slower native build, and only libraries that work without run-time reflection.',
  nameProblem: dotnetNameProblem,
};
