// AWS event-stream framing (application/vnd.amazon.eventstream), as Bedrock and SageMaker send streamed answers:
// each message carries `:message-type` (event | exception), `:event-type` or `:exception-type` naming the member of
// the operation's output union, and `:content-type`. The SDK decodes them in @smithy/core/event-streams
// (getMessageUnmarshaller): an `exception` message is thrown as the modeled error named by `:exception-type`.
// Header objects are built once per event type, since they are the same on every frame.
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** The HTTP Content-Type of an event-stream response. */
export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

/** Headers of an `event` message whose payload is contentType. */
export function eventHeaders(eventType: string, contentType = 'application/json'): MessageHeaders {
  return {
    ':message-type': { type: 'string', value: 'event' },
    ':event-type': { type: 'string', value: eventType },
    ':content-type': { type: 'string', value: contentType },
  };
}

/** Headers of a modeled `exception` message; the payload is the error structure as JSON. */
export function exceptionHeaders(exceptionType: string): MessageHeaders {
  return {
    ':message-type': { type: 'string', value: 'exception' },
    ':exception-type': { type: 'string', value: exceptionType },
    ':content-type': { type: 'string', value: 'application/json' },
  };
}

/** One binary frame: prelude, headers, payload, CRCs. */
export function frame(headers: MessageHeaders, payload: string | Uint8Array): Uint8Array {
  return codec.encode({ headers, body: typeof payload === 'string' ? fromUtf8(payload) : payload });
}
