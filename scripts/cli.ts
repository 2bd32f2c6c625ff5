#!/usr/bin/env node
/**
 * `genai-lifecycle-cdk <tool> [arguments]`: the kit's command-line tools, as the package's `bin`, compiled to
 * JavaScript. In this repository the same tools run as `npm run <tool> -- [arguments]`. Exit codes are each
 * tool's own; 2 for an unknown tool. From the package, `review` reads ./cdk.out unless given --assembly, and
 * `simulate` takes your environment definitions with --config.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Io, quietPipes } from './lib/cli';

type Main = (argv: readonly string[], io: Io) => number | Promise<number>;

/** Each tool's module and whether its writers add a newline (invoke streams answers as they come, without). */
// The tools load on demand: `estimate` need not load the AWS SDK clients of `fine-tune`.
/* eslint-disable @typescript-eslint/no-require-imports */
export const TOOLS: Record<string, { readonly summary: string; readonly load: () => { main: Main }; readonly newline: boolean }> = {
  estimate: { summary: 'size serving, fine-tuning and pre-training; list models and instances', load: () => require('./estimate'), newline: true },
  'validate-dataset': { summary: 'check a dataset file before training on it', load: () => require('./validate-dataset'), newline: true },
  review: { summary: 'what a cloud assembly deploys: capacity, cost, IAM, findings, changes', load: () => require('./review'), newline: true },
  simulate: { summary: 'run an environment\'s fine-tuning workflow offline', load: () => require('./simulate'), newline: true },
  'fine-tune': { summary: 'start and watch fine-tuning runs', load: () => require('./fine-tune'), newline: true },
  invoke: { summary: 'call the deployed generative API', load: () => require('./invoke'), newline: false },
  optimize: { summary: 'run SageMaker inference optimization jobs', load: () => require('./optimize'), newline: true },
  ingest: { summary: 'ingest documents into the knowledge base', load: () => require('./ingest'), newline: true },
};
/* eslint-enable @typescript-eslint/no-require-imports */

const REPO_COMMAND = new RegExp(`npm run (?:-s )?(${Object.keys(TOOLS).join('|')}) --(?= |$|\`)`, 'gm');

export function usage(): string {
  return [
    'Usage: genai-lifecycle-cdk <tool> [arguments]      (genai-lifecycle-cdk <tool> --help for its options)',
    '',
    'Tools:',
    ...Object.entries(TOOLS).map(([name, t]) => `  ${name.padEnd(18)} ${t.summary}`),
  ].join('\n');
}

export async function run(argv: readonly string[], write: { stdout: (text: string) => void; stderr: (text: string) => void }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? write.stderr : write.stdout)(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const tool = Object.hasOwn(TOOLS, name) ? TOOLS[name] : undefined;
  if (!tool) {
    write.stderr(`genai-lifecycle-cdk: no tool "${name}"; the tools are ${Object.keys(TOOLS).join(', ')}.\n`);
    return 2;
  }
  // From the package, review reads the project's cdk.out: the environments this package was built with are not yours.
  if (name === 'review' && !rest.some((a) => a === '--assembly' || a.startsWith('--assembly=') || a === '--help' || a === '-h')) {
    if (!fs.existsSync(path.join('cdk.out', 'manifest.json'))) {
      write.stderr('genai-lifecycle-cdk review: no cloud assembly in ./cdk.out: run `npx cdk synth` in your project first, or pass --assembly DIR.\n');
      return 2;
    }
    rest.unshift('--assembly', 'cdk.out');
  }
  const asks = (option: string) => rest.some((a) => a === `--${option}` || a.startsWith(`--${option}=`));
  if (name === 'simulate' && !asks('config') && !asks('help')) {
    write.stderr('genai-lifecycle-cdk simulate: pass --config FILE with your environment definitions (.json, or .js exporting environments).\n');
    return 2;
  }
  const end = tool.newline ? '\n' : '';
  // The tools name themselves as this repository runs them (`npm run estimate -- serve ...`); from the package
  // the same command is `genai-lifecycle-cdk estimate serve ...`.
  const named = (text: string) => text.replace(REPO_COMMAND, 'genai-lifecycle-cdk $1');
  return tool.load().main(rest, { stdout: (text) => write.stdout(`${named(text)}${end}`), stderr: (text) => write.stderr(`${named(text)}${end}`) });
}

if (require.main === module) {
  quietPipes();
  void run(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) => {
    process.exitCode = code;
  });
}
