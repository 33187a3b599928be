/*
 * Requests just inside and just outside every request rule openapi.yaml declares, and the answer the document
 * promises for each. The boundaries come from the document (maxLength, x-trimmed-length, minimum, maximum,
 * default, format, required, type); the promised outcome is the document's own verdict on the input (ajv on the
 * declared schema): valid ⇒ the success status, invalid ⇒ 400 validation_failed naming the field ajv names.
 */
import { fieldOf, type OpenApiDocument } from './openapi';

/** Unicode White_Space: what the document means by trimming (JavaScript's \s adds U+FEFF and lacks U+0085). */
const WHITE_SPACE =
  '\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRIM = new RegExp(`^[${WHITE_SPACE}]+|[${WHITE_SPACE}]+$`, 'gu');
export const trimWhiteSpace = (s: string) => s.replace(TRIM, '');

const INT64_MAX = 2n ** 63n - 1n;

/** One request and the answer the document promises. */
export interface RuleCase {
  title: string;
  method: 'GET' | 'POST';
  url: string;
  body?: string;
  /** Success status, or 400 naming `field`. */
  expect: { status: number; field?: string };
  /** For an accepted body: what the created item must hold (stored as sent; the name trimmed). */
  stored?: { email: string; name: string };
  /** For an accepted page: the limit and offset the answer must echo (decimal text, exact). */
  page?: { limit: string; offset: string };
}

/** The document's verdict on a body: 201, or 400 naming the one field ajv names. */
function bodyVerdict(
  doc: OpenApiDocument,
  pointer: string,
  body: unknown,
): { status: number; field?: string } {
  const errors = doc.validate(pointer, body);
  if (errors.length === 0) return { status: 201 };
  const fields = [...new Set(errors.map(fieldOf))];
  if (fields.length !== 1 || !fields[0])
    throw new Error(
      `a boundary case breaks more than one rule (${fields.join(
        ', ',
      )}): ${JSON.stringify(body).slice(0, 100)}`,
    );
  return { status: 400, field: fields[0] };
}

/** Emails that differ beyond case: a counter written in letters no other case folds to. */
function uniqueTag(n: number): string {
  return `t${n.toString(36)}x`;
}

/** The POST body cases: shape, every string rule of every property, at and around each declared bound. */
export function bodyCases(
  doc: OpenApiDocument,
  collection: string,
): RuleCase[] {
  const pointer = doc.requestSchemaPointer('POST', collection);
  const schema = doc.node(pointer);
  const props: Record<string, any> = schema.properties;
  const emailSchema = props.email;
  const nameSchema = props.name;
  if (!emailSchema || !nameSchema)
    throw new Error('the create body declares no email or name');
  let n = 0;
  const email = (local?: string) =>
    `${local ?? 'ada'}.${uniqueTag(n++)}@example.com`;
  const cases: RuleCase[] = [];
  const add = (title: string, body: Record<string, unknown>) => {
    const verdict = bodyVerdict(doc, pointer, body);
    cases.push({
      title,
      method: 'POST',
      url: collection,
      body: JSON.stringify(body),
      expect: verdict,
      stored:
        verdict.status === 201
          ? {
              email: body.email as string,
              name: trimWhiteSpace(body.name as string),
            }
          : undefined,
    });
  };
  const valid = (): Record<string, unknown> => ({
    email: email(),
    name: 'Ada Lovelace',
  });

  // Required, typed properties.
  for (const field of schema.required as string[]) {
    const { [field]: _omitted, ...rest } = valid();
    add(`without ${field}`, rest);
    add(`${field} null`, { ...valid(), [field]: null });
    add(`${field} a number`, { ...valid(), [field]: 42 });
  }
  add('an unknown field (ignored)', { ...valid(), nickname: 'ada' });

  // Email: every rule at its edge. maxLength from the document.
  const maxEmail: number = emailSchema.maxLength;
  const domain = '@example.com';
  const emailOfLength = (length: number, fill = 'a') => {
    const tag = uniqueTag(n++);
    return `${tag}${fill.repeat(length - tag.length - domain.length)}${domain}`;
  };
  const emailCases: Array<[string, string]> = [
    ['empty', ''],
    ['whitespace only', '   '],
    ['no @', `ada.${uniqueTag(n++)}.example.com`],
    ['two @', `ada@${uniqueTag(n++)}@example.com`],
    ['nothing before @', `@${uniqueTag(n++)}.example.com`],
    ['nothing after @', `ada.${uniqueTag(n++)}@`],
    ['an inner space', `ada ${uniqueTag(n++)}@example.com`],
    ['a leading space', ` ${email()}`],
    ['a no-break space (U+00A0)', `ada\u00a0${uniqueTag(n++)}@example.com`],
    ['a next-line (U+0085)', `ada\u0085${uniqueTag(n++)}@example.com`],
    ['an ideographic space (U+3000)', `ada\u3000${uniqueTag(n++)}@example.com`],
    ['a BOM (U+FEFF, not whitespace)', `\ufeff${email()}`],
    ['a NUL', `ada\u0000${uniqueTag(n++)}@example.com`],
    ['an escape (U+001B)', `ada\u001b${uniqueTag(n++)}@example.com`],
    ['a DEL (U+007F)', `${email()}\u007f`],
    ['non-ASCII letters', `ü${uniqueTag(n++)}@exämple.org`],
    [`exactly ${maxEmail} characters`, emailOfLength(maxEmail)],
    [`${maxEmail + 1} characters`, emailOfLength(maxEmail + 1)],
    // Astral characters: one code point each, two UTF-16 units, four UTF-8 bytes.
    [`exactly ${maxEmail} code points, astral`, emailOfLength(maxEmail, '😀')],
    [`${maxEmail + 1} code points, astral`, emailOfLength(maxEmail + 1, '😀')],
    // Combining characters: NFC would shorten these, the document counts them as sent.
    [
      `${maxEmail + 1} code points that NFC makes shorter`,
      (() => {
        const tag = uniqueTag(n++);
        const room = maxEmail + 1 - tag.length - domain.length;
        return `${tag}${'e\u0301'.repeat(Math.floor(room / 2))}${'a'.repeat(
          room % 2,
        )}${domain}`;
      })(),
    ],
  ];
  for (const [title, value] of emailCases)
    add(`email: ${title}`, { email: value, name: 'Ada' });

  // Name: length after trimming, from x-trimmed-length; the pattern in the document decides the verdict.
  const bounds = nameSchema['x-trimmed-length'];
  if (!bounds) throw new Error('name declares no x-trimmed-length');
  const min: number = bounds.minimum;
  const max: number = bounds.maximum;
  const nameCases: Array<[string, string]> = [
    ['empty', ''],
    ['whitespace only', '   '],
    ['Unicode whitespace only (U+00A0 U+3000)', '\u00a0\u3000'],
    [`exactly ${min} character`, 'A'.repeat(min)],
    [`exactly ${max} characters`, 'n'.repeat(max)],
    [`${max + 1} characters`, 'n'.repeat(max + 1)],
    [`${max} characters inside surrounding spaces`, `  ${'n'.repeat(max)}  `],
    [
      `${max} characters inside no-break and ideographic spaces`,
      `\u00a0${'n'.repeat(max)}\u3000`,
    ],
    [
      `${max + 1} characters inside surrounding spaces`,
      `  ${'n'.repeat(max + 1)}  `,
    ],
    [`${max} code points, astral`, '😀'.repeat(max)],
    [`${max + 1} code points, astral`, '😀'.repeat(max + 1)],
    [`${max} precomposed characters (NFD would double them)`, 'é'.repeat(max)],
    [
      `${max + 2} code points that NFC makes ${max / 2 + 1}`,
      'e\u0301'.repeat(max / 2 + 1),
    ],
    [`${max} code points of combining pairs`, 'e\u0301'.repeat(max / 2)],
    ['inner spaces kept', 'Ada  King, Countess of Lovelace'],
    ['a BOM (U+FEFF, not whitespace, kept)', '\ufeffAda'],
    ['a tab inside', 'Ada\tLovelace'],
    ['a trailing newline', 'Ada Lovelace\n'],
    ['a NUL', 'Ada\u0000'],
    ['a DEL (U+007F)', '\u007fAda'],
    ['a unit separator (U+001F)', 'Ada\u001fLovelace'],
  ];
  for (const [title, value] of nameCases)
    add(`name: ${title}`, { email: email(), name: value });
  return cases;
}

/** The decimal text form the document states for integer query parameters: ASCII digits, optionally signed. */
const DECIMAL = /^[+-]?[0-9]+$/;

/** The list cases: each integer query parameter at, inside and outside its bounds, and text that is no integer. */
export function queryCases(
  doc: OpenApiDocument,
  collection: string,
): RuleCase[] {
  const cases: RuleCase[] = [];
  const params = ['limit', 'offset'];
  const info = Object.fromEntries(
    params.map(name => {
      const { pointer, parameter } = doc.parameterSchemaPointer(
        'GET',
        collection,
        name,
      );
      const schema = parameter.schema;
      // 2^63 - 1 does not survive YAML's JavaScript numbers (it reads as 2^63): cap at the 64-bit maximum.
      const declared =
        schema.maximum === undefined ? INT64_MAX : BigInt(schema.maximum);
      const maximum = declared > INT64_MAX ? INT64_MAX : declared;
      return [
        name,
        { pointer, schema, minimum: BigInt(schema.minimum ?? 0), maximum },
      ];
    }),
  );
  for (const name of params) {
    const { schema, minimum, maximum, pointer } = info[name];
    const other = params.find(p => p !== name)!;
    const otherDefault = String(info[other].schema.default);
    const texts: Array<[string, string]> = [
      ['the minimum', String(minimum)],
      ['one below the minimum', String(minimum - 1n)],
      ['the maximum', String(maximum)],
      ['one past the maximum', String(maximum + 1n)],
      ['the default', String(schema.default)],
      ['empty', ''],
      ['a number in quotes', `"${schema.default}"`],
      ['a decimal fraction', `${minimum + 1n}.0`],
      ['an exponent', '1e1'],
      ['hexadecimal', '0x10'],
      ['a leading space', ` ${minimum + 1n}`],
      ['a plus sign', `+${minimum + 1n}`],
      ['a leading zero', `0${minimum + 1n}`],
      ['letters', 'ten'],
      ['twenty digits', '99999999999999999999'],
    ];
    for (const [title, text] of texts) {
      let verdict: RuleCase['expect'];
      let value: bigint | undefined;
      if (DECIMAL.test(text)) {
        value = BigInt(text);
        // Within the 64-bit range the schema decides; beyond it no integer of the document's type exists.
        const inRange = value >= -INT64_MAX - 1n && value <= INT64_MAX;
        const errors = inRange
          ? doc.validate(pointer, Number(value))
          : ['out of range'];
        const keepsBounds = inRange && value >= minimum && value <= maximum;
        verdict =
          errors.length === 0 && keepsBounds
            ? { status: 200 }
            : { status: 400, field: name };
      } else {
        verdict = { status: 400, field: name };
      }
      cases.push({
        title: `${name}: ${title} (${JSON.stringify(text)})`,
        method: 'GET',
        url: `${collection}?${name}=${encodeURIComponent(text)}`,
        expect: verdict,
        page:
          verdict.status === 200
            ? {
                limit: name === 'limit' ? String(value) : otherDefault,
                offset: name === 'offset' ? String(value) : otherDefault,
              }
            : undefined,
      });
    }
    cases.push({
      // Sent as written: a client that does not escape '%' must not get the default instead of an error.
      title: `${name}: a malformed percent-escape ("%ZZ")`,
      method: 'GET',
      url: `${collection}?${name}=%ZZ`,
      expect: { status: 400, field: name },
    });
    cases.push({
      title: `${name}: given twice`,
      method: 'GET',
      url: `${collection}?${name}=${minimum + 1n}&${name}=${minimum + 2n}`,
      expect: { status: 400, field: name },
    });
  }
  cases.push({
    title: 'neither given: the defaults',
    method: 'GET',
    url: collection,
    expect: { status: 200 },
    page: {
      limit: String(info.limit.schema.default),
      offset: String(info.offset.schema.default),
    },
  });
  return cases;
}

/** The get-by-id cases: ids the document's id rule accepts (unknown ⇒ 404) and ones it refuses (400 id). */
export function idCases(
  doc: OpenApiDocument,
  itemTemplate: string,
): RuleCase[] {
  const { pointer } = doc.parameterSchemaPointer('GET', itemTemplate, 'id');
  const unknown = '3f2c8a4e-9b1d-4c7e-8f6a-0d5e4b3c2a19';
  const texts: Array<[string, string]> = [
    ['canonical, lower case', unknown],
    ['canonical, upper case', unknown.toUpperCase()],
    ['without hyphens', unknown.replace(/-/g, '')],
    ['braced', `{${unknown}}`],
    ['URN', `urn:uuid:${unknown}`],
    ['one character short', unknown.slice(0, -1)],
    ['one character over', `${unknown}0`],
    ['a non-hex digit', `${unknown.slice(0, -1)}g`],
    ['not a UUID', 'not-a-uuid'],
  ];
  return texts.map(([title, text]) => ({
    title: `id: ${title}`,
    method: 'GET' as const,
    url: `${itemTemplate.replace('{id}', encodeURIComponent(text))}`,
    expect:
      doc.validate(pointer, text).length === 0
        ? { status: 404 }
        : { status: 400, field: 'id' },
  }));
}
