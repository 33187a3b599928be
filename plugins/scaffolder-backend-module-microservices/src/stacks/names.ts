import { InputError } from '@backstage/errors';
import pluralize from 'pluralize';
import {
  DNS_LABEL_PATTERN,
  serviceNameProblem,
} from '@cross-stack/plugin-microservices-common';

// The DNS-1123 rule and its messages live in the common package, shared with the Create-component form.
export { DNS_LABEL_PATTERN };

export function validateServiceName(name: unknown, field = 'name'): string {
  const problem = serviceNameProblem(name, field);
  if (problem) throw new InputError(problem);
  return name as string;
}

/** A resource name: lowercase words joined by '-', starting with a letter (it becomes a type, a table and a path). */
const RESOURCE_PATTERN = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;

const words = (kebab: string) => kebab.split('-');
const capitalize = (word: string) =>
  word.charAt(0).toUpperCase() + word.slice(1);

/**
 * The plural of a kebab-case resource name: English rules for its last word ('person' → 'people', 'line-item' →
 * 'line-items'). A word English leaves alone ('sheep', 'data') still needs a distinct plural in code, so it keeps
 * the plain suffix it always had here ('sheeps', 'datas'); `resourcePlural` overrides either.
 */
export function pluralizeResource(kebab: string): string {
  const at = kebab.lastIndexOf('-') + 1;
  const word = kebab.slice(at);
  let plural = pluralize.plural(word);
  if (plural === word) {
    if (/[^aeiou]y$/.test(word)) plural = `${word.slice(0, -1)}ies`;
    else plural = /(s|x|z|ch|sh)$/.test(word) ? `${word}es` : `${word}s`;
  }
  return kebab.slice(0, at) + plural;
}

export interface ResourceNames {
  singular: string;
  plural: string;
  pascal: string;
  pascalPlural: string;
  camel: string;
  camelPlural: string;
  snake: string;
  snakePlural: string;
  table: string;
  path: string;
}

// Names that would clash with the generated code's own identifiers or with SQL in every stack.
const RESERVED_RESOURCES = new Set([
  'health',
  'ready',
  'metrics',
  'error',
  'errors',
  'config',
  'item',
  'items',
]);

export function resourceNames(
  singular: unknown,
  plural?: unknown,
): ResourceNames {
  const field = 'resource';
  if (
    typeof singular !== 'string' ||
    !RESOURCE_PATTERN.test(singular) ||
    singular.length > 40
  ) {
    throw new InputError(
      `${field}: '${String(
        singular,
      )}' must be lowercase words joined by '-', starting with a letter, at most 40 characters (e.g. 'user', 'line-item')`,
    );
  }
  if (RESERVED_RESOURCES.has(singular)) {
    throw new InputError(
      `${field}: '${singular}' is reserved by the generated service; choose another name`,
    );
  }
  const pluralName =
    plural === undefined || plural === ''
      ? pluralizeResource(singular)
      : plural;
  if (
    typeof pluralName !== 'string' ||
    !RESOURCE_PATTERN.test(pluralName) ||
    pluralName === singular
  ) {
    throw new InputError(
      `resourcePlural: '${String(
        pluralName,
      )}' must be lowercase words joined by '-' and differ from the singular`,
    );
  }
  const pascal = words(singular).map(capitalize).join('');
  const pascalPlural = words(pluralName).map(capitalize).join('');
  const snake = words(singular).join('_');
  const snakePlural = words(pluralName).join('_');
  return {
    singular,
    plural: pluralName,
    pascal,
    pascalPlural,
    camel: pascal.charAt(0).toLowerCase() + pascal.slice(1),
    camelPlural: pascalPlural.charAt(0).toLowerCase() + pascalPlural.slice(1),
    snake,
    snakePlural,
    table: snakePlural,
    path: `/api/v1/${pluralName}`,
  };
}

export function titleFromName(name: string): string {
  return words(name).map(capitalize).join(' ');
}
