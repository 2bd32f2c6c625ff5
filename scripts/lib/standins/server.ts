// Shared plumbing of the stand-ins: a server on 127.0.0.1 and a free port, the bounded request log, the request
// counter that failure rules count with, and a close() that ends hanging and paced responses too.
// One port speaks HTTP/1.1 and cleartext HTTP/2 (prior knowledge), told apart by the HTTP/2 connection preface:
// @aws-sdk/client-bedrock-runtime sends through NodeHttp2Handler by default, the SageMaker and S3 clients through
// NodeHttpHandler, and the stand-ins must take each client as it comes. Both are Node's own servers (node:http,
// node:http2) fed the accepted socket.
// Hot path: one Buffer per request body, the body string decoded only when a test reads it, no logging.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { RecordedRequest } from './types';

/** How many requests a stand-in remembers. */
export const MAX_RECORDED_REQUESTS = 1000;

/**
 * The part of a response that the stand-ins use, common to http.ServerResponse and http2.Http2ServerResponse
 * (whose compatibility API mirrors HTTP/1's).
 */
export interface Reply {
  writeHead(status: number, headers: http.OutgoingHttpHeaders): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  end(chunk: Uint8Array): unknown;
  flushHeaders(): void;
  cork(): void;
  uncork(): void;
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** One request with its whole body, handed to a stand-in's handler. */
export interface Exchange {
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly res: Reply;
  /** The path without the query string, still URL-encoded. */
  readonly path: string;
  /** The query string, parsed. */
  readonly query: URLSearchParams;
  readonly body: Buffer;
  /** performance.now() when the request's headers arrived; pacing counts from here. */
  readonly receivedAt: number;
  /** 1-based number of this request since start or the last reset. */
  readonly seq: number;
}

/** A listening server with its request log. */
export interface Harness {
  readonly url: string;
  readonly requests: RecordedRequest[];
  resetCounter(): void;
  close(): Promise<void>;
}

const EMPTY = Buffer.alloc(0);

/** A recorded request whose body is decoded to a string only when read, since most runs never read it. */
function record(method: string, path: string, headers: Record<string, string | string[] | undefined>, raw: Buffer, receivedAt: number): RecordedRequest {
  let decoded: string | undefined;
  return {
    method,
    path,
    headers,
    get body() {
      if (decoded === undefined) decoded = raw.toString('utf8');
      return decoded;
    },
    receivedAt,
  };
}

const ignore = () => undefined;

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Starts a server that collects each request's body, records it, and passes it to handle. */
export async function listen(handle: (x: Exchange) => void): Promise<Harness> {
  const requests: RecordedRequest[] = [];
  let seq = 0;

  const onRequest = (req: http.IncomingMessage | http2.Http2ServerRequest, res: Reply) => {
    const receivedAt = performance.now();
    // A caller that aborts is routine here (timeouts, abandoned streams): its errors must not crash the test run.
    req.on('error', ignore);
    res.on('error', ignore);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    const headers = req.headers as Record<string, string | string[] | undefined>;
    const n = ++seq;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      if (requests.length >= MAX_RECORDED_REQUESTS) requests.shift();
      requests.push(record(method, path, headers, body, receivedAt));
      try {
        handle({ method, headers, res, path, query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)), body, receivedAt, seq: n });
      } catch (e) {
        // A bug in a stand-in must show up as a failed call, not as a hung one.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'InternalServerException' });
        res.end(Buffer.from(JSON.stringify({ message: `stand-in error: ${(e as Error).message}` })));
      }
    });
  };

  const h1 = http.createServer({ keepAliveTimeout: 30_000 }, onRequest);
  const h2 = http2.createServer();
  // Node's compatibility response has flushHeaders (a no-op there: writeHead sends at once), @types/node omits it.
  h2.on('request', (req, res) => onRequest(req, res as http2.Http2ServerResponse & Pick<Reply, 'flushHeaders'>));
  // A client that goes away mid-stream (an aborted call) is normal here, not an error to crash on.
  h2.on('sessionError', ignore);
  const sockets = new Set<net.Socket>();
  // noDelay: each paced token is its own small write, which Nagle's algorithm would otherwise hold back.
  const front = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', ignore);
    socket.once('data', (first: Buffer) => {
      // Peek at the first bytes, put them back, and hand the socket to the server of its protocol. The HTTP/2
      // session reads what is already buffered itself; the HTTP/1 parser needs the socket flowing again.
      socket.pause();
      socket.unshift(first);
      const n = Math.min(H2_PREFACE.length, first.length);
      if (first.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) {
        h2.emit('connection', socket);
      } else {
        h1.emit('connection', socket);
        socket.resume();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => {
      front.off('error', reject);
      resolve();
    });
  });
  const { port } = front.address() as net.AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    resetCounter: () => {
      seq = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        front.close((err) => (err ? reject(err) : resolve()));
        // Destroys keep-alive and in-flight sockets alike; their responses' 'close' events stop any pacing timers.
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        // They never listened, but closing them stops their connection-checking timers.
        h1.close();
        h2.close();
      }),
  };
}

/** Sends a JSON body with the given status and headers; Content-Length is set so nothing is chunked. */
export function sendJson(res: Reply, status: number, headers: http.OutgoingHttpHeaders, json: string): void {
  const body = Buffer.from(json, 'utf8');
  headers['content-type'] = 'application/json';
  headers['content-length'] = body.length;
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * A restJson1 error: the status, `x-amzn-ErrorType` naming the error shape and a JSON body with its members.
 * The SDK reads the header first (loadRestJsonErrorCode in @smithy/core/protocols) and throws the class registered
 * for that name, so the name decides the exception class a caller sees.
 */
export function sendRestJsonError(res: Reply, status: number, errorType: string, body: object, headers: http.OutgoingHttpHeaders = {}): void {
  headers['x-amzn-ErrorType'] = errorType;
  sendJson(res, status, headers, JSON.stringify(body));
}
