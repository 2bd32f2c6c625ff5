// Minimal stand-in for Amazon S3: PutObject, GetObject, HeadObject, ListObjectsV2 and multipart uploads on
// path-style URLs (/bucket/key), enough for the real @aws-sdk/client-s3 to store and read artifacts in tests, with
// configurable latency and failures per operation (S3Behaviour). Buckets need no creation.
//
// Wire details (sources: Amazon S3 API Reference, "Error responses" and PutObject / GetObject / HeadObject):
// - Errors are XML <Error><Code/><Message/>...</Error> with Content-Type application/xml; GetObject on a missing key
//   is 404 NoSuchKey (the SDK throws its NoSuchKey class). HEAD answers carry no body, so a missing key is a bare
//   404 that the SDK names NotFound.
// - ETag is the quoted MD5 of the body (single-part uploads); Last-Modified is an HTTP date.
// - Failures are the ones S3 documents as retryable: 503 SlowDown ("Please reduce your request rate") and
//   ServiceUnavailable, 500 InternalError; 'hang' accepts the request and never answers.
// - Multipart uploads (CreateMultipartUpload POST ?uploads, UploadPart PUT ?partNumber&uploadId, CompleteMultipartUpload
//   POST ?uploadId, AbortMultipartUpload DELETE ?uploadId): every part but the last must be at least 5 MiB
//   (EntityTooSmall), parts are listed in ascending order (InvalidPartOrder) with the ETags UploadPart returned
//   (InvalidPart), and the object's ETag is the MD5 of the parts' MD5s followed by -<parts>.
// - An upload sent with Content-Encoding aws-chunked (the SDK does so for streamed bodies, to send its checksum as
//   a trailer) is decoded to the object's bytes. Checksums the client sent (x-amz-checksum-*) are kept and given
//   back on GetObject / HeadObject when it asks with x-amz-checksum-mode: ENABLED, so the SDK validates them.
// Signatures are not checked.
import { createHash, randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import { after, invalidBehaviour } from './generation';
import { type Exchange, listen, type Reply } from './server';
import type { S3Behaviour, S3FailureKind, S3Operation, S3StandIn, StoredObject } from './types';

/** S3's minimum size of every part of a multipart upload but the last (S3 user guide, "Multipart upload limits"). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

const DEFAULT_CONTENT_TYPE = 'binary/octet-stream'; // what S3 reports for an object stored without one

interface ObjectMeta {
  readonly etag: string;
  readonly lastModified: string;
  readonly checksums: Readonly<Record<string, string>>;
}

interface Upload {
  readonly bucket: string;
  readonly key: string;
  readonly contentType?: string;
  readonly parts: Map<number, { body: Buffer; etag: string }>;
}

interface S3State {
  readonly objects: Map<string, StoredObject>;
  // Metadata of objects written through the API; objects a test puts in the map directly get it on first read.
  readonly meta: WeakMap<StoredObject, ObjectMeta>;
  readonly uploads: Map<string, Upload>;
  behaviour: S3Behaviour;
  /** Requests per operation since start or the last setBehaviour(), for S3FailureRule.requests. */
  counts: Map<S3Operation, number>;
}

const OPERATIONS: readonly S3Operation[] = ['PutObject', 'GetObject', 'HeadObject', 'ListObjectsV2', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload'];

/** Starts an S3 stand-in on 127.0.0.1 and a free port. */
export async function startS3(behaviour: S3Behaviour = {}): Promise<S3StandIn> {
  const state: S3State = { objects: new Map(), meta: new WeakMap(), uploads: new Map(), behaviour: checked(behaviour), counts: new Map() };
  const harness = await listen((x) => route(x, state));
  return {
    url: harness.url,
    requests: harness.requests,
    objects: state.objects,
    setBehaviour(next: S3Behaviour = {}) {
      state.behaviour = checked(next);
      state.counts = new Map();
      harness.resetCounter();
    },
    close: () => harness.close(),
  };
}

function checked(b: S3Behaviour): S3Behaviour {
  const problems: string[] = [];
  for (const f of b.failures ?? []) {
    if (f.requests !== 'all' && !f.requests.every((n) => Number.isInteger(n) && n >= 1)) problems.push(`failures '${f.kind}': requests must be 1-based integers or 'all', got ${JSON.stringify(f.requests)}`);
  }
  for (const f of b.failures ?? []) if (!OPERATIONS.includes(f.operation)) problems.push(`failures '${f.kind}': operation must be one of ${OPERATIONS.join(', ')}, got '${String(f.operation)}'`);
  for (const [op, ms] of Object.entries(b.delays ?? {})) {
    if (!OPERATIONS.includes(op as S3Operation)) problems.push(`delays: '${op}' is not an operation (${OPERATIONS.join(', ')})`);
    if (!Number.isFinite(ms) || ms < 0) problems.push(`delays.${op} must be a finite number >= 0, got ${ms}`);
  }
  if (problems.length > 0) throw invalidBehaviour(problems);
  return b;
}

/** The operation a request is, from its method, path and query (S3 API reference, each operation's request syntax). */
function operationOf(x: Exchange, hasKey: boolean): S3Operation | undefined {
  const q = x.query;
  if (!hasKey) return x.method === 'GET' && q.get('list-type') === '2' ? 'ListObjectsV2' : undefined;
  switch (x.method) {
    case 'PUT': return q.has('uploadId') && q.has('partNumber') ? 'UploadPart' : 'PutObject';
    case 'POST': return q.has('uploads') ? 'CreateMultipartUpload' : q.has('uploadId') ? 'CompleteMultipartUpload' : undefined;
    case 'DELETE': return q.has('uploadId') ? 'AbortMultipartUpload' : undefined;
    case 'GET': return 'GetObject';
    case 'HEAD': return 'HeadObject';
    default: return undefined;
  }
}

/** Applies the behaviour (a planned failure, a delay), then handles the request. */
function route(x: Exchange, state: S3State): void {
  const slash = x.path.indexOf('/', 1);
  const op = operationOf(x, slash >= 0 && slash < x.path.length - 1);
  if (op !== undefined) {
    const n = (state.counts.get(op) ?? 0) + 1;
    state.counts.set(op, n);
    const failure = state.behaviour.failures?.find((f) => f.operation === op && (f.requests === 'all' || f.requests.includes(n)))?.kind;
    if (failure === 'hang') return; // Never answered; the socket is destroyed by the client or close().
    const delay = state.behaviour.delays?.[op] ?? 0;
    if (failure !== undefined) {
      after(x.res, delay, () => sendFailure(x.res, failure, x.path));
      return;
    }
    after(x.res, delay, () => handle(x, state, op));
    return;
  }
  handle(x, state, op);
}

function sendFailure(res: Reply, kind: Exclude<S3FailureKind, 'hang'>, resource: string): void {
  const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
  const common = { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId };
  switch (kind) {
    case 'slow-down':
      return sendXmlError(res, 503, 'SlowDown', 'Please reduce your request rate.', resource, requestId, common);
    case 'unavailable':
      return sendXmlError(res, 503, 'ServiceUnavailable', 'Service is unable to handle request.', resource, requestId, common);
    case 'internal-error':
      return sendXmlError(res, 500, 'InternalError', 'We encountered an internal error. Please try again.', resource, requestId, common);
  }
}

function handle(x: Exchange, state: S3State, op: S3Operation | undefined): void {
  const { objects, meta } = state;
  const { method, headers, res, path } = x;
  const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
  const slash = path.indexOf('/', 1);
  const bucket = slash < 0 ? decodeURIComponent(path.slice(1)) : decodeURIComponent(path.slice(1, slash));
  const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  const common: http.OutgoingHttpHeaders = { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId };
  if (bucket !== '' && key === '' && method === 'GET' && x.query.get('list-type') === '2') {
    listObjectsV2(x, bucket, objects, meta, common);
    return;
  }
  if (bucket === '' || key === '') {
    sendXmlError(res, 501, 'NotImplemented', 'The stand-in implements only object operations on /bucket/key.', path, requestId, common);
    return;
  }
  const id = `${bucket}/${key}`;
  if (op === 'CreateMultipartUpload' || op === 'UploadPart' || op === 'CompleteMultipartUpload' || op === 'AbortMultipartUpload') {
    multipart(x, state, op, bucket, key, requestId, common);
    return;
  }

  switch (method) {
    case 'PUT': {
      const chunked = /aws-chunked/i.test(String(headers['content-encoding'] ?? ''));
      const { body, trailers } = chunked ? decodeAwsChunked(x.body) : { body: x.body, trailers: {} };
      const ct = headers['content-type'];
      const contentType = typeof ct === 'string' ? ct : undefined;
      const stored: StoredObject = { body, contentType };
      const checksums: Record<string, string> = { ...trailers };
      for (const [h, v] of Object.entries(headers)) if (h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-mode' && typeof v === 'string') checksums[h] = v;
      const m = metaOf(stored, meta, checksums);
      objects.set(id, stored);
      res.writeHead(200, { ...common, ...checksums, etag: m.etag, 'content-length': 0 });
      res.end();
      return;
    }
    case 'GET':
    case 'HEAD': {
      const stored = objects.get(id);
      if (stored === undefined) {
        if (method === 'HEAD') {
          res.writeHead(404, { ...common, 'content-length': 0 });
          res.end();
        } else {
          sendXmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.', `/${id}`, requestId, common, key);
        }
        return;
      }
      const m = metaOf(stored, meta);
      const checksumMode = String(headers['x-amz-checksum-mode'] ?? '').toUpperCase() === 'ENABLED';
      res.writeHead(200, {
        ...common,
        ...(checksumMode ? m.checksums : {}),
        'content-type': stored.contentType ?? DEFAULT_CONTENT_TYPE,
        'content-length': stored.body.length,
        etag: m.etag,
        'last-modified': m.lastModified,
        'accept-ranges': 'bytes',
      });
      if (method === 'GET') res.end(stored.body);
      else res.end();
      return;
    }
    default:
      sendXmlError(res, 501, 'NotImplemented', `The stand-in does not implement ${method} on objects.`, `/${id}`, requestId, common);
  }
}

/** The four multipart operations, on uploads kept until completed or aborted. */
function multipart(x: Exchange, state: S3State, op: S3Operation, bucket: string, key: string, requestId: string, common: http.OutgoingHttpHeaders): void {
  const { res, query } = x;
  const xml = (body: string) => {
    const bytes = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, 'utf8');
    res.writeHead(200, { ...common, 'content-type': 'application/xml', 'content-length': bytes.length });
    res.end(bytes);
  };
  if (op === 'CreateMultipartUpload') {
    const uploadId = randomUUID().replace(/-/g, '');
    const ct = x.headers['content-type'];
    state.uploads.set(uploadId, { bucket, key, contentType: typeof ct === 'string' ? ct : undefined, parts: new Map() });
    xml(`<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`);
    return;
  }
  const uploadId = query.get('uploadId') ?? '';
  const upload = state.uploads.get(uploadId);
  if (upload === undefined || upload.bucket !== bucket || upload.key !== key) {
    sendXmlError(res, 404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', `/${bucket}/${key}`, requestId, common);
    return;
  }
  if (op === 'AbortMultipartUpload') {
    state.uploads.delete(uploadId);
    res.writeHead(204, common);
    res.end();
    return;
  }
  if (op === 'UploadPart') {
    const partNumber = Number(query.get('partNumber'));
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
      sendXmlError(res, 400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive.', `/${bucket}/${key}`, requestId, common);
      return;
    }
    const chunked = /aws-chunked/i.test(String(x.headers['content-encoding'] ?? ''));
    const body = chunked ? decodeAwsChunked(x.body).body : x.body;
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    upload.parts.set(partNumber, { body, etag });
    res.writeHead(200, { ...common, etag, 'content-length': 0 });
    res.end();
    return;
  }
  // CompleteMultipartUpload: the parts the request lists, in the order it lists them.
  const listed = [...x.body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
    number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1])?.[1]),
    etag: (/<ETag>([^<]*)<\/ETag>/.exec(m[1])?.[1] ?? '').replace(/&quot;|&#34;/g, '"'),
  }));
  const problem = listed.length === 0 ? ['MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.']
    : listed.some((p, i) => i > 0 && p.number <= listed[i - 1].number) ? ['InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.']
      : listed.some((p) => upload.parts.get(p.number)?.etag !== (p.etag.startsWith('"') ? p.etag : `"${p.etag}"`)) ? ['InvalidPart', 'One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part\'s entity tag.']
        : listed.slice(0, -1).some((p) => upload.parts.get(p.number)!.body.length < MIN_PART_BYTES) ? ['EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.']
          : undefined;
  if (problem) {
    sendXmlError(res, 400, problem[0], problem[1], `/${bucket}/${key}`, requestId, common);
    return;
  }
  const parts = listed.map((p) => upload.parts.get(p.number)!);
  const stored: StoredObject = { body: Buffer.concat(parts.map((p) => p.body)), contentType: upload.contentType };
  const digest = createHash('md5');
  for (const p of parts) digest.update(Buffer.from(p.etag.slice(1, -1), 'hex'));
  const etag = `"${digest.digest('hex')}-${parts.length}"`;
  state.meta.set(stored, { etag, lastModified: new Date().toUTCString(), checksums: {} });
  state.objects.set(`${bucket}/${key}`, stored);
  state.uploads.delete(uploadId);
  xml(`<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>http://127.0.0.1/${escapeXml(bucket)}/${escapeXml(key)}</Location><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><ETag>${escapeXml(etag)}</ETag></CompleteMultipartUploadResult>`);
}

/**
 * ListObjectsV2 (GET /bucket?list-type=2&prefix=&max-keys=&continuation-token=): keys in UTF-8 order, pages
 * of max-keys (default 1000) with an opaque continuation token (S3 API reference, ListObjectsV2).
 */
function listObjectsV2(x: Exchange, bucket: string, objects: Map<string, StoredObject>, meta: WeakMap<StoredObject, ObjectMeta>, common: http.OutgoingHttpHeaders): void {
  const prefix = x.query.get('prefix') ?? '';
  const maxKeys = Math.min(1000, Number(x.query.get('max-keys') ?? 1000));
  const after = x.query.has('continuation-token') ? Buffer.from(x.query.get('continuation-token')!, 'base64').toString('utf8') : (x.query.get('start-after') ?? '');
  const keys = [...objects.keys()].filter((id) => id.startsWith(`${bucket}/`)).map((id) => id.slice(bucket.length + 1))
    .filter((k) => k.startsWith(prefix) && k > after).sort();
  const page = keys.slice(0, maxKeys);
  const truncated = keys.length > page.length;
  const contents = page.map((k) => {
    const stored = objects.get(`${bucket}/${k}`)!;
    const m = metaOf(stored, meta);
    return `<Contents><Key>${escapeXml(k)}</Key><LastModified>${new Date(m.lastModified).toISOString()}</LastModified><ETag>${escapeXml(m.etag)}</ETag><Size>${stored.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
  }).join('');
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    + `<Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>`
    + `<IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${Buffer.from(page.at(-1)!).toString('base64')}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`;
  const bytes = Buffer.from(body, 'utf8');
  x.res.writeHead(200, { ...common, 'content-type': 'application/xml', 'content-length': bytes.length });
  x.res.end(bytes);
}

function metaOf(o: StoredObject, meta: WeakMap<StoredObject, ObjectMeta>, checksums: Record<string, string> = {}): ObjectMeta {
  let m = meta.get(o);
  if (m === undefined) {
    m = { etag: `"${createHash('md5').update(o.body).digest('hex')}"`, lastModified: new Date().toUTCString(), checksums };
    meta.set(o, m);
  }
  return m;
}

function sendXmlError(
  res: Reply,
  status: number,
  code: string,
  message: string,
  resource: string,
  requestId: string,
  headers: http.OutgoingHttpHeaders,
  key?: string,
): void {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
    (key !== undefined ? `<Key>${escapeXml(key)}</Key>` : `<Resource>${escapeXml(resource)}</Resource>`) +
    `<RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`;
  const body = Buffer.from(xml, 'utf8');
  res.writeHead(status, { ...headers, 'content-type': 'application/xml', 'content-length': body.length });
  res.end(body);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Decodes an aws-chunked body: `<hex-size>[;chunk-signature=...]\r\n<bytes>\r\n` repeated, a zero-size chunk, then
 * optional trailer lines `name:value\r\n` and a final `\r\n`.
 */
export function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    if (eol < 0) throw new Error('aws-chunked body ends inside a chunk header');
    const header = raw.toString('latin1', pos, eol);
    const size = parseInt(header.split(';')[0], 16);
    if (!Number.isFinite(size)) throw new Error(`aws-chunked chunk header is not a hex size: ${header}`);
    pos = eol + 2;
    if (size === 0) break;
    parts.push(raw.subarray(pos, pos + size));
    pos += size + 2;
  }
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    if (eol < 0 || eol === pos) break;
    const line = raw.toString('latin1', pos, eol);
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    pos = eol + 2;
  }
  return { body: Buffer.concat(parts), trailers };
}
