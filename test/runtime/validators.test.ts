// The handler's request validation: the validators compiled ahead of time from contract.ts (so that no schema is
// compiled when a function starts), the bounds that depend on a deployment's scope, and a bundle without Ajv.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeBundleDir } from '../../lib/constructs/private/runtime-bundle';
import { feedbackSchema, generateSchema, maxCorrectionChars, PRECOMPILED_LIMITS } from '../../lib/runtime/api/contract';
import type { ApiError } from '../../lib/runtime/api/errors';
import { ucs2length } from '../../lib/runtime/api/ucs2length';
import { compileValidators } from '../../lib/runtime/api/validation';
import { GENERATED_FILE, validatorsSource } from '../../scripts/codegen-validators';

const LIMITS = { maxInputTokens: 1000, maxOutputTokens: 50 };
const validators = compileValidators(LIMITS);
const problem = (validate: (v: unknown) => void, value: unknown) => {
  try {
    validate(value);
    return undefined;
  } catch (e) {
    return { field: (e as ApiError).field, message: (e as ApiError).message };
  }
};

test('the committed validators are what the code generator writes from the schemas of contract.ts', () => {
  // GIVEN the schemas as they are now, WHEN compiled again, THEN nothing differs: regenerate with
  // `npx tsx scripts/codegen-validators.ts` after changing a schema.
  expect(fs.readFileSync(GENERATED_FILE, 'utf8')).toBe(validatorsSource());
});

test('the generated code embeds exactly the schemas API Gateway gets, at the precompiled limits', () => {
  const source = fs.readFileSync(GENERATED_FILE, 'utf8');
  expect(source).toContain(`const schema11 = ${JSON.stringify(generateSchema(PRECOMPILED_LIMITS))};`);
  expect(source).toContain(JSON.stringify(feedbackSchema(PRECOMPILED_LIMITS)));
});

test.each([
  ['an unknown field', { prompt: 'hi', temprature: 1 }, 'temprature'],
  ['both prompt and messages', { prompt: 'hi', messages: [{ role: 'user', content: 'hi' }] }, 'messages'],
  ['a bad role', { messages: [{ role: 'system', content: 'hi' }] }, 'messages[0].role'],
  ['maxTokens over the deployment\'s output limit', { prompt: 'hi', maxTokens: 51 }, 'maxTokens'],
  ['a template id with capitals', { template: { id: 'Answer' } }, 'template.id'],
])('generate: fails when %s, naming the field', (_name, body, field) => {
  expect(problem(validators.generate, body)).toMatchObject({ field });
});

test('generate: maxTokens up to the deployment\'s limit passes', () => {
  expect(problem(validators.generate, { prompt: 'hi', maxTokens: 50 })).toBeUndefined();
});

test('feedback: a correction may be as long as an answer can be, in code points, and no longer', () => {
  const max = maxCorrectionChars(LIMITS);
  expect(max).toBe(200);
  const requestId = '20261129-00000000-0000-4000-8000-000000000000';
  // A surrogate pair is one character, as JSON Schema's maxLength counts.
  expect(problem(validators.feedback, { requestId, rating: 'down', correction: '😀'.repeat(max) })).toBeUndefined();
  expect(problem(validators.feedback, { requestId, rating: 'down', correction: 'x'.repeat(max + 1) })).toMatchObject({ field: 'correction' });
  expect(problem(validators.feedback, { requestId, rating: 'sideways' })).toMatchObject({ field: 'rating' });
});

test('ucs2length counts code points like Ajv', () => {
  expect([ucs2length(''), ucs2length('abc'), ucs2length('😀x'), ucs2length('\ud800')]).toEqual([0, 3, 2, 1]);
});

test('the API bundle carries no Ajv: nothing is compiled when a function starts', () => {
  const bundle = fs.readFileSync(path.join(runtimeBundleDir('api'), 'index.js'), 'utf8');
  // Option names only Ajv's compiler reads.
  expect(bundle).not.toMatch(/strictTuples|unicodeRegExp|inlineRefs/);
});
