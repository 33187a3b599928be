/*
 * A small, strict kustomize for the subset the deploy skeleton uses, so `yarn test` can build every overlay
 * without the kustomize binary: `resources` (files and directories with a kustomization.yaml), `patches` given by
 * `path` or inline `patch`, either strategic-merge (matched by apiVersion/kind/name, or by `target`) or JSON 6902
 * (a list of operations, applied by rfc6902 to the objects `target` selects), `namespace`, `images` (name →
 * digest/newTag/newName) and `configMapGenerator` (env files and literals, `create` or `merge`, with kustomize's
 * content-hash name suffix and the Deployment's references renamed to match). Any other field is an error, never
 * ignored: a kustomization this resolver cannot build faithfully fails the test instead of passing it. Strategic
 * merge stays here because no kept JavaScript library implements it (kustomize's is Go). Where the kustomize
 * binary is available (`.tools/bin`, installed by scripts/setup.sh when Go is present, or PATH) the tests compare
 * the result with `kustomize build`, byte for byte after parsing.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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
  'namespace',
  'images',
  'configMapGenerator',
]);
const GENERATOR_FIELDS = new Set([
  'name',
  'behavior',
  'envs',
  'literals',
  'options',
]);
const IMAGE_FIELDS = new Set(['name', 'newName', 'newTag', 'digest']);

/** ConfigMaps made by a generator: they get the content-hash suffix once, when the top-level build finishes. */
const generated = new WeakSet<KObject>();
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

/** kustomize's env-file reading: KEY=VALUE lines, blank lines and '#' comments skipped, the value kept as written. */
function readEnvFile(file: string): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [i, raw] of fs.readFileSync(file, 'utf8').split('\n').entries()) {
    const line = raw.replace(/^\s+/, '').replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at <= 0)
      throw new Error(`${file}:${i + 1}: '${line}' is not KEY=VALUE`);
    data[line.slice(0, at)] = line.slice(at + 1);
  }
  return data;
}

function generatorData(dir: string, generator: KObject, where: string) {
  const data: Record<string, string> = {};
  for (const env of generator.envs ?? [])
    Object.assign(data, readEnvFile(path.join(dir, env)));
  for (const literal of generator.literals ?? []) {
    const at = String(literal).indexOf('=');
    if (at <= 0)
      throw new Error(`${where}: literal '${literal}' is not KEY=VALUE`);
    data[literal.slice(0, at)] = literal
      .slice(at + 1)
      .replace(/^(["'])(.*)\1$/, '$2');
  }
  return data;
}

function applyConfigMapGenerators(
  objects: KObject[],
  dir: string,
  generators: KObject[],
  file: string,
): KObject[] {
  let result = objects;
  for (const [i, generator] of generators.entries()) {
    const where = `${file} configMapGenerator[${i}]`;
    for (const key of Object.keys(generator))
      if (!GENERATOR_FIELDS.has(key))
        throw new Error(`${where}: field '${key}' is not supported`);
    for (const key of Object.keys(generator.options ?? {}))
      if (key !== 'labels')
        throw new Error(`${where}: option '${key}' is not supported`);
    const data = generatorData(dir, generator, where);
    const behavior = generator.behavior ?? 'create';
    if (behavior === 'create') {
      if (
        result.some(
          o => o.kind === 'ConfigMap' && o.metadata?.name === generator.name,
        )
      )
        throw new Error(
          `${where}: ConfigMap '${generator.name}' already exists`,
        );
      const configMap: KObject = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: generator.name,
          ...(generator.options?.labels
            ? { labels: generator.options.labels }
            : {}),
        },
        data,
      };
      generated.add(configMap);
      result = [...result, configMap];
    } else if (behavior === 'merge') {
      const at = result.findIndex(
        o =>
          o.kind === 'ConfigMap' &&
          o.metadata?.name === generator.name &&
          generated.has(o),
      );
      if (at < 0)
        throw new Error(
          `${where}: no generated ConfigMap '${generator.name}' to merge into`,
        );
      const base = result[at];
      const merged: KObject = {
        ...base,
        metadata: {
          ...base.metadata,
          ...(generator.options?.labels
            ? {
                labels: {
                  ...base.metadata.labels,
                  ...generator.options.labels,
                },
              }
            : {}),
        },
        data: { ...base.data, ...data },
      };
      generated.add(merged);
      result = result.map((o, k) => (k === at ? merged : o));
    } else {
      throw new Error(`${where}: behavior '${behavior}' is not supported`);
    }
  }
  return result;
}

function podSpecs(object: KObject): KObject[] {
  const spec = object.spec?.template?.spec;
  return spec ? [spec] : [];
}

/** `images:` — containers whose image (without tag or digest) is `name` get the new name, tag or digest. */
function applyImages(
  objects: KObject[],
  images: KObject[],
  file: string,
): KObject[] {
  for (const image of images)
    for (const key of Object.keys(image))
      if (!IMAGE_FIELDS.has(key))
        throw new Error(`${file} images: field '${key}' is not supported`);
  return objects.map(object => {
    if (podSpecs(object).length === 0) return object;
    const copy = structuredClone(object);
    for (const spec of podSpecs(copy)) {
      for (const container of [
        ...(spec.containers ?? []),
        ...(spec.initContainers ?? []),
      ]) {
        const current = String(container.image);
        const at = current.indexOf('@');
        const withoutDigest = at >= 0 ? current.slice(0, at) : current;
        const colon = withoutDigest.lastIndexOf(':');
        const name =
          colon > withoutDigest.lastIndexOf('/')
            ? withoutDigest.slice(0, colon)
            : withoutDigest;
        const rule = images.find(i => i.name === name);
        if (!rule) continue;
        const tag =
          colon > withoutDigest.lastIndexOf('/')
            ? withoutDigest.slice(colon)
            : '';
        const newName = rule.newName ?? name;
        if (rule.digest) container.image = `${newName}@${rule.digest}`;
        else if (rule.newTag) container.image = `${newName}:${rule.newTag}`;
        else
          container.image = `${newName}${tag}${
            at >= 0 ? current.slice(at) : ''
          }`;
      }
    }
    return copy;
  });
}

/** kustomize's name suffix: the first 10 hex digits of the SHA-256 of the encoded ConfigMap, with 0,1,3,a,e swapped. */
function configMapHash(configMap: KObject): string {
  // Go's encoding/json: map keys sorted, and <, >, & and the line/paragraph separators escaped.
  const goJson = (value: unknown): string => {
    if (value && typeof value === 'object') {
      // Keys are unique, so two never compare equal.
      const entries = Object.entries(value as KObject).sort(([a], [b]) =>
        a < b ? -1 : 1,
      );
      return `{${entries
        .map(([k, v]) => `${goJson(k)}:${goJson(v)}`)
        .join(',')}}`;
    }
    return JSON.stringify(value).replace(
      /[<>&\u2028\u2029]/g,
      c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  };
  // kustomize looks the name up as one field called 'metadata/name', finds none and hashes '' (api/hasher), so
  // the name never enters the hash; this copies that.
  const encoded = goJson({
    kind: 'ConfigMap',
    name: '',
    data: configMap.data ?? {},
  });
  const hex = createHash('sha256').update(encoded).digest('hex').slice(0, 10);
  const swap: Record<string, string> = {
    '0': 'g',
    '1': 'h',
    '3': 'k',
    a: 'm',
    e: 't',
  };
  return [...hex].map(c => swap[c] ?? c).join('');
}

/** Suffixes generated ConfigMaps with their hash and renames every reference to them in pod specs. */
function finishGenerated(objects: KObject[]): KObject[] {
  const renames = new Map<string, string>();
  const named = objects.map(object => {
    if (!generated.has(object)) return object;
    const name = `${object.metadata.name}-${configMapHash(object)}`;
    renames.set(
      `${object.metadata.namespace ?? ''}/${object.metadata.name}`,
      name,
    );
    return { ...object, metadata: { ...object.metadata, name } };
  });
  return named.map(object => {
    if (podSpecs(object).length === 0) return object;
    const copy = structuredClone(object);
    const rename = (ref: KObject | undefined) => {
      const to =
        ref && renames.get(`${copy.metadata.namespace ?? ''}/${ref.name}`);
      if (ref && to) ref.name = to;
    };
    for (const spec of podSpecs(copy)) {
      for (const container of [
        ...(spec.containers ?? []),
        ...(spec.initContainers ?? []),
      ]) {
        for (const from of container.envFrom ?? []) rename(from.configMapRef);
        for (const env of container.env ?? [])
          rename(env.valueFrom?.configMapKeyRef);
      }
      for (const volume of spec.volumes ?? []) rename(volume.configMap);
    }
    return copy;
  });
}

/** A generated ConfigMap stays generated through patches and transformers (same index before and after). */
function keepGenerated(before: KObject[], after: KObject[]): KObject[] {
  after.forEach((object, i) => {
    if (generated.has(before[i])) generated.add(object);
  });
  return after;
}

function buildLevel(dir: string): KObject[] {
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
        ? buildLevel(target)
        : readYamlObjects(target)),
    );
  }
  objects = applyConfigMapGenerators(
    objects,
    dir,
    kustomization.configMapGenerator ?? [],
    file,
  );
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
    objects = keepGenerated(
      objects,
      applyPatch(objects, text, patch.target, where),
    );
  }
  if (kustomization.images)
    objects = keepGenerated(
      objects,
      applyImages(objects, kustomization.images, file),
    );
  if (kustomization.namespace) {
    // Every kind this skeleton renders is namespaced.
    objects = objects.map(o => {
      const moved = {
        ...o,
        metadata: { ...o.metadata, namespace: kustomization.namespace },
      };
      if (generated.has(o)) generated.add(moved);
      return moved;
    });
  }
  return objects;
}

/** Builds the kustomization in `dir` and returns its objects in resource order (generated ConfigMaps last). */
export function buildKustomization(dir: string): KObject[] {
  return finishGenerated(buildLevel(dir));
}

/** The kustomize binary scripts/setup.sh installs (repository-local), else the one on PATH. */
const KUSTOMIZE_CANDIDATES = [
  path.join(__dirname, '../../../.tools/bin/kustomize'),
  'kustomize',
];

/**
 * `kustomize build dir` with the real binary when one is available; otherwise the reason it did not run (the
 * caller prints it as a skip).
 */
export function kustomizeBuild(
  dir: string,
): { objects: KObject[]; version: string } | { skipped: string } {
  const reasons: string[] = [];
  for (const binary of KUSTOMIZE_CANDIDATES) {
    const probe = spawnSync(binary, ['version'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    if (probe.error || probe.status !== 0) {
      reasons.push(`${binary}: ${probe.error?.message ?? probe.stderr.trim()}`);
      continue;
    }
    const result = spawnSync(binary, ['build', dir], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (result.status !== 0)
      throw new Error(`kustomize build ${dir} failed: ${result.stderr}`);
    return {
      version: probe.stdout.trim(),
      objects: parseAllDocuments(result.stdout)
        .map(d => d.toJS())
        .filter(Boolean),
    };
  }
  return {
    skipped: `no kustomize binary (scripts/setup.sh installs one with Go): ${reasons.join(
      '; ',
    )}`,
  };
}
