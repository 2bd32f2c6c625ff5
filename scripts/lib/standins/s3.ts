// Minimal stand-in for Amazon S3: PutObject, GetObject and HeadObject on path-style URLs (/bucket/key), enough for
// the real @aws-sdk/client-s3 to store and read artifacts in tests. Buckets need no creation.
//
// Wire details (sources: Amazon S3 API Reference, "Error responses" and PutObject / GetObject / HeadObject):
// - Errors are XML <Error><Code/><Message/>...</Error> with Content-Type application/xml; GetObject on a missing key
//   is 404 NoSuchKey (the SDK throws its NoSuchKey class). HEAD answers carry no body, so a missing key is a bare
//   404 that the SDK names NotFound.
// - ETag is the quoted MD5 of the body (single-part uploads); Last-Modified is an HTTP date.
// - An upload sent with Content-Encoding aws-chunked (the SDK does so for streamed bodies, to send its checksum as
//   a trailer) is decoded to the object's bytes. Checksums the client sent (x-amz-checksum-*) are kept and given
//   back on GetObject / HeadObject when it asks with x-amz-checksum-mode: ENABLED, so the SDK validates them.
// Signatures are not checked.
import { createHash, randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import { type Exchange, listen, type Reply } from './server';
import type { S3StandIn, StoredObject } from './types';

const DEFAULT_CONTENT_TYPE = 'binary/octet-stream'; // what S3 reports for an object stored without one

interface ObjectMeta {
  readonly etag: string;
  readonly lastModified: string;
  readonly checksums: Readonly<Record<string, string>>;
}

/** Starts an S3 stand-in on 127.0.0.1 and a free port. */
export async function startS3(): Promise<S3StandIn> {
  const objects = new Map<string, StoredObject>();
  // Metadata of objects written through the API; objects a test puts in the map directly get it on first read.
  const meta = new WeakMap<StoredObject, ObjectMeta>();
  const harness = await listen((x) => handle(x, objects, meta));
  return {
    url: harness.url,
    requests: harness.requests,
    objects,
    setBehaviour() {
      // S3 has no generation behaviour; only the request counter is reset, for symmetry with the other stand-ins.
      harness.resetCounter();
    },
    close: () => harness.close(),
  };
}

function handle(x: Exchange, objects: Map<string, StoredObject>, meta: WeakMap<StoredObject, ObjectMeta>): void {
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
