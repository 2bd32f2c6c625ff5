/**
 * Every fenced code block of README.md and docs/ is checked, so no example can rot: TypeScript is type-checked against
 * lib/ (environment definitions also pass the config validation), JSON parses, shell is valid bash whose tool commands
 * use options the tools have, console examples run and print what they show, and excerpts of a command's output
 * match what the command prints now. docs/README.md, "How the examples are checked", says how to write them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkRecord, DatasetFormat } from '../../lib/datasets';
import { validateEnvironments } from '../../lib/config';
import { toolNamed } from '../../scripts/docs/tools';
import { commandsRun, invocationProblems, outputMismatch, runCommand, runnable, type RunnableCommand } from '../support/doc-commands';
import { documentationFiles, ROOT, readMarkdown, where, type CodeBlock } from '../support/markdown';
import { commands, invocation, proseInvocations, type Invocation } from '../support/shell';
import { runTs, tsModule, typeCheck, type TsModule } from '../support/ts-blocks';

const files = documentationFiles().map(readMarkdown);
const blocks = files.flatMap((f) => f.blocks);
const ofLang = (...langs: string[]) => blocks.filter((b) => langs.includes(b.lang));
const label = (b: CodeBlock) => `${where(b)} (${b.lang})`;

/** Distinct commands the examples may run: each costs test time (a review synthesizes every environment). */
const MAX_COMMANDS = 16;

/** Programs and CLI commands that need an AWS account (or the network): shown, never run. */
function needsAws(words: readonly string[]): boolean {
  const call = invocation(words);
  if (call) return toolNamed(call.name)?.offline === false;
  if (['aws', 'huggingface-cli', 'curl'].includes(words[0])) return true;
  return words[0] === 'npx' && words[1] === 'cdk' && ['bootstrap', 'deploy', 'diff', 'destroy', 'import', 'watch'].includes(words[2]);
}

const needsAwsNote = /needs an AWS account/i;

/** One `$ command` of a console block and the output shown under it. */
interface ConsoleStep {
  readonly command: string;
  readonly expected: string;
  readonly line: number;
}

function consoleSteps(block: CodeBlock): ConsoleStep[] {
  const steps: { command: string; expected: string[]; line: number }[] = [];
  const lines = block.code.replace(/\n$/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('$ ')) {
      const step = { command: lines[i].slice(2), expected: [] as string[], line: block.line + i + 1 };
      while (step.command.endsWith('\\') && i + 1 < lines.length) step.command += `\n${lines[++i]}`;
      steps.push(step);
    } else if (steps.length === 0) {
      throw new Error(`${where(block)}: a console block starts with "$ command"`);
    } else {
      steps[steps.length - 1].expected.push(lines[i]);
    }
  }
  return steps.map((s) => ({ command: s.command, expected: s.expected.join('\n'), line: s.line }));
}

/** The command of an `output-of` directive, or the TypeScript whose console.log output the block shows. */
type OutputSource = { readonly command: RunnableCommand } | { readonly ts: string } | { readonly problem: string };

function outputSource(block: CodeBlock): OutputSource | undefined {
  const of = block.directives.get('output-of');
  if (of === undefined) return undefined;
  if (of === 'code above') {
    const file = files.find((f) => f.file === block.file)!;
    const above = file.blocks.filter((b) => b.line < block.line && b.lang === 'ts').pop();
    return above ? { ts: tsModule(above, 0).source } : { problem: 'no ts block above it' };
  }
  if (of.startsWith('ts ')) return { ts: `${of.slice(3)}\nexport {};\n` };
  const command = runnable(of);
  return typeof command === 'string' ? { problem: command } : { command };
}

describe('code blocks', () => {
  test('every block names a language the tests check', () => {
    const known = ['ts', 'sh', 'bash', 'console', 'json', 'jsonl', 'text', 'markdown', 'mermaid', 'python'];
    expect(blocks.filter((b) => !known.includes(b.lang)).map(label)).toEqual([]);
  });

  test('Python examples are valid Python 3 (they are jsii-rosetta\'s translations, which test/package/jsii.test.ts keeps current)', () => {
    const python = ofLang('python');
    expect(python.length).toBeGreaterThan(0);
    for (const block of python) {
      const run = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: block.code, encoding: 'utf8' });
      expect([label(block), run.status, run.stderr]).toEqual([label(block), 0, '']);
    }
  });

  test('TypeScript examples type-check against lib/ (genai-lifecycle-cdk)', () => {
    const modules: TsModule[] = ofLang('ts').map((b, i) => tsModule(b, i));
    expect(modules.length).toBeGreaterThan(5);
    expect(typeCheck(modules)).toEqual([]);
  });

  test('environment definitions in TypeScript examples pass the config validation', async () => {
    const definitions = ofLang('ts').filter((b) => /: EnvironmentConfig\b/.test(b.code));
    expect(definitions.length).toBeGreaterThan(0);
    for (const block of definitions) {
      const { exports } = await runTs(tsModule(block, 0).source);
      const envs = Object.values(exports).flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => typeof v === 'object' && v !== null && 'scope' in v);
      const unique = [...new Set(envs)];
      expect([where(block), unique.length > 0]).toEqual([where(block), true]);
      expect([where(block), validateEnvironments(unique)]).toEqual([where(block), []]);
    }
  });

  test('JSON examples parse, and environment definitions among them pass the config validation', () => {
    const problems: string[] = [];
    let definitions = 0;
    for (const block of ofLang('json')) {
      let value: unknown;
      try {
        value = JSON.parse(block.code);
      } catch (error) {
        problems.push(`${where(block)}: ${(error as Error).message}`);
        continue;
      }
      const list = Array.isArray(value) ? value : [value];
      if (list.length > 0 && list.every((v) => typeof v === 'object' && v !== null && 'name' in v && 'scope' in v)) {
        definitions++;
        problems.push(...validateEnvironments(list).map((p) => `${where(block)}: ${p.path}: ${p.message}`));
      }
    }
    expect(definitions).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  test('JSON Lines parse line by line, and dataset records are valid records of their format', () => {
    const problems: string[] = [];
    for (const block of ofLang('jsonl')) {
      block.code.trimEnd().split('\n').forEach((line, i) => {
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          const format = 'chosen' in record ? DatasetFormat.PREFERENCE : 'completion' in record ? DatasetFormat.SFT : 'messages' in record ? DatasetFormat.CHAT : undefined;
          const check = format === undefined ? undefined : checkRecord(format, record);
          if (check && !check.ok) problems.push(`${block.file}:${block.line + i + 1}: not a valid ${format} record: ${JSON.stringify(check)}`);
        } catch (error) {
          problems.push(`${block.file}:${block.line + i + 1}: ${(error as Error).message}`);
        }
      });
    }
    expect(problems).toEqual([]);
  });

  test('shell examples are valid bash', () => {
    const problems = ofLang('sh', 'bash').flatMap((block) => {
      const run = spawnSync('bash', ['-n'], { input: block.code, encoding: 'utf8' });
      return run.status === 0 ? [] : [`${where(block)}: ${run.stderr.trim()}`];
    });
    expect(problems).toEqual([]);
  });

  test('examples that call AWS say that they need an AWS account: right before them, or at the start of their section', () => {
    const unmarked = ofLang('sh', 'bash').filter((b) => commands(b.code).some((c) => needsAws(c.words)) && ![b.intro, ...b.sections].some((t) => needsAwsNote.test(t.replace(/\s+/g, ' '))));
    expect(unmarked.map(label)).toEqual([]);
  });

  test('every tool command shown uses a tool, command and options that exist', async () => {
    const calls: { at: string; call: Invocation; prose: boolean }[] = [];
    for (const block of ofLang('sh', 'bash')) {
      for (const c of commands(block.code)) {
        const call = invocation(c.words);
        if (call) calls.push({ at: where(block), call, prose: false });
      }
    }
    for (const block of ofLang('console')) {
      for (const step of consoleSteps(block)) {
        const call = invocation(commands(step.command)[0]?.words ?? []);
        if (call) calls.push({ at: `${block.file}:${step.line}`, call, prose: false });
      }
    }
    for (const block of blocks) {
      const of = block.directives.get('output-of');
      const call = of === undefined ? undefined : invocation(commands(of)[0]?.words ?? []);
      if (call) calls.push({ at: where(block), call, prose: false });
    }
    for (const span of files.flatMap((f) => f.spans)) {
      for (const call of proseInvocations(span.text)) calls.push({ at: where(span), call, prose: true });
    }
    expect(calls.length).toBeGreaterThan(50);
    const problems: string[] = [];
    for (const { at, call, prose } of calls) problems.push(...(await invocationProblems(call, prose)).map((p) => `${at}: ${p}`));
    expect(problems).toEqual([]);
  });

  test('a tool whose output is piped, redirected or captured runs as `npm run -s`, so npm\'s banner stays out of it', () => {
    const loud = ofLang('sh', 'bash').flatMap((b) => commands(b.code)
      .filter((c) => c.captured && invocation(c.words)?.form === 'npm run' && !invocation(c.words)!.silent)
      .map((c) => `${where(b)}: ${c.words.join(' ')}`));
    // In prose, placeholders such as <tool> or NAME|all are no redirections or pipes: only `$(npm run ...)`,
    // ` | ` and ` > ` capture there.
    const spans = files.flatMap((f) => f.spans).filter((s) => /\$\(\s*npm run (?!-s\b)/.test(s.text) || /^npm run (?!-s\b)\S+ .*\s[|>]\s/.test(s.text));
    expect([...loud, ...spans.map((s) => `${where(s)}: ${s.text}`)]).toEqual([]);
  });

  test('files run with `npx tsx` exist', () => {
    const shown = [
      ...ofLang('sh', 'bash').flatMap((b) => commands(b.code).map((c) => ({ at: where(b), words: c.words }))),
      ...files.flatMap((f) => f.spans).map((s) => ({ at: where(s), words: s.text.split(/\s+/) })),
    ];
    const missing = shown
      .filter(({ words }) => words[0] === 'npx' && words[1] === 'tsx')
      .map(({ at, words }) => ({ at, file: words.slice(2).find((w) => !w.startsWith('-')) ?? '' }))
      .filter(({ file }) => !existsSync(join(ROOT, file)));
    expect(missing.map((m) => `${m.at}: ${m.file}`)).toEqual([]);
  });

  test(`the examples run at most ${MAX_COMMANDS} distinct commands`, () => {
    const distinct = new Set<string>();
    for (const block of ofLang('console')) for (const step of consoleSteps(block)) if (step.command !== 'echo $?') distinct.add(step.command);
    for (const block of blocks) {
      const of = block.directives.get('output-of');
      if (of !== undefined && of !== 'code above' && !of.startsWith('ts ')) distinct.add(of);
    }
    for (const block of offlineShellBlocks()) for (const c of block.commands) distinct.add(c);
    expect([...distinct].length).toBeLessThanOrEqual(MAX_COMMANDS);
  });
});

/** sh blocks whose every command is an offline tool command of this repository: they run, and each must succeed. */
function offlineShellBlocks(): { block: CodeBlock; commands: string[] }[] {
  return ofLang('sh', 'bash').flatMap((block) => {
    const lines = block.code.replace(/\\\n/g, ' ').split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '' && !l.startsWith('#'));
    const all = lines.map(runnableQuietly);
    return all.length > 0 && all.every((c) => c !== undefined) ? [{ block, commands: lines }] : [];
  });
}

function runnableQuietly(line: string): RunnableCommand | undefined {
  const call = invocation(commands(line)[0]?.words ?? []);
  // `npx genai-lifecycle-cdk` is how a project that installed the package runs a tool, on its own files: checked, not run.
  if (!call || call.form !== 'npm run' || !toolNamed(call.name)?.offline) return undefined;
  // A sh block shows the command, not its output: npm's banner is fine there.
  const command = runnable(line.replace(/^npm run (?!-s )/, 'npm run -s '));
  return typeof command === 'string' ? undefined : command;
}

describe('console examples print what they show', () => {
  const consoles = ofLang('console');
  test.each(consoles.map((b) => [label(b), b] as const))('%s', async (_label, block) => {
    let last: number | undefined;
    for (const step of consoleSteps(block)) {
      if (step.command === 'echo $?') {
        expect([`${block.file}:${step.line}`, step.expected.trim()]).toEqual([`${block.file}:${step.line}`, String(last)]);
        last = undefined;
        continue;
      }
      if (last !== undefined) expect([`${block.file}:${step.line}: exit code before it`, last]).toEqual([`${block.file}:${step.line}: exit code before it`, 0]);
      const command = runnable(step.command);
      if (typeof command === 'string') throw new Error(`${block.file}:${step.line}: ${command}`);
      const run = await runCommand(command);
      expect([`${block.file}:${step.line}`, outputMismatch(step.expected, run.output, true)]).toEqual([`${block.file}:${step.line}`, undefined]);
      last = run.code;
    }
    if (last !== undefined) expect([`${where(block)}: exit code of its last command`, last]).toEqual([`${where(block)}: exit code of its last command`, 0]);
  }, 120_000);
});

describe('excerpts show what their command prints now', () => {
  const excerpts = blocks.filter((b) => b.directives.has('output-of'));
  test.each(excerpts.map((b) => [label(b), b] as const))('%s', async (_label, block) => {
    const source = outputSource(block)!;
    if ('problem' in source) throw new Error(`${where(block)}: output-of: ${source.problem}`);
    const output = 'ts' in source ? (await runTs(source.ts)).output : (await runCommand(source.command)).output;
    expect([where(block), outputMismatch(block.code, output, false)]).toEqual([where(block), undefined]);
  }, 120_000);
});

describe('offline shell examples run', () => {
  const runnableBlocks = offlineShellBlocks();
  test.each(runnableBlocks.map((b) => [label(b.block), b] as const))('%s', async (_label, { block, commands: lines }) => {
    for (const line of lines) {
      const run = await runCommand(runnableQuietly(line)!);
      expect([`${where(block)}: ${line}`, run.code]).toEqual([`${where(block)}: ${line}`, 0]);
    }
  }, 120_000);
  if (runnableBlocks.length === 0) test.skip('no sh block runs only offline tools', () => undefined);
});

afterAll(() => {
  // Every command ran once however many blocks showed it.
  expect(commandsRun()).toBeLessThanOrEqual(MAX_COMMANDS);
});
