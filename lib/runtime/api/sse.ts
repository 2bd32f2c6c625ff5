// Server-sent events (text/event-stream, the HTML Living Standard's "Server-sent events" section): the one codec
// of the API's streamed answers. The handler writes with encodeEvent; the command-line client, the tests and the
// benchmark read with SseParser (or parseEvents for a whole body).

/** Writes one event: `event: NAME` and the data, JSON-encoded on one `data:` line, then the blank line. */
export function encodeEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Every event of a whole body, its data parsed as JSON (the API's events all carry JSON). */
export function parseEvents(body: string): { event: string; data: Record<string, unknown> }[] {
  const parser = new SseParser();
  return [...parser.push(body), ...parser.end()].map((e) => ({ event: e.event, data: JSON.parse(e.data) as Record<string, unknown> }));
}

export interface SseEvent {
  /** The `event:` field; "message" when absent, as in the EventSource specification. */
  readonly event: string;
  /** The `data:` lines joined by newlines. */
  readonly data: string;
}

/**
 * An incremental text/event-stream parser: push text as it is decoded and get the events it completes. Events and lines
 * may be split anywhere across pushes; lines end with LF, CRLF or CR.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  public push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const lf = this.buffer.indexOf('\n', start);
      const cr = this.buffer.indexOf('\r', start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) break;
      // A CR last in the buffer may be the first half of a CRLF split across pushes: wait for the next text.
      if (end === cr && cr === this.buffer.length - 1) break;
      this.line(this.buffer.slice(start, end), events);
      start = end + (end === cr && this.buffer[cr + 1] === '\n' ? 2 : 1);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /**
   * The end of the stream. The specification drops an event without its closing blank line; a server that ends with
   * `data: ...` and closes has still said what it meant, so it is dispatched.
   */
  public end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.buffer !== '') this.line(this.buffer.replace(/\r$/, ''), events);
    this.buffer = '';
    this.line('', events);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) events.push({ event: this.event === '' ? 'message' : this.event, data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}
