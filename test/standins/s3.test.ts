// The S3 stand-in driven by the real @aws-sdk/client-s3: put, get and head on path-style URLs, streamed
// (aws-chunked) uploads, checksum validation, the SDK's NoSuchKey / NotFound classes, and endpoint configuration.
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type S3StandIn, startS3 } from '../../scripts/lib/standins';
import { caught, clientConfig, CREDENTIALS, withEnv } from './sdk';

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
