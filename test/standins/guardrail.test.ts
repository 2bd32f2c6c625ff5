// The ApplyGuardrail stand-in (test/standins/guardrail.ts) driven by the real @aws-sdk/client-bedrock-runtime.
import { ApplyGuardrailCommand, BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { BLOCKED_OUTPUT, type GuardrailStandIn, startGuardrail } from './guardrail';
import { caught, clientConfig } from './sdk';

let standIn: GuardrailStandIn;
let client: BedrockRuntimeClient;

beforeAll(async () => {
  standIn = await startGuardrail('gr1', '2');
  client = new BedrockRuntimeClient(clientConfig(standIn.url));
});

afterAll(async () => {
  client.destroy();
  await standIn.close();
});

const apply = (text: string, source: 'INPUT' | 'OUTPUT' = 'INPUT', guardrailIdentifier = 'gr1') =>
  client.send(new ApplyGuardrailCommand({ guardrailIdentifier, guardrailVersion: '2', source, content: [{ text: { text } }] }));

test('text without PII passes: action NONE, no outputs', async () => {
  expect(await apply('Where is my order?')).toMatchObject({ action: 'NONE', outputs: [] });
});

test('e-mail addresses and phone numbers are masked, and reported as ANONYMIZED', async () => {
  const out = await apply('Mail a@b.co or call +1 555 010 9999.');
  expect(out).toMatchObject({ action: 'GUARDRAIL_INTERVENED', outputs: [{ text: 'Mail {EMAIL} or call {PHONE}.' }] });
  expect(out.assessments![0].sensitiveInformationPolicy!.piiEntities!.map((e) => [e.type, e.action])).toEqual([['EMAIL', 'ANONYMIZED'], ['PHONE', 'ANONYMIZED']]);
});

test('a card number blocks, with the blocked message for its source', async () => {
  const out = await apply('Card 4111 1111 1111 1111', 'OUTPUT');
  expect(out).toMatchObject({ action: 'GUARDRAIL_INTERVENED', outputs: [{ text: BLOCKED_OUTPUT }] });
  expect(out.assessments![0].sensitiveInformationPolicy!.piiEntities![0]).toMatchObject({ type: 'CREDIT_DEBIT_CARD_NUMBER', action: 'BLOCKED' });
});

test('fails for a guardrail that does not exist', async () => {
  expect(await caught(apply('x', 'INPUT', 'other'))).toMatchObject({ name: 'ResourceNotFoundException' });
});
