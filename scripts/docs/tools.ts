/**
 * The kit's command-line tools as the documentation sees them: each tool's `main`, its sub-commands, and a way to
 * run it in this process with its output captured. The CLI reference (docs/cli.md) is generated from their `--help`,
 * and the documentation's tests run and check the commands the docs show through the same functions.
 */
import { main as estimate } from '../estimate';
import { main as fineTune } from '../fine-tune';
import { main as ingest } from '../ingest';
import { main as invoke } from '../invoke';
import { main as optimize } from '../optimize';
import { main as review } from '../review';
import { main as simulate } from '../simulate';
import { main as validateDataset } from '../validate-dataset';
import type { Io } from '../lib/cli';

/** One tool: `npm run <name> -- ...` here, `npx genai-lifecycle-cdk <name> ...` from the package. */
export interface Tool {
  readonly name: string;
  readonly main: (argv: readonly string[], io: Io) => number | Promise<number>;
  /** Sub-commands, each with options of its own (`estimate serve`); empty for a tool that has none. */
  readonly commands: readonly string[];
  /** Whether each write is a line (the writer adds the newline); invoke writes streamed text exactly as given. */
  readonly lines: boolean;
  /** Whether it runs without AWS credentials or network, so the documentation's tests may run it. */
  readonly offline: boolean;
}

// The sub-commands are each script's COMMANDS table; test/docs/cli-docs.test.ts checks that each script's usage
// names exactly these.
export const TOOLS: readonly Tool[] = [
  { name: 'estimate', main: estimate, commands: ['serve', 'train', 'pretrain', 'models', 'instances'], lines: true, offline: true },
  { name: 'validate-dataset', main: validateDataset, commands: [], lines: true, offline: true },
  { name: 'review', main: review, commands: [], lines: true, offline: true },
  { name: 'simulate', main: simulate, commands: [], lines: true, offline: true },
  { name: 'fine-tune', main: fineTune, commands: ['start', 'watch'], lines: true, offline: false },
  { name: 'invoke', main: invoke, commands: ['generate', 'feedback', 'health'], lines: false, offline: false },
  { name: 'optimize', main: optimize, commands: [], lines: true, offline: false },
  { name: 'ingest', main: ingest, commands: [], lines: true, offline: false },
];

export function toolNamed(name: string): Tool | undefined {
  return TOOLS.find((t) => t.name === name);
}

/** What one run printed: each stream, and both in the order they were written (as a terminal shows them). */
export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly combined: string;
}

/** Runs the tool's main in this process with `argv`, capturing what it writes. */
export async function runTool(tool: Tool, argv: readonly string[]): Promise<ToolRun> {
  let stdout = '';
  let stderr = '';
  let combined = '';
  const end = tool.lines ? '\n' : '';
  const io: Io = {
    stdout: (text) => { stdout += text + end; combined += text + end; },
    stderr: (text) => { stderr += text + end; combined += text + end; },
  };
  const code = await tool.main(argv, io);
  return { code, stdout, stderr, combined };
}

/** One option as a help text lists it: `--name <value>` takes a value, `--name` alone is a flag. */
export interface HelpOption {
  readonly name: string;
  readonly takesValue: boolean;
}

/** The options of a help text's table (`  --name <value>  what it does`). */
export function helpOptions(help: string): HelpOption[] {
  return [...help.matchAll(/^ {2}--([a-z][a-z0-9-]*)( <value>)? {2,}\S/gm)].map((m) => ({ name: m[1], takesValue: m[2] !== undefined }));
}

/** The help of a tool, or of one of its commands, as it prints it on stdout. */
export async function helpOf(tool: Tool, command?: string): Promise<string> {
  const run = await runTool(tool, command === undefined ? ['--help'] : [command, '--help']);
  if (run.code !== 0 || run.stdout.trim() === '') {
    throw new Error(`${tool.name}${command === undefined ? '' : ` ${command}`} --help exited ${run.code}${run.stderr === '' ? '' : `: ${run.stderr.trim()}`}`);
  }
  return `${run.stdout.trimEnd()}\n`;
}
