/**
 * The options of `npm run ingest`: their table and help, the checks of the knowledge base and data source ids, and
 * the report of bad usage.
 */
import { EXIT_USAGE, optionLines, problemReport, str, type OptionSpec, type Values } from '../cli';
import { DEFAULT_POLL_SECONDS, MAX_DESCRIPTION_LENGTH, type Io } from './types';

/** Knowledge base, data source and ingestion job ids, as the API's patterns allow them. */
export const ID = /^[0-9a-zA-Z]{10}$/;
const KNOWLEDGE_BASE_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:knowledge-base\/([0-9a-zA-Z]{10})$/;

/** The options and their help. */
export const OPTIONS: Record<string, OptionSpec> = {
  'knowledge-base': { type: 'string', help: 'knowledge base id, 10 letters and digits: output KnowledgeBaseId of the <Env>-Serving stack (required)' },
  'data-source': { type: 'string', help: 'data source id, 10 letters and digits: output DataSourceId of the <Env>-Serving stack (required)' },
  region: { type: 'string', help: 'AWS region (default: the SDK chain: AWS_REGION, then the profile\'s region)' },
  description: { type: 'string', help: `a description of the ingestion job, 1-${MAX_DESCRIPTION_LENGTH} characters (default: none)` },
  wait: { type: 'boolean', help: 'wait for the job to end, showing its progress (the default)' },
  'no-wait': { type: 'boolean', help: 'start the job, print its id and exit' },
  'watch-running': { type: 'boolean', help: 'when a job is already running for the data source, watch it instead of failing' },
  poll: { type: 'string', help: `seconds between status checks (default ${DEFAULT_POLL_SECONDS})` },
  timeout: { type: 'string', help: 'seconds to wait before giving up; the job keeps running (default: until it ends)' },
  json: { type: 'boolean', help: 'print one JSON document on stdout instead of the job id' },
  help: { type: 'boolean', help: 'show this help' },
};

/** The options that only apply when waiting for the job, which --no-wait refuses. */
export const WAIT_ONLY = ['poll', 'timeout', 'watch-running'] as const;

/** A knowledge base or data source id: 10 letters and digits. A knowledge base's ARN gets its id suggested. */
export function idOption(values: Values, option: 'knowledge-base' | 'data-source', output: string, problems: string[]): string | undefined {
  const value = str(values[option]);
  if (value === undefined) {
    if (values[option] === undefined) problems.push(`--${option} is missing: pass the ${output} output of the <Env>-Serving stack.`);
    return undefined;
  }
  if (ID.test(value)) return value;
  const fromArn = KNOWLEDGE_BASE_ARN.exec(value)?.[1];
  problems.push(fromArn !== undefined && option === 'knowledge-base'
    ? `--knowledge-base is "${value}", an ARN: pass the id alone, ${fromArn}.`
    : `--${option} is "${value}": use the 10-letter-and-digit id, the ${output} output of the <Env>-Serving stack, e.g. ` +
      `${option === 'knowledge-base' ? 'KB12345678' : 'DS12345678'}.`);
  return undefined;
}

/** Every problem on stderr, and the exit code of bad usage. */
export function fail(problems: readonly string[], io: Io): number {
  io.stderr(problemReport('ingest', problems, 'npm run ingest -- --help'));
  return EXIT_USAGE;
}

/** The help. */
export function usage(): string {
  return [
    'Usage: npm run ingest -- --knowledge-base ID --data-source ID [options]',
    '',
    'Syncs the knowledge base with its data source, the dataset store\'s documents/ prefix: starts an ingestion job,',
    'shows its progress on stderr (status transitions and document counts), and prints the job id on stdout.',
    'Both ids are outputs of the <Env>-Serving stack: KnowledgeBaseId and DataSourceId.',
    '',
    ...optionLines(OPTIONS),
    '',
    'Example:',
    '  npm run -s ingest -- --knowledge-base KB12345678 --data-source DS12345678 --description "support docs v3"',
    '',
    'A knowledge base runs one ingestion job at a time: when one is running, --watch-running watches it instead.',
    'Stopping this script (Ctrl-C) does not stop the job. Exit codes: 0 COMPLETE (failed documents are reported as a',
    'warning), or started with --no-wait; 1 a call failed, the job FAILED or was STOPPED, or --timeout passed;',
    '2 bad usage.',
  ].join('\n');
}
