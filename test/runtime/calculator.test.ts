// The calculator tool: exact arithmetic, its conventions, every way an expression is refused, the Converse
// tool wrapper, and a fuzz test against an independent BigInt-only evaluation of random expression trees.
import type { Tool, ToolResultBlock } from '@aws-sdk/client-bedrock-runtime';
import {
  CALCULATOR_LIMITS, CALCULATOR_TOOL, CalculatorError, type CalculatorResult, evaluateExpression, runCalculatorTool,
} from '../../lib/runtime/api/calculator';

/** The error evaluateExpression throws, so its message and position can be checked. */
function failure(expression: string): CalculatorError {
  try {
    evaluateExpression(expression);
  } catch (error) {
    if (error instanceof CalculatorError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to fail`);
}

describe('evaluateExpression', () => {
  it.each([
    ['1234.5 * 6789', '8381020.5'],
    ['0.1 + 0.2', '0.3'],
    ['0.1 * 3', '0.3'],
    ['1 - 0.9', '0.1'],
    ['3 * (1 / 3)', '1'],
    ['1 / 8', '0.125'],
    ['-1 / 8', '-0.125'],
    ['0.5 ^ 10', '0.0009765625'],
    ['1.5e3', '1500'],
    ['1.5E+3 + 2e0', '1502'],
    ['1.5e-3', '0.0015'],
    ['.5 + 5.', '5.5'],
    ['007.250', '7.25'],
    ['0e999999', '0'],
    ['2^200', (2n ** 200n).toString()],
    ['2 ** 64 - 1', '18446744073709551615'],
    ['99999999999999999999 * 99999999999999999999', (99999999999999999999n * 99999999999999999999n).toString()],
    ['10 % 3', '1'],
    ['-7 % 3', '-1'],
    ['7 % -3', '1'],
    ['6 % 3', '0'],
    ['4.0 % 1.5e1', '4'],
    ['0 ^ 0', '1'],
    ['1 - 1', '0'],
    [' \t1\n+\r2 ', '3'],
  ])('%j = %s exactly', (expression, value) => {
    expect(evaluateExpression(expression)).toEqual({ value });
  });

  describe('precedence and associativity', () => {
    it.each([
      ['2 + 3 * 4', '14'],
      ['(2 + 3) * 4', '20'],
      ['2 * 3 ^ 2', '18'],
      ['2^3^2', '512'], // right-associative: 2^(3^2) = 2^9
      ['2 ** 3 ** 2', '512'],
      ['(2^3)^2', '64'],
      ['8 / 4 / 2', '1'], // left-associative: (8/4)/2
      ['8 / (4 / 2)', '4'],
      ['10 - 4 - 3', '3'],
      ['10 - (4 - 3)', '9'],
      ['100 % 7 * 2', '4'], // % is at the level of * and /: (100 % 7) * 2
      ['2 * 100 % 7', '4'], // (2 * 100) % 7 = 200 % 7
      ['1 + 10 % 4', '3'],
      ['((((1))))', '1'],
    ])('%s = %s', (expression, value) => {
      expect(evaluateExpression(expression).value).toBe(value);
    });
  });

  describe('unary signs bind looser than powers, tighter than * and /', () => {
    it.each([
      ['-2^2', '-4'], // -(2^2), as in mathematics and Python
      ['(-2)^2', '4'],
      ['-2 ** 2', '-4'],
      ['(-2)^3', '-8'],
      ['2^-0', '1'],
      ['2^+3', '8'],
      ['--2', '2'],
      ['+-+2', '-2'],
      ['2 * -3', '-6'],
      ['2 - -2', '4'],
      ['-(2 + 3)', '-5'],
      ['-3 * -3', '9'],
    ])('%s = %s', (expression, value) => {
      expect(evaluateExpression(expression).value).toBe(value);
    });
  });

  describe('results without a finite decimal form', () => {
    it('1/3 is the exact fraction and 30 significant digits', () => {
      expect(evaluateExpression('1/3')).toEqual({ value: '0.333333333333333333333333333333', exact: '1/3', repeating: true });
    });

    it.each([
      ['2/3', '0.666666666666666666666666666667', '2/3'],
      ['-1/3', '-0.333333333333333333333333333333', '-1/3'],
      ['22/7', '3.14285714285714285714285714286', '22/7'],
      ['4/6', '0.666666666666666666666666666667', '2/3'],
      ['1/7 * 10^28', '1428571428571428571428571428.57', '10000000000000000000000000000/7'],
      // 30 or more integer digits, or below 1e-6: scientific notation rather than made-up zeros.
      ['10^40 / 3', '3.33333333333333333333333333333e+39', `${10n ** 40n}/3`],
      ['1 / (3 * 10^10)', '3.33333333333333333333333333333e-11', '1/30000000000'],
      ['1 / 300000', '0.00000333333333333333333333333333333', '1/300000'],
      // Rounding carries into a new digit.
      ['1 - 1 / (3 * 10^40)', '1.00000000000000000000000000000', `${3n * 10n ** 40n - 1n}/${3n * 10n ** 40n}`],
    ])('%s ≈ %s', (expression, value, exact) => {
      expect(evaluateExpression(expression)).toEqual({ value, exact, repeating: true });
    });
  });

  describe('refusals', () => {
    it.each([
      ['1/0', 'division by zero at 1', 1],
      ['1 / (2 - 2)', 'division by zero at 2', 2],
      ['0/0', 'division by zero at 1', 1],
      ['5 % 0', 'modulo by zero at 2', 2],
      ['1.5 % 1', 'modulo needs integers at 4: got 3/2 % 1', 4],
      ['2 ^ 0.5', 'exponent must be a non-negative integer at 2: got 1/2', 2],
      ['2 ^ -1', 'exponent must be a non-negative integer at 2: got -1', 2],
      ['2 ^ 1001', 'exponent too large at 2: 1001 (the limit is 1000)', 2],
    ])('fails when evaluating %s', (expression, message, position) => {
      const error = failure(expression);
      expect(error).toBeInstanceOf(CalculatorError);
      expect(error.name).toBe('CalculatorError');
      expect(error.message).toBe(message);
      expect(error.position).toBe(position);
    });

    it.each([
      ['the expression is empty', '', 'empty expression', 0],
      ['the expression is only whitespace', '  \n ', 'empty expression', 0],
      ['an operand is missing at the end', '1 +', "unexpected end of expression: expected a number or '('", 3],
      ['an operand is missing at the start', '* 2', "unexpected '*' at 0: expected a number or '('", 0],
      ['two operators follow each other', '1 */ 2', "unexpected '/' at 3: expected a number or '('", 3],
      ['a power has no exponent', '2^', "unexpected end of expression: expected a number or '('", 2],
      ['^ is doubled', '2^^3', "unexpected '^' at 2: expected a number or '('", 2],
      ['*** is used', '2***3', "unexpected '*' at 3: expected a number or '('", 3],
      ['parentheses are empty', '()', "unexpected ')' at 1: expected a number or '('", 1],
      ['a parenthesis is not closed', '(1 + 2', "unexpected end of expression: expected ')' to close the '(' at 0", 6],
      ['a parenthesis is closed by something else', '(1 + 2 3', "unexpected number '3' at 7: expected ')' to close the '(' at 0", 7],
      ['a parenthesis is closed twice', '(1 + 2))', "unexpected ')' at 7: no matching '('", 7],
      ['a parenthesis is closed without being opened', '1 + 2)', "unexpected ')' at 5: no matching '('", 5],
      ['two numbers follow each other', '2 3', "unexpected number '3' at 2: expected an operator", 2],
      ['multiplication is implicit', '2(3)', "unexpected '(' at 1: expected an operator", 1],
      ['a number has two points', '1.2.3', "malformed number '1.2.3' at 0", 0],
      ['a number has two points in a row', '1..2', "malformed number '1..2' at 0", 0],
      ['a number is only a point', '1 + .', "malformed number '.' at 4", 4],
      ['an exponent has no digits', '1e + 2', "malformed number '1e' at 0", 0],
      ['an exponent has only a sign', '1e+', "malformed number '1e+' at 0", 0],
      ['an exponent is not an integer', '1e2.5', "malformed number '1e2.5' at 0", 0],
      ['a letter follows a number', '2x', "unsupported character 'x' at 1; only numbers, + - * / % ^ ** and parentheses are allowed", 1],
      ['a function is called', 'sqrt(2)', "unsupported character 's' at 0; only numbers, + - * / % ^ ** and parentheses are allowed", 0],
      ['a number has thousands separators', '1,000', "unsupported character ',' at 1; write numbers without thousands separators, with '.' as the decimal point", 1],
      ['× is used to multiply', '2 × 3', "unsupported character '×' at 2; use '*' to multiply", 2],
      ['÷ is used to divide', '6 ÷ 3', "unsupported character '÷' at 2; use '/' to divide", 2],
      ['the minus sign is U+2212', '5 − 3', "unsupported character '−' at 2; use '-' to subtract", 2],
      ['an equals sign ends the expression', '1 + 1 =', "unsupported character '=' at 6; only numbers, + - * / % ^ ** and parentheses are allowed", 6],
      ['an emoji is included', '1 + 😀', "unsupported character '😀' at 4; only numbers, + - * / % ^ ** and parentheses are allowed", 4],
    ])('fails when %s (%j)', (_case, expression, message, position) => {
      const error = failure(expression);
      expect(error.message).toBe(message);
      expect(error.position).toBe(position);
    });

    it('reports syntax errors before evaluation errors', () => {
      expect(failure('1/0 )').message).toBe("unexpected ')' at 4: no matching '('");
    });
  });

  describe('limits', () => {
    const { maxLength, maxDepth, maxDigits } = CALCULATOR_LIMITS;

    it('has the documented limits', () => {
      expect(CALCULATOR_LIMITS).toEqual({ maxLength: 1000, maxDepth: 100, maxExponent: 1000, maxDigits: 1000, significantDigits: 30 });
    });

    it('accepts an expression of exactly the maximum length and refuses a longer one', () => {
      const longest = `${'1+'.repeat(499)}11`;
      expect(longest).toHaveLength(maxLength);
      expect(evaluateExpression(longest).value).toBe('510');
      expect(failure(`${longest} `).message).toBe('expression too long: 1001 characters (the limit is 1000)');
    });

    it.each([
      ['parentheses', (n: number) => `${'('.repeat(n)}1${')'.repeat(n)}`, '1', 'at 100'],
      ['signs', (n: number) => `${'-'.repeat(n)}1`, '1', 'at 100'],
      ['chained powers', (n: number) => `${'1^'.repeat(n)}1`, '1', 'at 201'],
    ])('accepts %s nested 100 deep and refuses 101', (_kind, nest, value, where) => {
      expect(evaluateExpression(nest(maxDepth)).value).toBe(value);
      expect(failure(nest(maxDepth + 1)).message)
        .toBe(`expression nested too deeply ${where}: more than 100 levels of parentheses, signs or powers`);
    });

    it('does not count operator chains as nesting', () => {
      expect(evaluateExpression(Array(300).fill('2').join('*')).value).toBe((2n ** 300n).toString());
    });

    it.each([
      ['9 * 10^999', `9${'0'.repeat(999)}`], // 1000 digits
      ['1e999', `1${'0'.repeat(999)}`],
      ['1e-999', `0.${'0'.repeat(998)}1`], // denominator 10^999: 1000 digits
      ['0.5^1000 * 0.5^1000 * 0.5^1000 * 0.5^321', `0.${(5n ** 3321n).toString().padStart(3321, '0')}`], // 2^3321 < 10^1000
    ])('accepts numbers at the digit limit: %s', (expression, value) => {
      expect(evaluateExpression(expression)).toEqual({ value });
    });

    it('keeps numbers of exactly the maximum number of digits', () => {
      const largest = '9'.repeat(maxDigits);
      expect(evaluateExpression(largest).value).toBe(largest);
      expect(evaluateExpression('(10^999 - 1) * 10 + 9').value).toBe(largest);
      expect(evaluateExpression('((10^999 - 1) * 10 + 9) / 10^999')).toEqual({ value: `9.${'9'.repeat(maxDigits - 1)}` });
    });

    it.each([
      ['10^1000', 'number too large at 2: the power has more than 1000 digits', 2],
      ['1e1000', "number too large at 0: '1e1000' has more than 1000 digits", 0],
      ['1e99999999999999999999999', "number too large at 0: '1e99999999999999999999999' has more than 1000 digits", 0],
      [`1${'0'.repeat(400)}e${'9'.repeat(400)}`, 'number too large at 0', 0],
      ['1e-1000', "number too small at 0: '1e-1000' needs more than 1000 digits after the decimal point", 0],
      ['1e-99999999999999999999999', 'number too small at 0', 0],
      ['10^999 * 10', 'number too large at 7: the result has more than 1000 digits', 7],
      ['10^999 + 9 * 10^999', 'number too large at 7: the result has more than 1000 digits', 7],
      ['1 / 10^999 / 10', 'number too small at 11: the result needs more than 1000 digits after the decimal point', 11],
      ['2^1000^1000', 'number too large at 6: the power has more than 1000 digits', 6],
      ['(2^999)^999', 'number too large at 7: the power has more than 1000 digits', 7],
      ['(1/3^999)^999', 'number too small at 9: the power needs more than 1000 digits after the decimal point', 9],
      ['(1/7)^1000 / 7^300', 'number too small at 11: the result needs more than 1000 digits after the decimal point', 11],
    ])('fails when a number exceeds the digit limit: %s', (expression, message, position) => {
      const error = failure(expression);
      expect(error.message.slice(0, message.length)).toBe(message);
      expect(error.position).toBe(position);
    });

    it('refuses huge powers quickly', () => {
      const started = Date.now();
      for (let i = 0; i < 50; i++) failure(`(${'9'.repeat(999)})^1000`);
      expect(Date.now() - started).toBeLessThan(500);
    });
  });
});

describe('calculator tool', () => {
  it('is a Converse tool spec for exact arithmetic', () => {
    const tool: Tool = CALCULATOR_TOOL;
    expect(tool.toolSpec?.name).toBe('calculator');
    expect(CALCULATOR_TOOL.toolSpec.description).toMatch(/exact arithmetic/);
    expect(CALCULATOR_TOOL.toolSpec.inputSchema.json).toEqual({
      type: 'object',
      properties: { expression: { type: 'string', description: expect.stringContaining('1234.5 * 6789') } },
      required: ['expression'],
    });
    // What Bedrock receives: plain JSON, and within the tool description length models handle well.
    expect(JSON.parse(JSON.stringify(CALCULATOR_TOOL))).toEqual(CALCULATOR_TOOL);
    expect(CALCULATOR_TOOL.toolSpec.description.length).toBeLessThan(1500);
  });

  it.each<[string, unknown, CalculatorResult]>([
    ['an exact result', { expression: '1234.5 * 6789' }, { value: '8381020.5' }],
    ['a repeating result', { expression: '1/3' }, { value: '0.333333333333333333333333333333', exact: '1/3', repeating: true }],
    ['extra input properties', { expression: '2^10', note: 'ignored' }, { value: '1024' }],
  ])('answers %s', (_case, input, json) => {
    const result = runCalculatorTool(input);
    expect(result).toEqual({ content: [{ json }], status: 'success' });
    // It is a ToolResultBlock once the toolUseId is added, and survives the wire.
    const block: ToolResultBlock = { toolUseId: 'tooluse_1', ...result };
    expect(JSON.parse(JSON.stringify(block))).toEqual({ toolUseId: 'tooluse_1', ...result });
  });

  it.each<[string, unknown, string]>([
    ['division by zero', { expression: '1/0' }, 'error: division by zero at 1'],
    ['a malformed expression', { expression: '(1 + 2))' }, "error: unexpected ')' at 7: no matching '('"],
    ['an expression that is too long', { expression: '1'.repeat(1001) }, 'error: expression too long: 1001 characters (the limit is 1000)'],
    ['no expression', {}, 'error: the input must be an object with a string "expression", e.g. {"expression": "2 * (3 + 4)"}'],
    ['a number as the expression', { expression: 42 }, 'error: the input must be an object with a string "expression", e.g. {"expression": "2 * (3 + 4)"}'],
    ['a bare string', '1 + 1', 'error: the input must be an object with a string "expression", e.g. {"expression": "2 * (3 + 4)"}'],
    ['null', null, 'error: the input must be an object with a string "expression", e.g. {"expression": "2 * (3 + 4)"}'],
    ['an array', ['1 + 1'], 'error: the input must be an object with a string "expression", e.g. {"expression": "2 * (3 + 4)"}'],
  ])('reports %s as an error result', (_case, input, text) => {
    const result = runCalculatorTool(input);
    expect(result).toEqual({ content: [{ text }], status: 'error' });
    const block: ToolResultBlock = { toolUseId: 'tooluse_2', ...result };
    expect(block.status).toBe('error');
  });
});

// ---- Fuzz: random trees, rendered, evaluated here with BigInt fractions only, and by the calculator -------

type Tree =
  | { kind: 'int'; value: number }
  | { kind: 'neg'; operand: Tree; plus: boolean }
  | { kind: 'op'; op: '+' | '-' | '*' | '/' | '%' | '^'; left: Tree; right: Tree };

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(random: () => number, depth: number): Tree {
  const int = (max: number): Tree => ({ kind: 'int', value: Math.floor(random() * (max + 1)) });
  if (depth === 0 || random() < 0.25) return int(12);
  const r = random();
  if (r < 0.12) return { kind: 'neg', operand: generate(random, depth - 1), plus: random() < 0.2 };
  if (r < 0.24) {
    // Small exponents keep values within the digit limit; some are negative, to exercise the refusal.
    const exponent: Tree = random() < 0.7 ? int(3)
      : random() < 0.5 ? { kind: 'op', op: '^', left: int(2), right: int(2) } : { kind: 'neg', operand: int(2), plus: false };
    return { kind: 'op', op: '^', left: generate(random, depth - 1), right: exponent };
  }
  const ops = ['+', '-', '*', '/', '%'] as const;
  return { kind: 'op', op: ops[Math.floor(random() * ops.length)], left: generate(random, depth - 1), right: generate(random, depth - 1) };
}

const PRECEDENCE = { int: 5, neg: 3, '+': 1, '-': 1, '*': 2, '/': 2, '%': 2, '^': 4 } as const;
const precedence = (t: Tree): number => PRECEDENCE[t.kind === 'op' ? t.op : t.kind];

/** Renders with the parentheses precedence and associativity need, plus a few redundant ones and spaces. */
function render(tree: Tree, random: () => number): string {
  const space = () => (random() < 0.3 ? ' ' : '');
  const wrap = (t: Tree, needed: boolean) => {
    const text = render(t, random);
    return needed || random() < 0.05 ? `(${space()}${text}${space()})` : text;
  };
  switch (tree.kind) {
    case 'int': return String(tree.value);
    case 'neg': return `${tree.plus ? '+-' : '-'}${space()}${wrap(tree.operand, precedence(tree.operand) < 3)}`;
    case 'op': {
      const p = precedence(tree);
      if (tree.op === '^') {
        // Right-associative; the exponent may be a sign or another power without parentheses.
        const op = random() < 0.5 ? '^' : '**';
        return `${wrap(tree.left, precedence(tree.left) <= p)}${space()}${op}${space()}${wrap(tree.right, precedence(tree.right) < 3)}`;
      }
      return `${wrap(tree.left, precedence(tree.left) < p)}${space()}${tree.op}${space()}${wrap(tree.right, precedence(tree.right) <= p)}`;
    }
  }
}

class Refused extends Error {}

/** The tree's value as an unreduced fraction [numerator, denominator], with BigInt operations only. */
function reference(tree: Tree): [bigint, bigint] {
  switch (tree.kind) {
    case 'int': return [BigInt(tree.value), 1n];
    case 'neg': {
      const [n, d] = reference(tree.operand);
      return [-n, d];
    }
    case 'op': {
      const [a, b] = reference(tree.left);
      const [c, d] = reference(tree.right);
      switch (tree.op) {
        case '+': return [a * d + c * b, b * d];
        case '-': return [a * d - c * b, b * d];
        case '*': return [a * c, b * d];
        case '/':
          if (c === 0n) throw new Refused('division by zero');
          return [a * d, b * c];
        case '%':
          if (a % b !== 0n || c % d !== 0n) throw new Refused('modulo needs integers');
          if (c === 0n) throw new Refused('modulo by zero');
          return [(a / b) % (c / d), 1n];
        case '^': {
          if (c % d !== 0n || c / d < 0n) throw new Refused('exponent must be a non-negative integer');
          const e = c / d;
          return [a ** e, b ** e];
        }
      }
    }
  }
}

/** The calculator's answer as a fraction: its `exact` when given, else its decimal `value`. */
function asFraction(result: CalculatorResult): [bigint, bigint] {
  if (result.exact !== undefined) {
    const [n, d = '1'] = result.exact.split('/');
    return [BigInt(n), BigInt(d)];
  }
  const [whole, fraction = ''] = result.value.split('.');
  return [BigInt(whole + fraction), 10n ** BigInt(fraction.length)];
}

describe('fuzz', () => {
  it('agrees with a BigInt-only evaluation on 2000 random expressions', () => {
    const random = prng(20240601);
    const counts = { values: 0, refusals: 0 };
    for (let i = 0; i < 2000; i++) {
      const tree = generate(random, 1 + Math.floor(random() * 4));
      const expression = render(tree, random);
      let expected: [bigint, bigint] | Refused;
      try {
        expected = reference(tree);
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        expected = error;
      }
      if (expected instanceof Refused) {
        expect({ expression, message: failure(expression).message }).toEqual({ expression, message: expect.stringContaining(expected.message) });
        counts.refusals++;
        continue;
      }
      const result = evaluateExpression(expression);
      const [n, d] = asFraction(result);
      const [en, ed] = expected;
      // Equal as fractions; and reduced, with a decimal value exactly when the denominator allows one.
      expect({ expression, equal: n * ed === en * d }).toEqual({ expression, equal: true });
      if (result.exact !== undefined) {
        const gcd = (x: bigint, y: bigint): bigint => (y === 0n ? x : gcd(y, x % y));
        expect(gcd(n < 0n ? -n : n, d)).toBe(1n);
        expect(result.repeating).toBe(true);
      }
      counts.values++;
    }
    // Both paths were exercised.
    expect(counts.values).toBeGreaterThan(1000);
    expect(counts.refusals).toBeGreaterThan(50);
  });
});
