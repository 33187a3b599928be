/*
 * Validates rendered Kubernetes objects offline: against the upstream OpenAPI schemas (kubernetes-models), plus a
 * check for unknown keys, which those schemas allow (a typo such as `readinesProbe` would pass them). The allowed
 * keys come from the same package's TypeScript declarations, read with the TypeScript compiler, so they follow
 * the schema version without a hand-written list.
 */
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import ts from 'typescript';
import { PACKAGE_NAME } from '../src/packageFiles';

interface KindModel {
  Model: new (data: any) => { validate(): void };
  /** Module and interface that declare the object's shape. */
  module: string;
  iface: string;
}

/** The kinds the deploy files may contain; any other kind is reported, not skipped. */
const KINDS: Record<string, KindModel> = {
  'apps/v1/Deployment': {
    Model: Deployment,
    module: 'kubernetes-models/apps/v1/Deployment',
    iface: 'IDeployment',
  },
  'v1/Service': {
    Model: Service,
    module: 'kubernetes-models/v1/Service',
    iface: 'IService',
  },
  'v1/ServiceAccount': {
    Model: ServiceAccount,
    module: 'kubernetes-models/v1/ServiceAccount',
    iface: 'IServiceAccount',
  },
  'v1/ConfigMap': {
    Model: ConfigMap,
    module: 'kubernetes-models/v1/ConfigMap',
    iface: 'IConfigMap',
  },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    Model: HorizontalPodAutoscaler,
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    iface: 'IHorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': {
    Model: PodDisruptionBudget,
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    iface: 'IPodDisruptionBudget',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    Model: NetworkPolicy,
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    iface: 'INetworkPolicy',
  },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    Model: ServiceMonitor,
    module:
      '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
    iface: 'IServiceMonitor',
  },
};

export const SUPPORTED_KINDS = Object.keys(KINDS);

let shapes:
  | { checker: ts.TypeChecker; types: Map<string, ts.Type> }
  | undefined;

// One program for every kind, built on first use (a few seconds): the declarations are only read, never emitted.
function objectShapes() {
  if (shapes) return shapes;
  const entries = Object.entries(KINDS);
  // A virtual file beside this one, so the packages resolve from the package's node_modules.
  const fileName = resolvePackagePath(
    PACKAGE_NAME,
    'testUtils/__kubernetesShapes__.ts',
  );
  const source = entries
    .map(
      ([, k], i) =>
        `import type { ${k.iface} as K${i} } from '${k.module}';\nexport type T${i} = K${i};`,
    )
    .join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = f => f === fileName || fileExists.call(host, f);
  host.readFile = f => (f === fileName ? source : readFile.call(host, f));
  host.getSourceFile = (f, languageVersion, ...rest) =>
    f === fileName
      ? ts.createSourceFile(f, source, languageVersion)
      : getSourceFile.call(host, f, languageVersion, ...rest);
  const program = ts.createProgram([fileName], options, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(fileName)!;
  const exported = checker.getExportsOfModule(
    checker.getSymbolAtLocation(file)!,
  );
  const types = new Map<string, ts.Type>();
  entries.forEach(([key], i) => {
    const symbol = exported.find(s => s.name === `T${i}`)!;
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    if (checker.getPropertiesOfType(type).length === 0) {
      throw new Error(
        `could not read the declaration of ${key} from ${KINDS[key].module}`,
      );
    }
    types.set(key, type);
  });
  shapes = { checker, types };
  return shapes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reports every key the declared type does not have, recursively (maps such as labels allow any key). */
function unknownKeys(
  value: unknown,
  type: ts.Type,
  at: string,
  checker: ts.TypeChecker,
  out: string[],
) {
  const constituents = (type.isUnion() ? type.types : [type]).filter(
    t => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)),
  );
  if (
    constituents.some(t => t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))
  )
    return;
  if (Array.isArray(value)) {
    const element = constituents
      .map(t => checker.getIndexTypeOfType(t, ts.IndexKind.Number))
      .find(Boolean);
    if (element)
      value.forEach((item, i) =>
        unknownKeys(item, element, `${at}[${i}]`, checker, out),
      );
    return;
  }
  if (!isPlainObject(value)) return;
  const objects = constituents.filter(t => t.flags & ts.TypeFlags.Object);
  if (objects.length === 0) return;
  for (const [key, child] of Object.entries(value)) {
    const where = at ? `${at}.${key}` : key;
    const property = objects.map(t => t.getProperty(key)).find(Boolean);
    if (property) {
      unknownKeys(
        child,
        checker.getTypeOfSymbol(property),
        where,
        checker,
        out,
      );
      continue;
    }
    const index = objects
      .map(t => checker.getIndexTypeOfType(t, ts.IndexKind.String))
      .find(Boolean);
    if (index) unknownKeys(child, index, where, checker, out);
    else out.push(`${where}: unknown field`);
  }
}

function kindKey(object: Record<string, unknown>): string {
  return `${String(object.apiVersion)}/${String(object.kind)}`;
}

/**
 * Problems with one Kubernetes object: an unsupported kind, schema violations (kubernetes-models) and unknown keys.
 * An empty list means the object is valid.
 */
export function kubernetesObjectProblems(object: unknown): string[] {
  if (!isPlainObject(object)) return ['not a mapping'];
  const key = kindKey(object);
  const kind = KINDS[key];
  const name = isPlainObject(object.metadata)
    ? String(object.metadata.name)
    : '?';
  const label = `${key} ${name}`;
  if (!kind)
    return [
      `${label}: kind not supported by the validator (${SUPPORTED_KINDS.join(
        ', ',
      )})`,
    ];
  const problems: string[] = [];
  try {
    new kind.Model(object).validate();
  } catch (error) {
    const details = (
      error as { errors?: Array<{ instancePath: string; message?: string }> }
    ).errors;
    if (details?.length) {
      for (const e of details)
        problems.push(
          `${label}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
        );
    } else {
      problems.push(`${label}: ${(error as Error).message}`);
    }
  }
  const { checker, types } = objectShapes();
  const found: string[] = [];
  unknownKeys(object, types.get(key)!, '', checker, found);
  problems.push(...found.map(p => `${label}: ${p}`));
  return problems;
}
