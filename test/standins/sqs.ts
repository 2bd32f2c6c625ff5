// Stand-in for Amazon SQS's SendMessage, ReceiveMessage and DeleteMessage in the AWS JSON 1.0 protocol that
// @aws-sdk/client-sqs speaks (POST / with X-Amz-Target: AmazonSQS.<Operation>, application/x-amz-json-1.0), for
// the generative API's dead-letter queue. Queues need no creation: a QueueUrl's last path segment names one.
//
// Wire details (sources: SQS API reference, SendMessage / ReceiveMessage / DeleteMessage and "Common errors";
// @aws-sdk/middleware-sdk-sqs, which checks MD5OfMessageBody against the MD5 of the body it sent):
// - SendMessage answers {MessageId, MD5OfMessageBody}; a body over the queue's MaximumMessageSize (here 1 MiB)
//   is 400 InvalidParameterValue.
// - Errors are JSON {__type, message} with x-amzn-query-error naming the query-protocol code.
// Signatures are not checked.
import { createHash, randomUUID } from 'node:crypto';
import { type Exchange, listen, sendJson } from '../../scripts/lib/standins/server';
import type { RecordedRequest } from '../../scripts/lib/standins/types';

export interface SqsMessage {
  readonly messageId: string;
  readonly body: string;
  readonly receiptHandle: string;
}

/** How SendMessage fails: never answered, or 500 InternalError (which the SDK retries). */
export interface SqsBehaviour {
  readonly failures?: { readonly kind: 'hang' | 'internal-error'; readonly requests: readonly number[] | 'all' };
}

export interface SqsStandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Messages by queue name, oldest first; received ones stay until deleted. */
  readonly queues: Map<string, SqsMessage[]>;
  /** A QueueUrl on this stand-in. */
  queueUrl(name: string): string;
  setBehaviour(b: SqsBehaviour): void;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1_048_576;

export async function startSqs(behaviour: SqsBehaviour = {}): Promise<SqsStandIn> {
  const queues = new Map<string, SqsMessage[]>();
  let state = { behaviour, sends: 0 };
  const harness = await listen((x) => handle(x, queues, state));
  return {
    url: harness.url,
    requests: harness.requests,
    queues,
    queueUrl: (name) => `${harness.url}/123456789012/${name}`,
    setBehaviour(b) {
      state = { behaviour: b, sends: 0 };
      harness.resetCounter();
    },
    close: () => harness.close(),
  };
}

function error(x: Exchange, status: number, code: string, message: string): void {
  sendJson(x.res, status, { 'x-amzn-query-error': `${code};${status < 500 ? 'Sender' : 'Receiver'}`, 'x-amzn-RequestId': randomUUID() }, JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message }));
}

function handle(x: Exchange, queues: Map<string, SqsMessage[]>, state: { behaviour: SqsBehaviour; sends: number }): void {
  const target = String(x.headers['x-amz-target'] ?? '');
  let input: { QueueUrl?: string; MessageBody?: string; MaxNumberOfMessages?: number; ReceiptHandle?: string };
  try {
    input = JSON.parse(x.body.toString('utf8')) as typeof input;
  } catch {
    error(x, 400, 'InvalidParameterValue', 'The request body is not JSON.');
    return;
  }
  const name = (input.QueueUrl ?? '').split('/').pop() ?? '';
  if (name === '') {
    error(x, 400, 'QueueDoesNotExist', 'The specified queue does not exist.');
    return;
  }
  const queue = queues.get(name) ?? [];
  queues.set(name, queue);
  switch (target) {
    case 'AmazonSQS.SendMessage': {
      const n = ++state.sends;
      const failure = state.behaviour.failures;
      if (failure && (failure.requests === 'all' || failure.requests.includes(n))) {
        if (failure.kind === 'hang') return;
        error(x, 500, 'InternalError', 'We encountered an internal error. Please try again.');
        return;
      }
      const body = input.MessageBody ?? '';
      if (Buffer.byteLength(body) > MAX_MESSAGE_BYTES) {
        error(x, 400, 'InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`);
        return;
      }
      const messageId = randomUUID();
      queue.push({ messageId, body, receiptHandle: randomUUID() });
      sendJson(x.res, 200, { 'x-amzn-RequestId': randomUUID() }, JSON.stringify({ MessageId: messageId, MD5OfMessageBody: createHash('md5').update(body, 'utf8').digest('hex') }));
      return;
    }
    case 'AmazonSQS.ReceiveMessage': {
      const messages = queue.slice(0, Math.min(10, input.MaxNumberOfMessages ?? 1)).map((m) => ({
        MessageId: m.messageId, ReceiptHandle: m.receiptHandle, Body: m.body, MD5OfBody: createHash('md5').update(m.body, 'utf8').digest('hex'),
      }));
      sendJson(x.res, 200, { 'x-amzn-RequestId': randomUUID() }, JSON.stringify(messages.length > 0 ? { Messages: messages } : {}));
      return;
    }
    case 'AmazonSQS.DeleteMessage': {
      const at = queue.findIndex((m) => m.receiptHandle === input.ReceiptHandle);
      if (at < 0) {
        error(x, 400, 'ReceiptHandleIsInvalid', 'The specified receipt handle isn\'t valid.');
        return;
      }
      queue.splice(at, 1);
      sendJson(x.res, 200, { 'x-amzn-RequestId': randomUUID() }, '{}');
      return;
    }
    default:
      error(x, 400, 'InvalidAction', `The action ${target} is not valid for this endpoint.`);
  }
}
