// Stand-in for Bedrock Runtime's ApplyGuardrail (POST /guardrail/{id}/version/{version}/apply, restJson1), with a
// guardrail that masks e-mail addresses and phone numbers (ANONYMIZE) and blocks card numbers (BLOCK), as the
// kit's default guardrail does, for testing PII masking on models that are not on Bedrock.
//
// Wire details (sources: Bedrock API reference, ApplyGuardrail and GuardrailAssessment; Bedrock user guide,
// "Use the ApplyGuardrail API in your application"): the answer is {usage, action, outputs, assessments}; action is
// NONE (outputs empty) or GUARDRAIL_INTERVENED, with outputs holding the processed text: masked entities replaced
// by {TYPE} tags, or the blocked message when a policy blocked. Entities appear in
// assessments[].sensitiveInformationPolicy.piiEntities with action ANONYMIZED or BLOCKED.
import { randomUUID } from 'node:crypto';
import { type Exchange, listen, sendJson, sendRestJsonError } from '../../scripts/lib/standins/server';
import type { RecordedRequest } from '../../scripts/lib/standins/types';

export const BLOCKED_INPUT = 'This request was blocked by the content policy.';
export const BLOCKED_OUTPUT = 'The answer was blocked by the content policy.';

const MASKED: readonly [string, RegExp][] = [['EMAIL', /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g], ['PHONE', /\+?\d[\d -]{7,}\d/g]];
const BLOCKED: readonly [string, RegExp][] = [['CREDIT_DEBIT_CARD_NUMBER', /\b(?:\d{4}[ -]?){3}\d{4}\b/g]];

export interface GuardrailStandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startGuardrail(guardrailId: string, version: string): Promise<GuardrailStandIn> {
  const harness = await listen((x) => handle(x, `/guardrail/${guardrailId}/version/${version}/apply`));
  return { url: harness.url, requests: harness.requests, close: () => harness.close() };
}

function handle(x: Exchange, path: string): void {
  const requestId = randomUUID();
  if (x.method !== 'POST' || decodeURIComponent(x.path) !== path) {
    sendRestJsonError(x.res, 404, 'ResourceNotFoundException', { message: `No guardrail at ${x.path}` }, { 'x-amzn-RequestId': requestId });
    return;
  }
  const input = JSON.parse(x.body.toString('utf8')) as { source?: string; content?: { text?: { text?: string } }[] };
  if (input.source !== 'INPUT' && input.source !== 'OUTPUT') {
    sendRestJsonError(x.res, 400, 'ValidationException', { message: 'source must be INPUT or OUTPUT' }, { 'x-amzn-RequestId': requestId });
    return;
  }
  const text = (input.content ?? []).map((c) => c.text?.text ?? '').join('\n');
  const entities: { type: string; match: string; action: 'ANONYMIZED' | 'BLOCKED' }[] = [];
  for (const [type, pattern] of BLOCKED) for (const m of text.matchAll(pattern)) entities.push({ type, match: m[0], action: 'BLOCKED' });
  let masked = text;
  for (const [type, pattern] of MASKED) {
    masked = masked.replace(pattern, (match) => {
      entities.push({ type, match, action: 'ANONYMIZED' });
      return `{${type}}`;
    });
  }
  const blocked = entities.some((e) => e.action === 'BLOCKED');
  const usage = { topicPolicyUnits: 0, contentPolicyUnits: 0, wordPolicyUnits: 0, sensitiveInformationPolicyUnits: 1, sensitiveInformationPolicyFreeUnits: 0, contextualGroundingPolicyUnits: 0 };
  const answer = entities.length === 0
    ? { usage, action: 'NONE', outputs: [], assessments: [{}] }
    : {
      usage, action: 'GUARDRAIL_INTERVENED', actionReason: blocked ? 'Guardrail blocked.' : 'Guardrail masked.',
      outputs: [{ text: blocked ? (input.source === 'INPUT' ? BLOCKED_INPUT : BLOCKED_OUTPUT) : masked }],
      assessments: [{ sensitiveInformationPolicy: { piiEntities: entities.map((e) => ({ ...e, detected: true })) } }],
    };
  sendJson(x.res, 200, { 'x-amzn-RequestId': requestId }, JSON.stringify(answer));
}
