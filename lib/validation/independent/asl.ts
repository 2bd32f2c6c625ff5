// Step Functions definitions checked by asl-validator 4.0.0 (Amazon States Language: JSON schema per
// state type and query language, transition targets, reachability, terminal states, paths, JSONata; read
// 2026-12-02). A definition in a template is JSON text CloudFormation assembles from strings and tokens;
// each token is replaced by a placeholder of the shape the language expects where it sits.
//
// asl-validator compiles its JSON schemas on every call (about 120 ms), which as published would add that
// much to every synthesis for every state machine. The schemas are compiled once here, exactly as asl-validator's `jsonSchemaErrors` compiles them, and that
// compiled check stands in for `jsonSchemaErrors` only while asl-validator's own `validator` runs; a
// definition the compiled schema rejects is handed to the original so its error report is the published
// one. test/validation/independent-validators.test.ts holds the two to the same results.
import { createRequire } from 'node:module';
import type { IDeployRule } from '../rules/template';
import { type DocumentToken, isIntrinsic, PSEUDO_PLACEHOLDERS, resolveMarkers, tokenizeDocument } from './intrinsics';

/** One problem asl-validator reports. */
export interface AslError {
  readonly 'Error code': string;
  readonly Message: string;
}

interface AslOptions {
  readonly checkPaths: boolean;
  readonly checkArn: boolean;
}

type SchemaErrors = (definition: unknown, options: AslOptions) => AslError[];
type Validator = (definition: unknown, options?: AslOptions) => { isValid: boolean; errors: AslError[] };

interface AjvLike {
  addFormat(name: string, format: (value: string) => boolean): unknown;
  getSchema(id: string): ((data: unknown) => boolean) | undefined;
}

interface AslModules {
  readonly validator: Validator;
  /** asl-validator's own module: `validator` looks `jsonSchemaErrors` up on it at every call. */
  readonly schemaErrorsModule: { jsonSchemaErrors: SchemaErrors };
  readonly compiledSchema: (definition: unknown) => boolean;
}

/** The schema files in the order json-schema-errors.js passes them to Ajv. */
const SCHEMAS = ['common', 'paths', 'jsonata', 'choice', 'fail', 'parallel', 'pass', 'base-state-machine', 'state-machine', 'state', 'succeed', 'task', 'wait', 'map', 'errors'];
const STATE_MACHINE_SCHEMA = 'http://asl-validator.cloud/state-machine.json#';

let modules: AslModules | undefined;

/**
 * asl-validator and the modules it uses, loaded from its own directory so that the module patched below
 * is the one its `validator` calls (also under jest, whose registry would otherwise hold a second copy).
 */
function load(): AslModules {
  if (modules) return modules;
  const fromAsl = createRequire(require.resolve('asl-validator'));
  const validator = fromAsl('./validator') as Validator;
  const schemaErrorsModule = fromAsl('./checks/json-schema-errors') as { jsonSchemaErrors: SchemaErrors };
  const { isArnFormatValid } = fromAsl('./checks/formats') as { isArnFormatValid: (value: string) => boolean };
  const Ajv = (fromAsl('ajv') as { default: new (options: object) => AjvLike }).default;
  const addFormats = (fromAsl('ajv-formats') as { default: (ajv: AjvLike) => void }).default;
  const jsonata = fromAsl('jsonata') as (expression: string) => unknown;
  const { registerAll } = fromAsl('asl-path-validator') as { registerAll: (ajv: AjvLike) => void };

  const ajv = new Ajv({ schemas: SCHEMAS.map((s) => fromAsl(`./schemas/${s}.json`) as object), allowUnionTypes: true });
  addFormats(ajv);
  const validJsonata = (value: string): boolean => {
    const trimmed = value.trim();
    try {
      let expression = trimmed.startsWith('{%') ? trimmed.slice(2) : trimmed;
      expression = expression.endsWith('%}') ? expression.slice(0, -2) : expression;
      jsonata(expression);
      return true;
    } catch {
      return false;
    }
  };
  ajv.addFormat('jsonata_string', validJsonata);
  ajv.addFormat('maybe_jsonata_string', (value) => {
    const trimmed = value.trim();
    return trimmed.startsWith('{%') || trimmed.endsWith('%}') ? validJsonata(trimmed) : true;
  });
  registerAll(ajv);
  ajv.addFormat('asl_arn', isArnFormatValid);
  const compiledSchema = ajv.getSchema(STATE_MACHINE_SCHEMA);
  if (!compiledSchema) throw new Error(`asl-validator no longer defines ${STATE_MACHINE_SCHEMA}; update lib/validation/independent/asl.ts`);
  modules = { validator, schemaErrorsModule, compiledSchema };
  return modules;
}

/** asl-validator's verdict on a definition, with its default options (paths and ARNs checked). */
export function validateDefinition(definition: unknown): { isValid: boolean; errors: AslError[] } {
  const { validator, schemaErrorsModule, compiledSchema } = load();
  const published = schemaErrorsModule.jsonSchemaErrors;
  schemaErrorsModule.jsonSchemaErrors = (d, options) => (options.checkPaths && options.checkArn && compiledSchema(d) ? [] : published(d, options));
  try {
    const { isValid, errors } = validator(definition);
    return { isValid, errors };
  } finally {
    schemaErrorsModule.jsonSchemaErrors = published;
  }
}

/** asl-validator exactly as published (recompiling its schemas): the reference `validateDefinition` is held to. */
export function validateDefinitionAsPublished(definition: unknown): { isValid: boolean; errors: AslError[] } {
  const { isValid, errors } = load().validator(definition);
  return { isValid, errors };
}

/** The ARN a token that is a task's whole `Resource` stands for: a Lambda function, the commonest. */
const RESOURCE_PLACEHOLDER = 'arn:aws:lambda:us-east-1:111122223333:function:placeholder';

/**
 * A state machine's definition as the service will see it, tokens replaced by placeholders: a pseudo
 * parameter by a real-looking value, a token that is a whole `Resource` by an ARN, a token that stands for a
 * whole value by a number. Undefined when the definition is in S3 (not in the template); `{ error }` when it
 * is not JSON.
 */
export function renderDefinition(properties: Record<string, unknown>): { definition: unknown } | { error: string } | undefined {
  const inline = properties.Definition;
  if (inline !== undefined && !isIntrinsic(inline)) return { definition: placeholdersForIntrinsics(inline, undefined) };
  const tokenized = tokenizeDocument(properties.DefinitionString, (properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>);
  if (!tokenized) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(tokenized.text);
  } catch (e) {
    return { error: `DefinitionString is not JSON: ${(e as Error).message}` };
  }
  const text = (t: DocumentToken, whole: boolean, key: string | undefined): string =>
    t.pseudo && PSEUDO_PLACEHOLDERS[t.pseudo] ? PSEUDO_PLACEHOLDERS[t.pseudo] : whole && key === 'Resource' ? RESOURCE_PLACEHOLDER : 'placeholder';
  return { definition: resolveMarkers(parsed, tokenized.tokens, text, (t, key) => (key === 'Resource' ? RESOURCE_PLACEHOLDER : t.pseudo ? text(t, true, key) : 1)) };
}

/** An inline `Definition` with intrinsics in it: each replaced as a token of a DefinitionString would be. */
function placeholdersForIntrinsics(node: unknown, key: string | undefined): unknown {
  if (isIntrinsic(node)) {
    const ref = (node as { Ref?: unknown }).Ref;
    if (typeof ref === 'string' && PSEUDO_PLACEHOLDERS[ref]) return PSEUDO_PLACEHOLDERS[ref];
    return key === 'Resource' ? RESOURCE_PLACEHOLDER : 'placeholder';
  }
  if (Array.isArray(node)) return node.map((n) => placeholdersForIntrinsics(n, key));
  if (typeof node === 'object' && node !== null) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, placeholdersForIntrinsics(v, k)]));
  return node;
}

export const STATE_MACHINE_VALID: IDeployRule = {
  id: 'GENAI-IV3',
  title: 'State machine definition that asl-validator rejects',
  fix: 'Fix the states asl-validator names (a Next or Default to a state that exists, End or Next on every non-terminal state, valid paths and JSONata); build definitions with the aws-stepfunctions constructs where you can.',
  resourceTypes: ['AWS::StepFunctions::StateMachine'],
  check(ctx) {
    const rendered = renderDefinition(ctx.resource.Properties ?? {});
    if (!rendered) return [];
    if ('error' in rendered) return [{ message: rendered.error, location: 'DefinitionString' }];
    const { errors } = validateDefinition(rendered.definition);
    const location = ctx.resource.Properties?.Definition !== undefined ? 'Definition' : 'DefinitionString';
    return errors.map((e) => ({ message: `${e['Error code']}: ${e.Message}`, location }));
  },
};
