/*
 * A small, strict kustomize for the subset the deploy skeleton uses, so `yarn test` can build every overlay
 * without kubectl: `resources` (files and directories with a kustomization.yaml), and `patches` given by `path`
 * or inline `patch`, either strategic-merge (matched by apiVersion/kind/name, or by `target`) or JSON 6902 (a
 * list of operations, applied by rfc6902 to the objects `target` selects). Any other field is an error, never
 * ignored: a kustomization this resolver cannot build faithfully fails the test instead of passing it. Strategic
 * merge stays here because no kept JavaScript library implements it (kustomize's is Go). Where `kubectl` is on
 * PATH the tests compare the result with `kubectl kustomize`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { applyPatch as applyJsonPatch, type Operation } from 'rfc6902';
import { parseAllDocuments } from 'yaml';

type KObject = Record<string, any>;

const SUPPORTED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'patches',
]);
const KUSTOMIZATION_FILES = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

/**
 * Strategic-merge keys of the lists this skeleton patches (from the Kubernetes API's patchMergeKey); other lists
 * are replaced, as kustomize does for lists without a merge key.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  topologySpreadConstraints: 'topologyKey',
};

function readYamlObjects(file: string): KObject[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).flatMap(doc => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    return value === null || value === undefined ? [] : [value];
  });
}

function kustomizationFile(dir: string): string {
  const file = KUSTOMIZATION_FILES.map(f => path.join(dir, f)).find(f =>
    fs.existsSync(f),
  );
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  return file;
}

const isMap = (v: unknown): v is KObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const idOf = (o: KObject) => `${o.apiVersion}/${o.kind}/${o.metadata?.name}`;

function strategicMerge(base: unknown, patch: unknown, field = ''): unknown {
  if (patch === null) return undefined;
  if (isMap(base) && isMap(patch)) {
    const out: KObject = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$'))
        throw new Error(`strategic-merge directive ${key} is not supported`);
      const merged = strategicMerge(base[key], value, key);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    }
    return out;
  }
  // Container ports merge on containerPort, Service ports on port.
  const mergeKey =
    field === 'ports' &&
    Array.isArray(patch) &&
    patch.some(p => isMap(p) && 'port' in p)
      ? 'port'
      : MERGE_KEYS[field];
  if (Array.isArray(base) && Array.isArray(patch) && mergeKey) {
    const out = [...base];
    for (const item of patch) {
      const at = out.findIndex(
        b => isMap(b) && isMap(item) && b[mergeKey] === item[mergeKey],
      );
      if (at >= 0) out[at] = strategicMerge(out[at], item, '');
      else out.push(item);
    }
    return out;
  }
  return patch;
}

interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
}

function matches(object: KObject, target: Target): boolean {
  const [group, version] = String(object.apiVersion).includes('/')
    ? String(object.apiVersion).split('/')
    : ['', String(object.apiVersion)];
  for (const key of Object.keys(target)) {
    if (!['group', 'version', 'kind', 'name'].includes(key))
      throw new Error(`patch target field '${key}' is not supported`);
  }
  return (
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version) &&
    (target.kind === undefined || target.kind === object.kind) &&
    (target.name === undefined || target.name === object.metadata?.name)
  );
}

/** JSON 6902 operations through rfc6902; an operation that cannot apply (a missing path) is an error, as in kustomize. */
function applyJson6902(object: KObject, operations: Operation[]): KObject {
  const copy = structuredClone(object);
  const errors = applyJsonPatch(copy, operations);
  errors.forEach((error, i) => {
    if (error)
      throw new Error(
        `${idOf(object)}: ${operations[i].op} at ${operations[i].path}: ${
          error.message
        }`,
      );
  });
  return copy;
}

function applyPatch(
  objects: KObject[],
  patchText: string,
  target: Target | undefined,
  where: string,
): KObject[] {
  const docs = parseAllDocuments(patchText).map(d => d.toJS());
  if (docs.length === 1 && Array.isArray(docs[0])) {
    if (!target) throw new Error(`${where}: a JSON 6902 patch needs a target`);
    const selected = objects.filter(o => matches(o, target));
    if (selected.length === 0)
      throw new Error(
        `${where}: target ${JSON.stringify(target)} selects no object`,
      );
    return objects.map(o =>
      matches(o, target) ? applyJson6902(o, docs[0]) : o,
    );
  }
  let result = objects;
  for (const patch of docs) {
    const select = (o: KObject) =>
      target ? matches(o, target) : idOf(o) === idOf(patch);
    if (!result.some(select))
      throw new Error(`${where}: patch for ${idOf(patch)} matches no object`);
    result = result.map(o => {
      if (!select(o)) return o;
      // The patch's own identity does not rename a target-selected object.
      const { apiVersion, kind, metadata, ...rest } = patch;
      const merged = strategicMerge(o, {
        ...rest,
        metadata: { ...metadata, name: o.metadata.name },
      }) as KObject;
      return merged;
    });
  }
  return result;
}

/** Builds the kustomization in `dir` and returns its objects in resource order. */
export function buildKustomization(dir: string): KObject[] {
  const file = kustomizationFile(dir);
  const [kustomization] = readYamlObjects(file);
  for (const key of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(key))
      throw new Error(
        `${file}: field '${key}' is not supported by this resolver`,
      );
  }
  let objects: KObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const target = path.join(dir, resource);
    objects.push(
      ...(fs.statSync(target).isDirectory()
        ? buildKustomization(target)
        : readYamlObjects(target)),
    );
  }
  const ids = objects.map(idOf);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`${file}: ${duplicate} is defined twice`);
  for (const [i, patch] of (kustomization.patches ?? []).entries()) {
    const where = `${file} patches[${i}]`;
    const text = patch.path
      ? fs.readFileSync(path.join(dir, patch.path), 'utf8')
      : patch.patch;
    if (typeof text !== 'string')
      throw new Error(`${where}: needs 'path' or 'patch'`);
    objects = applyPatch(objects, text, patch.target, where);
  }
  return objects;
}

/**
 * `kubectl kustomize dir` when kubectl is on PATH; otherwise the reason it did not run (the caller prints it).
 */
export function kubectlKustomize(
  dir: string,
): { objects: KObject[] } | { skipped: string } {
  const probe = spawnSync('kubectl', ['version', '--client'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (probe.error || probe.status !== 0) {
    return {
      skipped: `kubectl is not usable here (${
        probe.error?.message ?? probe.stderr.trim()
      })`,
    };
  }
  const result = spawnSync('kubectl', ['kustomize', dir], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0)
    throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr}`);
  return {
    objects: parseAllDocuments(result.stdout)
      .map(d => d.toJS())
      .filter(Boolean),
  };
}
