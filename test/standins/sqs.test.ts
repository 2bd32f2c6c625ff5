// The SQS stand-in (test/standins/sqs.ts) driven by the real @aws-sdk/client-sqs: SendMessage with the SDK's MD5
// check, ReceiveMessage and DeleteMessage, the 1 MiB limit, and failures.
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { caught, clientConfig } from './sdk';
import { type SqsStandIn, startSqs } from './sqs';

let standIn: SqsStandIn;
let client: SQSClient;

beforeAll(async () => {
  standIn = await startSqs();
  client = new SQSClient(clientConfig(standIn.url));
});

afterAll(async () => {
  client.destroy();
  await standIn.close();
});

beforeEach(() => {
  standIn.setBehaviour({});
  standIn.queues.clear();
});

test('send, receive and delete round-trip a message; the SDK checks the MD5 of what it sent', async () => {
  const QueueUrl = standIn.queueUrl('records');
  const sent = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"key":"feedback/x.json"} é' }));
  expect(sent.MessageId).toEqual(expect.any(String));
  expect(standIn.requests.at(-1)!.headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
  const got = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
  expect(got.Messages!.map((m) => m.Body)).toEqual(['{"key":"feedback/x.json"} é']);
  await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages![0].ReceiptHandle }));
  expect(standIn.queues.get('records')).toEqual([]);
});

test('fails a body over 1 MiB with InvalidParameterValue, and a planned failure with InternalError', async () => {
  const QueueUrl = standIn.queueUrl('records');
  expect(await caught(client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1_048_577) })))).toMatchObject({ name: 'InvalidParameterValue' });
  standIn.setBehaviour({ failures: { kind: 'internal-error', requests: 'all' } });
  expect(await caught(client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })))).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
});

test('a hanging send is ended by the caller\'s abort signal', async () => {
  standIn.setBehaviour({ failures: { kind: 'hang', requests: 'all' } });
  const err = await caught(client.send(new SendMessageCommand({ QueueUrl: standIn.queueUrl('records'), MessageBody: 'x' }), { abortSignal: AbortSignal.timeout(150) }));
  expect(err.name).toMatch(/Abort|Timeout/);
});
