// Type-checks and runs the TypeScript examples of the documentation. Each block, after its hidden preamble, is a
// module of one in-memory program at the repository root, where 'genai-lifecycle-cdk' means lib/index.ts: the
// examples are checked against the sources as they are, with the repository's compiler options.
import { join } from 'node:path';
import * as ts from 'typescript';
import { ROOT, type CodeBlock } from './markdown';

/** The code the compiler sees for a block: the preamble (hidden in an HTML comment) on its own line, then the block. */
export interface TsModule {
  readonly block: CodeBlock;
  readonly fileName: string;
  readonly source: string;
  /** Lines of preamble before the block's first line. */
  readonly offset: number;
}

export function tsModule(block: CodeBlock, index: number): TsModule {
  const preamble = block.directives.get('preamble');
  const head = preamble === undefined ? '' : `${preamble}\n`;
  // `export {}` makes every block a module, so blocks that declare the same names do not collide.
  return { block, fileName: join(ROOT, `docs-example-${index}.ts`), source: `${head}${block.code}\nexport {};\n`, offset: head === '' ? 0 : head.split('\n').length - 1 };
}

function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return {
    ...options,
    noEmit: true,
    // Examples show a piece of a stack: a value they make and do not use again is fine there.
    noUnusedLocals: false,
    noUnusedParameters: false,
    types: ['node'],
    paths: { 'genai-lifecycle-cdk': [join(ROOT, 'lib', 'index.ts')] },
  };
}

/** Every compiler error in the blocks, as `README.md:42: message` with the line of the Markdown file. */
export function typeCheck(modules: readonly TsModule[]): string[] {
  const options = compilerOptions();
  const byName = new Map(modules.map((m) => [m.fileName, m]));
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => byName.has(f) || fileExists.call(host, f);
  host.readFile = (f) => byName.get(f)?.source ?? readFile.call(host, f);
  host.getSourceFile = (f, language, onError, create) => {
    const m = byName.get(f);
    return m ? ts.createSourceFile(f, m.source, language, true) : getSourceFile.call(host, f, language, onError, create);
  };
  const program = ts.createProgram({ rootNames: modules.map((m) => m.fileName), options, host });
  const errors: string[] = [];
  for (const m of modules) {
    const file = program.getSourceFile(m.fileName);
    if (!file) throw new Error(`the compiler did not read ${m.fileName}`);
    for (const d of [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]) {
      const line = file.getLineAndCharacterOfPosition(d.start ?? 0).line;
      const at = line < m.offset ? `${m.block.line - 1} (preamble)` : `${m.block.line + line - m.offset + 1}`;
      errors.push(`${m.block.file}:${at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return errors;
}

/** What running an example gave: the module's exports and what it printed with console.log. */
export interface TsRun {
  readonly exports: Record<string, unknown>;
  readonly output: string;
}

/**
 * Runs TypeScript source in this process: transpiled to CommonJS, with 'genai-lifecycle-cdk' as lib/ and relative
 * imports from the repository root (`./bin/environments`). `console.log` is captured.
 */
export async function runTs(source: string): Promise<TsRun> {
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
  const lines: string[] = [];
  const capture = { ...console, log: (...args: unknown[]) => { lines.push(args.map(String).join(' ')); } };
  // The example's imports, resolved when it runs: require, so jest transpiles lib/ as it does for the tests.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const load = (specifier: string): unknown => {
    if (specifier === 'genai-lifecycle-cdk') return require(join(ROOT, 'lib'));
    return require(specifier.startsWith('.') ? join(ROOT, specifier) : specifier);
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const module = { exports: {} as Record<string, unknown> };
  // The transpiled example, run as a CommonJS module body with its own require and console.
  const body = new Function('exports', 'require', 'module', 'console', `return (async () => {\n${outputText}\n})();`) as
    (exports: unknown, require: unknown, module: unknown, console: unknown) => Promise<void>;
  await body(module.exports, load, module, capture);
  return { exports: module.exports, output: lines.length === 0 ? '' : `${lines.join('\n')}\n` };
}
