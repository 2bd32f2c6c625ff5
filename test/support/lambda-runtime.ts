// What the Node.js Lambda runtime gives a response-streaming handler, for running the bundled handler
// here: `awslambda.streamifyResponse` and `awslambda.HttpResponseStream.from`, which writes the HTTP
// prelude as JSON followed by 8 NUL bytes before the body (the framing API Gateway and function URLs read;
// Lambda developer guide, "Response streaming"). `invoke` reads that framing back, with chunk timings.
import * as path from 'node:path';
import { Writable } from 'node:stream';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

type StreamingHandler = (event: APIGatewayProxyEvent, stream: Writable, context: Context) => Promise<void>;
const DELIMITER = Buffer.alloc(8);

export interface Chunk { readonly atMs: number; readonly data: Buffer }
export interface Invocation {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Body chunks (prelude removed) with the time each was written, from the start of the invocation. */
  readonly chunks: Chunk[];
  readonly durationMs: number;
}

export function installLambdaStreamingRuntime(): void {
  (globalThis as Record<string, unknown>).awslambda = {
    streamifyResponse: (handler: StreamingHandler) => handler,
    HttpResponseStream: {
      from(stream: Writable, prelude: { statusCode: number; headers: Record<string, string> }) {
        stream.write(Buffer.concat([Buffer.from(JSON.stringify(prelude)), DELIMITER]));
        return stream;
      },
    },
  };
}

/**
 * Loads a fresh copy of a bundle (its configuration reads process.env at load), with the runtime installed.
 * The bundled AWS SDK imports node:http with a dynamic import(), which jest runs only under Node's
 * --experimental-vm-modules (set by `npm test`).
 */
export function loadHandler(bundleDir: string, env: Record<string, string>): StreamingHandler {
  installLambdaStreamingRuntime();
  Object.assign(process.env, env);
  const file = path.join(bundleDir, 'index.js');
  let handler: StreamingHandler | undefined;
  const load = () => {
    // A bundle chosen at run time: only require() can load it into jest's (or Node's) module registry.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require(file) as { handler: StreamingHandler }).handler;
  };
  // A fresh module each time, so each load reads its own configuration: jest keeps its own registry,
  // plain Node (the benchmark) its require cache.
  if (typeof jest !== 'undefined') {
    jest.isolateModules(load);
  } else {
    delete require.cache[require.resolve(file)];
    load();
  }
  return handler!;
}

export function apiEvent(method: string, resource: string, body?: unknown, rawBody?: string): APIGatewayProxyEvent {
  return {
    httpMethod: method, resource, path: resource,
    body: rawBody ?? (body === undefined ? null : JSON.stringify(body)),
    isBase64Encoded: false,
    headers: { 'content-type': 'application/json' }, multiValueHeaders: {},
    queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null, stageVariables: null,
    requestContext: { requestId: 'gw-test' } as APIGatewayProxyEvent['requestContext'],
  };
}

export function lambdaContext(timeoutMs = 300_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName: 'api', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:api',
    memoryLimitInMB: '1024', awsRequestId: 'req', logGroupName: 'g', logStreamName: 's', callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => deadline - Date.now(), done: () => undefined, fail: () => undefined, succeed: () => undefined,
  };
}

/** Runs the handler on one event and returns what API Gateway would relay to the caller. */
export async function invoke(handler: StreamingHandler, event: APIGatewayProxyEvent, context = lambdaContext()): Promise<Invocation> {
  const start = performance.now();
  const raw: Chunk[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push({ atMs: performance.now() - start, data: Buffer.from(chunk) });
      done();
    },
  });
  const finished = new Promise<void>((resolve) => sink.on('finish', () => resolve()));
  await handler(event, sink, context);
  await finished;
  const all = Buffer.concat(raw.map((c) => c.data));
  const cut = all.indexOf(DELIMITER);
  if (cut < 0) throw new Error(`the handler wrote no HTTP prelude: ${all.toString().slice(0, 200)}`);
  const prelude = JSON.parse(all.subarray(0, cut).toString()) as { statusCode: number; headers: Record<string, string> };
  // Drop the prelude's bytes from the chunk timeline.
  let skip = cut + DELIMITER.length;
  const chunks: Chunk[] = [];
  for (const c of raw) {
    if (skip >= c.data.length) {
      skip -= c.data.length;
      continue;
    }
    chunks.push({ atMs: c.atMs, data: c.data.subarray(skip) });
    skip = 0;
  }
  return { statusCode: prelude.statusCode, headers: prelude.headers, body: all.subarray(cut + DELIMITER.length).toString(), chunks, durationMs: performance.now() - start };
}
