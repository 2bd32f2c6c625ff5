// The S3 stand-in driven by the real @aws-sdk/client-s3: put, get and head on path-style URLs, streamed
// (aws-chunked) uploads, checksum validation, the SDK's NoSuchKey / NotFound classes, endpoint configuration,
// failures and latency per operation, and multipart uploads.
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound,
  PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { type S3StandIn, startS3 } from '../../scripts/lib/standins';
import { MIN_PART_BYTES } from '../../scripts/lib/standins/s3';
import { caught, clientConfig, CREDENTIALS, since, withEnv } from './sdk';

const BUCKET = 'artifacts';

let standIn: S3StandIn;
let client: S3Client;

beforeAll(async () => {
  standIn = await startS3();
  client = new S3Client({ ...clientConfig(standIn.url), forcePathStyle: true });
});

afterAll(async () => {
  client.destroy();
  await standIn.close();
});

beforeEach(() => {
  standIn.objects.clear();
  standIn.requests.length = 0;
});

describe('objects', () => {
  test('put, head and get round-trip the body, content type and ETag', async () => {
    // GIVEN a key with folders, a space and a non-ASCII character
    const key = 'runs/2024 01/résumé.json';
    const body = '{"score":0.93}';

    // WHEN
    const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: 'application/json' }));
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));

    // THEN
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    expect(put.ETag).toBe(etag);
    expect(head).toMatchObject({ ContentType: 'application/json', ContentLength: body.length, ETag: etag, LastModified: expect.any(Date) });
    expect(await got.Body?.transformToString()).toBe(body);
    expect(got.ContentType).toBe('application/json');
    expect(standIn.objects.get(`${BUCKET}/${key}`)).toEqual({ body: Buffer.from(body), contentType: 'application/json' });
    expect(standIn.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /${BUCKET}/runs/2024%2001/r%C3%A9sum%C3%A9.json`,
      `HEAD /${BUCKET}/runs/2024%2001/r%C3%A9sum%C3%A9.json`,
      `GET /${BUCKET}/runs/2024%2001/r%C3%A9sum%C3%A9.json`,
    ]);
  });

  test('a streamed upload (aws-chunked with a checksum trailer) is stored decoded', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'log.txt', Body: Readable.from([Buffer.from('hello '), Buffer.from('world')]), ContentLength: 11 }));

    expect(standIn.requests[0].headers['content-encoding']).toBe('aws-chunked');
    expect(standIn.objects.get(`${BUCKET}/log.txt`)?.body.toString()).toBe('hello world');
  });

  test('GetObject with ChecksumMode gets the uploaded checksum back, and the SDK validates it', async () => {
    // GIVEN an uploaded object whose bytes then rot in place
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'model.bin', Body: 'weights' }));
    const good = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'model.bin', ChecksumMode: 'ENABLED' }));
    expect(await good.Body?.transformToString()).toBe('weights');
    standIn.objects.get(`${BUCKET}/model.bin`)!.body = Buffer.from('wEights');

    // WHEN
    const bad = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'model.bin', ChecksumMode: 'ENABLED' }));
    const err = await caught(bad.Body!.transformToString());

    // THEN
    expect(good.ChecksumCRC32).toEqual(expect.any(String));
    expect(err.message).toMatch(/Checksum mismatch/);
  });

  test('objects a test puts in the map are served with S3 defaults', async () => {
    standIn.objects.set(`${BUCKET}/seeded`, { body: Buffer.from([1, 2, 3]) });

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'seeded' }));

    expect(got.ContentType).toBe('binary/octet-stream');
    expect(Array.from(await got.Body!.transformToByteArray())).toEqual([1, 2, 3]);
  });
});

describe('errors', () => {
  test('GetObject on a missing key throws NoSuchKey from the 404 XML error', async () => {
    const err = await caught(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'absent.json' })));

    expect(err).toBeInstanceOf(NoSuchKey);
    expect(err).toMatchObject({ name: 'NoSuchKey', message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
  });

  test('HeadObject on a missing key throws NotFound from the bodiless 404', async () => {
    const err = await caught(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'absent.json' })));

    expect(err).toBeInstanceOf(NotFound);
    expect(err).toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  });
});

describe('endpoint configuration', () => {
  test('with an IP endpoint the SDK chooses path-style by itself, without forcePathStyle', async () => {
    const auto = new S3Client(clientConfig(standIn.url));
    try {
      await auto.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }));
    } finally {
      auto.destroy();
    }

    expect(standIn.requests[0].path).toBe(`/${BUCKET}/k`);
    expect(standIn.requests[0].headers.host).toBe(new URL(standIn.url).host);
  });

  test('a client built without endpoint reaches the stand-in through AWS_ENDPOINT_URL_S3', async () => {
    await withEnv({ AWS_ENDPOINT_URL_S3: standIn.url }, async () => {
      const viaEnv = new S3Client({ region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
      try {
        await viaEnv.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'env', Body: 'v' }));
      } finally {
        viaEnv.destroy();
      }
    });

    expect(standIn.objects.get(`${BUCKET}/env`)?.body.toString()).toBe('v');
  });
});

describe('behaviour: latency and failures per operation', () => {
  afterEach(() => standIn.setBehaviour({}));

  test.each([
    ['slow-down', 503, 'SlowDown'],
    ['unavailable', 503, 'ServiceUnavailable'],
    ['internal-error', 500, 'InternalError'],
  ] as const)('a %s PUT answers %i %s, which the SDK retries; only the PUTs counted fail', async (kind, status, code) => {
    // GIVEN the first PUT fails; a GET in between does not count
    standIn.setBehaviour({ failures: [{ kind, operation: 'PutObject', requests: [1] }] });
    await caught(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'none' })));
    // WHEN one client call with the SDK's default retries
    const retrying = new S3Client({ ...clientConfig(standIn.url, 3), forcePathStyle: true });
    try {
      await retrying.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'retried', Body: 'v' }));
    } finally {
      retrying.destroy();
    }
    // THEN the second attempt stored it; a single attempt shows the error
    expect(standIn.requests.filter((r) => r.method === 'PUT')).toHaveLength(2);
    standIn.setBehaviour({ failures: [{ kind, operation: 'PutObject', requests: 'all' }] });
    expect(await caught(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' })))).toMatchObject({ name: code, $metadata: { httpStatusCode: status } });
  });

  test('a hanging PUT is never answered: the client\'s abort signal ends it', async () => {
    standIn.setBehaviour({ failures: [{ kind: 'hang', operation: 'PutObject', requests: 'all' }] });
    const start = performance.now();
    const err = await caught(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }), { abortSignal: AbortSignal.timeout(200) }));
    expect(err.name).toMatch(/Abort|Timeout/);
    expect(since(start)).toBeLessThan(1000);
    expect(standIn.objects.has(`${BUCKET}/k`)).toBe(false);
  });

  test('delays hold one operation\'s answers', async () => {
    standIn.setBehaviour({ delays: { GetObject: 150 } });
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }));
    const start = performance.now();
    await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    expect(since(start)).toBeGreaterThanOrEqual(145);
  });

  test('fails when a behaviour is invalid, naming every problem', () => {
    expect(() => standIn.setBehaviour({ delays: { PutObject: -1 }, failures: [{ kind: 'hang', operation: 'Nope' as 'PutObject', requests: [0] }] }))
      .toThrow(/requests must be 1-based[\s\S]*operation must be one of[\s\S]*delays.PutObject must be a finite number >= 0/);
  });
});

describe('multipart uploads', () => {
  const part = (byte: number, size: number) => Buffer.alloc(size, byte);

  test('parts of 5 MiB and a smaller last one make one object, with the multipart ETag', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'big.jsonl', ContentType: 'application/jsonl' }));
    const bodies = [part(97, MIN_PART_BYTES), part(98, 10)];
    const parts = [];
    for (const [i, Body] of bodies.entries()) {
      const out = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'big.jsonl', UploadId, PartNumber: i + 1, Body }));
      parts.push({ ETag: out.ETag, PartNumber: i + 1 });
    }
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'big.jsonl', UploadId, MultipartUpload: { Parts: parts } }));
    const md5s = Buffer.concat(bodies.map((b) => createHash('md5').update(b).digest()));
    expect(done.ETag).toBe(`"${createHash('md5').update(md5s).digest('hex')}-2"`);
    const got = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big.jsonl' }));
    expect(got).toMatchObject({ ContentLength: MIN_PART_BYTES + 10, ContentType: 'application/jsonl' });
  });

  test('fails when a part but the last is under 5 MiB (EntityTooSmall), or an upload is unknown (NoSuchUpload)', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'small' }));
    const parts = [];
    for (const n of [1, 2]) parts.push({ ETag: (await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'small', UploadId, PartNumber: n, Body: part(n, 10) }))).ETag, PartNumber: n });
    expect(await caught(client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'small', UploadId, MultipartUpload: { Parts: parts } })))).toMatchObject({ name: 'EntityTooSmall' });
    await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'small', UploadId }));
    expect(await caught(client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'small', UploadId, PartNumber: 3, Body: 'x' })))).toMatchObject({ name: 'NoSuchUpload' });
    expect(standIn.objects.has(`${BUCKET}/small`)).toBe(false);
  });
});
