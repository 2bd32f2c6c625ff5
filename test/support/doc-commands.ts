// Runs and checks the commands the documentation shows. A tool command runs in this process through the tool's
// `main` (scripts/docs/tools.ts); anything after a `|` runs in bash with the tool's stdout as input. Each distinct
// command runs once per test file. Expected output is compared line by line; a line `[...]` (or `[... words ...]`)
// stands for any number of lines, `[...]` inside a line for any text, and a job name's random 8-hex suffix
// (`-05ff9e70`) for any other.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helpOf, helpOptions, runTool, toolNamed, type HelpOption, type Tool } from '../../scripts/docs/tools';
import { ROOT } from './markdown';
import { invocation, tokenize, type Invocation } from './shell';

const PACKAGE_SCRIPTS = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

/** npm scripts other than the tools that run offline and quickly, so a console example may show their output. */
const OFFLINE_SCRIPTS = new Set(['bench:sizing']);

/** What a command printed, as a terminal shows it (stderr and stdout in the order written), and its exit code. */
export interface CommandRun {
  readonly code: number;
  readonly output: string;
}

/** A command a console block or an excerpt runs: a tool or offline npm script, optionally piped into a program. */
export interface RunnableCommand {
  readonly text: string;
  readonly call: Invocation;
  readonly pipe?: string;
}

/** Reads a command to run, or says why it cannot run offline here. */
export function runnable(text: string): RunnableCommand | string {
  const tokens = tokenize(text);
  const pipeAt = tokens.findIndex((t) => t.kind === 'op' && t.value === '|');
  const head = pipeAt < 0 ? tokens : tokens.slice(0, pipeAt);
  const other = head.find((t) => t.kind === 'op');
  if (other) return `"${other.value}" is not supported in a command whose output is shown: only one tool command, optionally piped`;
  const call = invocation(head.map((t) => t.value));
  if (!call) return 'only `npm run -s <tool> -- ...` commands run here';
  const tool = toolNamed(call.name);
  if (tool ? !tool.offline : !OFFLINE_SCRIPTS.has(call.name)) return `${call.name} does not run offline: show it in a sh block, said to need an AWS account`;
  if (call.form === 'npm run' && !call.silent) return 'write `npm run -s`: without -s npm prints a banner the example does not show';
  return { text, call, pipe: pipeAt < 0 ? undefined : text.slice(tokens[pipeAt].end).trim() };
}

const runs = new Map<string, Promise<CommandRun>>();

/** How many distinct commands this test file ran. */
export function commandsRun(): number {
  return runs.size;
}

/** Runs a command once; later calls with the same text get the same result. */
export function runCommand(command: RunnableCommand): Promise<CommandRun> {
  let run = runs.get(command.text);
  if (!run) {
    run = execute(command);
    runs.set(command.text, run);
  }
  return run;
}

async function execute(command: RunnableCommand): Promise<CommandRun> {
  const tool = toolNamed(command.call.name);
  let code: number;
  let stdout: string;
  let shown: string;
  if (tool) {
    const run = await runTool(tool, command.call.args);
    code = run.code;
    stdout = run.stdout;
    shown = command.pipe === undefined ? run.combined : run.stderr;
  } else {
    const run = spawnSync('npm', ['run', '-s', command.call.name, '--', ...command.call.args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    code = run.status ?? 1;
    stdout = run.stdout;
    shown = command.pipe === undefined ? `${run.stderr}${run.stdout}` : run.stderr;
  }
  if (command.pipe === undefined) return { code, output: shown };
  if (code !== 0) return { code, output: `${shown}${stdout}` };
  const piped = spawnSync('bash', ['-c', command.pipe], { cwd: ROOT, input: stdout, encoding: 'utf8', timeout: 30_000 });
  return { code: piped.status ?? 1, output: `${shown}${piped.stderr}${piped.stdout}` };
}

const ELISION = /^\s*\[\.\.\.(.*\.\.\.)?\]\s*$/;

function normalize(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trimEnd().replace(/-[0-9a-f]{8}\b/g, '-xxxxxxxx'));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function segmentsOf(expected: string): { segments: string[][]; openStart: boolean; openEnd: boolean } {
  const lines = normalize(expected);
  const segments: string[][] = [[]];
  for (const line of lines) {
    if (ELISION.test(line)) segments.push([]);
    else segments[segments.length - 1].push(line);
  }
  return { segments, openStart: segments[0].length === 0, openEnd: segments[segments.length - 1].length === 0 };
}

/** Whether an output line is what the expected line shows; `[...]` inside a line stands for any text. */
function sameLine(expected: string, actual: string): boolean {
  if (!expected.includes('[...]')) return expected === actual;
  const pattern = expected.split('[...]').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`).test(actual);
}

function indexOfRun(haystack: readonly string[], run: readonly string[], from: number): number {
  for (let i = from; i + run.length <= haystack.length; i++) {
    if (run.every((line, k) => sameLine(line, haystack[i + k]))) return i;
  }
  return -1;
}

/**
 * Why `actual` does not show as `expected` says, or undefined when it does. `whole`: the expected text is the entire
 * output (a console example); otherwise an excerpt, whose first and last lines may be anywhere.
 */
export function outputMismatch(expected: string, actual: string, whole: boolean): string | undefined {
  const have = normalize(actual);
  const { segments, openStart, openEnd } = segmentsOf(expected);
  const runsOf = segments.filter((s) => s.length > 0);
  let at = 0;
  for (const [n, run] of runsOf.entries()) {
    const first = n === 0;
    const last = n === runsOf.length - 1;
    let found: number;
    if (whole && last && !openEnd) {
      // The last lines of a whole output are its last lines.
      const end = have.length - run.length;
      found = end >= at && indexOfRun(have, run, end) === end ? end : -1;
    } else {
      found = indexOfRun(have, run, at);
    }
    if (found < 0 || (whole && first && !openStart && found !== 0)) {
      const near = indexOfRun(have, run.slice(0, 1), at);
      const differs = near < 0 ? -1 : run.findIndex((line, k) => !sameLine(line, have[near + k] ?? ''));
      return [
        `these lines are not in the output${whole ? (first && !openStart ? ' at its start' : last && !openEnd ? ' at its end' : '') : ''}:`,
        ...run.map((l) => `  | ${l}`),
        near < 0 || differs < 0
          ? `Its first line is not in the output after line ${at + 1}.`
          : `From output line ${near + 1} on, it differs at: expected "${run[differs]}", printed "${have[near + differs] ?? '(end of output)'}".`,
        'The output:',
        ...have.map((l) => `  | ${l}`),
      ].join('\n');
    }
    at = found + run.length;
  }
  return undefined;
}

const helps = new Map<string, Promise<HelpOption[]>>();

function optionsOf(tool: Tool, command?: string): Promise<HelpOption[]> {
  const key = `${tool.name} ${command ?? ''}`;
  let options = helps.get(key);
  if (!options) {
    options = helpOf(tool, command).then(helpOptions);
    helps.set(key, options);
  }
  return options;
}

/**
 * What is wrong with a documented command line: a tool or npm script that does not exist, a command the tool does not
 * have, an option it does not take, an option that needs a value shown without one. `prose`: placeholders stand for
 * values, so only the names are checked.
 */
export async function invocationProblems(call: Invocation, prose: boolean): Promise<string[]> {
  // Prose names a tool without arguments (`npm run estimate`), or any tool (`npm run <tool> -- ...`).
  if (prose && (call.name === '' || /^<.*>$/.test(call.name))) return [];
  const tool = toolNamed(call.name);
  if (!tool) {
    if (call.form === 'npx') return [`genai-lifecycle-cdk has no tool "${call.name}"`];
    return PACKAGE_SCRIPTS.includes(call.name) ? [] : [`package.json has no script "${call.name}"`];
  }
  const args = [...call.args];
  let command: string | undefined;
  if (tool.commands.length > 0) {
    const first = args[0];
    if (first === undefined) return prose ? [] : [`${tool.name} needs a command: ${tool.commands.join(', ')}`];
    if (['--help', '-h', 'help'].includes(first)) return [];
    if (!prose && !tool.commands.includes(first)) return [`${tool.name} has no command "${first}": ${tool.commands.join(', ')}`];
    if (prose && !tool.commands.includes(first)) return first.startsWith('-') ? [`${tool.name} needs a command before ${first}`] : [];
    command = args.shift();
  }
  const options = await optionsOf(tool, command);
  const problems: string[] = [];
  const name = command === undefined ? tool.name : `${tool.name} ${command}`;
  args.forEach((arg, i) => {
    const m = /^--([a-z][a-z0-9-]*)(=.*)?$/.exec(arg);
    if (!m) return;
    const option = options.find((o) => o.name === m[1]);
    if (!option) problems.push(`${name} has no option --${m[1]} (it has ${options.map((o) => `--${o.name}`).join(', ')})`);
    else if (!option.takesValue && m[2] !== undefined) problems.push(`${name} --${m[1]} takes no value`);
    else if (!prose && option.takesValue && m[2] === undefined && (args[i + 1] === undefined || args[i + 1].startsWith('--'))) problems.push(`${name} --${m[1]} needs a value`);
  });
  return problems;
}
