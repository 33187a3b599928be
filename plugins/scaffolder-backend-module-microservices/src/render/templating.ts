import nunjucks from 'nunjucks';
import { quotingFilters } from './quoting';

/** Raised when a skeleton cannot be rendered; names the skeleton file (and the variable when undefined). */
export class SkeletonRenderError extends Error {
  constructor(message: string, readonly file: string) {
    super(message);
    this.name = 'SkeletonRenderError';
  }
}

/**
 * The nunjucks environment skeletons render in. With `includeRoot`, `{% include "shared/include/x.njk" %}`
 * (and `import`/`extends`) resolve against that folder and never outside it; without one, includes fail.
 */
export function createTemplateEnvironment(
  includeRoot?: string,
): nunjucks.Environment {
  // noCache: a changed partial is read again, as a changed skeleton file is (tests edit copies in place).
  const loader = includeRoot
    ? new nunjucks.FileSystemLoader(includeRoot, { noCache: true })
    : null;
  const env = new nunjucks.Environment(loader, {
    autoescape: false,
    throwOnUndefined: true,
    // Backstage's own syntax, so skeleton authors write what they write for fetch:template.
    tags: { variableStart: '${{', variableEnd: '}}' },
  });
  for (const [name, filter] of Object.entries(quotingFilters)) {
    env.addFilter(name, filter);
  }
  return env;
}

const positionPattern = /\[Line (\d+), Column (\d+)\]/;

// nunjucks reports an undefined output only as "attempted to output null or undefined value" with a
// position; recover the expression written at that position so the error names the variable.
function describeUndefined(
  source: string,
  message: string,
): string | undefined {
  const position = positionPattern.exec(message);
  if (!position) return undefined;
  const line = source.split('\n')[Number(position[1]) - 1] ?? '';
  const column = Number(position[2]);
  const expressions = [...line.matchAll(/\$\{\{(.*?)\}\}/g)];
  const hit =
    expressions.find(
      m => m.index! <= column && column <= m.index! + m[0].length,
    ) ?? expressions[0];
  return hit ? hit[1].trim() : undefined;
}

export function renderTemplateString(
  env: nunjucks.Environment,
  template: nunjucks.Template | string,
  source: string,
  context: object,
  file: string,
): string {
  try {
    return typeof template === 'string'
      ? env.renderString(template, context)
      : template.render(context);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes('attempted to output null or undefined value')) {
      const variable = describeUndefined(source, message);
      throw new SkeletonRenderError(
        `${file}: undefined variable ${
          variable ? `'${variable}'` : '(unknown expression)'
        } (${message.match(positionPattern)?.[0] ?? 'position unknown'})`,
        file,
      );
    }
    throw new SkeletonRenderError(
      `${file}: ${message.replace(/\s+/g, ' ').trim()}`,
      file,
    );
  }
}
