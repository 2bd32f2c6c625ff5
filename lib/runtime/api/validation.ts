// The request schemas of contract.ts, compiled by Ajv: the same rules API Gateway applies, enforced again
// in the handler (a gateway model only checks bodies sent as application/json), with a 400 that names the field.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { type ApiLimits, feedbackSchema, generateSchema } from './contract';
import { badRequest } from './errors';

export interface Validators {
  readonly generate: (value: unknown) => void;
  readonly feedback: (value: unknown) => void;
}

export function compileValidators(limits: ApiLimits): Validators {
  // strictRequired would reject the oneOf branches that only say which field is required.
  const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false });
  return { generate: check(ajv.compile(generateSchema(limits))), feedback: check(ajv.compile(feedbackSchema())) };
}

function check(validate: ValidateFunction): (value: unknown) => void {
  return (value) => {
    if (!validate(value)) throw describe(validate.errors?.[0]);
  };
}

/** `/messages/0/role` -> `messages[0].role`. */
function fieldOf(path: string, child?: string): string {
  const parts = path.split('/').filter(Boolean);
  if (child !== undefined) parts.push(child);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '') || 'body';
}

function describe(error: ErrorObject | undefined) {
  if (!error) return badRequest('The body does not match the API schema.', 'body');
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'oneOf':
      return badRequest('Give exactly one of messages, prompt or template.', fieldOf(error.instancePath) === 'body' ? 'messages' : fieldOf(error.instancePath));
    case 'required':
      return badRequest(`${fieldOf(error.instancePath, String(params.missingProperty))} is required.`, fieldOf(error.instancePath, String(params.missingProperty)));
    case 'additionalProperties':
      return badRequest(`${fieldOf(error.instancePath, String(params.additionalProperty))} is not a field of this request.`, fieldOf(error.instancePath, String(params.additionalProperty)));
    default: {
      const field = fieldOf(error.instancePath);
      return badRequest(`${field} ${error.message ?? 'is invalid'}.`, field);
    }
  }
}
