// The SageMaker Runtime stand-in driven by the real @aws-sdk/client-sagemaker-runtime: InvokeEndpoint and
// InvokeEndpointWithResponseStream round trips in both container stream dialects, PayloadParts split mid-line,
// the SDK's exception classes for each failure, retries, pacing and hanging requests.
import {
  InvokeEndpointCommand,
  InvokeEndpointWithResponseStreamCommand,
  type InvokeEndpointWithResponseStreamCommandOutput,
  ModelError,
  ModelStreamError,
  SageMakerRuntimeClient,
  SageMakerRuntimeServiceException,
  ServiceUnavailable,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import { performance } from 'node:perf_hooks';
import { type SageMakerStandIn, startSageMakerRuntime } from '../../scripts/lib/standins';
import { caught, clientConfig, CREDENTIALS, since, withEnv } from './sdk';

const ENDPOINT = 'llm-endpoint';
const TOKENS = ['Bonjour', ' à', ' tous', ' 🌍', '.'];

let standIn: SageMakerStandIn;
let client: SageMakerRuntimeClient;

beforeAll(async () => {
  standIn = await startSageMakerRuntime();
  client = new SageMakerRuntimeClient(clientConfig(standIn.url));
});

afterAll(async () => {
  client.destroy();
  await standIn.close();
});

beforeEach(() => {
  standIn.setBehaviour({ tokens: TOKENS });
  standIn.requests.length = 0;
});

function chatBody(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello in French' }], max_tokens: 64, ...extra });
}

function invokeStream(extra: Record<string, unknown> = { stream: true }, c = client): Promise<InvokeEndpointWithResponseStreamCommandOutput> {
  return c.send(new InvokeEndpointWithResponseStreamCommand({ EndpointName: ENDPOINT, ContentType: 'application/json', Body: chatBody(extra) }));
}

/** Every PayloadPart's bytes, in order. */
async function parts(out: InvokeEndpointWithResponseStreamCommandOutput): Promise<Buffer[]> {
  const all: Buffer[] = [];
  for await (const e of out.Body ?? []) if (e.PayloadPart?.Bytes) all.push(Buffer.from(e.PayloadPart.Bytes));
  return all;
}

/** The chunk objects of a container stream in either dialect. */
function chunksOf(text: string): { choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[]; usage?: unknown }[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && l !== 'data: [DONE]')
    .map((l) => JSON.parse(l.startsWith('data: ') ? l.slice(6) : l) as ReturnType<typeof chunksOf>[number]);
}

describe('InvokeEndpoint', () => {
  test('passes the body to the container and answers its OpenAI chat completion', async () => {
    const out = await client.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, ContentType: 'application/json', Body: chatBody() }));

    expect(out.ContentType).toBe('application/json');
    expect(out.InvokedProductionVariant).toBe('AllTraffic');
    expect(JSON.parse(Buffer.from(out.Body ?? []).toString('utf8'))).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: ENDPOINT,
      choices: [{ index: 0, message: { role: 'assistant', content: TOKENS.join('') }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 2 + 4, completion_tokens: 5, total_tokens: 11 },
    });
    const [req] = standIn.requests;
    expect(req.path).toBe(`/endpoints/${ENDPOINT}/invocations`);
    expect(req.body).toBe(chatBody());
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d+\/us-east-1\/sagemaker\//);
  });

  test('stops at max_tokens with finish_reason length', async () => {
    const out = await client.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, Body: chatBody({ max_tokens: 2 }) }));

    const completion = JSON.parse(Buffer.from(out.Body ?? []).toString('utf8')) as { choices: { message: { content: string }; finish_reason: string }[] };
    expect(completion.choices[0]).toMatchObject({ message: { content: 'Bonjour à' }, finish_reason: 'length' });
  });

  test('a body the container cannot read comes back as ModelError with the container status', async () => {
    const err = await caught(client.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, Body: '{"inputs":"hi"}' })));

    expect(err).toBeInstanceOf(ModelError);
    expect(err).toMatchObject({ OriginalStatusCode: 400, $metadata: { httpStatusCode: 424 } });
  });
});

describe('InvokeEndpointWithResponseStream', () => {
  test("sse: PayloadParts reassemble to TGI's `data: {chunk}` events ending with [DONE]", async () => {
    const out = await invokeStream();
    const text = Buffer.concat(await parts(out)).toString('utf8');

    expect(out.ContentType).toBe('text/event-stream');
    expect(out.InvokedProductionVariant).toBe('AllTraffic');
    expect(text).toMatch(/^(data: \{[^\n]*\}\n\n)+data: \[DONE\]\n\n$/);
    const chunks = chunksOf(text);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe(TOKENS.join(''));
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
    expect(standIn.requests[0].path).toBe(`/endpoints/${ENDPOINT}/invocations-response-stream`);
  });

  test("jsonlines: PayloadParts reassemble to LMI's one JSON chunk per line", async () => {
    standIn.setBehaviour({ tokens: TOKENS, streamFraming: 'jsonlines' });

    const out = await invokeStream();
    const text = Buffer.concat(await parts(out)).toString('utf8');

    expect(out.ContentType).toBe('application/jsonlines');
    expect(text).toMatch(/^(\{[^\n]*\}\n)+$/);
    expect(chunksOf(text).map((c) => c.choices[0].delta.content ?? '').join('')).toBe(TOKENS.join(''));
  });

  test('splitChunks cuts every line across two PayloadParts, even inside a multi-byte character', async () => {
    standIn.setBehaviour({ tokens: ['🌍🌍🌍'], splitChunks: true });

    const all = await parts(await invokeStream());

    // 1 token + the finish chunk + [DONE], two parts each; only the second part of each ends its event
    expect(all).toHaveLength(6);
    all.forEach((p, i) => expect(p.toString('utf8').endsWith('\n\n')).toBe(i % 2 === 1));
    // the token's line is cut inside the emoji: each half alone does not decode
    expect(all[0].toString('utf8')).toMatch(/\uFFFD$/);
    const text = Buffer.concat(all).toString('utf8');
    expect(chunksOf(text)[0].choices[0].delta.content).toBe('🌍🌍🌍');
  });

  test('stream_options.include_usage adds a usage chunk with no choices', async () => {
    const text = Buffer.concat(await parts(await invokeStream({ stream: true, stream_options: { include_usage: true } }))).toString('utf8');

    expect(chunksOf(text).at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 6, completion_tokens: 5, total_tokens: 11 } });
  });

  test('a body without "stream": true is answered unstreamed, as one PayloadPart', async () => {
    const out = await invokeStream({});
    const all = await parts(out);

    expect(out.ContentType).toBe('application/json');
    expect(all).toHaveLength(1);
    expect(JSON.parse(all[0].toString('utf8'))).toMatchObject({ object: 'chat.completion' });
  });

  test('honours ttftMs for the first PayloadPart and tokensPerSecond after it', async () => {
    standIn.setBehaviour({ ttftMs: 100, tokensPerSecond: 25, tokens: ['a', 'b', 'c'] });

    const start = performance.now();
    const out = await invokeStream();
    const at: number[] = [];
    for await (const e of out.Body ?? []) if (e.PayloadPart) at.push(since(start));

    // tokens at 100, 140, 180 ms; the finish chunk and [DONE] follow the last token at once
    expect(at).toHaveLength(5);
    [100, 140, 180].forEach((due, k) => {
      expect(at[k]).toBeGreaterThanOrEqual(due);
      expect(at[k]).toBeLessThan(due + 80);
    });
  });

  test('a stream-error arrives as ModelStreamError after the first token', async () => {
    standIn.setBehaviour({ tokens: TOKENS, failures: [{ kind: 'stream-error', requests: [1] }] });

    const out = await invokeStream();
    const seen: string[] = [];
    const err = await caught(
      (async () => {
        for await (const e of out.Body ?? []) seen.push(Buffer.from(e.PayloadPart?.Bytes ?? []).toString('utf8'));
      })(),
    );

    expect(seen).toHaveLength(1);
    expect(chunksOf(seen[0])[0].choices[0].delta.content).toBe('Bonjour');
    expect(err).toBeInstanceOf(ModelStreamError);
    expect(err).toMatchObject({ name: 'ModelStreamError', ErrorCode: 'StreamBroken' });
  });
  test.each(['sse', 'jsonlines'] as const)('truncateAfterTokens: a %s stream just stops, with no finish_reason, usage or [DONE]', async (streamFraming) => {
    standIn.setBehaviour({ tokens: TOKENS, streamFraming, truncateAfterTokens: 2 });

    const text = (await parts(await invokeStream({ stream: true, stream_options: { include_usage: true } }))).map((b) => b.toString('utf8')).join('');

    expect(chunksOf(text).map((c) => c.choices[0]?.delta.content)).toEqual(['Bonjour', ' à']);
    expect(chunksOf(text).every((c) => c.choices[0]?.finish_reason === null && c.usage === undefined)).toBe(true);
    expect(text).not.toContain('[DONE]');
  });

  test('streamFailure: an InternalStreamFailure after the given number of tokens', async () => {
    standIn.setBehaviour({ tokens: TOKENS, streamFailure: { afterTokens: 3, error: 'InternalStreamFailure' } });

    const out = await invokeStream();
    const seen: string[] = [];
    const err = await caught((async () => {
      for await (const e of out.Body ?? []) seen.push(Buffer.from(e.PayloadPart?.Bytes ?? []).toString('utf8'));
    })());

    expect(seen).toHaveLength(3);
    expect(err).toMatchObject({ name: 'InternalStreamFailure' });
  });

  test('fails when the truncation or failure settings are invalid, naming each', () => {
    expect(() => standIn.setBehaviour({ truncateAfterTokens: -1, streamFailure: { afterTokens: 0, error: 'Nope' as 'ModelStreamError' } }))
      .toThrow(/truncateAfterTokens must be a whole number >= 0[\s\S]*afterTokens must be a whole number >= 1[\s\S]*streamFailure.error must be/);
  });

  test('a caller that aborts mid-stream gets an error and leaves the stand-in serving', async () => {
    standIn.setBehaviour({ tokensPerSecond: 100, tokens: Array.from({ length: 30 }, (_, i) => `t${i} `) });
    const abort = new AbortController();

    const out = await client.send(
      new InvokeEndpointWithResponseStreamCommand({ EndpointName: ENDPOINT, Body: chatBody({ stream: true }) }),
      { abortSignal: abort.signal },
    );
    let n = 0;
    const err = await caught(
      (async () => {
        for await (const _e of out.Body ?? []) if (++n === 3) abort.abort();
      })(),
    );
    standIn.setBehaviour({});
    const next = await client.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, Body: chatBody() }));

    expect(n).toBeGreaterThanOrEqual(3); // parts already buffered may still come before the error
    expect(n).toBeLessThan(32);
    expect(err.message).toBe('aborted'); // over HTTP/1 the body stream errors, unlike Bedrock's HTTP/2 stream
    expect(next.InvokedProductionVariant).toBe('AllTraffic');
  });
});

describe('errors', () => {
  test.each([
    ['model-error', ModelError, 424],
    ['unavailable', ServiceUnavailable, 503],
    ['validation', ValidationError, 400],
  ] as const)('%s surfaces as the SDK class %p (HTTP %i) on both operations', async (kind, errorClass, status) => {
    standIn.setBehaviour({ failures: [{ kind, requests: 'all' }] });

    const plain = await caught(client.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, Body: chatBody() })));
    const streamed = await caught(invokeStream());

    for (const err of [plain, streamed]) {
      expect(err).toBeInstanceOf(errorClass);
      expect(err.name).toBe(errorClass.name);
      expect(err.$metadata).toMatchObject({ httpStatusCode: status, attempts: 1 });
    }
  });

  test('model-error carries OriginalStatusCode, OriginalMessage and LogStreamArn', async () => {
    standIn.setBehaviour({ failures: [{ kind: 'model-error', requests: 'all' }] });

    const err = await caught(client.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, Body: chatBody() })));

    expect(err).toMatchObject({
      OriginalStatusCode: 500,
      OriginalMessage: expect.stringContaining('model-error'),
      LogStreamArn: `arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/${ENDPOINT}`,
      message: expect.stringMatching(/^Received server error \(500\) from primary/),
    });
  });

  test('throttle is an unmodeled ThrottlingException (HTTP 400), which the SDK retries', async () => {
    // GIVEN requests 1 and 2 throttled, and the default retry strategy's jitter pinned low
    standIn.setBehaviour({ failures: [{ kind: 'throttle', requests: [1, 2] }] });
    const retrying = new SageMakerRuntimeClient(clientConfig(standIn.url, 3));
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.01);

    // WHEN
    const first = await caught(client.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, Body: chatBody() })));
    const out = await retrying.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, Body: chatBody() })).finally(() => {
      random.mockRestore();
      retrying.destroy();
    });

    // THEN
    expect(first).toBeInstanceOf(SageMakerRuntimeServiceException);
    expect(first).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    expect(out.$metadata.attempts).toBe(2);
    expect(standIn.requests).toHaveLength(3);
  });

  test('timeout-hang never answers until the caller aborts', async () => {
    standIn.setBehaviour({ failures: [{ kind: 'timeout-hang', requests: 'all' }] });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);

    const err = await caught(client.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, Body: chatBody() }), { abortSignal: abort.signal }));

    expect(err.name).toBe('AbortError');
    expect(standIn.requests).toHaveLength(1);
  });
});

describe('endpoint configuration', () => {
  test('a client built without endpoint reaches the stand-in through AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME', async () => {
    await withEnv({ AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: standIn.url }, async () => {
      const viaEnv = new SageMakerRuntimeClient({ region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
      try {
        const out = await viaEnv.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, Body: chatBody() }));
        expect(out.InvokedProductionVariant).toBe('AllTraffic');
      } finally {
        viaEnv.destroy();
      }
    });
    expect(standIn.requests).toHaveLength(1);
  });
});
