/**
 * Reads a JSONL stream line by line with a bound on each line's size and a UTF-8 check on each line.
 *
 * readline over a string stream keeps a whole line in memory however long it is: a 600 MB line with no newline
 * ends in `RangeError: Invalid string length`, and bytes that are not UTF-8 turn silently into U+FFFD and pass.
 * This reader works on bytes: a line past the bound is skipped to its end without being kept, and a line that
 * is not UTF-8 is reported with its number instead of being decoded.
 */
import { isUtf8 } from 'node:buffer';

/**
 * The longest line read: 8 MiB. The longest context a model in this kit trains with is 128k tokens (the
 * `:128k` Bedrock customization variants); at about 4 characters per token that is about 512k characters,
 * 2 MiB even if every character took 4 bytes of UTF-8. 8 MiB leaves four times that, and keeps a line's memory
 * (bytes, string and parsed JSON) far inside a 1 GB Lambda.
 */
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

/** One line as read: its text, or why it cannot be read. */
export interface DatasetLine {
  /** 1-based line number. */
  readonly number: number;
  /** The line without its line break (and without a trailing \r); absent when `problem` is set. */
  readonly text?: string;
  /** Why the line was not decoded: too long, or not UTF-8. */
  readonly problem?: string;
}

export interface LineReaderOptions {
  /**
   * Bytes allowed in one line, its line break not counted.
   * @default DEFAULT_MAX_LINE_BYTES (8 MiB)
   */
  readonly maxLineBytes?: number;
}

const NEWLINE = 0x0a;

/**
 * The lines of a byte stream (a file read stream, an S3 object body). Memory stays within one line of at most
 * `maxLineBytes` plus one chunk, whatever the input.
 */
export async function* readDatasetLines(input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, options: LineReaderOptions = {}): AsyncGenerator<DatasetLine> {
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxLineBytes is ${max}: use a whole number of bytes, 1 or more.`);
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let number = 0;

  /** Keeps a copy of a piece of the line (the stream may reuse its chunk's memory), unless the line is past the bound. */
  const take = (piece: Buffer) => {
    if (tooLong || piece.length === 0) return;
    if (size + piece.length > max + 1) { // + 1: a \r before the newline is not counted
      tooLong = true;
      parts = [];
      size = 0;
      return;
    }
    parts.push(Buffer.from(piece));
    size += piece.length;
  };
  /** The line ended: the pieces kept, then `last` (the piece before the newline, decoded before the chunk is left). */
  const finishLine = (last?: Buffer): DatasetLine => {
    number += 1;
    if (last !== undefined && !tooLong && parts.length > 0) take(last);
    if (tooLong) {
      tooLong = false;
      return { number, problem: lineTooLong(max) };
    }
    // A line inside one chunk is decoded from the chunk itself: no copy.
    let bytes = parts.length === 0 ? last ?? Buffer.alloc(0) : parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > max) return { number, problem: lineTooLong(max) };
    if (!isUtf8(bytes)) {
      return { number, problem: 'not valid UTF-8: save the file as UTF-8 (the bytes of this line are in another encoding, or the file is cut in the middle of a character)' };
    }
    return { number, text: bytes.toString('utf8') };
  };

  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE, start); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      yield finishLine(buffer.subarray(start, end));
      start = end + 1;
    }
    take(buffer.subarray(start));
  }
  if (size > 0 || tooLong) yield finishLine();
}

function lineTooLong(max: number): string {
  return `line is longer than ${formatBytes(max)}: a record this long is not a training example (is the file JSONL, one record per line?); split it, or raise the bound (maxLineBytes, --max-line-bytes)`;
}

function formatBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
