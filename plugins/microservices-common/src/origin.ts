import semver from 'semver';
import { OFFERED_STACKS, type OfferedStack } from './stacks';

/**
 * The template that rendered a Component (Backstage's own annotation).
 *
 * @public
 */
export const SOURCE_TEMPLATE_ANNOTATION = 'backstage.io/source-template';
/**
 * The template package version that rendered it.
 *
 * @public
 */
export const TEMPLATE_VERSION_ANNOTATION = 'cross-stack.dev/template-version';
/**
 * Its stack: go, dotnet or rust.
 *
 * @public
 */
export const STACK_ANNOTATION = 'cross-stack.dev/stack';

/**
 * The template that creates services and the one that updates them, as the catalog names them.
 *
 * @public
 */
export const MICROSERVICE_TEMPLATE_REF = 'template:default/microservice';

/**
 * The template that updates services from their recorded answers.
 *
 * @public
 */
export const UPDATE_TEMPLATE_REF = 'template:default/microservice-update';

/**
 * What a Component's annotations say about where it comes from; `reason` when they cannot be trusted.
 *
 * @public
 */
export type TemplateOrigin =
  | {
      known: true;
      stack: OfferedStack;
      template: string;
      version: string;
    }
  | { known: false; reason: string; version?: string; stack?: string };

/**
 * The part of a catalog entity these functions read.
 *
 * @public
 */
export interface EntityLike {
  /** The entity's metadata; only its annotations are read. */
  metadata: { annotations?: Record<string, string> };
}

/**
 * Whether this product rendered the entity: it carries any of the annotations the render actions write.
 *
 * @public
 */
export function isRenderedByTemplate(entity: EntityLike): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return (
    TEMPLATE_VERSION_ANNOTATION in annotations ||
    STACK_ANNOTATION in annotations ||
    annotations[SOURCE_TEMPLATE_ANNOTATION] === MICROSERVICE_TEMPLATE_REF
  );
}

/**
 * Reads and checks the three annotations; never throws.
 *
 * @public
 */
export function templateOrigin(entity: EntityLike): TemplateOrigin {
  const annotations = entity.metadata.annotations ?? {};
  const template = annotations[SOURCE_TEMPLATE_ANNOTATION];
  const version = annotations[TEMPLATE_VERSION_ANNOTATION];
  const stack = annotations[STACK_ANNOTATION];
  const missing = [
    SOURCE_TEMPLATE_ANNOTATION,
    TEMPLATE_VERSION_ANNOTATION,
    STACK_ANNOTATION,
  ].filter(key => !annotations[key]);
  if (missing.length > 0)
    return {
      known: false,
      version,
      stack,
      reason: `the annotation${missing.length > 1 ? 's' : ''} ${missing.join(
        ', ',
      )} ${missing.length > 1 ? 'are' : 'is'} missing`,
    };
  if (template.toLocaleLowerCase('en-US') !== MICROSERVICE_TEMPLATE_REF)
    return {
      known: false,
      version,
      stack,
      reason: `${SOURCE_TEMPLATE_ANNOTATION} is '${template}', not ${MICROSERVICE_TEMPLATE_REF}`,
    };
  if (!semver.valid(version))
    return {
      known: false,
      version,
      stack,
      reason: `${TEMPLATE_VERSION_ANNOTATION} is '${version}', not a version (x.y.z)`,
    };
  if (!(OFFERED_STACKS as ReadonlyArray<string>).includes(stack))
    return {
      known: false,
      version,
      stack,
      reason: `${STACK_ANNOTATION} is '${stack}', not one of ${OFFERED_STACKS.join(
        ', ',
      )}`,
    };
  return {
    known: true,
    stack: stack as OfferedStack,
    template: MICROSERVICE_TEMPLATE_REF,
    version: semver.valid(version)!,
  };
}

/**
 * A released version of the template package and its changelog section (Markdown).
 *
 * @public
 */
export interface TemplateRelease {
  /** The version, x.y.z. */
  version: string;
  /** Its changelog section, Markdown without the version heading. */
  notes: string;
}

/**
 * GET /api/microservices/releases.
 *
 * @public
 */
export interface TemplateReleases {
  /** The version this portal's template package renders. */
  newest: string;
  /** Every release in the package's changelog, newest first. */
  releases: TemplateRelease[];
}

/**
 * How a rendered version compares with what this portal offers.
 *
 * @public
 */
export type Drift =
  | { state: 'current' }
  | { state: 'behind'; releases: TemplateRelease[] }
  | { state: 'unknown'; reason: string };

/**
 * The changelog's releases after `version` up to the newest, newest first. A version newer than this portal's
 * package is unknown (with the reason), never "current".
 *
 * @public
 */
export function driftOf(version: string, releases: TemplateReleases): Drift {
  if (semver.eq(version, releases.newest)) return { state: 'current' };
  if (semver.gt(version, releases.newest))
    return {
      state: 'unknown',
      reason: `${version} is newer than ${releases.newest}, the newest version this portal offers`,
    };
  if (!releases.releases.some(r => semver.eq(r.version, version)))
    return {
      state: 'unknown',
      reason: `${version} is not a released version of the template (its changelog has ${
        releases.releases.map(r => r.version).join(', ') || 'no release'
      }), so an update cannot find what it changed`,
    };
  return {
    state: 'behind',
    releases: releases.releases
      .filter(r => semver.gt(r.version, version))
      .filter(r => semver.lte(r.version, releases.newest))
      .sort((a, b) => semver.rcompare(a.version, b.version)),
  };
}
