// The API handler as deployed (the esbuild bundle the construct ships), run with the real AWS SDK clients
// pointed at local stand-ins that speak the Bedrock Runtime, SageMaker Runtime and S3 wire protocols.
import { runtimeBundleDir } from '../../lib/constructs/private/runtime-bundle';
import { REQUEST_ID_PATTERN } from '../../lib/runtime/api/contract';
import { apiEvent, invoke, lambdaContext, loadHandler } from '../support/lambda-runtime';
import { type S3StandIn, type SageMakerStandIn, type StandIn, startBedrockRuntime, startS3, startSageMakerRuntime } from '../../scripts/lib/standins';
import { parseEvents } from '../../lib/runtime/api/sse';

const TEMPLATES = [{
  id: 'support-answer', version: '7', system: 'Answer briefly.',
  examples: [{ user: 'Order 1. Question: where?', assistant: 'On its way.' }],
  user: 'Order {{orderId}}. Question: {{question}}',
}];

let bedrock: StandIn;
let sagemaker: SageMakerStandIn;
let s3: S3StandIn;
let bedrockHandler: ReturnType<typeof loadHandler>;
let sagemakerHandler: ReturnType<typeof loadHandler>;

function baseEnv(): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: '',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sagemaker.url, AWS_ENDPOINT_URL_S3: s3.url,
    MAX_INPUT_TOKENS: '300', MAX_OUTPUT_TOKENS: '100', DATASET_BUCKET: 'datasets', FEEDBACK_PREFIX: 'feedback/',
    PROMPT_TEMPLATES: JSON.stringify(TEMPLATES), MODEL_TIMEOUT_MS: '1500',
    POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false',
  };
}

beforeAll(async () => {
  [bedrock, sagemaker, s3] = await Promise.all([startBedrockRuntime(), startSageMakerRuntime(), startS3()]);
  const dir = runtimeBundleDir('api');
  bedrockHandler = loadHandler(dir, { ...baseEnv(), BACKEND: 'bedrock', MODEL_ID: 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123', MODEL_NAME: 'meta.llama3-1-8b-instruct-v1:0' });
  sagemakerHandler = loadHandler(dir, { ...baseEnv(), BACKEND: 'sagemaker', ENDPOINT_NAME: 'chat-endpoint', MODEL_NAME: 'Qwen/Qwen2.5-7B-Instruct' });
});

afterAll(async () => {
  await Promise.all([bedrock?.close(), sagemaker?.close(), s3?.close()]);
});

beforeEach(() => {
  bedrock.setBehaviour({ tokens: ['Your', ' order', ' ships', ' today', '.'] });
  sagemaker.setBehaviour({ tokens: ['It', ' is', ' on', ' its', ' way', '.'] });
});

const CALLER = 'arn:aws:sts::111122223333:assumed-role/support-app/session-1';
/** An event as API Gateway passes it after SigV4 authorization: the caller's ARN in requestContext.identity. */
function signed(event: ReturnType<typeof apiEvent>, userArn = CALLER): ReturnType<typeof apiEvent> {
  return { ...event, requestContext: { ...event.requestContext, identity: { userArn } } as typeof event.requestContext };
}
const generate = (body: unknown) => signed(apiEvent('POST', '/v1/generate', body));
const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
const sseEvents = parseEvents;

describe('POST /v1/generate on Bedrock', () => {
  test('answers with the text, usage, model and a request id, and records the interaction', async () => {
    const res = await invoke(bedrockHandler, generate({ prompt: 'Where is order 42?', maxTokens: 50 }));
    expect(res.statusCode).toBe(200);
    const body = json(res.body);
    expect(body).toMatchObject({ text: 'Your order ships today.', model: 'meta.llama3-1-8b-instruct-v1:0', usage: { outputTokens: 5 }, stopReason: 'end_turn' });
    expect(body.requestId).toMatch(new RegExp(REQUEST_ID_PATTERN));
    expect(res.headers['x-request-id']).toBe(body.requestId);
    // The Converse call went to the profile ARN, URL-encoded, with the budget and no system prompt.
    const sent = bedrock.requests.at(-1)!;
    expect(sent.path).toBe(`/model/${encodeURIComponent('arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123')}/converse`);
    expect(JSON.parse(sent.body)).toEqual({ messages: [{ role: 'user', content: [{ text: 'Where is order 42?' }] }], inferenceConfig: { maxTokens: 50 } });
    const id = body.requestId as string;
    const record = JSON.parse(s3.objects.get(`datasets/feedback/interactions/${id.slice(0, 4)}/${id.slice(4, 6)}/${id.slice(6, 8)}/${id}.json`)!.body.toString());
    expect(record).toMatchObject({ requestId: id, response: 'Your order ships today.', messages: [{ role: 'user', content: 'Where is order 42?' }] });
  });

  test('renders a prompt template and reports its version', async () => {
    const res = await invoke(bedrockHandler, generate({ template: { id: 'support-answer', variables: { orderId: '42', question: 'when?' } } }));
    expect(res.statusCode).toBe(200);
    expect(json(res.body).templateVersion).toBe('7');
    expect(JSON.parse(bedrock.requests.at(-1)!.body)).toMatchObject({
      system: [{ text: 'Answer briefly.' }],
      messages: [
        { role: 'user', content: [{ text: 'Order 1. Question: where?' }] },
        { role: 'assistant', content: [{ text: 'On its way.' }] },
        { role: 'user', content: [{ text: 'Order 42. Question: when?' }] },
      ],
      inferenceConfig: { maxTokens: 100 },
    });
  });

  test('streams tokens as server-sent events as they are generated, then a done event', async () => {
    bedrock.setBehaviour({ tokens: ['a', 'b', 'c', 'd'], ttftMs: 30, tokensPerSecond: 40 });
    const res = await invoke(bedrockHandler, generate({ prompt: 'hi', stream: true }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    const events = sseEvents(res.body);
    expect(events.map((e) => e.event)).toEqual(['token', 'token', 'token', 'token', 'done']);
    expect(events.slice(0, 4).map((e) => e.data.text)).toEqual(['a', 'b', 'c', 'd']);
    expect(events[4].data).toMatchObject({ requestId: res.headers['x-request-id'], usage: { outputTokens: 4 } });
    // The first token reached the caller well before the last one was generated (3 more at 40/s = 75 ms).
    const first = res.chunks.find((c) => c.data.toString().includes('event: token'))!;
    expect(res.durationMs - first.atMs).toBeGreaterThan(50);
  });

  test('POST /v1/generate/stream streams without the flag', async () => {
    const res = await invoke(bedrockHandler, apiEvent('POST', '/v1/generate/stream', { prompt: 'hi' }));
    expect(sseEvents(res.body).at(-1)!.event).toBe('done');
  });
});

describe('POST /v1/generate on a SageMaker endpoint (OpenAI-style messages API)', () => {
  test('sends the chat payload and returns the answer', async () => {
    const res = await invoke(sagemakerHandler, generate({ system: 'Be kind.', messages: [{ role: 'user', content: 'Where?' }], temperature: 0.2 }));
    expect(res.statusCode).toBe(200);
    expect(json(res.body)).toMatchObject({ text: 'It is on its way.', model: 'Qwen/Qwen2.5-7B-Instruct', usage: { outputTokens: 6 } });
    const sent = sagemaker.requests.at(-1)!;
    expect(sent.path).toBe('/endpoints/chat-endpoint/invocations');
    expect(JSON.parse(sent.body)).toEqual({ messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Where?' }], max_tokens: 100, temperature: 0.2, stream: false });
  });

  test.each(['sse', 'jsonlines'] as const)('streams %s-framed chunks split across payload parts', async (streamFraming) => {
    sagemaker.setBehaviour({ tokens: ['x', 'y', 'z'], streamFraming, splitChunks: true });
    const res = await invoke(sagemakerHandler, generate({ prompt: 'hi', stream: true }));
    const events = sseEvents(res.body);
    expect(events.filter((e) => e.event === 'token').map((e) => e.data.text).join('')).toBe('xyz');
    expect(events.at(-1)!.event).toBe('done');
    expect(sagemaker.requests.at(-1)!.path).toBe('/endpoints/chat-endpoint/invocations-response-stream');
  });

  test('an endpoint that hosts inference components is invoked with the component named, buffered and streamed', async () => {
    const componentHandler = loadHandler(runtimeBundleDir('api'), { ...baseEnv(), BACKEND: 'sagemaker', ENDPOINT_NAME: 'chat-endpoint', MODEL_NAME: 'Qwen/Qwen2.5-7B-Instruct', INFERENCE_COMPONENT_NAME: 'chat-endpoint-model' });
    delete process.env.INFERENCE_COMPONENT_NAME;
    try {
      // Without the component, the endpoint refuses the request (as SageMaker does for component endpoints).
      sagemaker.setBehaviour({ inferenceComponents: ['chat-endpoint-model'] });
      expect((await invoke(sagemakerHandler, generate({ prompt: 'hi' }))).statusCode).toBeGreaterThanOrEqual(400);
      const buffered = await invoke(componentHandler, generate({ prompt: 'hi' }));
      expect(buffered.statusCode).toBe(200);
      expect(sagemaker.requests.at(-1)!.headers['x-amzn-sagemaker-inference-component']).toBe('chat-endpoint-model');
      const streamed = await invoke(componentHandler, generate({ prompt: 'hi', stream: true }));
      expect(sseEvents(streamed.body).at(-1)!.event).toBe('done');
      expect(sagemaker.requests.at(-1)!.headers['x-amzn-sagemaker-inference-component']).toBe('chat-endpoint-model');
    } finally {
      sagemaker.setBehaviour({});
    }
  });
});

describe('POST /v1/feedback', () => {
  test('stores one rating per answer, next to the answer it rates, referencing it instead of copying it', async () => {
    const answer = json((await invoke(bedrockHandler, generate({ prompt: 'Return policy?' }))).body);
    const res = await invoke(bedrockHandler, signed(apiEvent('POST', '/v1/feedback', { requestId: answer.requestId, rating: 'down', correction: 'Returns within 30 days.', comment: 'wrong' })));
    expect(res.statusCode).toBe(201);
    const { feedbackId } = json(res.body);
    const id = answer.requestId as string;
    const stored = JSON.parse(s3.objects.get(`datasets/feedback/ratings/${id.slice(0, 4)}/${id.slice(4, 6)}/${id.slice(6, 8)}/${id}.json`)!.body.toString());
    expect(stored).toEqual({
      version: 2, feedbackId, requestId: id, createdAt: expect.any(String), rating: 'down', correction: 'Returns within 30 days.', comment: 'wrong',
      model: 'meta.llama3-1-8b-instruct-v1:0', caller: expect.stringMatching(/^iam:[0-9a-f]{32}$/),
    });
  });

  test('answers 404 for a request id that was never answered, and stores nothing', async () => {
    const before = s3.objects.size;
    const res = await invoke(bedrockHandler, signed(apiEvent('POST', '/v1/feedback', { requestId: '20261129-00000000-0000-4000-8000-000000000000', rating: 'up' })));
    expect(res.statusCode).toBe(404);
    expect(json(res.body)).toMatchObject({ error: { code: 'unknown_request', field: 'requestId' } });
    expect(s3.objects.size).toBe(before);
  });
});

describe('errors', () => {
  test.each([
    ['throttle', 429, 'model_throttled'],
    ['model-error', 502, 'model_error'],
    ['unavailable', 502, 'model_error'],
    ['validation', 400, 'model_rejected_request'],
  ] as const)('a %s from the model answers %i %s, with no internals', async (kind, status, code) => {
    bedrock.setBehaviour({ failures: [{ kind, requests: 'all' }] });
    const res = await invoke(bedrockHandler, generate({ prompt: 'hi' }));
    expect(res.statusCode).toBe(status);
    expect(json(res.body)).toEqual({ requestId: res.headers['x-request-id'], error: { code, message: expect.any(String) } });
    if (status === 429) expect(res.headers['retry-after']).toBe('2');
    expect(res.body).not.toMatch(/127\.0\.0\.1|arn:|at .*\.js|Exception/);
  });

  test('a throttle is retried once before the caller sees 429', async () => {
    bedrock.setBehaviour({ failures: [{ kind: 'throttle', requests: [1] }] });
    const res = await invoke(bedrockHandler, generate({ prompt: 'hi' }));
    expect(res.statusCode).toBe(200);
    expect(bedrock.requests.filter((r) => r.path.endsWith('/converse')).length).toBeGreaterThanOrEqual(2);
  });

  test('a model that does not answer in time gives 504', async () => {
    sagemaker.setBehaviour({ failures: [{ kind: 'timeout-hang', requests: 'all' }] });
    const res = await invoke(sagemakerHandler, generate({ prompt: 'hi' }));
    expect(res.statusCode).toBe(504);
    expect(json(res.body).error).toMatchObject({ code: 'model_timeout' });
  });

  test('a stream that outlasts the deadline ends with a timeout error event', async () => {
    bedrock.setBehaviour({ tokens: Array.from({ length: 10 }, (_, i) => `t${i}`), tokensPerSecond: 4 });
    const res = await invoke(bedrockHandler, generate({ prompt: 'hi', stream: true }));
    const events = sseEvents(res.body);
    expect(events[0].event).toBe('token');
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { error: { code: 'model_timeout' } } });
    expect(res.durationMs).toBeLessThan(2500);
  });

  test('a stream that fails after its first token ends with an error event', async () => {
    bedrock.setBehaviour({ tokens: ['a', 'b', 'c'], failures: [{ kind: 'stream-error', requests: 'all' }] });
    const res = await invoke(bedrockHandler, generate({ prompt: 'hi', stream: true }));
    const events = sseEvents(res.body);
    expect(events[0]).toEqual({ event: 'token', data: { text: 'a' } });
    expect(events.at(-1)!.event).toBe('error');
  });

  test.each([
    ['a prompt over the token budget', { prompt: 'word '.repeat(400) }, 413, 'prompt_too_long', 'prompt'],
    ['maxTokens over the budget', { prompt: 'hi', maxTokens: 101 }, 400, 'invalid_request', 'maxTokens'],
    ['both prompt and messages', { prompt: 'hi', messages: [{ role: 'user', content: 'hi' }] }, 400, 'invalid_request', 'messages'],
    ['a conversation starting with the assistant', { messages: [{ role: 'assistant', content: 'hi' }] }, 400, 'invalid_request', 'messages[0].role'],
    ['an unknown field', { prompt: 'hi', temprature: 1 }, 400, 'invalid_request', 'temprature'],
    ['a template variable that is missing', { template: { id: 'support-answer', variables: { orderId: '1' } } }, 400, 'invalid_request', 'template.variables'],
    ['an unknown template', { template: { id: 'nope' } }, 400, 'unknown_template', 'template.id'],
  ])('rejects %s', async (_name, body, status, code, field) => {
    const res = await invoke(bedrockHandler, generate(body));
    expect(res.statusCode).toBe(status);
    expect(json(res.body).error).toMatchObject({ code, field });
  });

  test('rejects a body over 256 KiB with 413 before parsing it', async () => {
    const res = await invoke(bedrockHandler, apiEvent('POST', '/v1/generate', undefined, `{"prompt":"${'x'.repeat(300_000)}"}`));
    expect(res.statusCode).toBe(413);
  });

  test('rejects malformed JSON and unknown routes', async () => {
    expect((await invoke(bedrockHandler, apiEvent('POST', '/v1/generate', undefined, '{"prompt":'))).statusCode).toBe(400);
    expect((await invoke(bedrockHandler, apiEvent('DELETE', '/v1/generate'))).statusCode).toBe(404);
  });
});

test('GET /v1/health, open to anyone, says it is up and nothing about the deployment', async () => {
  const res = await invoke(bedrockHandler, apiEvent('GET', '/v1/health'));
  expect(res.statusCode).toBe(200);
  expect(json(res.body)).toEqual({ requestId: res.headers['x-request-id'], status: 'ok' });
});

test('an unknown template is named, and the templates the API has are not', async () => {
  const res = await invoke(bedrockHandler, generate({ template: { id: 'nope' } }));
  expect(json(res.body).error).toEqual({ code: 'unknown_template', message: 'No prompt template "nope".', field: 'template.id' });
  expect(res.body).not.toContain('support-answer');
});

describe('fuzzing request bodies', () => {
  // A seeded generator, so a failure reproduces.
  let seed = 20261129;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const atoms = [null, true, false, 0, -1, 1e308, -0.5, 2 ** 53, '', 'x', '\u0000', '{{x}}', '\ud800', [], {}, 'user', 'assistant'];
  const keys = ['prompt', 'messages', 'template', 'maxTokens', 'temperature', 'topP', 'stop', 'stream', 'system', 'role', 'content', 'id', 'variables', '__proto__', 'constructor'];
  function value(depth: number): unknown {
    const r = rand();
    if (depth > 3 || r < 0.4) return pick(atoms);
    if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [pick(keys), value(depth + 1)]));
  }
  function body(): string {
    const r = rand();
    if (r < 0.15) return Array.from({ length: Math.floor(rand() * 40) }, () => String.fromCharCode(Math.floor(rand() * 128))).join('');
    const text = JSON.stringify(value(0)) ?? 'null';
    return r < 0.3 ? text.slice(0, Math.floor(rand() * text.length)) : text;
  }

  test('300 random and malformed bodies never get a 5xx', async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const route = pick(['/v1/generate', '/v1/feedback', '/v1/generate/stream']);
      const res = await invoke(bedrockHandler, signed(apiEvent('POST', route, undefined, body())), lambdaContext());
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode).toBeLessThan(500);
    }
    expect(statuses.get(400)).toBeGreaterThan(200);
  });
});
