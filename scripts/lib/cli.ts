/**
 * What the command-line scripts share: reading `node:util` parseArgs values with
 * `strict: false`, checking them against the script's option table, and reporting usage problems, plus the few
 * helpers their reports share (fields of untyped JSON and errors, UTC times). Every helper reports into a list of
 * problems rather than throwing, so a script can list every problem at once; the wording of each message is part of
 * the scripts' behaviour, and their tests assert it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** What parseArgs returns with `strict: false`: any option may be a string, a bare flag (true), or a list of them. */
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One option of a script's table: its parseArgs type and the text its help (and "needs a value") shows. */
export interface OptionSpec { readonly type: 'string' | 'boolean'; readonly multiple?: boolean; readonly help: string }

/** The writers a script prints through; each script says whether they add a newline. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The value of a string option, or undefined when it is absent or given without a value. */
export function str(value: Values[string]): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The values of a repeatable string option, in order; empty when absent. */
export function strings(value: Values[string]): string[] {
  return [value].flat().filter((v): v is string => typeof v === 'string');
}

/** A whole-number option, or undefined when absent or unparseable (reported). `_` separates digits; range checks beyond `min` are the caller's. */
export function integer(values: Values, option: string, problems: string[], min: number): number | undefined {
  const raw = str(values[option]);
  if (raw === undefined) return undefined;
  const value = Number(raw.replace(/_/g, ''));
  if (raw.trim() === '' || !Number.isInteger(value) || value < min) {
    problems.push(`--${option} is "${raw}": use a whole number of at least ${min}.`);
    return undefined;
  }
  return value;
}

/** An AWS region code such as us-east-1. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Reports a --region that is not a region code; an absent one (undefined) is fine. */
export function checkRegion(region: string | undefined, problems: string[]): void {
  if (region !== undefined && !REGION.test(region)) problems.push(`--region is "${region}": use a region code such as us-east-1 or eu-west-1.`);
}

/**
 * The parsed JSON of the file an option names, or undefined when it cannot be read or parsed (reported).
 * `readFile` replaces the file system in tests. @default fs.readFileSync as UTF-8
 */
export function readJsonFile(option: string, path: string, problems: string[], readFile?: (path: string) => string): unknown {
  try {
    return JSON.parse((readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path));
  } catch (error) {
    problems.push(`--${option} is "${path}": cannot read it as JSON (${(error as Error).message}).`);
    return undefined;
  }
}

/** A JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Any object, arrays and errors included: what may carry a property. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The string property `key` of a value of unknown shape (a parsed body, a thrown error); undefined when it has none. */
export function field(value: unknown, key: string): string | undefined {
  return isObject(value) && typeof value[key] === 'string' ? value[key] : undefined;
}

/** The JSON object a text holds; undefined when there is no text, or it is not JSON, or not an object. */
export function parseRecord(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A thrown error as a report shows it: `Name: message` for an Error, else its text. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** A date as the reports print it, to the second: `2026-11-29 01:10:30 UTC`. */
export function utc(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** Indented JSON, as the scripts print with --json. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/**
 * What is wrong with the options as given: unknown options, a string option without a value, a flag with one,
 * and positional words. `command` names the subcommand in the messages (none for a script without subcommands);
 * `example` turns a stray word into the option it was probably meant for, e.g. `--model WORD` (none: no example).
 */
export function optionProblems(
  options: Record<string, OptionSpec>, values: Values, positionals: readonly string[], command: string | undefined, example?: (word: string) => string,
): string[] {
  const of = command === undefined ? '' : ` of ${command}`;
  const allowed = Object.keys(options).map((o) => `--${o}`).join(', ');
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const option = options[key];
    if (option === undefined) problems.push(`--${key} is not an option${of}: use ${allowed}.`);
    else if (option.type === 'string' && [value].flat().some((v) => v === true)) problems.push(`--${key} needs a value: ${option.help}.`);
    else if (option.type === 'boolean' && value !== true) problems.push(`--${key} takes no value: write just --${key}.`);
  }
  for (const positional of positionals) {
    problems.push(`"${positional}" is not an option${of}: options start with --${example === undefined ? '' : `, e.g. ${example(positional)}`}.`);
  }
  return problems;
}

/** The options table of a help text: one `  --name <value>  help` line an option, the help texts aligned. */
export function optionLines(options: Record<string, OptionSpec>): string[] {
  const flags = Object.entries(options).map(([name, o]) => [`--${name}${o.type === 'string' ? ' <value>' : ''}`, o.help] as const);
  const width = Math.max(...flags.map(([f]) => f.length));
  return flags.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`);
}

/**
 * The usage-error report: `TITLE: N problems`, each distinct problem on its own line, then where the help is,
 * e.g. problemReport('optimize', problems, 'npm run optimize -- --help'). No trailing newline.
 */
export function problemReport(title: string, problems: readonly string[], help: string): string {
  const unique = [...new Set(problems)];
  return `${title}: ${unique.length} problem${unique.length === 1 ? '' : 's'}\n  - ${unique.join('\n  - ')}\n` +
    `Run \`${help}\` for usage.`;
}

/** The usage-error report of a script's subcommand, pointing at `npm run SCRIPT -- COMMAND --help`. No trailing newline. */
export function commandProblemReport(script: string, command: string, problems: readonly string[]): string {
  return problemReport(`${script} ${command}`, problems, `npm run ${script} -- ${command} --help`);
}

/** Exit codes every script shares: success, and a usage problem (stderr says what was wrong and what to do). */
export const EXIT_OK = 0;
export const EXIT_USAGE = 2;

/** The passage of time, replaceable in tests of the scripts that wait on AWS jobs. */
export interface ClockDeps {
  /** @default setTimeout */
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
}

/** The real clock wherever a test did not supply one. */
export function clockOf(deps: ClockDeps): Required<ClockDeps> {
  return {
    now: deps.now ?? Date.now,
    sleep: deps.sleep ?? ((milliseconds) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds))),
  };
}

/**
 * Runs a script's `main` as the process: its arguments, stdout and stderr (a newline after each text), and the exit
 * code it returns. Scripts call this under `require.main === module`, so tests import `main` without running it.
 */
export function runScript(main: (argv: readonly string[], io: Io) => number | Promise<number>): void {
  quietPipes();
  const io: Io = {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  };
  void Promise.resolve(main(process.argv.slice(2), io)).then((code) => {
    process.exitCode = code;
  });
}

/**
 * A repeatable `--option NAME=VALUE` as a record, or undefined when absent; a malformed entry or a repeated
 * name is reported. `label` is how the messages spell the name (NAME, KEY); `example` is one good entry.
 */
export function pairs(values: Values, option: string, problems: string[], label: string, example: string): Record<string, string> | undefined {
  const entries = strings(values[option]);
  if (entries.length === 0) return undefined;
  const record: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const name = entry.slice(0, at);
    if (at <= 0) problems.push(`--${option} is "${entry}": use ${label}=VALUE, e.g. --${option} ${example}.`);
    else if (Object.hasOwn(record, name)) problems.push(`--${option} gives ${name} twice: keep one.`);
    else record[name] = entry.slice(at + 1);
  }
  return record;
}

/** A subcommand with its options parsed, or the exit code when there is nothing to run (help or a bad command, printed). */
export type ParsedCommand = { readonly command: string; readonly values: Values; readonly positionals: string[] } | { readonly exit: number };

/**
 * The first argument as one of `commands` and the rest parsed against its options. No command prints the usage on
 * stderr (exit 2); `help`, `-h` or `--help` prints it on stdout (exit 0), as `COMMAND --help` does the command's own.
 */
export function parseCommand(
  script: string, argv: readonly string[], commands: Record<string, { readonly options: Record<string, OptionSpec> }>, io: Io,
  usage: () => string, commandUsage: (command: string) => string,
): ParsedCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout)(usage());
    return { exit: command === undefined ? EXIT_USAGE : EXIT_OK };
  }
  const spec = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (spec === undefined) {
    io.stderr(`${script}: "${command}" is not a command: use one of ${Object.keys(commands).join(', ')}.\n\n${usage()}`);
    return { exit: EXIT_USAGE };
  }
  const { values, positionals } = parseArgs({ args: [...rest], options: spec.options, strict: false, allowPositionals: true });
  if (values.help === true) {
    io.stdout(commandUsage(command));
    return { exit: EXIT_OK };
  }
  return { command, values, positionals };
}

/**
 * Process settings every tool runs with: output piped into a reader that stops early (`| head`, `| jq` on a
 * part) ends the tool quietly instead of with an EPIPE stack trace, and the AWS SDK's notice that its next
 * versions drop this Node.js line stays out of the output (the kit supports and tests Node.js >= 20.19, its
 * `engines`).
 */
export function quietPipes(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
}
