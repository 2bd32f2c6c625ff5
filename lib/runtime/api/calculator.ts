// A calculator the generative API offers models as a Bedrock Converse tool, because models are bad at exact
// arithmetic. Expressions are tokenized and parsed by hand (no eval, no Function) and evaluated exactly over
// rationals with BigInt numerator and denominator, so 0.1 + 0.2 is 0.3 and 2^200 keeps all of its digits.
//
// Grammar, loosest binding first (the conventions of mathematics and Python):
//   expression := term (('+' | '-') term)*            left-associative
//   term       := unary (('*' | '/' | '%') unary)*    left-associative: 8/4/2 = 1
//   unary      := ('+' | '-') unary | power           signs bind looser than powers: -2^2 = -4, (-2)^2 = 4
//   power      := primary (('^' | '**') unary)?       right-associative: 2^3^2 = 2^9; 2^-1 parses (then fails)
//   primary    := number | '(' expression ')'
//   number     := digits ['.' [digits]] | '.' digits, then optionally [eE] [+-] digits    (1.5e3, .5, 5.)
// `a % b` needs integers and takes the sign of `a`, as in JavaScript and C: -7 % 3 = -1, 7 % -3 = 1.
// `a ^ b` needs an integer 0 <= b <= 1000; 0^0 = 1.
// Positions in error messages are 0-based offsets into the expression (UTF-16 code units).
// Only types are imported from the AWS SDK: nothing of it ends up in the bundle.
import type { Tool } from '@aws-sdk/client-bedrock-runtime';

/** The limits the calculator enforces; exceeding one throws a CalculatorError. */
export const CALCULATOR_LIMITS = Object.freeze({
  /** Characters in an expression. */
  maxLength: 1000,
  /** Nesting of parentheses, signs and chained powers. */
  maxDepth: 100,
  /** Largest power exponent. */
  maxExponent: 1000,
  /** Decimal digits of any numerator or denominator, in literals and in every intermediate result. */
  maxDigits: 1000,
  /** Significant digits of `value` when the result has no finite decimal form. */
  significantDigits: 30,
});

/**
 * What `evaluateExpression` returns, and the `json` of a successful tool result.
 * - `value`: the result in decimal. Exact when the reduced denominator has no prime factors but 2 and 5
 *   (all integers, 0.3, 0.125), written out in full without exponent. Otherwise rounded (half away from
 *   zero) to 30 significant digits, in plain notation when 1e-6 <= |value| < 1e30 (e.g. '0.333…333',
 *   '1.00000000000000000000000000000'), else in scientific notation ('3.33333333333333333333333333333e+39').
 * - `exact` and `repeating: true`, only when `value` is rounded: the exact result as the reduced fraction
 *   'p/q' (the sign on p, e.g. '-1/3').
 */
export type CalculatorResult = {
  value: string;
  exact?: string;
  repeating?: true;
};

/** A rejected expression: the message says what and where, for a model to read and retry. */
export class CalculatorError extends Error {
  constructor(
    message: string,
    /** 0-based offset in the expression the error refers to, when there is one. */
    readonly position?: number,
  ) {
    super(message);
    this.name = 'CalculatorError';
  }
}

// ---- Exact rationals -------------------------------------------------------------------------------------

/** n/d in lowest terms with d > 0. */
interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

const ZERO: Rational = { n: 0n, d: 1n };
const DIGITS_BOUND = 10n ** BigInt(CALCULATOR_LIMITS.maxDigits);
/** 10^maxDigits < 2^LOG2_BOUND, used to refuse a power before computing it. */
const LOG2_BOUND = Math.ceil(CALCULATOR_LIMITS.maxDigits * Math.log2(10));

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** The error for a numerator (`large`) or denominator (`small`) over the digit limit. */
function tooManyDigits(what: 'large' | 'small', at: number, subject: string): CalculatorError {
  const max = CALCULATOR_LIMITS.maxDigits;
  return new CalculatorError(what === 'large'
    ? `number too large at ${at}: ${subject} has more than ${max} digits`
    : `number too small at ${at}: ${subject} needs more than ${max} digits after the decimal point`, at);
}

/** n/d reduced, with the digit limits checked; `at` and `subject` name what is blamed if one is exceeded. */
function rational(n: bigint, d: bigint, at: number, subject = 'the result'): Rational {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(abs(n), d);
  if (g !== 1n) [n, d] = [n / g, d / g];
  if (abs(n) >= DIGITS_BOUND) throw tooManyDigits('large', at, subject);
  if (d >= DIGITS_BOUND) throw tooManyDigits('small', at, subject);
  return { n, d };
}

function show(r: Rational): string {
  return r.d === 1n ? r.n.toString() : `${r.n}/${r.d}`;
}

/** x^e, refused before it is computed when |x| >= 2^(4(h-1)) with h hex digits makes it surely too large. */
function powerOf(x: bigint, e: bigint, at: number, what: 'large' | 'small'): bigint {
  const lowerLog2 = 4 * (abs(x).toString(16).length - 1);
  if (lowerLog2 * Number(e) >= LOG2_BOUND) throw tooManyDigits(what, at, 'the power');
  return x ** e;
}

type Operator = '+' | '-' | '*' | '/' | '%' | '^';

function apply(op: Operator, a: Rational, b: Rational, at: number): Rational {
  switch (op) {
    case '+': return rational(a.n * b.d + b.n * a.d, a.d * b.d, at);
    case '-': return rational(a.n * b.d - b.n * a.d, a.d * b.d, at);
    case '*': return rational(a.n * b.n, a.d * b.d, at);
    case '/':
      if (b.n === 0n) throw new CalculatorError(`division by zero at ${at}`, at);
      return rational(a.n * b.d, a.d * b.n, at);
    case '%':
      if (a.d !== 1n || b.d !== 1n) throw new CalculatorError(`modulo needs integers at ${at}: got ${show(a)} % ${show(b)}`, at);
      if (b.n === 0n) throw new CalculatorError(`modulo by zero at ${at}`, at);
      return rational(a.n % b.n, 1n, at);
    case '^': {
      if (b.d !== 1n || b.n < 0n) throw new CalculatorError(`exponent must be a non-negative integer at ${at}: got ${show(b)}`, at);
      if (b.n > BigInt(CALCULATOR_LIMITS.maxExponent)) {
        throw new CalculatorError(`exponent too large at ${at}: ${b.n} (the limit is ${CALCULATOR_LIMITS.maxExponent})`, at);
      }
      return rational(powerOf(a.n, b.n, at, 'large'), powerOf(a.d, b.n, at, 'small'), at, 'the power');
    }
  }
}

// ---- Tokens ----------------------------------------------------------------------------------------------

type TokenKind = 'number' | Operator | '(' | ')' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
}

const SINGLE: Readonly<Record<string, TokenKind>> = { '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '^': '^', '(': '(', ')': ')' };
/** A run of characters that starts a number, greedy enough that '1.2.3' and '1e' are reported whole. */
const NUMBER_RUN = /[0-9.]+(?:[eE][+-]?[0-9.eE]*)?/y;
const NUMBER = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const WHITESPACE = /\s/;
const HINTS: Readonly<Record<string, string>> = {
  '×': "; use '*' to multiply", '·': "; use '*' to multiply", '÷': "; use '/' to divide", '−': "; use '-' to subtract",
  ',': '; write numbers without thousands separators, with \'.\' as the decimal point',
};
const SUPPORTED = 'numbers, + - * / % ^ ** and parentheses';

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (WHITESPACE.test(c)) {
      i++;
    } else if ((c >= '0' && c <= '9') || c === '.') {
      NUMBER_RUN.lastIndex = i;
      const text = NUMBER_RUN.exec(source)![0];
      const parts = NUMBER.exec(text);
      if (!parts || (parts[1] === '' && !parts[2])) throw new CalculatorError(`malformed number '${text}' at ${i}`, i);
      tokens.push({ kind: 'number', text, pos: i });
      i += text.length;
    } else if (c === '*' && source[i + 1] === '*') {
      tokens.push({ kind: '^', text: '**', pos: i });
      i += 2;
    } else if (Object.hasOwn(SINGLE, c)) {
      tokens.push({ kind: SINGLE[c], text: c, pos: i });
      i++;
    } else {
      const char = String.fromCodePoint(source.codePointAt(i)!);
      throw new CalculatorError(`unsupported character '${char}' at ${i}${HINTS[char] ?? `; only ${SUPPORTED} are allowed`}`, i);
    }
  }
  tokens.push({ kind: 'end', text: '', pos: source.length });
  return tokens;
}

/** The exact value of a literal that passed NUMBER, refused before any huge power of ten is built. */
function literal(token: Token): Rational {
  const [, whole, fraction = '', exponent = '0'] = NUMBER.exec(token.text)!;
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return ZERO;
  // Number('1' + 400 zeros) is Infinity, which the checks below refuse like any too-large exponent.
  let scale = Number(exponent) - fraction.length;
  const significant = digits.replace(/0+$/, '');
  scale += digits.length - significant.length;
  digits = significant;
  const max = CALCULATOR_LIMITS.maxDigits;
  const subject = `'${token.text}'`;
  if (scale >= 0) {
    if (digits.length + scale > max) throw tooManyDigits('large', token.pos, subject);
    return rational(BigInt(digits) * 10n ** BigInt(scale), 1n, token.pos, subject);
  }
  // The reduced denominator is at least 10^(-scale) / digits.
  if (-scale - digits.length >= max) throw tooManyDigits('small', token.pos, subject);
  return rational(BigInt(digits), 10n ** BigInt(-scale), token.pos, subject);
}

// ---- Parser ----------------------------------------------------------------------------------------------

type Node =
  | { readonly kind: 'number'; readonly value: Rational }
  | { readonly kind: 'negate'; readonly operand: Node }
  | { readonly kind: 'binary'; readonly op: Operator; readonly left: Node; readonly right: Node; readonly pos: number };

function describe(token: Token): string {
  return token.kind === 'number' ? `number '${token.text}'` : `'${token.text}'`;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): Node {
    if (this.peek().kind === 'end') throw new CalculatorError('empty expression', 0);
    const node = this.expression();
    const next = this.peek();
    if (next.kind !== 'end') {
      const hint = next.kind === ')' ? 'no matching \'(\'' : 'expected an operator';
      throw this.unexpected(next, hint);
    }
    return node;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    return this.tokens[this.index++];
  }

  private unexpected(token: Token, hint: string): CalculatorError {
    if (token.kind === 'end') return new CalculatorError(`unexpected end of expression: ${hint}`, token.pos);
    return new CalculatorError(`unexpected ${describe(token)} at ${token.pos}: ${hint}`, token.pos);
  }

  private enter(token: Token): void {
    if (++this.depth > CALCULATOR_LIMITS.maxDepth) {
      throw new CalculatorError(
        `expression nested too deeply at ${token.pos}: more than ${CALCULATOR_LIMITS.maxDepth} levels of parentheses, signs or powers`, token.pos);
    }
  }

  private expression(): Node {
    let left = this.term();
    for (let t = this.peek(); t.kind === '+' || t.kind === '-'; t = this.peek()) {
      this.index++;
      left = { kind: 'binary', op: t.kind, left, right: this.term(), pos: t.pos };
    }
    return left;
  }

  private term(): Node {
    let left = this.unary();
    for (let t = this.peek(); t.kind === '*' || t.kind === '/' || t.kind === '%'; t = this.peek()) {
      this.index++;
      left = { kind: 'binary', op: t.kind, left, right: this.unary(), pos: t.pos };
    }
    return left;
  }

  private unary(): Node {
    const t = this.peek();
    if (t.kind !== '+' && t.kind !== '-') return this.power();
    this.index++;
    this.enter(t);
    const operand = this.unary();
    this.depth--;
    return t.kind === '-' ? { kind: 'negate', operand } : operand;
  }

  private power(): Node {
    const base = this.primary();
    const t = this.peek();
    if (t.kind !== '^') return base;
    this.index++;
    this.enter(t);
    const exponent = this.unary();
    this.depth--;
    return { kind: 'binary', op: '^', left: base, right: exponent, pos: t.pos };
  }

  private primary(): Node {
    const t = this.next();
    if (t.kind === 'number') return { kind: 'number', value: literal(t) };
    if (t.kind !== '(') throw this.unexpected(t, 'expected a number or \'(\'');
    this.enter(t);
    const inner = this.expression();
    const close = this.next();
    if (close.kind !== ')') throw this.unexpected(close, `expected ')' to close the '(' at ${t.pos}`);
    this.depth--;
    return inner;
  }
}

// ---- Evaluation and output -------------------------------------------------------------------------------

function evaluate(node: Node): Rational {
  switch (node.kind) {
    case 'number': return node.value;
    case 'negate': {
      const v = evaluate(node.operand);
      return { n: -v.n, d: v.d };
    }
    case 'binary': {
      const left = evaluate(node.left);
      return apply(node.op, left, evaluate(node.right), node.pos);
    }
  }
}

/** The decimal digits after the point when d = 2^a 5^b (max(a, b) of them), else undefined. */
function finiteDecimalPlaces(d: bigint): number | undefined {
  let twos = 0;
  let fives = 0;
  while (d % 2n === 0n) [d, twos] = [d / 2n, twos + 1];
  while (d % 5n === 0n) [d, fives] = [d / 5n, fives + 1];
  return d === 1n ? Math.max(twos, fives) : undefined;
}

/** |n|/d (not 0) rounded half away from zero to `digits` significant digits: the digits and the exponent. */
function roundSignificant(n: bigint, d: bigint, digits: number): { digits: string; exponent: number } {
  n = abs(n);
  // 10^exponent <= n/d < 10^(exponent + 1): first estimate from the lengths, then correct by one.
  let exponent = n.toString().length - d.toString().length;
  const atLeast = (e: number) => (e >= 0 ? n >= d * 10n ** BigInt(e) : n * 10n ** BigInt(-e) >= d);
  if (!atLeast(exponent)) exponent--;
  const shift = digits - 1 - exponent;
  const [num, den] = shift >= 0 ? [n * 10n ** BigInt(shift), d] : [n, d * 10n ** BigInt(-shift)];
  let q = num / den;
  if (2n * (num % den) >= den) q++;
  if (q === 10n ** BigInt(digits)) [q, exponent] = [q / 10n, exponent + 1];
  return { digits: q.toString(), exponent };
}

function format(r: Rational): CalculatorResult {
  const sign = r.n < 0n ? '-' : '';
  const places = finiteDecimalPlaces(r.d);
  if (places !== undefined) {
    if (places === 0) return { value: r.n.toString() };
    const scaled = (abs(r.n) * (10n ** BigInt(places) / r.d)).toString().padStart(places + 1, '0');
    const point = scaled.length - places;
    return { value: `${sign}${scaled.slice(0, point)}.${scaled.slice(point)}` };
  }
  const { digits, exponent } = roundSignificant(r.n, r.d, CALCULATOR_LIMITS.significantDigits);
  let value: string;
  if (exponent >= CALCULATOR_LIMITS.significantDigits || exponent < -6) {
    value = `${digits[0]}.${digits.slice(1)}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
  } else if (exponent >= 0) {
    const point = exponent + 1;
    value = point === digits.length ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
  } else {
    value = `0.${'0'.repeat(-exponent - 1)}${digits}`;
  }
  return { value: sign + value, exact: show(r), repeating: true };
}

/**
 * Evaluates an arithmetic expression exactly (see the grammar at the top of this file).
 * Throws CalculatorError on malformed or unsupported input, division or modulo by zero, a bad exponent, or
 * any limit in CALCULATOR_LIMITS exceeded.
 */
export function evaluateExpression(expression: string): CalculatorResult {
  if (expression.length > CALCULATOR_LIMITS.maxLength) {
    throw new CalculatorError(`expression too long: ${expression.length} characters (the limit is ${CALCULATOR_LIMITS.maxLength})`);
  }
  return format(evaluate(new Parser(tokenize(expression)).parse()));
}

// ---- Bedrock Converse tool -------------------------------------------------------------------------------

/** The calculator as a Converse tool: put it in `toolConfig.tools`. */
export const CALCULATOR_TOOL = {
  toolSpec: {
    name: 'calculator',
    description:
      'Evaluates an arithmetic expression with exact arithmetic (arbitrary-precision fractions, no floating-point '
      + 'rounding). Use it instead of computing by hand whenever a numeric result must be exact. '
      + 'Supports decimal numbers (12, 1.5, .5, 1.5e3), + - * /, parentheses, unary minus, ^ or ** for powers with an '
      + `integer exponent from 0 to ${CALCULATOR_LIMITS.maxExponent}, and % for the remainder of integers (sign of the dividend: -7 % 3 = -1). `
      + 'Powers bind tighter than unary minus and group right to left: -2^2 = -4, (-2)^2 = 4, 2^3^2 = 512. '
      + 'No variables, functions, units, percent signs or thousands separators. '
      + 'Returns {"value"} with the exact decimal, or, when the result has no finite decimal form, '
      + `{"value", "exact", "repeating": true}: value rounded to ${CALCULATOR_LIMITS.significantDigits} significant digits and exact as the fraction "p/q". `
      + 'On error returns a message with the 0-based character position; fix the expression and call again.',
    inputSchema: {
      json: {
        type: 'object',
        properties: {
          expression: {
            type: 'string',
            description: `The arithmetic expression, e.g. "1234.5 * 6789" or "(2^64 - 1) % 97"; at most ${CALCULATOR_LIMITS.maxLength} characters.`,
          },
        },
        required: ['expression'],
      },
    },
  },
} satisfies Tool;

/**
 * A Converse tool result without its `toolUseId` (the caller adds it):
 * `{ toolResult: { toolUseId, ...runCalculatorTool(toolUse.input) } }`.
 * Success: `{ content: [{ json: CalculatorResult }], status: 'success' }`.
 * Failure: `{ content: [{ text: 'error: <CalculatorError message>' }], status: 'error' }`.
 */
export type CalculatorToolResult =
  | { content: [{ json: CalculatorResult }]; status: 'success' }
  | { content: [{ text: string }]; status: 'error' };

/**
 * Runs the calculator on a tool-use `input` as the model sent it. Never throws for bad input or a bad
 * expression: those come back as an error result for the model to read. Unexpected errors (bugs) propagate.
 */
export function runCalculatorTool(input: unknown): CalculatorToolResult {
  const expression = (input !== null && typeof input === 'object' && !Array.isArray(input))
    ? (input as { expression?: unknown }).expression
    : undefined;
  if (typeof expression !== 'string') {
    return { content: [{ text: 'error: the input must be an object with a string "expression", e.g. {"expression": "2 * (3 + 4)"}' }], status: 'error' };
  }
  try {
    return { content: [{ json: evaluateExpression(expression) }], status: 'success' };
  } catch (error) {
    if (error instanceof CalculatorError) return { content: [{ text: `error: ${error.message}` }], status: 'error' };
    throw error;
  }
}
