/**
 * `npm run validate-dataset -- --format sft|chat|preference|pretrain FILE... [--test FILE] [--json] [--max-problems N] [--max-line-bytes N]`:
 * checks JSONL datasets before a training job does, streaming each file. Prints every problem as `FILE:LINE: message`,
 * then a summary per file and, with --test, how many test records share a prompt with the training files.
 * Exit codes: 0 valid; 1 problems found, or test records overlap the training data; 2 bad usage, every problem at once.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  DATASET_FORMATS, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_PROBLEMS, formatProblems, isDatasetFormat, validateFile, validateSplitFiles,
  type DatasetFormat, type SplitOverlap, type ValidationSummary,
} from '../lib/datasets';
import {
  EXIT_OK, EXIT_USAGE, integer, optionLines, optionProblems, problemReport, runScript, str, type Io as Writers, type OptionSpec, type Values,
} from './lib/cli';

/** Receives whole blocks of text; the writer adds the final newline. */
export type Io = Writers;

export { EXIT_OK, EXIT_USAGE };
export const EXIT_INVALID = 1;

const OPTIONS: Record<string, OptionSpec> = {
  format: { type: 'string', help: `${DATASET_FORMATS.join('|')} (required): the record shape of every FILE` },
  test: { type: 'string', help: 'FILE: a held-out test split, validated too and checked for prompts that also appear in the FILEs' },
  json: { type: 'boolean', help: 'print one JSON document instead of problem lines and summaries' },
  'max-problems': { type: 'string', help: `problems listed per file; the rest are counted (default ${DEFAULT_MAX_PROBLEMS})` },
  'max-line-bytes': { type: 'string', help: `bytes allowed in one line; a longer line is one problem, skipped without being kept in memory (default ${DEFAULT_MAX_LINE_BYTES}, 8 MiB)` },
  help: { type: 'boolean', help: 'show this help' },
};

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true });
  if (values.help === true) {
    io.stdout(usage());
    return EXIT_OK;
  }
  // Positionals are the files, checked below.
  const problems = optionProblems(OPTIONS, values, [], undefined, (word) => word);
  const format = formatOption(values, problems);
  const maxProblems = integer(values, 'max-problems', problems, 0);
  const maxLineBytes = integer(values, 'max-line-bytes', problems, 1);
  if (positionals.length === 0) problems.push('no FILE given: name at least one JSONL file to validate, e.g. datasets/starter/train/starter.jsonl.');
  for (const file of positionals) fileProblem('FILE', file, problems);
  const test = str(values.test);
  if (test !== undefined) fileProblem('--test', test, problems);
  if (problems.length > 0 || format === undefined) {
    io.stderr(problemReport('validate-dataset', problems, 'npm run validate-dataset -- --help'));
    return EXIT_USAGE;
  }

  const options = { maxProblems, maxLineBytes };
  let summaries: ValidationSummary[];
  let overlap: (SplitOverlap & { readonly testFile: string; readonly testRecords: number }) | undefined;
  if (test === undefined) {
    summaries = [];
    for (const file of positionals) summaries.push(await validateFile(file, format, options));
  } else {
    const splits = await validateSplitFiles(positionals, test, format, options);
    summaries = [...splits.train, splits.test];
    overlap = { testFile: test, testRecords: splits.test.validRecords, ...splits.overlap };
  }
  const valid = summaries.every((s) => s.valid) && (overlap?.count ?? 0) === 0;

  if (values.json === true) {
    io.stdout(JSON.stringify({ format, valid, files: summaries, ...(overlap ? { overlap } : {}) }, null, 2));
  } else {
    const lines = summaries.flatMap(formatProblems);
    if (lines.length > 0) lines.push('');
    lines.push(...summaries.map(summaryLine));
    if (overlap) lines.push(overlapLine(overlap));
    lines.push(verdict(summaries, overlap));
    io.stdout(lines.join('\n'));
  }
  return valid ? EXIT_OK : EXIT_INVALID;
}

/** `FILE: 1,204 records (1,202 valid), 2 problems, ~183,400 tokens (estimated), 3 duplicates` */
function summaryLine(s: ValidationSummary): string {
  const valid = s.validRecords === s.records ? '' : ` (${count(s.validRecords)} valid)`;
  const problems = s.problemCount === 0 ? 'no problems' : plural(s.problemCount, 'problem');
  return `${s.file}: ${plural(s.records, 'record')}${valid}, ${problems}, ~${count(s.estimatedTokens)} tokens (estimated), ${plural(s.duplicates, 'duplicate')}`;
}

function overlapLine(o: SplitOverlap & { readonly testFile: string; readonly testRecords: number }): string {
  if (o.count === 0) return `overlap: none of the ${count(o.testRecords)} test records in ${o.testFile} shares a prompt with the training data`;
  const more = o.count > o.exampleLines.length ? ', ...' : '';
  const one = o.count === 1;
  return `overlap: ${count(o.count)} of ${count(o.testRecords)} test records in ${o.testFile} share${one ? 's' : ''} a prompt with the training data ` +
    `(line${o.exampleLines.length === 1 ? '' : 's'} ${o.exampleLines.join(', ')}${more}): remove ${one ? 'it' : 'them'} from one of the splits`;
}

function verdict(summaries: readonly ValidationSummary[], overlap: SplitOverlap | undefined): string {
  const failing = summaries.filter((s) => !s.valid);
  const total = summaries.reduce((sum, s) => sum + s.problemCount, 0);
  const parts: string[] = [];
  if (failing.length > 0) parts.push(`${plural(total, 'problem')} in ${failing.length} of ${plural(summaries.length, 'file')}`);
  if (overlap && overlap.count > 0) parts.push(`${plural(overlap.count, 'test record')} overlapping the training data`);
  return parts.length === 0 ? `valid: ${plural(summaries.length, 'file')}` : `invalid: ${parts.join(', ')}`;
}

function formatOption(values: Values, problems: string[]): DatasetFormat | undefined {
  const raw = values.format;
  if (raw === undefined) problems.push(`--format is missing: use one of ${DATASET_FORMATS.join(', ')}.`);
  else if (typeof raw === 'string' && !isDatasetFormat(raw)) problems.push(`--format is "${raw}": use one of ${DATASET_FORMATS.join(', ')}.`);
  return typeof raw === 'string' && isDatasetFormat(raw) ? raw : undefined;
}

/** Reports a file that does not exist, is not a regular file or cannot be read. */
function fileProblem(what: string, path: string, problems: string[]): void {
  const named = what === 'FILE' ? `"${path}"` : `${what} is "${path}":`;
  try {
    if (!statSync(path).isFile()) {
      problems.push(`${named} is not a file: name a JSONL file.`);
      return;
    }
    accessSync(path, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push(code === 'ENOENT' ? `${named} does not exist.` : `${named} cannot be read (${code ?? (error as Error).message}).`);
  }
}

function usage(): string {
  return [
    `Usage: npm run validate-dataset -- --format ${DATASET_FORMATS.join('|')} FILE... [--test FILE] [--json] [--max-problems N] [--max-line-bytes N]`,
    '',
    'Checks JSONL datasets line by line (files of any size are streamed) and prints every problem as FILE:LINE: message.',
    '',
    ...optionLines(OPTIONS),
    '',
    'Formats:',
    '  sft         {"prompt": "...", "completion": "..."}',
    '  chat        {"system": "...", "messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}',
    '              roles alternate, user first, assistant last; content may be [{"text": "..."}]; system is optional',
    '  preference  {"prompt": "...", "chosen": "...", "rejected": "..."} with chosen and rejected different',
    '  pretrain    {"input": "..."}',
    '',
    'Tokens are estimated as characters / 4. Duplicates are reported but do not fail a file.',
    'Exit codes: 0 valid; 1 problems, or test records that share a prompt with the FILEs; 2 bad usage.',
  ].join('\n');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? '' : 's'}`;
}

if (require.main === module) runScript(main);
