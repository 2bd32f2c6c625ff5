// An offline Amazon EventBridge event-pattern matcher, so tests can check the kit's rules (S3 "Object Created" /
// "Object Deleted" events filtered by bucket and key prefix) against real event shapes without calling
// TestEventPattern. No maintained npm package does this (the one that did, eb-patterns, is gone from the registry;
// serverless-offline-aws-eventbridge is a whole local bus, with express and mqtt, not a matcher).
//
// Semantics follow these pages, read 2026-12-02:
// - Amazon EventBridge User Guide, "Amazon EventBridge event patterns" / "Event pattern syntax" (every pattern field
//   must be in the event with the same nesting; values to match sit in arrays; fields not in the pattern are ignored)
// - "Content filtering in Amazon EventBridge event patterns" and its operator table, "Comparison operators for use in
//   event patterns in Amazon EventBridge" (prefix, suffix and their equals-ignore-case forms, anything-but with a
//   value, a list, prefix, suffix, equals-ignore-case or wildcard, numeric, cidr, exists, equals-ignore-case,
//   wildcard, $or; operators only work on leaf nodes, except $or and anything-but)
// - "Arrays in Amazon EventBridge event patterns" (an event array matches when it shares a value with the pattern's)
// - "Matching events on null values and empty strings in Amazon EventBridge" (null and "" are not interchangeable)
// Where the guide is silent (which inputs are rejected, how arrays of objects combine, wildcard escapes, which CIDR
// masks are allowed) this follows aws/event-ruler, the open-source matcher EventBridge's patterns come from: its
// README ("Wildcard matching", "Anything-but matching", "JSON Array Matching", "$or") and JsonRuleCompiler.java.
//
// Numbers: the guide limits numeric matching to 15 significant digits, six of them after the decimal point, so
// numbers are compared after rounding to six decimals (within the documented range).

type Scalar = string | number | boolean | null;
type PatternObject = Readonly<Record<string, unknown>>;

const OR = '$or';

/** The match expressions a pattern leaf may hold, as the guide's operator table lists them. */
const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr']);

// Event Ruler refuses these as field names inside $or, so that an operator misplaced there is not read as a field.
const RESERVED_IN_OR = new Set([...OPERATORS, 'exactly', '=', '<', '<=', '>', '>=']);

const ANYTHING_BUT_FORMS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);

/**
 * Whether `event` matches `pattern` as EventBridge would decide it.
 * @throws TypeError when the pattern is one EventBridge would reject (see {@link validateEventPattern}): a test that
 *   "passes" against a rule that could never be created would prove nothing.
 */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  const problems = validateEventPattern(pattern);
  if (problems.length > 0) throw new TypeError(`Invalid event pattern: ${problems.join('; ')}`);
  return matchFields(pattern as PatternObject, event, [event]);
}

/** Problems that would make EventBridge reject `pattern`; empty when it is valid. Each names the path it is at. */
export function validateEventPattern(pattern: unknown): string[] {
  const problems: string[] = [];
  if (!isPlainObject(pattern)) {
    problems.push('pattern must be a JSON object');
  } else {
    checkObject(pattern, '', false, problems);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Matching

/**
 * Matches the fields of `pattern` against `here`, one value of the event at this path. `everywhere` holds every
 * value the event has at this path across all array elements: `exists: false` must see the field absent from all
 * of them, while the other matchers must all hold within one array element (Event Ruler's "JSON Array Matching":
 * two fields never match from different elements of the same array).
 */
function matchFields(pattern: PatternObject, here: unknown, everywhere: readonly unknown[]): boolean {
  if (Array.isArray(here)) {
    // An empty array holds no fields at all, which only `exists: false` can match.
    if (here.length === 0) return matchFields(pattern, undefined, everywhere);
    return here.some((element) => matchFields(pattern, element, everywhere));
  }
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === OR) {
      if (!(sub as PatternObject[]).some((branch) => matchFields(branch, here, everywhere))) return false;
      continue;
    }
    const child = isPlainObject(here) && Object.hasOwn(here, key) ? here[key] : undefined;
    const childEverywhere = everywhere.flatMap((value) => childrenOf(value, key));
    const matched = Array.isArray(sub)
      ? matchLeaf(sub, child, childEverywhere)
      : matchFields(sub as PatternObject, child, childEverywhere);
    if (!matched) return false;
  }
  return true;
}

function childrenOf(value: unknown, key: string): unknown[] {
  if (Array.isArray(value)) return value.flatMap((element) => childrenOf(element, key));
  return isPlainObject(value) && Object.hasOwn(value, key) ? [value[key]] : [];
}

/** A pattern leaf (an array of values, OR-ed) against the event value at the same path. */
function matchLeaf(matchers: readonly unknown[], here: unknown, everywhere: readonly unknown[]): boolean {
  const values = leavesOf(here);
  return matchers.some((matcher) => {
    if (isPlainObject(matcher) && matcher.exists === false) return everywhere.every((value) => leavesOf(value).length === 0);
    return values.some((value) => matchValue(matcher, value));
  });
}

/**
 * The scalar values at a path. An object is not a leaf (the guide: `{ "exists": false }` still matches when the
 * field holds an object), and an array contributes each of its scalars.
 */
function leavesOf(value: unknown): Scalar[] {
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [value];
  return [];
}

function matchValue(matcher: unknown, value: Scalar): boolean {
  if (!isPlainObject(matcher)) {
    // Exact values match by JSON type: "300" is not 300, and "" is not null.
    if (typeof matcher === 'number') return typeof value === 'number' && comparable(value) === comparable(matcher);
    return value === matcher;
  }
  const [op, arg] = Object.entries(matcher)[0];
  const text = typeof value === 'string' ? value : undefined;
  switch (op) {
    case 'prefix':
      return text !== undefined && affix(arg, text, (s, p) => s.startsWith(p));
    case 'suffix':
      return text !== undefined && affix(arg, text, (s, p) => s.endsWith(p));
    case 'equals-ignore-case':
      return text !== undefined && fold(text) === fold(arg as string);
    case 'wildcard':
      return text !== undefined && wildcardMatches(arg as string, text);
    case 'numeric':
      return typeof value === 'number' && numericMatches(arg as readonly unknown[], value);
    case 'cidr':
      return text !== undefined && cidrContains(arg as string, text);
    case 'exists':
      return true; // `exists: true` is met by any leaf value; `false` is handled in matchLeaf
    case 'anything-but':
      return !anythingButExcludes(arg, value);
    default:
      return false; // unreachable: validateEventPattern refuses other operators
  }
}

/** prefix / suffix take a string or `{ "equals-ignore-case": string }`. */
function affix(arg: unknown, text: string, test: (s: string, part: string) => boolean): boolean {
  if (typeof arg === 'string') return test(text, arg);
  return test(fold(text), fold((arg as PatternObject)['equals-ignore-case'] as string));
}

/**
 * Whether anything-but's argument names `value`. Anything-but matches every other present value of any JSON type:
 * a string list does not exclude numbers, and the prefix/suffix/wildcard/ignore-case forms only exclude strings.
 */
function anythingButExcludes(arg: unknown, value: Scalar): boolean {
  if (isPlainObject(arg)) {
    if (typeof value !== 'string') return false;
    const [form, operand] = Object.entries(arg)[0];
    const parts = typeof operand === 'string' ? [operand] : (operand as string[]);
    switch (form) {
      case 'prefix':
        return parts.some((p) => value.startsWith(p));
      case 'suffix':
        return parts.some((p) => value.endsWith(p));
      case 'equals-ignore-case':
        return parts.some((p) => fold(p) === fold(value));
      default:
        return parts.some((p) => wildcardMatches(p, value));
    }
  }
  const excluded = Array.isArray(arg) ? arg : [arg];
  if (typeof value === 'number') return excluded.some((e) => typeof e === 'number' && comparable(e) === comparable(value));
  return excluded.some((e) => e === value);
}

function fold(s: string): string {
  return s.toLowerCase();
}

/** Rounds to the six decimal places the guide documents, so 3.018e2 and 301.8000000001 compare equal. */
function comparable(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function numericMatches(terms: readonly unknown[], value: number): boolean {
  const v = comparable(value);
  for (let i = 0; i < terms.length; i += 2) {
    const bound = comparable(terms[i + 1] as number);
    const holds: Readonly<Record<string, boolean>> = { '=': v === bound, '<': v < bound, '<=': v <= bound, '>': v > bound, '>=': v >= bound };
    if (!holds[terms[i] as string]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Wildcard: `*` matches any run of characters (none included); `\*` is a literal asterisk and `\\` a backslash.

type WildcardToken = string | typeof STAR;
const STAR = Symbol('*');

/** The wildcard's tokens, or the reason Event Ruler's parser refuses it. */
function parseWildcard(pattern: string): WildcardToken[] | string {
  const tokens: WildcardToken[] = [];
  let literal = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') return `consecutive wildcard characters at position ${i}`;
      if (literal) tokens.push(literal);
      literal = '';
      tokens.push(STAR);
    } else if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') return `invalid escape at position ${i} (only \\* and \\\\ are allowed)`;
      literal += next;
      i++;
    } else {
      literal += c;
    }
  }
  if (literal) tokens.push(literal);
  return tokens;
}

function wildcardMatches(pattern: string, text: string): boolean {
  const tokens = parseWildcard(pattern) as WildcardToken[];
  if (tokens.length === 0) return text === '';
  // Literal runs separated by stars: the first is anchored at the start, the last at the end, and the ones between
  // are taken leftmost-first, which is exact when `*` is the only metacharacter.
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  let start = 0;
  let end = text.length;
  let inner = tokens;
  if (typeof first === 'string') {
    if (!text.startsWith(first)) return false;
    start = first.length;
    inner = inner.slice(1);
  }
  if (tokens.length === 1 && typeof first === 'string') return text === first;
  if (typeof last === 'string') {
    if (end - last.length < start || !text.endsWith(last)) return false;
    end -= last.length;
    inner = inner.slice(0, -1);
  }
  for (const token of inner) {
    if (token === STAR) continue;
    const at = text.indexOf(token, start);
    if (at < 0 || at + token.length > end) return false;
    start = at + token.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// IP addresses (IPv4 and IPv6, as the guide's "IP address matching" says)

interface Address {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

function parseIp(text: string): Address | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const octets = text.split('.').map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return { bits: 32, value: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n) };
  }
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split('::').length > 2) return undefined;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined): string[] => (s ? s.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { bits: 128, value: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** The CIDR's address and mask, or the reason it is refused (Event Ruler's CIDR.cidr). */
function parseCidr(cidr: string): { address: Address; mask: number } | string {
  const parts = cidr.split('/');
  if (parts.length !== 2) return 'malformed CIDR: exactly one "/" is required';
  if (!/^\d+$/.test(parts[1])) return 'malformed CIDR: mask bits must be a non-negative integer';
  const address = parseIp(parts[0]);
  if (!address) return `malformed CIDR: "${parts[0]}" is not an IPv4 or IPv6 address`;
  const mask = Number(parts[1]);
  // Event Ruler refuses a full-length mask (/32, /128): an exact address is matched as a plain string instead.
  if (mask >= address.bits) return `IPv${address.bits === 32 ? 4 : 6} mask bits must be < ${address.bits}`;
  return { address, mask };
}

function cidrContains(cidr: string, text: string): boolean {
  const range = parseCidr(cidr) as { address: Address; mask: number };
  const ip = parseIp(text);
  if (!ip || ip.bits !== range.address.bits) return false;
  const shift = BigInt(ip.bits - range.mask);
  return ip.value >> shift === range.address.value >> shift;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation: what EventBridge refuses when a rule is created (messages after Event Ruler's JsonRuleCompiler).

function checkObject(node: PatternObject, path: string, inOr: boolean, problems: string[]): void {
  const entries = Object.entries(node);
  if (entries.length === 0) problems.push(`${where(path)}: empty objects are not allowed`);
  for (const [key, value] of entries) {
    const at = path ? `${path}.${key}` : key;
    if (key === OR) {
      checkOr(value, at, problems, path);
      continue;
    }
    if (inOr && RESERVED_IN_OR.has(key)) problems.push(`${at}: "${key}" is reserved and cannot be a field name inside $or`);
    if (Array.isArray(value)) {
      checkLeaf(value, at, problems);
    } else if (isPlainObject(value)) {
      checkObject(value, at, inOr, problems);
    } else {
      problems.push(`${at}: must be an object or an array (a leaf's values are always in an array)`);
    }
  }
}

function checkOr(value: unknown, at: string, problems: string[], parent: string): void {
  if (!Array.isArray(value)) {
    problems.push(`${at}: $or must be followed by an array`);
    return;
  }
  if (value.length < 2) problems.push(`${at}: $or needs at least 2 objects`);
  value.forEach((branch, i) => {
    if (isPlainObject(branch)) checkObject(branch, parent, true, problems);
    else problems.push(`${at}[${i}]: only JSON objects are allowed in $or`);
  });
}

function checkLeaf(values: readonly unknown[], at: string, problems: string[]): void {
  if (values.length === 0) problems.push(`${at}: empty arrays are not allowed`);
  values.forEach((value, i) => {
    if (isPlainObject(value)) {
      checkMatcher(value, `${at}[${i}]`, problems);
    } else if (!(value === null || ['string', 'number', 'boolean'].includes(typeof value))) {
      problems.push(`${at}[${i}]: a match value must be a string, number, true, false, null or a match expression`);
    } else if (typeof value === 'number' && !Number.isFinite(value)) {
      problems.push(`${at}[${i}]: ${value} is not a JSON number`);
    }
  });
}

function checkMatcher(expr: PatternObject, at: string, problems: string[]): void {
  const entries = Object.entries(expr);
  if (entries.length !== 1) {
    problems.push(`${at}: a match expression has exactly one key, found ${entries.length}`);
    return;
  }
  const [op, arg] = entries[0];
  const fail = (message: string): void => {
    problems.push(`${at}: ${message}`);
  };
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string') return;
      if (isPlainObject(arg) && Object.keys(arg).length === 1 && typeof arg['equals-ignore-case'] === 'string') return;
      return fail(`${op} takes a string or { "equals-ignore-case": string }`);
    case 'equals-ignore-case':
      if (typeof arg !== 'string') fail('equals-ignore-case takes a string');
      return;
    case 'wildcard':
      return checkWildcard(arg, fail);
    case 'exists':
      if (typeof arg !== 'boolean') fail('exists takes true or false');
      return;
    case 'cidr': {
      if (typeof arg !== 'string') return fail('cidr takes a string');
      const parsed = parseCidr(arg);
      if (typeof parsed === 'string') fail(parsed);
      return;
    }
    case 'numeric':
      return checkNumeric(arg, fail);
    case 'anything-but':
      return checkAnythingBut(arg, fail);
    default:
      return fail(`unknown operator "${op}" (known: ${[...OPERATORS].join(', ')})`);
  }
}

function checkWildcard(arg: unknown, fail: (message: string) => void): void {
  if (typeof arg !== 'string') return fail('wildcard takes a string');
  const parsed = parseWildcard(arg);
  if (typeof parsed === 'string') fail(`wildcard "${arg}": ${parsed}`);
}

function checkNumeric(arg: unknown, fail: (message: string) => void): void {
  if (!Array.isArray(arg)) return fail('numeric takes an array such as [">", 0, "<=", 5]');
  const [op1, v1, op2, v2] = arg as unknown[];
  const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (typeof op1 !== 'string' || !['=', '<', '<=', '>', '>='].includes(op1)) return fail(`numeric: unknown operator ${JSON.stringify(op1)}`);
  if (!isNum(v1)) return fail(`numeric: the value of ${op1} must be a number`);
  if (arg.length === 2) return;
  // Only a lower bound may be followed by an upper one: [">" | ">=", low, "<" | "<=", high].
  if (arg.length !== 4 || !(op1 === '>' || op1 === '>=')) return fail('numeric: too many elements');
  if (typeof op2 !== 'string' || !['<', '<='].includes(op2)) return fail(`numeric: bad range operator ${JSON.stringify(op2)}`);
  if (!isNum(v2)) return fail(`numeric: the value of ${op2} must be a number`);
  if (comparable(v1) >= comparable(v2)) fail('numeric: the lower bound must be less than the upper bound');
}

function checkAnythingBut(arg: unknown, fail: (message: string) => void): void {
  if (typeof arg === 'string' || (typeof arg === 'number' && Number.isFinite(arg))) return;
  if (Array.isArray(arg)) {
    const strings = arg.every((v) => typeof v === 'string');
    const numbers = arg.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (arg.length === 0 || !(strings || numbers)) fail('anything-but list must hold only strings or only numbers');
    return;
  }
  if (!isPlainObject(arg)) return fail('anything-but takes a string, a number, a list, or one of prefix, suffix, equals-ignore-case, wildcard');
  const entries = Object.entries(arg);
  if (entries.length !== 1 || !ANYTHING_BUT_FORMS.has(entries[0][0])) {
    return fail(`anything-but object takes exactly one of ${[...ANYTHING_BUT_FORMS].join(', ')}`);
  }
  const [form, operand] = entries[0];
  const operands = typeof operand === 'string' ? [operand] : operand;
  if (!Array.isArray(operands) || !operands.every((v) => typeof v === 'string')) {
    return fail(`anything-but ${form} takes a string or a list of strings`);
  }
  for (const s of operands as string[]) {
    if ((form === 'prefix' || form === 'suffix') && s === '') fail(`anything-but ${form}: an empty ${form} is not allowed`);
    if (form === 'wildcard') checkWildcard(s, fail);
  }
}

function where(path: string): string {
  return path || '(pattern)';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
