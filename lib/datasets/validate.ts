/**
 * A streaming JSONL dataset validator: one line at a time, so a file of any size is checked in memory bounded
 * by its record count (one 27-character hash per record for duplicates, one per training prompt for overlap),
 * never by its size, and each line bounded (see readDatasetLines). Node built-ins only, so that a Lambda can
 * validate an S3 object as it streams in: `validateStream(body, format, { file: key })`.
 */
import { hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { checkRecord, type CheckedRecord, type DatasetFormat } from './formats';
import { readDatasetLines, type DatasetLine } from './lines';

// Re-exported so that callers of the validator need one import.
export { DatasetFormat } from './formats';

/** Problems kept per file unless told otherwise: more are counted, not listed. */
export const DEFAULT_MAX_PROBLEMS = 1000;

/** Train/test overlap examples kept: enough to find the leak, few enough to read. */
export const MAX_OVERLAP_EXAMPLES = 10;

/** One defect of one line. Reads as `FILE:LINE: message` (see formatProblem). */
export interface DatasetProblem {
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  readonly message: string;
}

export interface ValidationOptions {
  /**
   * Problems listed in the summary; the rest are only counted (see ValidationSummary.omittedProblems).
   * @default 1000
   */
  readonly maxProblems?: number;
  /**
   * The name problems and the summary carry.
   * @default - the path for validateFile, '<input>' otherwise
   */
  readonly file?: string;
  /**
   * Called with each record that passed every check, and its line: how validateSplits finds overlap without
   * a second pass.
   * @default - none
   *
   * TypeScript and JavaScript only: a callback has no form in other languages.
   *
   * @jsii ignore
   */
  readonly onRecord?: (record: CheckedRecord, line: number) => void;
  /**
   * Bytes allowed in one line (validateStream and validateFile): a longer line is one problem, skipped
   * without being kept in memory.
   * @default DEFAULT_MAX_LINE_BYTES (8 MiB)
   */
  readonly maxLineBytes?: number;
}

export interface ValidationSummary {
  readonly file: string;
  readonly format: DatasetFormat;
  /** Non-empty lines: each is meant to be one record. */
  readonly records: number;
  /** Records that passed every check. */
  readonly validRecords: number;
  /** Every problem found, listed or not. */
  readonly problemCount: number;
  /** The first maxProblems problems, in line order. */
  readonly problems: DatasetProblem[];
  /** Problems found but not listed: problemCount - problems.length. */
  readonly omittedProblems: number;
  /**
   * An ESTIMATE of the valid records' tokens: their text characters / 4, rounded up. Real tokenizers differ
   * by tens of percent (more for code and non-English text); good for sizing and cost, not for billing.
   */
  readonly estimatedTokens: number;
  /** Valid records whose normalized content (trimmed, whitespace collapsed) was seen earlier in the same file. */
  readonly duplicates: number;
  /** No problems. Duplicates alone do not make a file invalid. */
  readonly valid: boolean;
}

/** Validates a dataset pushed one line at a time; finish() returns the summary. */
export class DatasetValidator {
  private readonly maxProblems: number;
  private readonly file: string;
  private readonly onRecord?: (record: CheckedRecord, line: number) => void;
  private readonly problems: DatasetProblem[] = [];
  private readonly hashes = new Set<string>();
  private problemCount = 0;
  private records = 0;
  private validRecords = 0;
  private characters = 0;
  private duplicates = 0;
  private lastLine = 0;
  private started = false;
  private reportedEmpty = false;
  /** Empty lines seen since the last record: problems only once a record follows them. */
  private pendingEmpty: number[] = [];
  private pendingEmptyOverflow = 0;

  constructor(private readonly format: DatasetFormat, options: ValidationOptions = {}) {
    const max = options.maxProblems ?? DEFAULT_MAX_PROBLEMS;
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`maxProblems is ${max}: use a whole number, 0 or more.`);
    this.maxProblems = max;
    this.file = options.file ?? '<input>';
    this.onRecord = options.onRecord;
  }

  /** Checks one line (without its line break; a trailing \r and a leading BOM on the first line are tolerated). */
  pushLine(line: string, lineNumber: number): void {
    this.lastLine = Math.max(this.lastLine, lineNumber);
    let text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (!this.started) {
      this.started = true;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    if (text.trim() === '') {
      // Trailing empty lines are harmless (editors add them); only one followed by a record is a defect.
      if (this.pendingEmpty.length <= this.maxProblems) this.pendingEmpty.push(lineNumber);
      else this.pendingEmptyOverflow += 1;
      return;
    }
    this.flushEmpty();
    this.records += 1;

    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.addProblem(lineNumber, `not valid JSON (${(error as Error).message}): write one JSON object per line`);
      return;
    }
    const check = checkRecord(this.format, value);
    if (!check.ok) {
      for (const message of check.problems) this.addProblem(lineNumber, message);
      return;
    }
    this.validRecords += 1;
    this.characters += check.record.characters;
    const digest = sha1(check.record.content);
    if (this.hashes.has(digest)) this.duplicates += 1;
    else this.hashes.add(digest);
    this.onRecord?.(check.record, lineNumber);
  }

  /** Counts a line that could not be read as text (too long, not UTF-8) as a record with that problem. */
  pushUnreadable(lineNumber: number, problem: string): void {
    this.lastLine = Math.max(this.lastLine, lineNumber);
    this.started = true;
    this.flushEmpty();
    this.records += 1;
    this.addProblem(lineNumber, problem);
  }

  /** Pushes a line from readDatasetLines: its text, or its problem. */
  push(line: DatasetLine): void {
    if (line.text === undefined) this.pushUnreadable(line.number, line.problem ?? 'unreadable line');
    else this.pushLine(line.text, line.number);
  }

  /** The summary of every line pushed so far. */
  finish(): ValidationSummary {
    if (this.records === 0 && !this.reportedEmpty) {
      this.reportedEmpty = true;
      this.addProblem(Math.max(1, this.lastLine), 'the file has no records: a dataset needs at least one JSON object line');
    }
    return {
      file: this.file,
      format: this.format,
      records: this.records,
      validRecords: this.validRecords,
      problemCount: this.problemCount,
      problems: [...this.problems],
      omittedProblems: this.problemCount - this.problems.length,
      estimatedTokens: Math.ceil(this.characters / 4),
      duplicates: this.duplicates,
      valid: this.problemCount === 0,
    };
  }

  private flushEmpty(): void {
    for (const line of this.pendingEmpty) this.addProblem(line, 'empty line: remove it (empty lines are allowed only at the end of the file)');
    this.problemCount += this.pendingEmptyOverflow;
    this.pendingEmpty = [];
    this.pendingEmptyOverflow = 0;
  }

  private addProblem(line: number, message: string): void {
    this.problemCount += 1;
    if (this.problems.length < this.maxProblems) this.problems.push({ file: this.file, line, message });
  }
}

/** Validates lines from any iterable, e.g. a readline interface over a stream; line numbers count from 1. */
export async function validateLines(
  lines: AsyncIterable<string> | Iterable<string>, format: DatasetFormat, options: ValidationOptions = {},
): Promise<ValidationSummary> {
  const validator = new DatasetValidator(format, options);
  let lineNumber = 0;
  for await (const line of lines) validator.pushLine(line, ++lineNumber);
  return validator.finish();
}

/**
 * Validates a byte stream (an S3 object body, a file stream) line by line, each line bounded by maxLineBytes
 * and checked for UTF-8.
 */
export async function validateStream(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, format: DatasetFormat, options: ValidationOptions = {},
): Promise<ValidationSummary> {
  const validator = new DatasetValidator(format, options);
  for await (const line of readDatasetLines(input, { maxLineBytes: options.maxLineBytes })) validator.push(line);
  return validator.finish();
}

/** Validates a file as it streams from disk (CRLF line breaks and a BOM are tolerated). Rejects when it cannot be read. */
export async function validateFile(path: string, format: DatasetFormat, options: ValidationOptions = {}): Promise<ValidationSummary> {
  const input = createReadStream(path);
  try {
    return await validateStream(input, format, { ...options, file: options.file ?? path });
  } finally {
    input.destroy();
  }
}

/** Test records whose prompt also appears in the training data: the evaluation would reward memorization. */
export interface SplitOverlap {
  /** Valid test records whose normalized prompt is also a training prompt. */
  readonly count: number;
  /** Line numbers of the first overlapping test records, at most MAX_OVERLAP_EXAMPLES. */
  readonly exampleLines: number[];
}

export interface SplitValidation {
  readonly train: ValidationSummary;
  readonly test: ValidationSummary;
  readonly overlap: SplitOverlap;
}

/**
 * Validates a training and a test file of the same format and counts the test records whose prompt (sft and
 * preference), input (pretrain) or user turns (chat) also appear in the training file, after normalization.
 */
export async function validateSplits(trainPath: string, testPath: string, format: DatasetFormat, options: ValidationOptions = {}): Promise<SplitValidation> {
  const { train, test, overlap } = await validateSplitFiles([trainPath], testPath, format, options);
  return { train: train[0], test, overlap };
}

/** validateSplits for training data in several files: overlap counts against all of them. */
export async function validateSplitFiles(
  trainPaths: readonly string[], testPath: string, format: DatasetFormat, options: ValidationOptions = {},
): Promise<{ readonly train: readonly ValidationSummary[]; readonly test: ValidationSummary; readonly overlap: SplitOverlap }> {
  const { file: _file, onRecord, ...shared } = options;
  const prompts = new Set<string>();
  const train: ValidationSummary[] = [];
  for (const path of trainPaths) {
    train.push(await validateFile(path, format, {
      ...shared,
      onRecord: (record, line) => {
        prompts.add(sha1(record.prompt));
        onRecord?.(record, line);
      },
    }));
  }
  let count = 0;
  const exampleLines: number[] = [];
  const test = await validateFile(testPath, format, {
    ...shared,
    onRecord: (record, line) => {
      if (prompts.has(sha1(record.prompt))) {
        count += 1;
        if (exampleLines.length < MAX_OVERLAP_EXAMPLES) exampleLines.push(line);
      }
      onRecord?.(record, line);
    },
  });
  return { train, test, overlap: { count, exampleLines } };
}

/** `FILE:LINE: message`, the form editors and CI annotate. */
export function formatProblem(problem: DatasetProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}

/** Every listed problem as `FILE:LINE: message`, then `FILE: ... and N more problems` when some were omitted. */
export function formatProblems(summary: ValidationSummary): string[] {
  const lines = summary.problems.map(formatProblem);
  if (summary.omittedProblems > 0) lines.push(`${summary.file}: ... and ${summary.omittedProblems} more problem${summary.omittedProblems === 1 ? '' : 's'}`);
  return lines;
}

/** Base64 SHA-1 without its padding: 27 characters a record, collisions negligible for this use. */
function sha1(text: string): string {
  // The one-shot crypto.hash (Node 20.12+) is a third faster than createHash per record.
  return hash('sha1', text, 'base64').slice(0, 27);
}
