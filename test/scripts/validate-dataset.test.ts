/** The validate-dataset CLI: main() on temporary files for speed, and once through tsx to prove the real command works. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, main, type Io } from '../../scripts/validate-dataset';

interface Run { code: number; stdout: string; stderr: string }

async function run(argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => { stdout += `${t}\n`; },
    stderr: (t) => { stderr += `${t}\n`; },
  };
  return { code: await main(argv, io), stdout, stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'validate-dataset-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: readonly string[]): string {
  const p = path.join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

const sft = (prompt: string, completion: string) => JSON.stringify({ prompt, completion });
const GOOD = [sft('Where is my order?', 'It shipped yesterday.'), sft('How long does a refund take?', 'Five business days.')];

describe('valid files', () => {
  test('exit 0 with a summary per file and a verdict', async () => {
    // GIVEN a valid sft file (86 characters of text: ~22 tokens)
    const train = file('good.jsonl', GOOD);
    // WHEN validated
    const { code, stdout, stderr } = await run(['--format', 'sft', train]);
    // THEN no problem lines, one summary, valid
    expect(code).toBe(EXIT_OK);
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([`${train}: 2 records, no problems, ~22 tokens (estimated), 0 duplicates`, 'valid: 1 file', '']);
  });

  test('duplicates are reported but do not fail the file', async () => {
    const p = file('dupes.jsonl', [...GOOD, GOOD[0]]);
    const { code, stdout } = await run(['--format', 'sft', p]);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain(`${p}: 3 records, no problems, ~32 tokens (estimated), 1 duplicate`);
  });
});

describe('invalid files', () => {
  test('exit 1; every problem as FILE:LINE: message, then the summaries of every file', async () => {
    // GIVEN a valid file and one with three defects
    const good = file('ok.jsonl', GOOD);
    const bad = file('bad.jsonl', [GOOD[0], '{"prompt": "Refund?", "completion": "  "}', '["a", "b"]', '{"prompt": "x", "completion": "y", "id": 1}']);
    // WHEN both are validated
    const { code, stdout } = await run(['--format', 'sft', good, bad]);
    // THEN the problems, a blank line, the summaries and the verdict
    expect(code).toBe(EXIT_INVALID);
    expect(stdout.split('\n')).toEqual([
      `${bad}:2: "completion" is empty (only whitespace)`,
      `${bad}:3: the line is an array, not an object: write one {"prompt": "...", "completion": "..."} object per line`,
      `${bad}:4: unknown field "id": sft records have only "prompt" and "completion"`,
      '',
      `${good}: 2 records, no problems, ~22 tokens (estimated), 0 duplicates`,
      `${bad}: 4 records (1 valid), 3 problems, ~10 tokens (estimated), 0 duplicates`,
      'invalid: 3 problems in 1 of 2 files',
      '',
    ]);
  });

  test('--max-problems lists that many per file and counts the rest', async () => {
    const bad = file('many.jsonl', ['1', '2', '3', '4']);
    const { code, stdout } = await run(['--format', 'pretrain', bad, '--max-problems', '1']);
    expect(code).toBe(EXIT_INVALID);
    expect(stdout).toContain(`${bad}:1: the line is a number (1), not an object`);
    expect(stdout).not.toContain(`${bad}:2:`);
    expect(stdout).toContain(`${bad}: ... and 3 more problems`);
    expect(stdout).toContain(`${bad}: 4 records (0 valid), 4 problems`);
  });

  test('--json prints one document with every summary', async () => {
    const bad = file('json.jsonl', [GOOD[0], '{"prompt": 1, "completion": "b"}']);
    const { code, stdout } = await run(['--format', 'sft', bad, '--json']);
    expect(code).toBe(EXIT_INVALID);
    const doc = JSON.parse(stdout);
    expect(doc).toMatchObject({ format: 'sft', valid: false });
    expect(doc.files).toEqual([expect.objectContaining({
      file: bad, records: 2, validRecords: 1, problemCount: 1, duplicates: 0,
      problems: [{ file: bad, line: 2, message: '"prompt" must be a string, not a number (1)' }],
    })]);
    expect(doc.overlap).toBeUndefined();
  });
});

describe('--test', () => {
  test('exit 1 when test records share a prompt with the training files, naming their lines', async () => {
    // GIVEN a test split that repeats a training prompt on its line 2
    const train = file('train.jsonl', GOOD);
    const test = file('test.jsonl', [sft('Do you ship abroad?', 'Yes.'), sft('Where is my order?', 'Tomorrow.')]);
    // WHEN validated together
    const { code, stdout } = await run(['--format', 'sft', train, '--test', test]);
    // THEN both files are valid, but the overlap fails the run
    expect(code).toBe(EXIT_INVALID);
    expect(stdout.split('\n')).toEqual([
      `${train}: 2 records, no problems, ~22 tokens (estimated), 0 duplicates`,
      `${test}: 2 records, no problems, ~13 tokens (estimated), 0 duplicates`,
      `overlap: 1 of 2 test records in ${test} shares a prompt with the training data (line 2): remove it from one of the splits`,
      'invalid: 1 test record overlapping the training data',
      '',
    ]);
  });

  test('exit 0 when the splits are disjoint; --json carries the overlap', async () => {
    const train = file('train2.jsonl', GOOD);
    const test = file('test2.jsonl', [sft('Do you ship abroad?', 'Yes.')]);
    const text = await run(['--format', 'sft', train, '--test', test]);
    expect(text.code).toBe(EXIT_OK);
    expect(text.stdout).toContain(`overlap: none of the 1 test records in ${test} shares a prompt with the training data`);
    const json = await run(['--format', 'sft', train, '--test', test, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, overlap: { testFile: test, testRecords: 1, count: 0, exampleLines: [] } });
  });
});

describe('unreadable lines', () => {
  test('a line past --max-line-bytes and a line that is not UTF-8 are problems with their line numbers; the rest is checked', async () => {
    // GIVEN a file whose second line is 64 KiB with no structure and whose third holds a Latin-1 byte
    const p = path.join(dir, 'unreadable.jsonl');
    writeFileSync(p, Buffer.concat([
      Buffer.from(`${GOOD[0]}\n${'x'.repeat(65536)}\n`),
      Buffer.from('{"prompt": "caf'), Buffer.from([0xe9]), Buffer.from('", "completion": "ok"}\n'),
      Buffer.from(`${GOOD[1]}\n`),
    ]));
    // WHEN validated with a 4 KiB bound
    const { code, stdout } = await run(['--format', 'sft', '--max-line-bytes', '4096', p]);
    // THEN both are reported, and the valid lines around them still count
    expect(code).toBe(EXIT_INVALID);
    expect(stdout).toContain(`${p}:2: line is longer than 4 KiB`);
    expect(stdout).toContain(`${p}:3: not valid UTF-8: save the file as UTF-8`);
    expect(stdout).toContain(`${p}: 4 records (2 valid), 2 problems`);
  });

  test('--max-line-bytes must be a whole number of at least 1', async () => {
    const { code, stderr } = await run(['--format', 'sft', '--max-line-bytes', '0', file('any.jsonl', GOOD)]);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain('--max-line-bytes is "0": use a whole number of at least 1.');
  });
});

describe('usage', () => {
  test('--help prints the formats and exit codes', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain('Usage: npm run validate-dataset -- --format sft|chat|preference|pretrain FILE... [--test FILE] [--json] [--max-problems N] [--max-line-bytes N]');
    expect(stdout).toContain('Exit codes: 0 valid; 1 problems, or test records that share a prompt with the FILEs; 2 bad usage.');
  });

  test('fails when nothing is given: --format and FILE are both missing', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(EXIT_USAGE);
    expect(stdout).toBe('');
    expect(stderr).toBe([
      'validate-dataset: 2 problems',
      '  - --format is missing: use one of sft, chat, preference, pretrain.',
      '  - no FILE given: name at least one JSONL file to validate, e.g. datasets/starter/train/starter.jsonl.',
      'Run `npm run validate-dataset -- --help` for usage.',
      '',
    ].join('\n'));
  });

  test('fails with every problem at once: unknown format and option, bad numbers, missing files', async () => {
    // GIVEN a directory where a file is expected, missing files and bad values
    const folder = path.join(dir, 'folder');
    mkdirSync(folder, { recursive: true });
    const absent = path.join(dir, 'absent.jsonl');
    // WHEN run
    const { code, stderr } = await run(['--format', 'alpaca', '--max-problems', 'lots', '--verbose', '--json=yes', absent, folder, '--test', path.join(dir, 'nope.jsonl')]);
    // THEN each is listed in one report
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toBe([
      'validate-dataset: 7 problems',
      '  - --verbose is not an option: use --format, --test, --json, --max-problems, --max-line-bytes, --help.',
      '  - --json takes no value: write just --json.',
      '  - --format is "alpaca": use one of sft, chat, preference, pretrain.',
      '  - --max-problems is "lots": use a whole number of at least 0.',
      `  - "${absent}" does not exist.`,
      `  - "${folder}" is not a file: name a JSONL file.`,
      `  - --test is "${path.join(dir, 'nope.jsonl')}": does not exist.`,
      'Run `npm run validate-dataset -- --help` for usage.',
      '',
    ].join('\n'));
  });

  test.each([['-1'], ['1.5'], ['']])('fails when --max-problems is %p', async (value) => {
    const { code, stderr } = await run(['--format', 'sft', file('n.jsonl', GOOD), '--max-problems', value]);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain(`--max-problems is "${value}": use a whole number of at least 0.`);
  });

  test('fails when --format has no value', async () => {
    const { code, stderr } = await run([file('v.jsonl', GOOD), '--format']);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain('--format needs a value: sft|chat|preference|pretrain (required): the record shape of every FILE.');
  });
});

test('the real command runs through tsx and exits 1 on an invalid file', () => {
  // GIVEN an invalid chat file
  const bad = file('chat.jsonl', ['{"messages": [{"role": "assistant", "content": "Hello"}]}']);
  const root = path.join(__dirname, '..', '..');
  // WHEN the script runs as `npm run validate-dataset` would run it
  const out = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/validate-dataset.ts', '--format', 'chat', bad], { cwd: root, encoding: 'utf8' });
  // THEN the problems are printed and the exit code is 1
  expect(out.stderr).toBe('');
  expect(out.status).toBe(EXIT_INVALID);
  expect(out.stdout).toContain(`${bad}:1: messages[0].role is "assistant": a conversation starts with "user"`);
  expect(out.stdout).toContain(`${bad}: 1 record (0 valid), 1 problem, ~0 tokens (estimated), 0 duplicates`);
});
