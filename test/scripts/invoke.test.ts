/**
 * The invoke CLI against a local node:http server playing the generative API: it checks the SigV4 signature by signing
 * the received request again, streams server-sent events with delays and split across TCP chunks, and answers each
 * error status. main() is called directly (real fetch, static test credentials); once through `tsx` for the entry point.
 */
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import { type AddressInfo } from 'node:net';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { SseParser } from '../../lib/runtime/api/sse';
import { EXIT_API_ERROR, EXIT_OK, EXIT_USAGE, main, type AwsCredentials, type Deps } from '../../scripts/invoke';

const CREDENTIALS: AwsCredentials = { accessKeyId: 'AKID', secretAccessKey: 'test-secret-key' };
const REGION = 'us-east-1';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}
type Handler = (req: Received, res: http.ServerResponse) => void | Promise<void>;

let server: http.Server;
let port: number;
let stage: string;
let handler: Handler;
let received: Received[];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      void handler(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  stage = `http://127.0.0.1:${port}/live`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  handler = (_req, res) => sendJson(res, 500, { message: 'no handler' });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req-1', ...headers });
  res.end(JSON.stringify(body));
}

const ANSWER = {
  requestId: 'req-1', text: 'Signed requests prove who sent them.', usage: { inputTokens: 12, outputTokens: 7 }, model: 'anthropic.claude-test',
  templateVersion: '3', stopReason: 'end_turn', latencyMs: 420,
};
const DONE = { requestId: 'req-s', usage: { inputTokens: 5, outputTokens: 3 }, model: 'anthropic.claude-test', latencyMs: 300 };
const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

interface Write { readonly text: string; readonly at: number }
interface Run { code: number; stdout: string; stderr: string; writes: Write[] }

/** Runs main() with static credentials, recording when each stdout write happened. */
async function run(argv: string[], deps: Deps = {}): Promise<Run> {
  const writes: Write[] = [];
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => writes.push({ text, at: performance.now() }),
    stderr: (text) => { stderr += text; },
  }, { credentials: async () => CREDENTIALS, ...deps });
  return { code, stdout: writes.map((w) => w.text).join(''), stderr, writes };
}

const generate = (...extra: string[]) => ['generate', '--url', stage, '--region', REGION, ...extra];

/** Signs the received request again with the same credentials and date; the signature matches only if nothing changed. */
async function expectValidSigV4(req: Received, region = REGION): Promise<void> {
  const auth = req.headers.authorization ?? '';
  const shape = /^AWS4-HMAC-SHA256 Credential=AKID\/(\d{8})\/([a-z0-9-]+)\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(auth);
  expect(shape).not.toBeNull();
  const [, date, signedRegion, signedHeaders] = shape as RegExpExecArray;
  const amzDate = String(req.headers['x-amz-date']);
  expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
  expect(amzDate.slice(0, 8)).toBe(date);
  expect(signedRegion).toBe(region);
  const names = signedHeaders.split(';');
  expect(names).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'accept']));
  // Without x-amz-content-sha256 the signer hashes the body it is given: the one received.
  const headers = Object.fromEntries(names.filter((n) => n !== 'x-amz-content-sha256').map((n) => [n, String(req.headers[n])]));
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: CREDENTIALS, sha256: Sha256 });
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`);
  const expected = await signer.sign({
    method: req.method, protocol: 'http:', hostname: '127.0.0.1', port, path: req.url, query: {}, headers, body: req.body === '' ? undefined : req.body,
  }, { signingDate });
  expect(auth).toBe(expected.headers.authorization);
}

describe('generate, not streamed', () => {
  test('sends a SigV4-signed POST /v1/generate with every field; prints the text on stdout and a summary on stderr', async () => {
    // GIVEN
    handler = (_req, res) => sendJson(res, 200, ANSWER);
    // WHEN
    const { code, stdout, stderr } = await run(generate(
      '--template', 'explain', '--var', 'audience=engineers', '--var', 'tone=plain', '--system', 'Be brief.',
      '--max-tokens', '256', '--temperature', '0.2', '--top-p', '0.9', '--stop', '###', '--stop', 'END',
    ));
    // THEN
    expect(code).toBe(EXIT_OK);
    expect(received).toHaveLength(1);
    const req = received[0];
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/live/v1/generate');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.accept).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      system: 'Be brief.', template: { id: 'explain', variables: { audience: 'engineers', tone: 'plain' } },
      maxTokens: 256, temperature: 0.2, topP: 0.9, stop: ['###', 'END'],
    });
    expect(req.headers['x-amz-content-sha256']).toBeDefined();
    expect(req.headers['x-api-key']).toBeUndefined();
    await expectValidSigV4(req);
    expect(stdout).toBe(`${ANSWER.text}\n`);
    expect(stderr).toMatch(/^Request req-1: 12 input \+ 7 output tokens in \d+ ms \(server 420 ms\); model anthropic\.claude-test; template version 3; stop reason end_turn\.\n$/);
  });

  test('the signature check fails for a body changed on the way (the verifier is not vacuous)', async () => {
    handler = (_req, res) => sendJson(res, 200, ANSWER);
    await run(generate('--prompt', 'original'));
    const tampered = { ...received[0], body: received[0].body.replace('original', 'changed!') };
    await expect(expectValidSigV4(tampered)).rejects.toThrow();
  });

  test('signs with the credential scope of the injected clock, and sends a session token as x-amz-security-token', async () => {
    handler = (_req, res) => sendJson(res, 200, ANSWER);
    const at = Date.UTC(2031, 4, 6, 7, 8, 9);
    const { code } = await run(generate('--prompt', 'hi'), { credentials: async () => ({ ...CREDENTIALS, sessionToken: 'session-token' }), now: () => at });
    expect(code).toBe(EXIT_OK);
    const req = received[0];
    expect(req.headers['x-amz-date']).toBe('20310506T070809Z');
    expect(req.headers['x-amz-security-token']).toBe('session-token');
    expect(req.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-security-token/);
  });

  test('reads the region from an execute-api host and sends to the stage URL (fetch injected)', async () => {
    // GIVEN a fetch that records the request instead of reaching AWS
    const calls: { url: string; init: RequestInit }[] = [];
    const fakeFetch = (async (url: URL, init: RequestInit) => {
      calls.push({ url: url.toString(), init });
      return new Response(JSON.stringify(ANSWER), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof fetch;
    // WHEN
    const { code } = await run(['generate', '--url', 'https://abc123.execute-api.eu-west-3.amazonaws.com/prod/', '--prompt', 'hi'], { fetch: fakeFetch });
    // THEN
    expect(code).toBe(EXIT_OK);
    expect(calls[0].url).toBe('https://abc123.execute-api.eu-west-3.amazonaws.com/prod/v1/generate');
    const headers = calls[0].init.headers as Record<string, string>;
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-3\/execute-api\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date, /);
    expect(headers.host).toBeUndefined();
    expect(calls[0].init.redirect).toBe('error');
  });

  test('reads the conversation from --messages', async () => {
    handler = (_req, res) => sendJson(res, 200, ANSWER);
    const messages = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'What is SigV4?' }];
    const { code } = await run(generate('--messages', 'chat.json'), { readFile: (p) => (p === 'chat.json' ? JSON.stringify({ messages }) : '') });
    expect(code).toBe(EXIT_OK);
    expect(JSON.parse(received[0].body)).toEqual({ messages });
  });

  test('--json prints one document with the answer, usage and latencies', async () => {
    handler = (_req, res) => sendJson(res, 200, ANSWER);
    const { code, stdout, stderr } = await run(generate('--prompt', 'hi', '--json'));
    expect(code).toBe(EXIT_OK);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      requestId: 'req-1', text: ANSWER.text, usage: ANSWER.usage, model: ANSWER.model, templateVersion: '3', stopReason: 'end_turn', latencyMs: 420,
      ttftMs: null, elapsedMs: expect.any(Number), stream: false, error: null,
    });
  });
});

describe('generate --stream', () => {
  const TOKENS = ['Signed ', 'requests ', 'prove ', 'who ', 'sent them.'];

  test('writes each token to stdout as it arrives, then a summary with the time to first token on stderr', async () => {
    // GIVEN tokens 60 ms apart
    let lastTokenSentAt = 0;
    handler = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req-s' });
      for (const text of TOKENS) {
        await sleep(60);
        lastTokenSentAt = performance.now();
        res.write(sse('token', { text }));
      }
      res.end(sse('done', DONE));
    };
    // WHEN
    const { code, stdout, stderr, writes } = await run(generate('--prompt', 'hi', '--stream'));
    // THEN the first token was on stdout before the server sent the last one, one write per token
    expect(code).toBe(EXIT_OK);
    expect(writes.map((w) => w.text)).toEqual([...TOKENS, '\n']);
    expect(writes[0].at).toBeLessThan(lastTokenSentAt);
    expect(stdout).toBe('Signed requests prove who sent them.\n');
    expect(stderr).toMatch(/^Request req-s: 5 input \+ 3 output tokens in \d+ ms \(server 300 ms\), first token after \d+ ms; model anthropic\.claude-test\.\n$/);
    const req = received[0];
    expect(req.url).toBe('/live/v1/generate/stream');
    expect(req.headers.accept).toBe('text/event-stream');
    expect(JSON.parse(req.body)).toEqual({ prompt: 'hi', stream: true });
    await expectValidSigV4(req);
  });

  test('reassembles events, lines and UTF-8 characters split across TCP chunks, with CRLF line ends', async () => {
    // GIVEN a stream cut at awkward places: inside "event:", between CR and LF, inside a 4-byte emoji
    const wire = Buffer.from(`${sse('token', { text: 'caf\u00e9 ' })}: keep-alive\r\n\r\nevent: token\r\ndata: {"text":"\u{1F680} lift"}\r\n\r\n${sse('done', DONE)}`.replace(/(?<!\r)\n/g, '\r\n'));
    const rocket = wire.indexOf(Buffer.from('\u{1F680}'));
    const cuts = [3, wire.indexOf('\r\n') + 1, rocket + 2, wire.length - 10];
    handler = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': 'req-s' });
      let from = 0;
      for (const cut of [...cuts, wire.length]) {
        res.write(wire.subarray(from, cut));
        from = cut;
        await sleep(15);
      }
      res.end();
    };
    // WHEN
    const { code, stdout } = await run(generate('--prompt', 'hi', '--stream'));
    // THEN
    expect(code).toBe(EXIT_OK);
    expect(stdout).toBe('caf\u00e9 \u{1F680} lift\n');
  });

  test('--json writes nothing until the end, then one document with ttftMs and the whole text', async () => {
    handler = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req-s' });
      for (const text of TOKENS) res.write(sse('token', { text }));
      await sleep(20);
      res.end(sse('done', { ...DONE, templateVersion: 'v2' }));
    };
    const { code, writes } = await run(generate('--prompt', 'hi', '--stream', '--json'));
    expect(code).toBe(EXIT_OK);
    expect(writes).toHaveLength(1);
    expect(JSON.parse(writes[0].text)).toEqual({
      requestId: 'req-s', text: TOKENS.join(''), usage: DONE.usage, model: DONE.model, templateVersion: 'v2', stopReason: null, latencyMs: 300,
      ttftMs: expect.any(Number), elapsedMs: expect.any(Number), stream: true, error: null,
    });
  });

  test('fails when the model fails mid-stream: exit 1, the tokens so far, then the code, message and request id', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req-s' });
      res.end(`${sse('token', { text: 'Half an ' })}${sse('error', { requestId: 'req-s', error: { code: 'model_error', message: 'the model stopped' } })}`);
    };
    const human = await run(generate('--prompt', 'hi', '--stream'));
    expect(human.code).toBe(EXIT_API_ERROR);
    expect(human.stdout).toBe('Half an \n');
    expect(human.stderr).toContain('invoke generate: the stream failed: model_error: the model stopped. Request id: req-s.');

    const asJson = await run(generate('--prompt', 'hi', '--stream', '--json'));
    expect(asJson.code).toBe(EXIT_API_ERROR);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      requestId: 'req-s', text: 'Half an ', ttftMs: expect.any(Number), usage: null,
      error: { status: null, code: 'model_error', message: 'the model stopped', requestId: 'req-s' },
    });
  });

  test('fails when the stream ends without a done event', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req-s' });
      res.end(sse('token', { text: 'cut' }));
    };
    const { code, stderr } = await run(generate('--prompt', 'hi', '--stream'));
    expect(code).toBe(EXIT_API_ERROR);
    expect(stderr).toContain('ended without a done or error event');
    expect(stderr).toContain('Request id: req-s.');
  });

  test('a stream request answered with plain JSON still prints the answer', async () => {
    handler = (_req, res) => sendJson(res, 200, ANSWER);
    const { code, stdout } = await run(generate('--prompt', 'hi', '--stream'));
    expect(code).toBe(EXIT_OK);
    expect(stdout).toBe(`${ANSWER.text}\n`);
  });
});

describe('API errors: exit 1 with status, code, message, field and request id', () => {
  test.each<[number, { code: string; message: string; field?: string }, Record<string, string>, RegExp]>([
    [400, { code: 'invalid_request', message: 'maxTokens is too large', field: 'maxTokens' }, {},
      /the API answered 400: invalid_request: maxTokens is too large \(field maxTokens\)\. Request id: req-e\./],
    [404, { code: 'not_found', message: 'no template "nope"' }, {}, /the API answered 404: not_found: no template "nope"\. Request id: req-e\./],
    [413, { code: 'prompt_too_long', message: 'body over 1 MB' }, {},
      /the API answered 413: prompt_too_long: body over 1 MB\. Request id: req-e\. The request is larger than the API accepts/],
    [429, { code: 'model_throttled', message: 'slow down' }, { 'retry-after': '7' }, /the API answered 429: model_throttled: slow down\. Request id: req-e\. Retry after 7 s\./],
    [502, { code: 'model_error', message: 'the model failed' }, {}, /the API answered 502: model_error: the model failed\. Request id: req-e\./],
    [504, { code: 'model_timeout', message: 'the model took too long' }, {},
      /the API answered 504: model_timeout: the model took too long\. Request id: req-e\. The answer took longer than the API waits/],
  ])('fails when the API answers %i', async (status, error, headers, expected) => {
    // GIVEN
    handler = (_req, res) => sendJson(res, status, { requestId: 'req-e', error }, headers);
    // WHEN
    const human = await run(generate('--prompt', 'hi'));
    const asJson = await run(generate('--prompt', 'hi', '--json'));
    // THEN
    expect(human.code).toBe(EXIT_API_ERROR);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(new RegExp(`^invoke generate: ${expected.source}`));
    expect(asJson.code).toBe(EXIT_API_ERROR);
    expect(JSON.parse(asJson.stdout).error).toEqual({
      status, code: error.code, message: error.message, field: error.field ?? null, requestId: 'req-e', retryAfter: headers['retry-after'] ?? null,
    });
  });

  test('fails when API Gateway\'s request validator refuses the body: its {"message"} is used, with a hint', async () => {
    handler = (_req, res) => sendJson(res, 400, { message: 'Invalid request body' }, { 'x-request-id': 'gw-2' });
    const { code, stderr } = await run(generate('--prompt', 'hi'));
    expect(code).toBe(EXIT_API_ERROR);
    expect(stderr).toContain('the API answered 400: HTTP400: Invalid request body. Request id: gw-2. API Gateway\'s request validator refused the body');
  });

  test('fails when API Gateway itself refuses: its {"message"} and x-request-id are used, with a hint', async () => {
    handler = (_req, res) => sendJson(res, 403, { message: 'Missing Authentication Token' }, { 'x-request-id': 'gw-1', 'x-amzn-errortype': 'MissingAuthenticationTokenException' });
    const { code, stderr } = await run(generate('--prompt', 'hi'));
    expect(code).toBe(EXIT_API_ERROR);
    expect(stderr).toContain('the API answered 403: MissingAuthenticationTokenException: Missing Authentication Token. Request id: gw-1.');
    expect(stderr).toContain('check that --url is the stage URL');
  });

  test('fails when the answer takes longer than --timeout-seconds', async () => {
    handler = () => undefined;
    const { code, stderr } = await run(generate('--prompt', 'hi', '--timeout-seconds', '0.2'));
    expect(code).toBe(EXIT_API_ERROR);
    expect(stderr).toContain('no answer: Timeout: no complete answer within 0.2 s (--timeout-seconds)');
  });

  test('fails when nothing listens at the URL', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { code, stderr } = await run(['generate', '--url', `http://127.0.0.1:${freePort}/live`, '--region', REGION, '--prompt', 'hi']);
    expect(code).toBe(EXIT_API_ERROR);
    expect(stderr).toContain(`no answer: ECONNREFUSED: could not reach 127.0.0.1:${freePort}`);
  });

  test('fails when no credentials can be found: exit 2, nothing sent, no secret printed', async () => {
    const { code, stderr } = await run(generate('--prompt', 'hi'), { credentials: async () => { throw new Error('Could not load credentials from any providers'); } });
    expect(code).toBe(EXIT_USAGE);
    expect(received).toHaveLength(0);
    expect(stderr).toContain('no AWS credentials to sign with (Could not load credentials from any providers)');
  });
});

describe('API key and token auth', () => {
  beforeEach(() => {
    handler = (_req, res) => sendJson(res, 200, ANSWER);
  });
  const noCredentials: Deps = { credentials: async () => { throw new Error('credentials must not be resolved'); } };

  test('--api-key sends x-api-key and does not sign', async () => {
    const { code } = await run(['generate', '--url', stage, '--api-key', 'key-123', '--prompt', 'hi'], noCredentials);
    expect(code).toBe(EXIT_OK);
    expect(received[0].headers['x-api-key']).toBe('key-123');
    expect(received[0].headers.authorization).toBeUndefined();
    expect(received[0].headers['x-amz-date']).toBeUndefined();
  });

  test('--token sends the token as Authorization, as given', async () => {
    const { code } = await run(['generate', '--url', stage, '--token', 'eyJ.header.sig', '--prompt', 'hi'], noCredentials);
    expect(code).toBe(EXIT_OK);
    expect(received[0].headers.authorization).toBe('eyJ.header.sig');
    expect(received[0].headers['x-api-key']).toBeUndefined();
  });

  test('--auth iam with --api-key signs and sends the key too (API key required on an IAM-authorized method)', async () => {
    const { code } = await run(generate('--auth', 'iam', '--api-key', 'key-123', '--prompt', 'hi'));
    expect(code).toBe(EXIT_OK);
    expect(received[0].headers['x-api-key']).toBe('key-123');
    expect(received[0].headers.authorization).toMatch(/SignedHeaders=[^,]*x-api-key/);
    await expectValidSigV4(received[0]);
  });
});

describe('feedback and health', () => {
  test('feedback posts the rating and prints the feedback id', async () => {
    handler = (_req, res) => sendJson(res, 201, { requestId: 'req-fb', feedbackId: 'fb-9', forRequestId: 'req-1' });
    const { code, stdout, stderr } = await run(['feedback', '--url', stage, '--region', REGION, '--request-id', 'req-1', '--rating', 'down',
      '--correction', 'SigV4 signs requests.', '--comment', 'too vague']);
    expect(code).toBe(EXIT_OK);
    expect(received[0].url).toBe('/live/v1/feedback');
    expect(JSON.parse(received[0].body)).toEqual({ requestId: 'req-1', rating: 'down', correction: 'SigV4 signs requests.', comment: 'too vague' });
    await expectValidSigV4(received[0]);
    expect(stdout).toBe('fb-9\n');
    expect(stderr).toBe('Recorded feedback fb-9 for request req-1.\n');

    const asJson = await run(['feedback', '--url', stage, '--region', REGION, '--request-id', 'req-1', '--rating', 'up', '--json']);
    expect(JSON.parse(asJson.stdout)).toEqual({ requestId: 'req-fb', feedbackId: 'fb-9', forRequestId: 'req-1', error: null });
  });

  test('fails when feedback names an unknown request id: exit 1 with a hint', async () => {
    handler = (_req, res) => sendJson(res, 404, { requestId: 'req-f', error: { code: 'NotFound', message: 'no request req-x' } });
    const { code, stdout, stderr } = await run(['feedback', '--url', stage, '--region', REGION, '--request-id', 'req-x', '--rating', 'up', '--json']);
    expect(code).toBe(EXIT_API_ERROR);
    expect(stderr).toContain('the API answered 404: NotFound: no request req-x. Request id: req-f. The API knows no answer with this --request-id.');
    expect(JSON.parse(stdout)).toMatchObject({ feedbackId: null, error: { status: 404, code: 'NotFound' } });
  });

  test('health sends GET /v1/health without auth and prints its status and request id, nothing about the model', async () => {
    handler = (_req, res) => sendJson(res, 200, { requestId: 'req-h', status: 'ok' });
    const human = await run(['health', '--url', stage], { credentials: async () => { throw new Error('not used'); } });
    expect(human.code).toBe(EXIT_OK);
    expect(received[0]).toMatchObject({ method: 'GET', url: '/live/v1/health' });
    expect(received[0].headers.authorization).toBeUndefined();
    expect(human.stdout).toBe('ok (request req-h)\n');

    const asJson = await run(['health', '--url', `${stage}/`, '--json']);
    expect(JSON.parse(asJson.stdout)).toEqual({ status: 'ok', requestId: 'req-h', error: null });
  });
});

describe('bad usage: exit 2, nothing sent', () => {
  const MESSAGES: Record<string, string> = {
    'system.json': JSON.stringify([{ role: 'system', content: 'x' }, { role: 'user', content: '' }]),
    'empty.json': '[]',
    'broken.json': '[{',
  };
  const readFile = (p: string) => {
    if (!(p in MESSAGES)) throw new Error(`ENOENT: no such file, open '${p}'`);
    return MESSAGES[p];
  };

  test.each<[string, string[], string[]]>([
    ['no command is given', [], ['Usage: npm run invoke']],
    ['the command is unknown', ['chat'], ['"chat" is not a command: use one of generate, feedback, health.']],
    ['--url is missing', ['generate', '--prompt', 'hi'], ['--url is missing']],
    ['--url is not a URL', ['generate', '--url', 'abc123', '--prompt', 'hi'], ['--url is "abc123": use the stage URL']],
    ['--url is plain http to another host', ['generate', '--url', 'http://abc123.execute-api.us-east-1.amazonaws.com/live', '--prompt', 'hi'], ['plain http would send prompts and credentials unencrypted']],
    ['--url is not http(s)', ['health', '--url', 'ftp://example.com/live'], ['use an https:// stage URL']],
    ['--url includes /v1/generate', ['generate', '--url', 'https://abc123.execute-api.us-east-1.amazonaws.com/live/v1/generate', '--prompt', 'hi'],
      ['give the stage URL without /v1/...; e.g. https://abc123.execute-api.us-east-1.amazonaws.com/live.']],
    ['--url has a query', ['health', '--url', 'https://abc123.execute-api.us-east-1.amazonaws.com/live?x=1'], ['without a query, fragment or user name']],
    ['nothing to send is given', ['generate', '--url', 'STAGE', '--region', REGION], ['nothing to send: give one of --prompt TEXT, --messages FILE.json or --template ID.']],
    ['--prompt, --messages and --template are all given', ['generate', '--url', 'STAGE', '--region', REGION, '--prompt', 'hi', '--messages', 'empty.json', '--template', 't'],
      ['--prompt and --messages and --template were all given: keep one']],
    ['--prompt and --messages are both given', ['generate', '--url', 'STAGE', '--region', REGION, '--prompt', 'hi', '--messages', 'empty.json'],
      ['--prompt and --messages were both given']],
    ['--messages cannot be read', ['generate', '--url', 'STAGE', '--region', REGION, '--messages', 'missing.json'], ['--messages is "missing.json": cannot read it as JSON (ENOENT']],
    ['--messages is not JSON', ['generate', '--url', 'STAGE', '--region', REGION, '--messages', 'broken.json'], ['--messages is "broken.json": cannot read it as JSON']],
    ['--messages is an empty list', ['generate', '--url', 'STAGE', '--region', REGION, '--messages', 'empty.json'], ['use a non-empty JSON list']],
    ['--messages has a system role and empty content', ['generate', '--url', 'STAGE', '--region', REGION, '--messages', 'system.json'],
      ['message 1 has role "system": use user or assistant (system text goes in --system).', 'message 2 has no text content']],
    ['--prompt is empty', ['generate', '--url', 'STAGE', '--region', REGION, '--prompt', ''], ['--prompt is empty.']],
    ['--var has no template', ['generate', '--url', 'STAGE', '--region', REGION, '--prompt', 'hi', '--var', 'a=1'], ['--var fills a template: give --template ID too.']],
    ['--var is not NAME=VALUE or repeats a name', ['generate', '--url', 'STAGE', '--region', REGION, '--template', 't', '--var', 'a', '--var', 'b=1', '--var', 'b=2'],
      ['--var is "a": use NAME=VALUE', '--var gives b twice: keep one.']],
    ['--max-tokens is not a whole number of at least 1', ['generate', '--url', 'STAGE', '--region', REGION, '--prompt', 'hi', '--max-tokens', '0'],
      ['--max-tokens is "0": use a whole number of at least 1.']],
    ['--temperature is negative', ['generate', '--url', 'STAGE', '--region', REGION, '--prompt', 'hi', '--temperature', '-1'],
      ['--temperature is "-1": use a number from 0 to 1.']],
    ['--temperature is not a number', ['generate', '--url', 'STAGE', '--region', REGION, '--prompt', 'hi', '--temperature', 'warm'],
      ['--temperature is "warm": use a number from 0 to 1.']],
    ['--top-p is above 1', ['generate', '--url', 'STAGE', '--region', REGION, '--prompt', 'hi', '--top-p', '1.5'], ['--top-p is "1.5": use a number from 0 to 1.']],
    ['--stop is empty', ['generate', '--url', 'STAGE', '--region', REGION, '--prompt', 'hi', '--stop', ''], ['--stop is empty']],
    ['--timeout-seconds is not above 0', ['health', '--url', 'STAGE', '--timeout-seconds', '0'], ['--timeout-seconds is "0": use a number of seconds above 0']],
    ['--auth is unknown', ['generate', '--url', 'STAGE', '--auth', 'basic', '--prompt', 'hi'], ['--auth is "basic": use iam, api-key, token.']],
    ['--auth api-key has no --api-key', ['generate', '--url', 'STAGE', '--auth', 'api-key', '--prompt', 'hi'], ['--auth api-key needs --api-key KEY.']],
    ['--auth token has no --token', ['generate', '--url', 'STAGE', '--auth', 'token', '--prompt', 'hi'], ['--auth token needs --token TOKEN']],
    ['--token is given with --auth iam', ['generate', '--url', 'STAGE', '--region', REGION, '--auth', 'iam', '--token', 't', '--prompt', 'hi'],
      ['--token and IAM signing both use the Authorization header']],
    ['--region is given with --auth api-key', ['generate', '--url', 'STAGE', '--api-key', 'k', '--region', REGION, '--prompt', 'hi'], ['--region is only for signing']],
    ['IAM has no region for a host that is not execute-api', ['generate', '--url', 'STAGE', '--prompt', 'hi'], ['--region is missing: 127.0.0.1:']],
    ['--region is not a region code', ['generate', '--url', 'STAGE', '--region', 'virginia', '--prompt', 'hi'], ['--region is "virginia": use a region code']],
    ['--region differs from the execute-api host', ['generate', '--url', 'https://abc123.execute-api.us-east-1.amazonaws.com/live', '--region', 'eu-west-1', '--prompt', 'hi'],
      ['--region is eu-west-1 but the API is in us-east-1 (from --url)']],
    ['an option is unknown, lacks a value or a positional is given', ['generate', '--url', 'STAGE', '--region', REGION, '--prompt', 'hi', '--model', 'x', '--json=1', '--max-tokens'],
      ['--model is not an option of generate', '"x" is not an option of generate', '--max-tokens needs a value', '--json takes no value']],
    ['feedback has no --request-id or --rating', ['feedback', '--url', 'STAGE', '--region', REGION], ['--request-id is missing', '--rating is missing: use up or down.']],
    ['feedback --rating is not up or down', ['feedback', '--url', 'STAGE', '--region', REGION, '--request-id', 'r', '--rating', 'meh'], ['--rating is "meh": use up or down.']],
    ['health is given auth options', ['health', '--url', 'STAGE', '--api-key', 'k'], ['--api-key is not an option of health']],
  ])('fails when %s', async (_name, argv, messages) => {
    const fetchSpy = jest.fn();
    const { code, stdout, stderr } = await run(argv.map((a) => (a === 'STAGE' ? stage : a)), { readFile, fetch: fetchSpy as unknown as typeof fetch });
    expect(code).toBe(EXIT_USAGE);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(stdout).toBe('');
    for (const message of messages) expect(stderr).toContain(message);
  });

  test('fails when several options are wrong: every problem is listed at once', async () => {
    const { code, stderr } = await run(['generate', '--url', 'http://example.com/live', '--max-tokens', 'many', '--top-p', '2', '--auth', 'nope', '--var', 'a=1'], { readFile });
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/^invoke generate: 6 problems\n/);
    for (const message of ['plain http', '--max-tokens is "many"', '--top-p is "2"', '--auth is "nope"', '--var fills a template', 'nothing to send']) {
      expect(stderr).toContain(message);
    }
    expect(stderr).toContain('Run `npm run invoke -- generate --help` for usage.');
  });
});

describe('help', () => {
  test('generate --help lists every option on stdout, exit 0', async () => {
    const { code, stdout } = await run(['generate', '--help']);
    expect(code).toBe(EXIT_OK);
    for (const option of ['--prompt', '--messages', '--template', '--var', '--max-tokens', '--temperature', '--top-p', '--stop', '--stream', '--auth', '--api-key', '--token', '--region', '--json', '--timeout-seconds']) {
      expect(stdout).toContain(option);
    }
  });

  test('tsx scripts/invoke.ts --help runs the real entry point, exit 0', () => {
    const root = path.resolve(__dirname, '../..');
    const out = execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/invoke.ts', '--help'], { cwd: root, encoding: 'utf8' });
    expect(out).toContain('Usage: npm run invoke -- <command> --url STAGE_URL [options]');
  });
});

describe('SseParser', () => {
  const STREAM = 'event: token\ndata: {"text":"a"}\n\n: comment\r\nevent: token\r\ndata: {"text":\r\ndata: "b"}\r\n\r\nevent: done\rdata: {}\r\r';
  const EVENTS = [{ event: 'token', data: '{"text":"a"}' }, { event: 'token', data: '{"text":\n"b"}' }, { event: 'done', data: '{}' }];

  test('gives the same events wherever the text is split', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const parser = new SseParser();
      expect([...parser.push(STREAM.slice(0, cut)), ...parser.push(STREAM.slice(cut)), ...parser.end()]).toEqual(EVENTS);
    }
  });

  test('dispatches a last event that lacks its blank line, and names an untyped event "message"', () => {
    const parser = new SseParser();
    expect([...parser.push('data: x\n\nevent: done\ndata: {}'), ...parser.end()]).toEqual([{ event: 'message', data: 'x' }, { event: 'done', data: '{}' }]);
  });
});
