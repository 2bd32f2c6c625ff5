// The request schemas of contract.ts as the handler enforces them: the same rules API Gateway applies, again
// in the handler (a gateway model only checks bodies sent as application/json), with a 400 that names the field.
// The schemas are compiled ahead of time (validators.generated.ts), so no schema is compiled when a function
// starts; the bounds that depend on the deployment's scope are checked here, against its own limits.
import { type ApiLimits, type FeedbackRequest, type GenerateRequest, maxCorrectionChars } from './contract';
import { badRequest } from './errors';
import { ucs2length } from './ucs2length';
import { validateFeedback, validateGenerate } from './validators.generated';

/** What Ajv reports for a failed keyword (the fields the handler reads). */
interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}
type CompiledValidator = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

export interface Validators {
  readonly generate: (value: unknown) => void;
  readonly feedback: (value: unknown) => void;
}

export function compileValidators(limits: ApiLimits): Validators {
  const maxCorrection = maxCorrectionChars(limits);
  return {
    generate: check(validateGenerate as CompiledValidator, (body: GenerateRequest) => {
      if (body.maxTokens !== undefined && body.maxTokens > limits.maxOutputTokens) throw badRequest(`maxTokens must be <= ${limits.maxOutputTokens}.`, 'maxTokens');
    }),
    feedback: check(validateFeedback as CompiledValidator, (body: FeedbackRequest) => {
      if (body.correction !== undefined && ucs2length(body.correction) > maxCorrection) {
        throw badRequest(`correction must NOT have more than ${maxCorrection} characters: a correction is an answer, and answers are at most ${limits.maxOutputTokens} tokens here.`, 'correction');
      }
    }),
  };
}

function check<T>(validate: CompiledValidator, scope: (body: T) => void): (value: unknown) => void {
  return (value) => {
    if (!validate(value)) throw describe(validate.errors?.[0]);
    scope(value as T);
  };
}

/** `/messages/0/role` -> `messages[0].role`. */
function fieldOf(path: string, child?: string): string {
  const parts = path.split('/').filter(Boolean);
  if (child !== undefined) parts.push(child);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '') || 'body';
}

function describe(error: SchemaError | undefined) {
  if (!error) return badRequest('The body does not match the API schema.', 'body');
  const params = error.params;
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
