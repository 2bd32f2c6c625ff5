/** The streaming validator: line handling, duplicates, token estimate, the problem cap, files, splits and a large file. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DatasetFormat, DatasetValidator, DEFAULT_MAX_PROBLEMS, formatProblem, formatProblems, validateFile, validateLines, validateSplits,
} from '../../lib/datasets';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'validate-dataset-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` to a file of the temporary directory and returns its path. */
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const sft = (prompt: string, completion: string) => JSON.stringify({ prompt, completion });
const BAD = '{"prompt": ""}';

describe('line handling', () => {
  test('tolerates a BOM at the start and CRLF line breaks in a file', async () => {
    // GIVEN a file saved by a Windows editor
    const p = file('crlf.jsonl', `\uFEFF${sft('a', 'b')}\r\n${sft('c', 'd')}\r\n`);
    // WHEN validated
    const summary = await validateFile(p, DatasetFormat.SFT);
    // THEN both records are valid
    expect(summary).toMatchObject({ valid: true, records: 2, validRecords: 2, file: p });
  });

  test('tolerates a trailing \\r on lines pushed directly', async () => {
    const summary = await validateLines([`\uFEFF${sft('a', 'b')}\r`, `${sft('c', 'd')}\r`, '\r'], DatasetFormat.SFT);
    expect(summary).toMatchObject({ valid: true, records: 2 });
  });

  test('fails when a BOM appears on a later line', async () => {
    const summary = await validateLines([sft('a', 'b'), `\uFEFF${sft('c', 'd')}`], DatasetFormat.SFT, { file: 'f' });
    expect(formatProblems(summary)).toEqual([expect.stringMatching(/^f:2: not valid JSON \(/)]);
  });

  test('allows any number of trailing empty lines', async () => {
    const p = file('trailing.jsonl', `${sft('a', 'b')}\n\n\n  \n`);
    expect(await validateFile(p, DatasetFormat.SFT)).toMatchObject({ valid: true, records: 1 });
  });

  test('fails when empty lines come before a record: each is reported with its line', async () => {
    const summary = await validateLines(['', sft('a', 'b'), '', '', sft('c', 'd'), ''], DatasetFormat.SFT, { file: 'f' });
    expect(summary.problems.map((p) => p.line)).toEqual([1, 3, 4]);
    expect(summary.records).toBe(2);
  });

  test('reports problems in line order, formatted FILE:LINE: message', async () => {
    const summary = await validateLines([sft('a', 'b'), BAD, '[]', ''], DatasetFormat.SFT, { file: 'train.jsonl' });
    expect(summary.problems.map(formatProblem)).toEqual([
      'train.jsonl:2: "prompt" is empty',
      'train.jsonl:2: "completion" is missing',
      'train.jsonl:3: the line is an array, not an object: write one {"prompt": "...", "completion": "..."} object per line',
    ]);
  });

  test('accepts async iterables, e.g. a readline interface over an S3 body', async () => {
    async function* lines() {
      yield sft('a', 'b');
      yield BAD;
    }
    const summary = await validateLines(lines(), DatasetFormat.SFT);
    expect(summary).toMatchObject({ valid: false, records: 2, validRecords: 1, problemCount: 2 });
    expect(summary.problems[0]).toEqual({ file: '<input>', line: 2, message: '"prompt" is empty' });
  });

  test('DatasetValidator can be driven line by line', () => {
    const validator = new DatasetValidator(DatasetFormat.PRETRAIN, { file: 'p.jsonl' });
    validator.pushLine('{"input": "a"}', 1);
    validator.pushLine('{"input": 1}', 2);
    expect(validator.finish()).toMatchObject({ records: 2, validRecords: 1, problems: [{ file: 'p.jsonl', line: 2, message: '"input" must be a string, not a number (1)' }] });
  });
});

describe('summary', () => {
  test('estimates tokens as the valid records\' characters / 4, rounded up', async () => {
    // GIVEN 4 + 5 characters of valid text and an invalid record
    const summary = await validateLines([sft('abcd', 'efghi'), '{"prompt": "not counted"}'], DatasetFormat.SFT);
    // THEN only the valid text counts: ceil(9 / 4)
    expect(summary.estimatedTokens).toBe(3);
  });

  test('counts duplicates after normalizing whitespace and key order; invalid records are not counted', async () => {
    // GIVEN a record, two normalized copies of it, a different record and two copies of an invalid one
    const lines = [sft('Where is my order?', 'Shipped.'), sft('  Where is  my order?', 'Shipped.\n'),
      '{"completion": "Shipped.", "prompt": "Where is my order?"}', sft('Where is my order?', 'Lost.'), BAD, BAD];
    // WHEN validated
    const summary = await validateLines(lines, DatasetFormat.SFT);
    // THEN the two copies are duplicates, and duplicates alone do not invalidate the file
    expect(summary.duplicates).toBe(2);
    expect(summary.validRecords).toBe(4);
  });

  test('a duplicate alone leaves the file valid', async () => {
    expect(await validateLines([sft('a', 'b'), sft('a', 'b')], DatasetFormat.SFT)).toMatchObject({ valid: true, duplicates: 1 });
  });

  test('chat duplicates: a content list equals the same text as a string', async () => {
    const lines = [
      '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}',
      '{"messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}',
      '{"system": "Be brief.", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}',
    ];
    expect(await validateLines(lines, DatasetFormat.CHAT)).toMatchObject({ valid: true, duplicates: 1 });
  });

  test('lists at most maxProblems problems and counts the rest', async () => {
    // GIVEN five invalid lines and a cap of 2
    const summary = await validateLines(['1', '2', '3', '4', '5'], DatasetFormat.PRETRAIN, { file: 'f', maxProblems: 2 });
    // THEN two are listed, all five counted, and the note says how many more
    expect(summary).toMatchObject({ problemCount: 5, omittedProblems: 3, valid: false });
    expect(formatProblems(summary)).toEqual([
      'f:1: the line is a number (1), not an object: write one {"input": "..."} object per line',
      'f:2: the line is a number (2), not an object: write one {"input": "..."} object per line',
      'f: ... and 3 more problems',
    ]);
  });

  test('maxProblems 0 lists nothing but still counts; empty lines past the cap are counted too', async () => {
    const summary = await validateLines(['', '', '', '{"input": "a"}'], DatasetFormat.PRETRAIN, { file: 'f', maxProblems: 0 });
    expect(summary).toMatchObject({ problemCount: 3, problems: [], omittedProblems: 3 });
    expect(formatProblems(summary)).toEqual(['f: ... and 3 more problems']);
  });

  test(`lists up to ${DEFAULT_MAX_PROBLEMS} problems by default`, async () => {
    const summary = await validateLines(Array.from({ length: DEFAULT_MAX_PROBLEMS + 5 }, () => 'x'), DatasetFormat.SFT);
    expect(summary).toMatchObject({ problemCount: DEFAULT_MAX_PROBLEMS + 5, omittedProblems: 5 });
    expect(summary.problems).toHaveLength(DEFAULT_MAX_PROBLEMS);
  });

  test.each([-1, 1.5, Number.NaN])('fails when maxProblems is %p', (maxProblems) => {
    expect(() => new DatasetValidator(DatasetFormat.SFT, { maxProblems })).toThrow(/maxProblems is .*: use a whole number, 0 or more\./);
  });
});

describe('validateFile', () => {
  test('rejects when the file does not exist', async () => {
    await expect(validateFile(path.join(dir, 'absent.jsonl'), DatasetFormat.SFT)).rejects.toThrow(/ENOENT/);
  });

  test('uses options.file as the name in problems when given', async () => {
    const p = file('named.jsonl', `${BAD}\n`);
    const summary = await validateFile(p, DatasetFormat.SFT, { file: 's3://bucket/train.jsonl' });
    expect(formatProblem(summary.problems[0])).toBe('s3://bucket/train.jsonl:1: "prompt" is empty');
  });

  test('streams a large file (200,000 lines) and counts records, problems and duplicates exactly', async () => {
    // GIVEN 200k lines: an invalid one every 50,000 lines, and the last 10,000 lines repeating the first 10,000
    const total = 200_000;
    const invalid = (i: number) => i % 50_000 === 0;
    let characters = 0;
    const lines: string[] = [];
    for (let i = 1; i <= total; i++) {
      const k = i <= 190_000 ? i : i - 190_000;
      if (invalid(i)) {
        lines.push(BAD);
      } else {
        lines.push(`{"prompt": "What is the status of order ${k}?", "completion": "Order ${k} shipped."}`);
        characters += 2 * String(k).length + 44;
      }
    }
    const p = file('large.jsonl', `${lines.join('\n')}\n`);
    lines.length = 0;
    // WHEN validated from disk with a small cap
    const summary = await validateFile(p, DatasetFormat.SFT, { maxProblems: 3 });
    // THEN every count is exact and the problem list stays capped
    expect(summary).toMatchObject({
      records: total, validRecords: total - 4, problemCount: 8, omittedProblems: 5, duplicates: 9_999, estimatedTokens: Math.ceil(characters / 4),
    });
    expect(summary.problems.map((x) => x.line)).toEqual([50_000, 50_000, 100_000]);
  });
});

describe('validateSplits', () => {
  test('counts test records whose prompt is also a training prompt, after normalization, with their lines', async () => {
    // GIVEN a train file and a test file sharing two prompts (one with different spacing)
    const train = file('split-train.jsonl', [sft('Where is my order?', 'Shipped.'), sft('Refund time?', 'Five days.')].join('\n'));
    const test = file('split-test.jsonl', [sft('Do you ship abroad?', 'Yes.'), sft(' Where is my  order?', 'Lost.'), BAD, sft('Refund time?', 'A week.')].join('\n'));
    // WHEN validated as splits
    const splits = await validateSplits(train, test, DatasetFormat.SFT);
    // THEN both summaries are there, and the valid overlapping test records are counted with their lines
    expect(splits.train).toMatchObject({ file: train, valid: true, records: 2 });
    expect(splits.test).toMatchObject({ file: test, valid: false, records: 4 });
    expect(splits.overlap).toEqual({ count: 2, exampleLines: [2, 4] });
  });

  test('no overlap when the prompts differ', async () => {
    const train = file('disjoint-train.jsonl', `${sft('a', 'b')}\n`);
    const test = file('disjoint-test.jsonl', `${sft('c', 'b')}\n`);
    expect((await validateSplits(train, test, DatasetFormat.SFT)).overlap).toEqual({ count: 0, exampleLines: [] });
  });

  test('chat records overlap when their user turns match, whatever the system prompt and answers', async () => {
    const convo = (system: string, answer: string) => JSON.stringify({ system, messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: answer }] });
    const train = file('chat-train.jsonl', `${convo('Be brief.', 'Hello')}\n`);
    const test = file('chat-test.jsonl', `${convo('Be chatty.', 'Hello there, how can I help?')}\n`);
    expect((await validateSplits(train, test, DatasetFormat.CHAT)).overlap.count).toBe(1);
  });

  test('pretrain records overlap on their input; examples stop at 10', async () => {
    const inputs = Array.from({ length: 12 }, (_, i) => JSON.stringify({ input: `text ${i}` })).join('\n');
    const train = file('pt-train.jsonl', inputs);
    const test = file('pt-test.jsonl', inputs);
    const { overlap } = await validateSplits(train, test, DatasetFormat.PRETRAIN);
    expect(overlap).toEqual({ count: 12, exampleLines: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
  });
});
