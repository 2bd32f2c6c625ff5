/**
 * The options of `npm run fine-tune`: its commands' option tables and help, the checks of ARNs, method, format,
 * dataset keys and execution name, and the execution input `start` builds from them. Every problem is reported at
 * once, in the order of the options.
 */
import { checkRegion, commandProblemReport, EXIT_USAGE, optionLines, str, type OptionSpec, type Values } from '../cli';
import { pollTiming } from '../poller';
import {
  DEFAULT_POLL_SECONDS, FORMATS, MAX_EXECUTION_NAME_LENGTH, METHODS,
  type Execution, type FineTuningInput, type Format, type Io, type Method, type StateMachine, type WaitOptions,
} from './types';

/** The options of a command that watches an execution. */
export const WAIT_OPTIONS: Record<string, OptionSpec> = {
  poll: { type: 'string', help: `seconds between checks (default ${DEFAULT_POLL_SECONDS})` },
  timeout: { type: 'string', help: 'seconds to watch before giving up; the execution keeps running (default: until it ends)' },
};

/** The commands: what each does, its synopsis and its options. */
export const COMMANDS: Record<string, { readonly summary: string; readonly synopsis: string; readonly options: Record<string, OptionSpec> }> = {
  start: {
    summary: 'start an execution of the fine-tuning workflow and print its ARN',
    synopsis: 'start --state-machine ARN --method METHOD --format FORMAT --train KEY [options]',
    options: {
      'state-machine': { type: 'string', help: 'the workflow\'s ARN: output FineTuningStateMachineArn of the <Env>-Adaptation stack (required)' },
      method: { type: 'string', help: `${METHODS.join('|')} (required)` },
      format: { type: 'string', help: `${FORMATS.join('|')}: the dataset's format; dpo trains on preference (required)` },
      train: { type: 'string', help: 'key of the training split in the dataset store, e.g. train/support-chat-v3.jsonl (required)' },
      validation: { type: 'string', help: 'key of the validation split, under validation/ (default: none)' },
      test: { type: 'string', help: 'key of the held-out split the evaluation scores, under test/ (default: none)' },
      'from-feedback': { type: 'boolean', help: 'dpo: first build preference data from the API\'s feedback records' },
      name: { type: 'string', help: `execution name: 1-${MAX_EXECUTION_NAME_LENGTH} letters, digits and hyphens (default ft-METHOD-YYYYMMDDHHMMSS, UTC)` },
      region: { type: 'string', help: 'AWS region (default: the state machine\'s, from its ARN)' },
      watch: { type: 'boolean', help: 'then watch the execution, as `watch` does' },
      ...WAIT_OPTIONS,
      json: { type: 'boolean', help: 'print one JSON document on stdout' },
      help: { type: 'boolean', help: 'show this help' },
    },
  },
  watch: {
    summary: 'follow an execution: states, training and evaluation jobs, then metrics and the model package',
    synopsis: 'watch --execution ARN [options]',
    options: {
      execution: { type: 'string', help: 'the execution\'s ARN, as `start` prints it (required)' },
      ...WAIT_OPTIONS,
      region: { type: 'string', help: 'AWS region (default: the execution\'s, from its ARN)' },
      json: { type: 'boolean', help: 'print one JSON document on stdout' },
      help: { type: 'boolean', help: 'show this help' },
    },
  },
};

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([^:\s]{1,80})(?::[^:\s]+)?$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):execution:([^:\s]{1,80}):([^:\s]{1,80})$/;
/** Letters, digits and hyphens, starting with a letter or digit: valid for Step Functions and, suffixed, for SageMaker. */
const EXECUTION_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const EXAMPLE_STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:FineTuningStateMachine';

/** What `start` runs with once its options are checked. */
export interface StartOptions {
  readonly stateMachine: StateMachine;
  readonly region: string;
  readonly input: FineTuningInput;
  /** --name; undefined for a generated one. */
  readonly name: string | undefined;
  readonly wait: WaitOptions;
}

/** The options of `start`, or undefined when any is wrong (each problem reported). */
export function startOptions(values: Values, problems: string[]): StartOptions | undefined {
  const stateMachine = stateMachineOption(values, problems);
  const method = choice(values, 'method', METHODS, problems);
  const format = choice(values, 'format', FORMATS, problems);
  const fromFeedback = values['from-feedback'] === true;
  checkMethodFormat(method, format, fromFeedback, problems);
  const trainKey = datasetKey(values, 'train', problems, true);
  const validationKey = datasetKey(values, 'validation', problems, false);
  const testKey = datasetKey(values, 'test', problems, false);
  const name = str(values.name);
  if (name !== undefined) checkExecutionName(name, problems);
  const region = regionOption(values, stateMachine?.region, '--state-machine', problems);
  const wait = pollTiming(values, problems, DEFAULT_POLL_SECONDS);
  if (values.watch !== true) {
    for (const option of Object.keys(WAIT_OPTIONS)) {
      if (values[option] !== undefined) problems.push(`--${option} only applies with --watch: add --watch, or drop --${option}.`);
    }
  }
  if (problems.length > 0 || stateMachine === undefined || region === undefined) return undefined;
  const input: FineTuningInput = {
    method: method as Method,
    format: format as Format,
    trainKey: trainKey as string,
    ...(validationKey === undefined ? {} : { validationKey }),
    ...(testKey === undefined ? {} : { testKey }),
    ...(fromFeedback ? { fromFeedback: true } : {}),
  };
  return { stateMachine, region, input, name, wait };
}

/** The options of `watch` (the execution in the region to call), or undefined when any is wrong (each problem reported). */
export function watchOptions(values: Values, problems: string[]): { readonly execution: Execution; readonly wait: WaitOptions } | undefined {
  const execution = executionOption(values, problems);
  const region = regionOption(values, execution?.region, '--execution', problems);
  const wait = pollTiming(values, problems, DEFAULT_POLL_SECONDS);
  if (problems.length > 0 || execution === undefined || region === undefined) return undefined;
  return { execution: { ...execution, region }, wait };
}

/** `ft-<method>-<yyyymmddHHMMSS>` in UTC: sortable, and unique enough for one person starting runs by hand. */
export function defaultExecutionName(method: Method, now: number): string {
  return `ft-${method}-${new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

/** The method needs a dataset format it can train on: preference pairs for DPO, instructions or conversations otherwise. */
function checkMethodFormat(method: Method | undefined, format: Format | undefined, fromFeedback: boolean, problems: string[]): void {
  if (method === 'dpo') {
    if (format !== undefined && format !== 'preference' && !fromFeedback) {
      problems.push(`--method dpo trains on preference pairs, not --format ${format}: use --format preference, ` +
        'or add --from-feedback to build them from the API\'s feedback records first.');
    }
  } else if (method !== undefined) {
    if (format === 'preference') {
      problems.push(`--method ${method} trains on --format sft or chat, not preference pairs: use --method dpo for preference data.`);
    }
    if (fromFeedback) problems.push(`--from-feedback builds preference data, which only --method dpo trains on: drop it, or use --method dpo.`);
  }
}

/** A key of the dataset store under the split's own prefix (train/, validation/, test/), naming one JSON Lines object. */
function datasetKey(values: Values, split: 'train' | 'validation' | 'test', problems: string[], required: boolean): string | undefined {
  const key = str(values[split]);
  const prefix = `${split}/`;
  const example = `${prefix}support-chat-v3.jsonl`;
  if (key === undefined) {
    if (required && values[split] === undefined) problems.push(`--${split} is missing: pass the key of the ${split} split in the dataset store, e.g. ${example}.`);
    return undefined;
  }
  let problem: string | undefined;
  if (/^s3:\/\//i.test(key)) {
    const inner = key.replace(/^s3:\/\/[^/]*\/?/i, '');
    problem = `pass the object's key in the dataset store, e.g. ${inner.startsWith(prefix) ? inner : example}, not an s3:// URI`;
  } else if (key.startsWith('/')) {
    problem = `keys have no leading /: use ${key.replace(/^\/+/, '')}`;
  } else if (!key.startsWith(prefix)) {
    problem = `use a key under ${prefix}, where the dataset store keeps the ${split} split, e.g. ${example}`;
  } else if (key.endsWith('/')) {
    problem = `name one object, not a folder, e.g. ${key}support-chat-v3.jsonl`;
  } else if (!key.endsWith('.jsonl')) {
    problem = `the workflow reads JSON Lines: name a .jsonl object, e.g. ${example}`;
  }
  if (problem === undefined) return key;
  problems.push(`--${split} is "${key}": ${problem}.`);
  return undefined;
}

function checkExecutionName(name: string, problems: string[]): void {
  if (!EXECUTION_NAME.test(name)) {
    const suggestion = name.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, MAX_EXECUTION_NAME_LENGTH) || 'ft-lora-1';
    problems.push(`--name is "${name}": use 1-${MAX_EXECUTION_NAME_LENGTH} letters, digits and hyphens, starting with a letter or digit, e.g. ${suggestion}.`);
  } else if (name.length > MAX_EXECUTION_NAME_LENGTH) {
    problems.push(`--name is ${name.length} characters: use at most ${MAX_EXECUTION_NAME_LENGTH}; the workflow names its jobs ` +
      'NAME-train-XXXXXXXX and NAME-eval-XXXXXXXX, and SageMaker job names take at most 63.');
  }
}

function stateMachineOption(values: Values, problems: string[]): StateMachine | undefined {
  const arn = str(values['state-machine']);
  if (arn === undefined) {
    if (values['state-machine'] === undefined) {
      problems.push('--state-machine is missing: pass the FineTuningStateMachineArn output of the <Env>-Adaptation stack.');
    }
    return undefined;
  }
  const match = STATE_MACHINE_ARN.exec(arn);
  if (match !== null) return { arn, region: match[1], account: match[2], name: match[3] };
  problems.push(EXECUTION_ARN.test(arn)
    ? `--state-machine is "${arn}", an execution's ARN: watch it with \`watch --execution\`, or pass the state machine's ARN.`
    : `--state-machine is "${arn}": use a state machine ARN such as ${EXAMPLE_STATE_MACHINE} ` +
      '(the FineTuningStateMachineArn output of the <Env>-Adaptation stack).');
  return undefined;
}

function executionOption(values: Values, problems: string[]): Execution | undefined {
  const arn = str(values.execution);
  if (arn === undefined) {
    if (values.execution === undefined) problems.push('--execution is missing: pass the execution ARN that `start` printed.');
    return undefined;
  }
  const match = EXECUTION_ARN.exec(arn);
  if (match !== null) return { arn, region: match[1], account: match[2], stateMachineName: match[3], name: match[4] };
  problems.push(STATE_MACHINE_ARN.test(arn)
    ? `--execution is "${arn}", a state machine's ARN: pass the ARN of one execution, as \`start\` prints it.`
    : `--execution is "${arn}": use an execution ARN, arn:aws:states:REGION:ACCOUNT:execution:STATE_MACHINE:NAME, as \`start\` prints it.`);
  return undefined;
}

/** The region to call: the ARN's; --region, when given, must agree with it. */
function regionOption(values: Values, arnRegion: string | undefined, arnOption: string, problems: string[]): string | undefined {
  const region = str(values.region);
  if (region === undefined) return arnRegion;
  const before = problems.length;
  checkRegion(region, problems);
  if (problems.length > before) return undefined;
  if (arnRegion !== undefined && region !== arnRegion) {
    problems.push(`--region is ${region} but ${arnOption} is in ${arnRegion}: drop --region, or pass the ARN of ${region}.`);
    return undefined;
  }
  return region;
}

function choice<T extends string>(values: Values, option: string, allowed: readonly T[], problems: string[]): T | undefined {
  const value = str(values[option]);
  if (value === undefined) {
    if (values[option] === undefined) problems.push(`--${option} is missing: choose one of ${allowed.join(', ')}.`);
    return undefined;
  }
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`--${option} is "${value}": use one of ${allowed.join(', ')}.`);
  return undefined;
}

/** Prints the usage problems of `command` and returns the usage exit code. */
export function fail(command: string, problems: readonly string[], io: Io): number {
  io.stderr(commandProblemReport('fine-tune', command, problems));
  return EXIT_USAGE;
}

/** The script's help: its commands, what the workflow is, and examples. */
export function usage(): string {
  return [
    'Usage: npm run fine-tune -- <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(6)} ${c.summary}`),
    '',
    'The workflow is the FineTuningStateMachineArn output of the <Env>-Adaptation stack. Methods: full, lora, qlora',
    '(instruction or chat data: --format sft or chat) and dpo (--format preference, or --from-feedback).',
    '',
    'Examples:',
    `  npm run fine-tune -- start --state-machine ${EXAMPLE_STATE_MACHINE} \\`,
    '    --method qlora --format chat --train train/support-chat-v3.jsonl --validation validation/support-chat-v3.jsonl --watch',
    '  npm run fine-tune -- watch --execution arn:aws:states:eu-west-1:123456789012:execution:FineTuningStateMachine:ft-qlora-20261129011030',
    '',
    'Run `npm run fine-tune -- <command> --help` for its options. Stopping this script (Ctrl-C) does not stop the execution.',
    'Exit codes: 0 started, or SUCCEEDED when watching; 1 a call failed, the execution FAILED, TIMED_OUT or was ABORTED,',
    'or --timeout passed; 2 bad usage.',
  ].join('\n');
}

/** The help of one command: its synopsis, options and exit codes. */
export function commandUsage(command: string): string {
  const spec = COMMANDS[command];
  return [
    `Usage: npm run fine-tune -- ${spec.synopsis}`,
    '',
    `${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.`,
    '',
    ...optionLines(spec.options),
    '',
    command === 'start'
      ? 'Prints the execution ARN on stdout (with --watch: the model package, or Bedrock custom model, ARN once it SUCCEEDED).\nExit codes: 0 started ' +
        '(with --watch: SUCCEEDED); 1 StartExecution failed (or, watching, the execution did not succeed); 2 bad usage.'
      : 'Progress on stderr; the model package (or Bedrock custom model) ARN on stdout once it SUCCEEDED. Exit codes:\n' +
        '0 SUCCEEDED; 1 FAILED, TIMED_OUT, ABORTED, a call failed or --timeout passed (the execution keeps running); 2 bad usage.',
  ].join('\n');
}
