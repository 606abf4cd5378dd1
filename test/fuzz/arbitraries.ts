/**
 * Generators for the parser fuzzer: hostile text of every kind a client can send (any
 * code unit including lone surrogates, broken %-escapes, numbers near every limit, deep
 * JSON), and one fixed seed, printed by every fuzz suite, so a failure replays exactly.
 */
import fc from 'fast-check';

/** The fuzzer's seed: fixed so `npm test` is repeatable; RESTMQ_FUZZ_SEED explores others. */
export const FUZZ_SEED = Number(process.env.RESTMQ_FUZZ_SEED ?? 20_261_130);

/** fast-check settings shared by every property: the fixed seed and a bounded run count. */
export function runs(numRuns: number): { seed: number; numRuns: number } {
  return { seed: FUZZ_SEED, numRuns };
}

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Text that is near a limit or a parser's edge: numbers, signs, exponents, key shapes. */
const edgyText = fc.constantFrom(
  '', ' ', '0', '00', '1', '-1', '+1', '1.5', '1e3', '0x10', 'NaN', 'Infinity', '20', '21', '100', '101', '300', '301',
  '43200', '43201', '604800', '604801', '31536000', '31536001', '9999999999', '99999999999', '18446744073709551616',
  'true', 'false', 'null', 'start', 'stop', 'stopped', 'broadcast', 'roundrobin', 'fz:1', 'fz:0', 'fz:01', 'fz:',
  ':1', 'fz-other:1', 'a'.repeat(129), '__proto__', 'constructor', 'toString', '%', '%%', '%ZZ', '%FF', '%C3', '%E2%82',
  '%ED%A0%80', '\uD800', '\uDFFF', '\u0000', '\uFEFF', '\u{1F600}', 'x'.repeat(1000),
);

/** Any string: printable, any code unit, or a known edge. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit }),
  edgyText,
  fc.integer().map(String),
  fc.double().map(String),
);

/** JSON text nested `levels` deep, as arrays or objects. */
export function nestedJson(levels: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(levels) + ']'.repeat(levels) : '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/** Nesting around the bound (100) and far past it. */
const deepJson = fc
  .tuple(fc.oneof(fc.integer({ min: 95, max: 105 }), fc.constantFrom(1000, 100_000)), fc.constantFrom('array' as const, 'object' as const))
  .map(([levels, kind]) => nestedJson(levels, kind));

/** Any JSON value a client could send, lone surrogates in strings included. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.anything({ maxDepth: 3, values: [anyText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)] }),
  anyText,
);

const COMMANDS = ['add', 'get', 'take', 'del', 'lease', 'ack', 'release', 'extend'] as const;

/** A JSON protocol command object: known commands with fields of any value. */
export function command(queues: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  const field = fc.oneof(anyJsonValue, edgyText);
  return fc.record(
    {
      cmd: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...COMMANDS) }, { weight: 1, arbitrary: anyJsonValue }),
      queue: fc.oneof({ weight: 3, arbitrary: queues }, { weight: 1, arbitrary: anyJsonValue }),
      value: anyJsonValue,
      key: fc.oneof(queues.map((q) => `${q}:1`), field),
      ttl: field,
      delay: field,
      dedup: field,
      lease: field,
      n: field,
      receipt: field,
    },
    { requiredKeys: ['cmd'] },
  );
}

/** The text of a command frame or `/queue` body: a command, any JSON, deep JSON, or garbage. */
export function commandText(queues: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: command(queues).map((c) => JSON.stringify(c)) },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: queues.chain((q) => deepJson.map((d) => `{"cmd":"add","queue":"${q}","value":${d}}`)) },
    { weight: 1, arbitrary: anyText },
  );
}

/** A batch body: arrays of values and entry objects, deep JSON, or anything else. */
export const batchText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.oneof(
          anyJsonValue,
          fc.record({ value: anyJsonValue, ttl: anyJsonValue, delay: anyJsonValue, dedup: anyJsonValue, other: anyJsonValue }, { requiredKeys: [] }),
        ),
        { maxLength: 8 },
      )
      .map((entries) => JSON.stringify(entries)),
  },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: deepJson.map((d) => `["a", ${d}]`) },
  { weight: 1, arbitrary: anyText },
);

/** Percent-encodes every UTF-8 byte of `text` (lone surrogates become U+FFFD, as any client sends them). */
function encodeAll(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/** Printable ASCII as it may stand raw in a URL, with stray and broken escapes mixed in. */
const urlish = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`),
      fc.constantFrom('%', '%Z', '%ZZ', '+', '&', '=', '%2F', '%3F', '%00'),
    ),
    { maxLength: 24 },
  )
  .map((parts) => parts.join(''));

/** One url-encoded component: any text encoded properly, or raw URL-ish characters. */
export const urlComponent: fc.Arbitrary<string> = fc.oneof(anyText.map((t) => encodeURIComponentLoose(t)), urlish);

/** encodeURIComponent, but for text with lone surrogates too (which it refuses). */
function encodeURIComponentLoose(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeAll(text);
  }
}

/** Argument names RestMQ reads, and some it does not. */
export const PARAMETERS = [
  'value', 'msg', 'queue', 'ttl', 'delay', 'dedup', 'peek', 'n', 'lease', 'wait', 'callback', 'since', 'heartbeat',
  'receipt', 'policy', 'status', 'body', 'drop',
] as const;

/** Url-encoded text (a query string or a form body) over RestMQ's argument names. */
export const urlEncoded: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PARAMETERS) }, { weight: 1, arbitrary: urlComponent }),
          fc.oneof({ weight: 2, arbitrary: edgyText.map(encodeURIComponentLoose) }, { weight: 2, arbitrary: urlComponent }, fc.constant(null)),
        ),
        { maxLength: 6 },
      )
      .map((pairs) => pairs.map(([name, value]) => (value === null ? name : `${name}=${value}`)).join('&')),
  },
  { weight: 1, arbitrary: urlish },
);

/** A queue name as it may appear in a path: valid, unicode, encoded slashes, or raw URL text. */
export function pathQueue(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 1, arbitrary: anyText.map(encodeURIComponentLoose) },
    { weight: 1, arbitrary: urlish.filter((s) => !s.includes('?') && !s.includes('#')) },
    { weight: 1, arbitrary: fc.constantFrom('a%2Fb', '..', '.', '%2E%2E', 'a'.repeat(129), 'a'.repeat(2000), '%', '%FF') },
  );
}

/** Content types: the accepted ones in any case and with parameters, others, or garbage. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(
    'application/json', 'APPLICATION/JSON', 'Application/Json; charset=utf-8', 'application/json;charset=latin1',
    'text/plain', 'TEXT/PLAIN', 'text/plain; charset=utf-8', 'application/octet-stream', 'Application/Octet-Stream',
    'application/x-www-form-urlencoded', 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/x-www-form-urlencoded; charset=UTF-8',
    'multipart/form-data; boundary=x', 'application/xml', 'text/html', 'application/jsonx', 'json', '/', ';', '*/*',
  ),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constant(undefined),
);

/** A request body: text, JSON, a form, raw bytes, or none. */
export function body(queues: fc.Arbitrary<string>): fc.Arbitrary<Buffer | undefined> {
  return fc.oneof(
    urlEncoded.map((t) => Buffer.from(t)),
    commandText(queues).map((t) => Buffer.from(t)),
    batchText.map((t) => Buffer.from(t)),
    anyText.map((t) => Buffer.from(t)),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    fc.constant(undefined),
  );
}

/** Printable header text (node refuses control characters in header values). */
export const headerText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 140 }),
  edgyText.filter((t) => /^[\x20-\x7e]*$/.test(t)),
);
