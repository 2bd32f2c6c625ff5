// The Bedrock Runtime stand-in driven by the real @aws-sdk/client-bedrock-runtime (over HTTP/2, its default
// transport): Converse and ConverseStream round trips, tool use, the SDK's exception classes for each failure,
// retries, pacing and hanging requests.
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ContentBlock,
  type ConverseStreamOutput,
  type Message,
  ModelErrorException,
  ModelStreamErrorException,
  ServiceUnavailableException,
  ThrottlingException,
  type Tool,
  type ToolConfiguration,
  type ToolResultContentBlock,
  type ToolUseBlock,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { performance } from 'node:perf_hooks';
import { type BedrockRuntimeStandIn, type FailureKind, startBedrockRuntime } from '../../scripts/lib/standins';
import { caught, clientConfig, CREDENTIALS, since, withEnv } from './sdk';

const MODEL_ARN = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0';
const USER = { role: 'user' as const, content: [{ text: 'What is the capital of France?' }] };

let standIn: BedrockRuntimeStandIn;
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

describe('tool use', () => {
  const WEATHER = 'get_weather';
  const TOOLS: ToolConfiguration = {
    tools: [
      { toolSpec: { name: 'other_tool', inputSchema: { json: { type: 'object' } } } },
      { toolSpec: { name: WEATHER, description: 'Weather in a city', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } } } },
    ],
  };
  const QUESTION: Message = { role: 'user', content: [{ text: 'How warm is it in Paris?' }] };
  const TOOL_USE_ID = /^tooluse_[A-Za-z0-9_-]{22}$/;

  /** The user turn answering the tool request of an assistant message. */
  function resultFor(asked: Message | undefined, content: ToolResultContentBlock[], status?: 'success' | 'error'): Message {
    const toolUseId = asked?.content?.find((b) => b.toolUse)?.toolUse?.toolUseId;
    if (toolUseId === undefined) throw new Error('expected a toolUse block');
    return { role: 'user', content: [{ toolResult: { toolUseId, content, status } }] };
  }

  /** One ConverseStream call, its events assembled into the assistant message the way a handler does. */
  async function streamTurn(messages: Message[]): Promise<{ message: Message; stopReason?: string }> {
    const out = await client.send(new ConverseStreamCommand({ modelId: 'm', messages, toolConfig: TOOLS }));
    const content: ContentBlock[] = [];
    let text = '';
    let json = '';
    let started: { toolUseId?: string; name?: string } | undefined;
    let stopReason: string | undefined;
    for await (const e of out.stream ?? []) {
      if (e.contentBlockStart?.start?.toolUse) started = e.contentBlockStart.start.toolUse;
      if (e.contentBlockDelta?.delta?.text !== undefined) text += e.contentBlockDelta.delta.text;
      if (e.contentBlockDelta?.delta?.toolUse) json += e.contentBlockDelta.delta.toolUse.input ?? '';
      if (e.contentBlockStop && started) {
        content.push({ toolUse: { toolUseId: started.toolUseId ?? '', name: started.name ?? '', input: JSON.parse(json) as ToolUseBlock['input'] } });
        started = undefined;
        json = '';
      } else if (e.contentBlockStop) {
        content.push({ text });
        text = '';
      }
      if (e.messageStop) stopReason = e.messageStop.stopReason;
    }
    return { message: { role: 'assistant', content }, stopReason };
  }

  test('Converse asks for the tool with stopReason tool_use, then answers with the tool result it was sent', async () => {
    // GIVEN
    const input = jest.fn((text: string, round: number) => ({ city: text.includes('Paris') ? 'Paris' : '?', round }));
    standIn.setBehaviour({ toolUse: { toolName: WEATHER, input } });

    // WHEN the model asks, and the caller sends the tool's result back
    const first = await client.send(new ConverseCommand({ modelId: 'm', messages: [QUESTION], toolConfig: TOOLS }));
    const asked = first.output?.message;
    const messages = [QUESTION, asked as Message, resultFor(asked, [{ json: { celsius: 21 } }])];
    const second = await client.send(new ConverseCommand({ modelId: 'm', messages, toolConfig: TOOLS }));

    // THEN
    expect(first.stopReason).toBe('tool_use');
    expect(asked).toEqual({
      role: 'assistant',
      content: [{ toolUse: { toolUseId: expect.stringMatching(TOOL_USE_ID), name: WEATHER, input: { city: 'Paris', round: 1 } } }],
    });
    expect(input.mock.calls).toEqual([['How warm is it in Paris?', 1]]);
    expect(second.stopReason).toBe('end_turn');
    expect(second.output?.message?.content).toEqual([{ text: 'The result is {"celsius":21}.' }]);
    expect(second.usage).toMatchObject({ inputTokens: 6 + 1 + 1, outputTokens: 4 });
    // the recorded request holds both tool blocks as the SDK serialized them
    const toolUseId = asked?.content?.[0].toolUse?.toolUseId;
    expect((JSON.parse(standIn.requests[1].body) as { messages: unknown }).messages).toEqual([
      QUESTION,
      { role: 'assistant', content: [{ toolUse: { toolUseId, name: WEATHER, input: { city: 'Paris', round: 1 } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId, content: [{ json: { celsius: 21 } }] } }] },
    ]);
  });

  test('ConverseStream sends contentBlockStart with start.toolUse, then the input JSON in contentBlockDelta pieces', async () => {
    // GIVEN an input long enough to be cut, and a preamble: a text block 0 before the toolUse block 1
    const input = { city: 'Paris', units: 'celsius', note: 'é😀' };
    standIn.setBehaviour({ toolUse: { toolName: WEATHER, input: () => input, preamble: 'Let me check.' } });

    // WHEN
    const out = await client.send(new ConverseStreamCommand({ modelId: 'm', messages: [QUESTION], toolConfig: TOOLS }));
    const events = await collect(out.stream);

    // THEN the pieces, the first one empty as the service sends it, join to the input's JSON
    const pieces = events.flatMap((e) => (e.contentBlockDelta?.delta?.toolUse ? [e.contentBlockDelta.delta.toolUse.input ?? ''] : []));
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces[0]).toBe('');
    expect(pieces.every((p) => p.length <= 8)).toBe(true);
    expect(JSON.parse(pieces.join(''))).toEqual(input);
    expect(events).toEqual([
      { messageStart: { role: 'assistant' } },
      ...['Let', ' me', ' check.'].map((text) => ({ contentBlockDelta: { contentBlockIndex: 0, delta: { text } } })),
      { contentBlockStop: { contentBlockIndex: 0 } },
      { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: expect.stringMatching(TOOL_USE_ID), name: WEATHER } } } },
      ...pieces.map((p) => ({ contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: p } } } })),
      { contentBlockStop: { contentBlockIndex: 1 } },
      { messageStop: { stopReason: 'tool_use' } },
      { metadata: { usage: { inputTokens: 6, outputTokens: 3 + pieces.length - 1, totalTokens: 6 + 3 + pieces.length - 1 }, metrics: { latencyMs: expect.any(Number) } } },
    ]);
  });

  test('with rounds 2 a streaming handler loop runs the tool twice, then gets text with the last result', async () => {
    // GIVEN
    standIn.setBehaviour({ toolUse: { toolName: WEATHER, input: (_, round) => ({ city: 'Paris', round }), rounds: 2 } });

    // WHEN a handler loops: stream, run the tool on a tool_use, send its result, until the model answers
    const messages: Message[] = [QUESTION];
    const stops: (string | undefined)[] = [];
    for (let round = 1; round <= 5; round++) {
      const { message, stopReason } = await streamTurn(messages);
      messages.push(message);
      stops.push(stopReason);
      if (stopReason !== 'tool_use') break;
      const toolInput = message.content?.find((b) => b.toolUse)?.toolUse?.input as { round: number };
      messages.push(resultFor(message, [{ text: `${20 + toolInput.round} degrees` }]));
    }

    // THEN
    expect(stops).toEqual(['tool_use', 'tool_use', 'end_turn']);
    expect(messages.at(-1)).toEqual({ role: 'assistant', content: [{ text: 'The result is 22 degrees.' }] });
    expect(messages[1].content?.[0].toolUse?.toolUseId).not.toBe(messages[3].content?.[0].toolUse?.toolUseId);
  });

  test("with rounds 'forever' the model keeps asking, counting the rounds", async () => {
    const input = jest.fn((_: string, round: number) => ({ round }));
    standIn.setBehaviour({ toolUse: { toolName: WEATHER, input, rounds: 'forever' } });

    const messages: Message[] = [QUESTION];
    for (let i = 0; i < 4; i++) {
      const out = await client.send(new ConverseCommand({ modelId: 'm', messages, toolConfig: TOOLS }));
      expect(out.stopReason).toBe('tool_use');
      messages.push(out.output?.message as Message, resultFor(out.output?.message, [{ text: 'still raining' }]));
    }

    expect(input.mock.calls.map(([, round]) => round)).toEqual([1, 2, 3, 4]);
  });

  test('a new question after a finished tool turn starts again at round 1', async () => {
    const input = jest.fn((_: string, round: number) => ({ round }));
    standIn.setBehaviour({ toolUse: { toolName: WEATHER, input } });
    const first = await client.send(new ConverseCommand({ modelId: 'm', messages: [QUESTION], toolConfig: TOOLS }));
    const asked = first.output?.message as Message;
    const history: Message[] = [
      QUESTION,
      asked,
      resultFor(asked, [{ text: '21' }]),
      { role: 'assistant', content: [{ text: 'The result is 21.' }] },
      { role: 'user', content: [{ text: 'And in Rome?' }] },
    ];

    const again = await client.send(new ConverseCommand({ modelId: 'm', messages: history, toolConfig: TOOLS }));

    expect(again.stopReason).toBe('tool_use');
    expect(input.mock.calls).toEqual([
      ['How warm is it in Paris?', 1],
      ['And in Rome?', 1],
    ]);
  });

  test('an error result, a custom answer, and no tool request when the tool is not offered or input() declines', async () => {
    // GIVEN a model that uses the tool only for questions about Paris
    standIn.setBehaviour({
      tokens: ['No', ' tool.'],
      toolUse: { toolName: WEATHER, input: (text) => (text.includes('Paris') ? { city: 'Paris' } : undefined) },
    });
    const asked = (await client.send(new ConverseCommand({ modelId: 'm', messages: [QUESTION], toolConfig: TOOLS }))).output?.message as Message;
    const failed = [QUESTION, asked, resultFor(asked, [{ text: 'station offline' }], 'error')];

    // WHEN
    const afterError = await client.send(new ConverseCommand({ modelId: 'm', messages: failed, toolConfig: TOOLS }));
    const notOffered = await client.send(new ConverseCommand({ modelId: 'm', messages: [QUESTION], toolConfig: { tools: [TOOLS.tools?.[0] as Tool] } }));
    const withoutTools = await client.send(new ConverseCommand({ modelId: 'm', messages: [QUESTION] }));
    const declined = await client.send(new ConverseCommand({ modelId: 'm', messages: [{ role: 'user', content: [{ text: 'Hi' }] }], toolConfig: TOOLS }));
    standIn.setBehaviour({ toolUse: { toolName: WEATHER, input: () => ({}), answer: (r, q) => [`${q} -> ${r.text}`] } });
    const custom = await client.send(new ConverseCommand({ modelId: 'm', messages: [QUESTION, asked, resultFor(asked, [{ text: 'a' }, { json: [1] }])], toolConfig: TOOLS }));

    // THEN
    expect(afterError.output?.message?.content).toEqual([{ text: 'The tool failed: station offline.' }]);
    for (const out of [notOffered, withoutTools, declined]) {
      expect(out.stopReason).toBe('end_turn');
      expect(out.output?.message?.content).toEqual([{ text: 'No tool.' }]);
    }
    expect(custom.output?.message?.content).toEqual([{ text: 'How warm is it in Paris? -> a [1]' }]);
  });

  test.each<[string, (asked: Message) => { messages: Message[]; toolConfig?: ToolConfiguration }, string]>([
    [
      'tool blocks without toolConfig',
      (asked) => ({ messages: [QUESTION, asked, resultFor(asked, [{ text: '21' }])] }),
      'The toolConfig field must be defined when using toolUse and toolResult content blocks.',
    ],
    [
      'a toolResult for another id',
      (asked) => ({ messages: [QUESTION, asked, { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_other', content: [{ text: '21' }] } }] }], toolConfig: TOOLS }),
      'Expected toolResult blocks at messages.2.content for the following Ids: ',
    ],
    [
      'a toolResult without a toolUse before it',
      () => ({ messages: [{ role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_x', content: [{ text: '21' }] } }] }], toolConfig: TOOLS }),
      'The number of toolResult blocks at messages.0.content exceeds the number of toolUse blocks of previous turn.',
    ],
  ])('%s is a ValidationException, as the service answers', async (_, request, message) => {
    standIn.setBehaviour({ toolUse: { toolName: WEATHER, input: () => ({ city: 'Paris' }) } });
    const asked = (await client.send(new ConverseCommand({ modelId: 'm', messages: [QUESTION], toolConfig: TOOLS }))).output?.message as Message;

    const err = await caught(client.send(new ConverseStreamCommand({ modelId: 'm', ...request(asked) })));

    expect(err).toBeInstanceOf(ValidationException);
    expect(err.message.startsWith(message)).toBe(true);
  });

  test('fails when the toolUse behaviour is invalid, naming every problem', () => {
    expect(() => standIn.setBehaviour({ ttftMs: -1, toolUse: { toolName: '', input: () => ({}), rounds: 0 } })).toThrow(
      /ttftMs must .*; toolUse.toolName must be a non-empty string; toolUse.rounds must be an integer >= 1 or 'forever', got 0\./,
    );
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
