/*
 * Which files `docker build .` sends to the builder, following .dockerignore as BuildKit reads it: patterns are
 * relative to the context root, `*` and `?` stay within one path segment, `**` spans segments, `!` re-includes,
 * the last matching pattern wins, and a pattern that matches a directory excludes everything below it.
 * Lets tests (and the conformance tier) build from exactly the files the Dockerfile would see.
 */
function patternRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more directories.
      source += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0)
        throw new Error(`.dockerignore: unterminated '[' in '${pattern}'`);
      source += `[${pattern.slice(i + 1, end).replace(/^!/, '^')}]`;
      i = end;
    } else if (char === '\\' && i + 1 < pattern.length)
      source += `\\${pattern[++i]}`;
    else source += char.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function parseDockerignore(
  text: string,
): Array<{ exclude: boolean; match: RegExp; pattern: string }> {
  return text
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line && !line.startsWith('#'))
    .map(line => {
      const exclude = !line.startsWith('!');
      const pattern = (exclude ? line : line.slice(1).trim())
        .replace(/^\/+/, '')
        .replace(/\/+$/, '')
        .replace(/\/\.(?=\/|$)/g, '');
      return { exclude, match: patternRegExp(pattern), pattern };
    });
}

/** The files (POSIX paths relative to the context) that stay in the build context. */
export function dockerContextFiles(
  files: string[],
  dockerignore: string,
): string[] {
  const rules = parseDockerignore(dockerignore);
  return files.filter(file => {
    const segments = file.split('/');
    const candidates = segments.map((_, i) =>
      segments.slice(0, i + 1).join('/'),
    );
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some(c => rule.match.test(c))) excluded = rule.exclude;
    }
    return !excluded;
  });
}
