// C#'s built-in type keywords: a name right after one is being declared.
const BUILTIN_TYPES = new Set(
  'bool byte char decimal double dynamic float int long nint nuint object sbyte short string uint ulong ushort var void'.split(
    ' ',
  ),
);
// Keywords after which a name is used, not declared (`return User.From(x)`, `new ApiError(…)`, `class Program`).
const KEYWORDS = new Set(
  (
    'abstract as async await base break case catch checked class const continue default delegate do else enum event ' +
    'explicit extern false finally fixed for foreach goto if implicit in interface internal is lock namespace new not ' +
    'null operator out override params partial private protected public readonly record ref required return sealed ' +
    'sizeof stackalloc static struct switch this throw true try typeof unchecked unsafe using virtual volatile when ' +
    'where while with yield and or global nameof get set init add remove file scoped'
  ).split(' '),
);

/**
 * The simple names a C# source uses: identifiers that start with an uppercase letter and are not member accesses
 * (not after `.`, `::` or `?.`), outside comments and string text (inside interpolation holes they count). A root
 * namespace spelled like one of them hides it wherever the code writes it unqualified, so these are what a .NET
 * service's name must not become. A small scanner rather than a C# parser: over-counting only refuses a few more
 * names, and it needs no .NET at render time.
 */
export function csharpSimpleNames(source: string): Set<string> {
  const names = new Set<string>();
  let code = '';
  let i = 0;
  const n = source.length;
  // Reads the string literal at `start` and returns the index after it; code in its interpolation holes is kept.
  const readString = (start: number): number => {
    let j = start;
    let interpolated = false;
    let verbatim = false;
    while (source[j] === '$' || source[j] === '@') {
      if (source[j] === '$') interpolated = true;
      else verbatim = true;
      j++;
    }
    // Raw string literals: """ … """ (any number of quotes, at least three).
    let quotes = 0;
    while (source[j + quotes] === '"') quotes++;
    if (quotes >= 3) {
      const close = '"'.repeat(quotes);
      const end = source.indexOf(close, j + quotes);
      const body = source.slice(j + quotes, end < 0 ? n : end);
      if (interpolated)
        for (const hole of body.match(/\{[^{}]*\}/g) ?? [])
          code += ` ${hole.slice(1, -1)} `;
      return end < 0 ? n : end + quotes;
    }
    j++; // opening quote
    while (j < n) {
      const c = source[j];
      if (verbatim && c === '"' && source[j + 1] === '"') {
        j += 2;
      } else if (!verbatim && c === '\\') {
        j += 2;
      } else if (c === '"') {
        return j + 1;
      } else if (interpolated && c === '{' && source[j + 1] === '{') {
        j += 2;
      } else if (interpolated && c === '{') {
        // A hole: code up to the matching brace (strings inside it are read recursively).
        let depth = 1;
        j++;
        while (j < n && depth > 0) {
          if (
            source[j] === '"' ||
            (/[$@]/.test(source[j]) && /["$@]/.test(source[j + 1] ?? ''))
          ) {
            j = readString(j);
            continue;
          }
          if (source[j] === '{') depth++;
          if (source[j] === '}') depth--;
          if (depth > 0) code += source[j];
          j++;
        }
        code += ' ';
      } else {
        j++;
      }
    }
    return j;
  };
  while (i < n) {
    const c = source[i];
    if (c === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (
      c === '"' ||
      (/[$@]/.test(c) && /["$@]/.test(source[i + 1] ?? ''))
    ) {
      code += ' "" ';
      i = readString(i);
    } else if (c === "'") {
      // A character literal: '\'' or 'x'.
      const end = source.indexOf("'", source[i + 1] === '\\' ? i + 3 : i + 2);
      code += " '' ";
      i = end < 0 ? n : end + 1;
    } else {
      code += c;
      i++;
    }
  }
  // A name right after a type is being declared (a member, parameter or local: `string Email`, `Task<T> GetAsync`),
  // and a name before `=` or a named argument's `:` is a member being set; member lookup finds those before any
  // namespace, so they cannot clash. Everything else that is not a member access counts.
  const tokens = [
    ...code.matchAll(/::|\?\.|[A-Za-z_@][A-Za-z0-9_]*|==|=>|[^\sA-Za-z0-9_]/g),
  ].map(m => m[0]);
  tokens.forEach((token, at) => {
    if (!/^@?[A-Z]/.test(token)) return;
    const before = tokens[at - 1] ?? '';
    const after = tokens[at + 1] ?? '';
    if (before === '.' || before === '::' || before === '?.') return;
    const declared =
      /^[>\]?]$/.test(before) ||
      BUILTIN_TYPES.has(before) ||
      (/^@?[A-Za-z_]/.test(before) && !KEYWORDS.has(before));
    if (declared || after === '=' || (after === ':' && tokens[at + 2] !== ':'))
      return;
    names.add(token.replace(/^@/, ''));
  });
  return names;
}
