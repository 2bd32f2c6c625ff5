// PII masking for a model that is not on Bedrock: the API handler as deployed, with a SageMaker endpoint backend
// and a guardrail, whose prompts and answers go through ApplyGuardrail (a stand-in guardrail that masks e-mail
// addresses and phone numbers and blocks card numbers). A file of its own: the SDK reads the Bedrock Runtime
// endpoint from the environment at a client's first call, and here that endpoint is the guardrail stand-in.
import { runtimeBundleDir } from '../../lib/constructs/private/runtime-bundle';
import { interactionKey } from '../../lib/runtime/api/records';
import { apiEvent, invoke, loadHandler } from '../support/lambda-runtime';
import { type S3StandIn, type SageMakerStandIn, startS3, startSageMakerRuntime } from '../../scripts/lib/standins';
import { BLOCKED_INPUT, BLOCKED_OUTPUT, type GuardrailStandIn, startGuardrail } from '../standins/guardrail';
import { parseEvents } from '../../lib/runtime/api/sse';

let sagemaker: SageMakerStandIn;
let s3: S3StandIn;
let guardrail: GuardrailStandIn;
let api: ReturnType<typeof loadHandler>;

beforeAll(async () => {
  [sagemaker, s3, guardrail] = await Promise.all([startSageMakerRuntime(), startS3(), startGuardrail('gr1', '2')]);
  api = loadHandler(runtimeBundleDir('api'), {
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: guardrail.url, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sagemaker.url, AWS_ENDPOINT_URL_S3: s3.url,
    BACKEND: 'sagemaker', ENDPOINT_NAME: 'chat', MODEL_NAME: 'Qwen/Qwen2.5-7B-Instruct', GUARDRAIL_ID: 'gr1', GUARDRAIL_VERSION: '2',
    MAX_INPUT_TOKENS: '2000', MAX_OUTPUT_TOKENS: '300', DATASET_BUCKET: 'datasets', FEEDBACK_PREFIX: 'feedback/', PROMPT_TEMPLATES: '[]',
    MODEL_TIMEOUT_MS: '2000', KNOWLEDGE_BASE_ID: '', TOOLS: '',
    POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false',
  });
});

afterAll(async () => {
  await Promise.all([sagemaker?.close(), s3?.close(), guardrail?.close()]);
});

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
const generate = (body: unknown) => apiEvent('POST', '/v1/generate', body);
const tokens = (body: string) => parseEvents(body).filter((e) => e.event === 'token').map((e) => e.data.text as string);

test('an e-mail in the prompt is masked before the endpoint sees it, and one in the answer before the caller does', async () => {
  sagemaker.setBehaviour({ tokens: ['Write', ' to', ' help@example.com', ' today.'] });
  const res = await invoke(api, generate({ system: 'Reply to jane@example.org.', prompt: 'I am jane@example.org, where is my order?' }));
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(sagemaker.requests.at(-1)!.body).messages).toEqual([
    { role: 'system', content: 'Reply to {EMAIL}.' }, { role: 'user', content: 'I am {EMAIL}, where is my order?' },
  ]);
  expect(json(res.body).text).toBe('Write to {EMAIL} today.');
  // The record holds what the model received and what the caller got: masked.
  const id = res.headers['x-request-id'];
  expect(s3.objects.get(`datasets/${interactionKey('feedback/', id)}`)!.body.toString()).not.toMatch(/example\.(org|com)/);
});

test('streamed answers are masked batch by batch, each batch ending at a sentence', async () => {
  const sentence = (i: number) => [` Sentence ${i} is long enough to fill a batch on its own`, ' and it names', ` agent${i}@example.com`, ' plainly.'];
  sagemaker.setBehaviour({ tokens: [...sentence(1), ...sentence(2), ...sentence(3), ...sentence(4), ' Call', ' +1 555 010 9999', '.'] });
  const res = await invoke(api, generate({ prompt: 'Contacts?', stream: true }));
  const texts = tokens(res.body);
  expect(texts.length).toBeGreaterThan(1);
  expect(texts.join('')).not.toMatch(/@example\.com|555 010/);
  expect(texts.join('')).toContain('{EMAIL} plainly.');
  expect(texts.join('')).toMatch(/Call \{PHONE\}\.$/);
  expect(res.body).toMatch(/event: done/);
});

test('a prompt the guardrail blocks gets the guardrail\'s message, and the endpoint is never called', async () => {
  const before = sagemaker.requests.length;
  const res = await invoke(api, generate({ prompt: 'My card is 4111 1111 1111 1111, charge it.' }));
  expect(json(res.body)).toMatchObject({ text: BLOCKED_INPUT, stopReason: 'guardrail_intervened' });
  expect(sagemaker.requests.length).toBe(before);
});

test('an answer the guardrail blocks is replaced by its message', async () => {
  sagemaker.setBehaviour({ tokens: ['Use', ' card', ' 4111 1111 1111 1111', '.'] });
  const res = await invoke(api, generate({ prompt: 'Which card?' }));
  expect(json(res.body)).toMatchObject({ text: BLOCKED_OUTPUT, stopReason: 'guardrail_intervened' });
});
