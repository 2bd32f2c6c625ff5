/** The bounded line reader: chunk boundaries, CRLF, a line past the bound skipped in bounded memory, UTF-8 checks. */
import { DatasetFormat, DEFAULT_MAX_LINE_BYTES, readDatasetLines, validateStream, type DatasetLine } from '../../lib/datasets';

async function collect(chunks: Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>, maxLineBytes?: number): Promise<DatasetLine[]> {
  const lines: DatasetLine[] = [];
  for await (const line of readDatasetLines(chunks, { maxLineBytes })) lines.push(line);
  return lines;
}

describe('readDatasetLines', () => {
  test('joins lines across chunks, drops the \\r of CRLF even when split from its \\n, no extra line after the last break', async () => {
    const lines = await collect([Buffer.from('ab'), Buffer.from('c\r'), Buffer.from('\nd\n\ne\r\n')]);
    expect(lines).toEqual([{ number: 1, text: 'abc' }, { number: 2, text: 'd' }, { number: 3, text: '' }, { number: 4, text: 'e' }]);
  });

  test('a last line without a line break is read', async () => {
    expect(await collect(['a\nb'])).toEqual([{ number: 1, text: 'a' }, { number: 2, text: 'b' }]);
  });

  test('a multi-byte character split between chunks is decoded whole', async () => {
    const bytes = Buffer.from('café ☕\n');
    const lines = await collect([bytes.subarray(0, 4), bytes.subarray(4, 7), bytes.subarray(7)]);
    expect(lines).toEqual([{ number: 1, text: 'café ☕' }]);
  });

  test('a line of exactly the bound is read; one byte more is a problem; lines after it are read', async () => {
    const lines = await collect([`${'a'.repeat(8)}\r\n${'b'.repeat(9)}\nc\n`], 8);
    expect(lines[0]).toEqual({ number: 1, text: 'aaaaaaaa' });
    expect(lines[1]).toEqual({ number: 2, problem: expect.stringContaining('line is longer than 8 bytes') });
    expect(lines[2]).toEqual({ number: 3, text: 'c' });
  });

  test('a 64 MiB line with no newline is one problem, read in 64 KiB chunks without being kept', async () => {
    // GIVEN 1,024 chunks of 64 KiB with no line break, generated, never held together
    const chunk = Buffer.alloc(65536, 0x78);
    async function* stream() { for (let i = 0; i < 1024; i++) yield chunk; }
    const before = process.memoryUsage().arrayBuffers;
    // WHEN read with the default bound (8 MiB)
    const lines = await collect(stream());
    // THEN one problem, and no more than the bound was ever copied (nothing once the line is past it)
    expect(lines).toEqual([{ number: 1, problem: expect.stringContaining('line is longer than 8 MiB') }]);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(DEFAULT_MAX_LINE_BYTES + 2 * 65536);
  });

  test('bytes that are not UTF-8 are a problem with their line, not U+FFFD', async () => {
    const lines = await collect([Buffer.from([0x7b, 0x7d, 0x0a, 0xc3, 0x28, 0x0a, 0xf0, 0x9f, 0x98])]);
    expect(lines[0]).toEqual({ number: 1, text: '{}' });
    expect(lines[1]).toMatchObject({ number: 2, problem: expect.stringContaining('not valid UTF-8') });
    expect(lines[2]).toMatchObject({ number: 3, problem: expect.stringContaining('not valid UTF-8') }); // cut mid-character
  });

  test('refuses a bound that is not a whole number of bytes', async () => {
    await expect(collect(['a'], 0)).rejects.toThrow('maxLineBytes is 0: use a whole number of bytes, 1 or more.');
  });
});

describe('validateStream', () => {
  test('unreadable lines are records with a problem; the lines around them are checked', async () => {
    const good = JSON.stringify({ prompt: 'a', completion: 'b' });
    const summary = await validateStream([Buffer.concat([Buffer.from(`\uFEFF${good}\n`), Buffer.from([0xff, 0x0a]), Buffer.from(`${good}\n`)])], DatasetFormat.SFT, { file: 'k.jsonl' });
    expect(summary).toMatchObject({ records: 3, validRecords: 2, problemCount: 1, duplicates: 1 });
    expect(summary.problems[0]).toMatchObject({ file: 'k.jsonl', line: 2, message: expect.stringContaining('not valid UTF-8') });
  });
});
