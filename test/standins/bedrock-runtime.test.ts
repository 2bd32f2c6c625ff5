// The Bedrock Runtime stand-in driven by the real @aws-sdk/client-bedrock-runtime (over HTTP/2, its default
// transport): Converse and ConverseStream round trips, the SDK's exception classes for each failure, retries,
// pacing and hanging requests.
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  ModelErrorException,
  ModelStreamErrorException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { performance } from 'node:perf_hooks';
import { type FailureKind, type StandIn, startBedrockRuntime } from '../support/standins';
import { caught, clientConfig, CREDENTIALS, since, withEnv } from './sdk';

const MODEL_ARN = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0';
const USER = { role: 'user' as const, content: [{ text: 'What is the capital of France?' }] };

let standIn: StandIn;
let client: BedrockRuntimeClient;

beforeAll(async () => {
  standIn = await startBedrockRuntime();
  client = new BedrockRuntimeClient(clientConfig(standIn.url));
});

afterAll(async () => {
  client.destroy();
  await standIn.close();
});

beforeEach(() => {
  standIn.setBehaviour({});
  standIn.requests.length = 0;
});

async function collect(stream: AsyncIterable<ConverseStreamOutput> | undefined): Promise<ConverseStreamOutput[]> {
  const events: ConverseStreamOutput[] = [];
  for await (const e of stream ?? []) events.push(e);
  return events;
}

describe('Converse', () => {
  test('answers the tokens as one assistant message, with word-count usage', async () => {
    // GIVEN
    standIn.setBehaviour({ tokens: (last) => ['You', ' asked: ', last] });

    // WHEN
    const out = await client.send(
      new ConverseCommand({ modelId: MODEL_ARN, system: [{ text: 'Be brief.' }], messages: [USER], inferenceConfig: { maxTokens: 64 } }),
    );

    // THEN
    expect(out.output?.message).toEqual({ role: 'assistant', content: [{ text: 'You asked: What is the capital of France?' }] });
    expect(out.stopReason).toBe('end_turn');
    expect(out.usage).toEqual({ inputTokens: 2 + 6, outputTokens: 3, totalTokens: 11 });
    expect(out.metrics?.latencyMs).toEqual(expect.any(Number));
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const [req] = standIn.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/model/${encodeURIComponent(MODEL_ARN)}/converse`);
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\//);
    expect(JSON.parse(req.body)).toMatchObject({ messages: [USER], inferenceConfig: { maxTokens: 64 } });
  });

  test('stops at inferenceConfig.maxTokens with stopReason max_tokens', async () => {
    standIn.setBehaviour({ tokens: ['a', 'b', 'c', 'd'] });

    const out = await client.send(new ConverseCommand({ modelId: 'm', messages: [USER], inferenceConfig: { maxTokens: 2 } }));

    expect(out.output?.message?.content).toEqual([{ text: 'ab' }]);
    expect(out.stopReason).toBe('max_tokens');
    expect(out.usage?.outputTokens).toBe(2);
  });

  test('answers after the whole reply is generated: ttftMs plus the other tokens at tokensPerSecond', async () => {
    standIn.setBehaviour({ ttftMs: 60, tokensPerSecond: 20, tokens: ['a', 'b', 'c'] });

    const start = performance.now();
    await client.send(new ConverseCommand({ modelId: 'm', messages: [USER] }));

    expect(since(start)).toBeGreaterThanOrEqual(60 + 2 * 50);
    expect(since(start)).toBeLessThan(60 + 2 * 50 + 80);
  });
});

describe('ConverseStream', () => {
  test('yields messageStart, one contentBlockDelta per token in order, contentBlockStop, messageStop, metadata', async () => {
    standIn.setBehaviour({ tokens: ['The', ' capital', ' is', ' Paris', '.'] });

    const out = await client.send(new ConverseStreamCommand({ modelId: MODEL_ARN, messages: [USER] }));
    const events = await collect(out.stream);

    expect(events).toEqual([
      { messageStart: { role: 'assistant' } },
      ...['The', ' capital', ' is', ' Paris', '.'].map((text) => ({ contentBlockDelta: { contentBlockIndex: 0, delta: { text } } })),
      { contentBlockStop: { contentBlockIndex: 0 } },
      { messageStop: { stopReason: 'end_turn' } },
      { metadata: { usage: { inputTokens: 6, outputTokens: 5, totalTokens: 11 }, metrics: { latencyMs: expect.any(Number) } } },
    ]);
    expect(standIn.requests[0].path).toBe(`/model/${encodeURIComponent(MODEL_ARN)}/converse-stream`);
  });

  test('honours ttftMs for the first token and tokensPerSecond after it', async () => {
    // GIVEN a first token after 100 ms, then one every 50 ms
    standIn.setBehaviour({ ttftMs: 100, tokensPerSecond: 20, tokens: ['a', 'b', 'c', 'd'] });

    // WHEN
    const start = performance.now();
    const out = await client.send(new ConverseStreamCommand({ modelId: 'm', messages: [USER] }));
    const at: number[] = [];
    for await (const e of out.stream ?? []) if (e.contentBlockDelta) at.push(since(start));

    // THEN token k arrives no earlier than 100 + 50k ms and within 80 ms of it
    expect(at).toHaveLength(4);
    at.forEach((t, k) => {
      expect(t).toBeGreaterThanOrEqual(100 + 50 * k);
      expect(t).toBeLessThan(100 + 50 * k + 80);
    });
  });

  test('a stream-error arrives as ModelStreamErrorException after the first token', async () => {
    standIn.setBehaviour({ failures: [{ kind: 'stream-error', requests: 'all' }] });

    const out = await client.send(new ConverseStreamCommand({ modelId: 'm', messages: [USER] }));
    const seen: ConverseStreamOutput[] = [];
    const err = await caught(
      (async () => {
        for await (const e of out.stream ?? []) seen.push(e);
      })(),
    );

    expect(seen).toEqual([{ messageStart: { role: 'assistant' } }, { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Hello' } } }]);
    expect(err).toBeInstanceOf(ModelStreamErrorException);
    expect(err).toMatchObject({ name: 'ModelStreamErrorException', originalStatusCode: 500 });
  });
  test('a caller that aborts mid-stream leaves the stand-in serving; over HTTP/2 the SDK just ends the iteration', async () => {
    // GIVEN a long, paced answer
    standIn.setBehaviour({ tokensPerSecond: 100, tokens: Array.from({ length: 30 }, (_, i) => `t${i} `) });
    const abort = new AbortController();

    // WHEN the caller aborts after the second token
    const out = await client.send(new ConverseStreamCommand({ modelId: 'm', messages: [USER] }), { abortSignal: abort.signal });
    const seen: string[] = [];
    for await (const e of out.stream ?? []) {
      seen.push(Object.keys(e)[0]);
      if (seen.length === 3) abort.abort();
    }
    standIn.setBehaviour({});
    const next = await client.send(new ConverseCommand({ modelId: 'm', messages: [USER] }));

    // THEN no error and no messageStop (frames already buffered may still come): a consumer must treat a stream
    // without messageStop as cut short
    expect(seen.slice(0, 3)).toEqual(['messageStart', 'contentBlockDelta', 'contentBlockDelta']);
    expect(seen.slice(3).every((k) => k === 'contentBlockDelta')).toBe(true);
    expect(seen.length).toBeLessThan(31);
    expect(next.output?.message?.content).toEqual([{ text: 'Hello there.' }]);
  });
});

describe('errors', () => {
  test.each<[FailureKind, new (...args: never[]) => Error, number]>([
    ['throttle', ThrottlingException, 429],
    ['model-error', ModelErrorException, 424],
    ['unavailable', ServiceUnavailableException, 503],
    ['validation', ValidationException, 400],
  ])('%s surfaces as the SDK class %p (HTTP %i) on Converse and ConverseStream', async (kind, errorClass, status) => {
    standIn.setBehaviour({ failures: [{ kind, requests: 'all' }] });

    const plain = await caught(client.send(new ConverseCommand({ modelId: 'm', messages: [USER] })));
    const streamed = await caught(client.send(new ConverseStreamCommand({ modelId: 'm', messages: [USER] })));

    for (const err of [plain, streamed]) {
      expect(err).toBeInstanceOf(errorClass);
      expect(err.name).toBe(errorClass.name);
      expect(err.$metadata).toMatchObject({ httpStatusCode: status, attempts: 1 });
    }
  });

  test('model-error carries originalStatusCode and the model as resourceName', async () => {
    standIn.setBehaviour({ failures: [{ kind: 'model-error', requests: [1] }] });

    const err = await caught(client.send(new ConverseCommand({ modelId: MODEL_ARN, messages: [USER] })));

    expect(err).toMatchObject({ originalStatusCode: 500, resourceName: MODEL_ARN });
  });

  test('with maxAttempts 3 the SDK retries throttling: requests 1 and 2 fail, the 3rd answers', async () => {
    // GIVEN the SDK's default retry strategy, its random jitter pinned low so that the backoff (up to 1 s, then
    // 2 s, for throttles) stays short
    standIn.setBehaviour({ failures: [{ kind: 'throttle', requests: [1, 2] }] });
    const retrying = new BedrockRuntimeClient(clientConfig(standIn.url, 3));
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.01);

    // WHEN
    const out = await retrying.send(new ConverseCommand({ modelId: 'm', messages: [USER] })).finally(() => {
      random.mockRestore();
      retrying.destroy();
    });

    // THEN
    expect(out.output?.message?.content).toEqual([{ text: 'Hello there.' }]);
    expect(out.$metadata.attempts).toBe(3);
    expect(standIn.requests.map((r) => r.headers['amz-sdk-request'])).toEqual(['attempt=1; max=3', 'attempt=2; max=3', 'attempt=3; max=3']);
  });

  test('setBehaviour resets the request counter that failures count with', async () => {
    standIn.setBehaviour({ failures: [{ kind: 'validation', requests: [1] }] });
    await caught(client.send(new ConverseCommand({ modelId: 'm', messages: [USER] })));
    await client.send(new ConverseCommand({ modelId: 'm', messages: [USER] }));

    standIn.setBehaviour({ failures: [{ kind: 'validation', requests: [1] }] });

    expect(await caught(client.send(new ConverseCommand({ modelId: 'm', messages: [USER] })))).toBeInstanceOf(ValidationException);
  });

  test('timeout-hang never answers until the caller aborts', async () => {
    standIn.setBehaviour({ failures: [{ kind: 'timeout-hang', requests: 'all' }] });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 150);

    const start = performance.now();
    const err = await caught(client.send(new ConverseStreamCommand({ modelId: 'm', messages: [USER] }), { abortSignal: abort.signal }));

    expect(err.name).toBe('AbortError');
    expect(since(start)).toBeGreaterThanOrEqual(145);
    expect(standIn.requests).toHaveLength(1);
  });

  test('fails when the behaviour is invalid, naming every problem', async () => {
    expect(() => standIn.setBehaviour({ ttftMs: -1, tokensPerSecond: Number.NaN, tokens: [] })).toThrow(
      /ttftMs must be a finite number >= 0, got -1; tokensPerSecond must be .*NaN; tokens must not be empty/,
    );
  });
});

describe('endpoint configuration', () => {
  test('a client built without endpoint reaches the stand-in through AWS_ENDPOINT_URL_BEDROCK_RUNTIME', async () => {
    await withEnv({ AWS_ENDPOINT_URL_BEDROCK_RUNTIME: standIn.url }, async () => {
      const viaEnv = new BedrockRuntimeClient({ region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
      try {
        const out = await viaEnv.send(new ConverseCommand({ modelId: 'm', messages: [USER] }));
        expect(out.output?.message?.content).toEqual([{ text: 'Hello there.' }]);
      } finally {
        viaEnv.destroy();
      }
    });
    expect(standIn.requests).toHaveLength(1);
  });

  test('close() ends hanging requests and open keep-alive connections', async () => {
    // GIVEN a separate stand-in with a request hanging on it
    const other = await startBedrockRuntime({ failures: [{ kind: 'timeout-hang', requests: 'all' }] });
    const c = new BedrockRuntimeClient(clientConfig(other.url));
    const pending = caught(c.send(new ConverseCommand({ modelId: 'm', messages: [USER] })));
    while (other.requests.length === 0) await new Promise((r) => setTimeout(r, 5));

    // WHEN
    const start = performance.now();
    await other.close();

    // THEN the close is prompt and the caller sees the connection go
    expect(since(start)).toBeLessThan(100);
    expect((await pending).message).toBeTruthy();
    c.destroy();
  });
});
