// Compiles the library with jsii and generates its Python, Java, .NET and Go sources (jsii-pacmak --code-only),
// then byte-compiles the Python: the proof that the public API crosses to the languages jsii targets.
//
// It works on a copy of the package (lib/, the README and the tsconfig files) in a temporary folder, so the
// compiler's outputs (.jsii, dist/) never race the build, and so the copy's package.json can say what jsii
// needs and the published manifest does not have yet:
// - `repository`: jsii requires one; until the package has a public URL, the copy names this checkout.
// - dependencies that carry no jsii assembly (the tools' SDK clients, the validators' data) and the optional SDK
//   peer are left out of the manifest (the sources still resolve them from node_modules): jsii accepts a
//   dependency only with an assembly or as a bundled one, and a release for other languages bundles them
//   (`bundledDependencies`), which makes a tarball too large to pack on every test run.
// - no scripts: jsii-pacmak packs the copy, and the package's `prepare` would build it again.
//
// It also generates the API reference (jsii-docgen) that API.md holds, and translates the README's TypeScript
// and the API's `@example`s (jsii-rosetta, compiled against the assembly) into Python: the page docs/python.md,
// and each docs block marked `<!-- translated-from: <fqn> -->`; --write-api writes them all.
//
// The test reads a passing result from node_modules/.cache/jsii-check/ when nothing it depends on changed: the
// key is a digest of every file the copy holds, the manifest, the lockfile (so every tool's version), this
// script, Node's and Python's versions. A clean clone, or any change to lib/ or the README, runs the whole check.
//
//   npx tsx scripts/jsii/check.ts [--keep] [--json] [--write-api]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

/** What one run found. */
export interface JsiiCheck {
  readonly errors: number;
  readonly warnings: number;
  /** Compiler diagnostics, one per line (errors and warnings). */
  readonly diagnostics: string[];
  /** Types in the assembly, by kind (class, interface, struct, enum). */
  readonly types: Record<string, number>;
  /** Fully qualified names in the assembly. */
  readonly fqns: string[];
  /** Where the assembly has a type union (a property, a parameter or a return value), as `Type.member`. */
  readonly unions: string[];
  /** The assembly's submodules (fully qualified). */
  readonly submodules: string[];
  /** Submodules without a README (jsii reads the README.md beside a submodule's index: its docs in every language). */
  readonly undocumentedSubmodules: string[];
  /** The generated Python package's subpackages (one per submodule). */
  readonly pythonModules: string[];
  /** Generated sources per target language (files). */
  readonly generated: Record<string, number>;
  /** The Python byte-compiled without an error. */
  readonly pythonCompiles: boolean;
  readonly pythonOutput: string;
  /** The API reference jsii-docgen generates from the assembly (TypeScript), as API.md holds it. */
  readonly apiReference: string;
  /**
   * The README's TypeScript snippets and the API's `@example`s as jsii-rosetta translated them: where each is
   * (`README`, or the fully qualified name of the type whose example it is), whether it compiled, and its Python.
   */
  readonly snippets: { readonly where: string; readonly compiled: boolean; readonly python: string; readonly typescript: string }[];
  /** The folder of the copy (kept with --keep). */
  readonly stage: string;
}

export const TARGETS = ['python', 'java', 'dotnet', 'go'] as const;

/** The API reference in the repository, kept equal to what jsii-docgen generates. */
export const API_FILE = path.join(root, 'API.md');

/** The Python page, kept equal to what jsii-rosetta translates. */
export const PYTHON_PAGE = path.join(root, 'docs', 'python.md');

/** docs/python.md: the README's composition example as jsii-rosetta writes it in Python. */
export function pythonPage(snippets: JsiiCheck['snippets']): string {
  const blocks = snippets.filter((s) => s.where === 'README').map((s) => `\`\`\`python\n${s.python.trimEnd()}\n\`\`\``).join('\n\n');
  return `# The kit in Python

The constructs, the stage, their props and the kit's policy checks are compiled with jsii, so Python (and Java,
.NET and Go) code uses the same classes as TypeScript: props become keyword arguments in snake_case, structs
become classes (\`ApiThrottling(rate_limit=20, burst_limit=40)\`), and static factories keep their names in
snake_case (\`ApiBackend.bedrock(...)\`, \`PolicyChecks.add(app)\`).

This is the README's composition example, translated by jsii-rosetta from the TypeScript, which it compiles
against the kit's assembly first (\`npx tsx scripts/jsii/check.ts --write-api\` regenerates this page; a test
fails when it is stale):

${blocks}

What stays in TypeScript and JavaScript for now, each marked \`@jsii ignore\` in the source with the reason:
the error classes (other languages receive their message as the runtime's error), the HTTP API's wire formats
(JSON on the wire), the TypeScript sizing estimates whose fields can be \`null\`, and custom deploy rules (they
read CloudFormation JSON). Free functions and constants are not part of the assembly either: jsii carries
classes, interfaces and enums only. The pure engines are submodules, one namespace each: \`sizing\` (instance
types, catalogs, the estimates), \`serving\` (containers, quantization) and \`datasets\` (formats, the validator),
imported as \`from genai_lifecycle_cdk import sizing\`. The sizing engine is there as static methods with the same
numbers: \`sizing.Estimate.serving(model="Qwen/Qwen2.5-7B-Instruct", context_tokens=8192, concurrency=8)\` and
\`sizing.Estimate.training(model=..., method=sizing.TrainingMethod.QLORA, tokens=50_000_000)\` return structs whose
unknown values (a price, a time without a token budget) are \`None\`.

The package is not yet published to PyPI, Maven, NuGet or Go: a release for those needs the package's public
repository URL and its non-jsii dependencies bundled (\`bundledDependencies\`); see \`scripts/jsii/check.ts\`.
`;
}

function isJsiiPackage(name: string): boolean {
  const dir = path.join(root, 'node_modules', name);
  return fs.existsSync(path.join(dir, '.jsii')) || fs.existsSync(path.join(dir, '.jsii.gz'));
}

/** The copy's manifest: the package's own, plus what jsii requires that it does not say yet. */
export function stagedManifest(pkg: Record<string, unknown>, isJsii: (name: string) => boolean = isJsiiPackage): Record<string, unknown> {
  const dependencies = (pkg.dependencies ?? {}) as Record<string, string>;
  const peers = (pkg.peerDependencies ?? {}) as Record<string, string>;
  return {
    ...pkg,
    repository: pkg.repository ?? { type: 'git', url: `file://${root}` },
    dependencies: Object.fromEntries(Object.entries(dependencies).filter(([d]) => isJsii(d))),
    peerDependencies: Object.fromEntries(Object.entries(peers).filter(([d]) => isJsii(d))),
    peerDependenciesMeta: undefined,
    scripts: undefined,
  };
}

function countFiles(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
}

interface AssemblyType {
  readonly properties?: { readonly name: string; readonly type: unknown }[];
  readonly methods?: { readonly name: string; readonly parameters?: { readonly name: string; readonly type: unknown }[]; readonly returns?: { readonly type: unknown } }[];
  readonly initializer?: { readonly parameters?: { readonly name: string; readonly type: unknown }[] };
}

/** Every member of the assembly whose type is, or holds, a union. */
export function unionsOf(types: Record<string, AssemblyType>): string[] {
  const hasUnion = (t: unknown): boolean => JSON.stringify(t ?? null).includes('"union"');
  const found: string[] = [];
  for (const [fqn, t] of Object.entries(types)) {
    for (const p of t.properties ?? []) if (hasUnion(p.type)) found.push(`${fqn}.${p.name}`);
    for (const m of t.methods ?? []) {
      if (hasUnion(m.returns?.type)) found.push(`${fqn}.${m.name}()`);
      for (const p of m.parameters ?? []) if (hasUnion(p.type)) found.push(`${fqn}.${m.name}(${p.name})`);
    }
    for (const p of t.initializer?.parameters ?? []) if (hasUnion(p.type)) found.push(`${fqn}(${p.name})`);
  }
  return found.sort();
}

/** Files the check copies into its folder, relative to the root: lib/ (no tests) and the files beside it. */
const COPIED = ['README.md', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.jsii.json', 'LICENSE'];

/** The digest of everything a check's result depends on; `read` reads a file (the test's seam). */
export function inputsDigest(read: (file: string) => Buffer | string = (file) => fs.readFileSync(file)): string {
  const hash = createHash('sha256');
  const lib = path.join(root, 'lib');
  const libFiles = (fs.readdirSync(lib, { recursive: true }) as string[]).map((f) => path.join('lib', f))
    .filter((f) => !f.endsWith('.test.ts') && fs.statSync(path.join(root, f)).isFile()).sort();
  // This file too: it computes what a result holds (the union list, the snippets' places, the counts).
  for (const file of [...libFiles, ...COPIED, 'package.json', 'package-lock.json', path.relative(root, __filename)]) {
    const full = path.join(root, file);
    hash.update(`${file}\0`).update(fs.existsSync(full) ? read(full) : 'absent').update('\0');
  }
  const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  hash.update(`node ${process.version}\0${python.stdout ?? ''}${python.stderr ?? ''}`);
  return hash.digest('hex');
}

const CACHE = path.join(root, 'node_modules', '.cache', 'jsii-check');

/** Whether a result is a pass, the only kind kept: a failure always runs again. */
function passed(r: JsiiCheck): boolean {
  return r.errors === 0 && r.warnings === 0 && r.diagnostics.length === 0 && r.pythonCompiles && r.apiReference !== '' && r.snippets.length > 0;
}

/** `checkJsii`, or the passing result of a run on the same inputs. */
export function cachedCheckJsii(): JsiiCheck & { readonly cached: boolean } {
  const file = path.join(CACHE, `${inputsDigest()}.json`);
  if (fs.existsSync(file)) return { ...(JSON.parse(fs.readFileSync(file, 'utf8')) as JsiiCheck), cached: true };
  const result = checkJsii();
  if (passed(result)) {
    fs.rmSync(CACHE, { recursive: true, force: true });
    fs.mkdirSync(CACHE, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(result));
  }
  return { ...result, cached: false };
}

export function checkJsii(options: { readonly keep?: boolean } = {}): JsiiCheck {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'genai-lifecycle-jsii-'));
  try {
    fs.cpSync(path.join(root, 'lib'), path.join(stage, 'lib'), { recursive: true, filter: (src) => !src.endsWith('.test.ts') });
    for (const file of COPIED) {
      if (fs.existsSync(path.join(root, file))) fs.copyFileSync(path.join(root, file), path.join(stage, file));
    }
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(stagedManifest(pkg), null, 2));

    const env = { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1', JSII_SUPPRESS_UPGRADE_PROMPT: '1', NO_COLOR: '1', FORCE_COLOR: '0' };
    const compiled = spawnSync(bin('jsii'), [], { cwd: stage, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const output = `${compiled.stdout}\n${compiled.stderr}`;
    const diagnostics = output.split('\n').filter((l) => / - (error|warning) JSII\d+/.test(l) || /^(error|warning) JSII\d+/.test(l));
    const summary = /Errors: (\d+) \| Warnings: (\d+)/.exec(output);
    const errors = summary ? Number(summary[1]) : compiled.status === 0 ? 0 : Math.max(1, diagnostics.length);
    const warnings = summary ? Number(summary[2]) : 0;
    if (!summary && compiled.status !== 0) diagnostics.push(output.trim().split('\n').slice(-20).join('\n'));

    let types: Record<string, number> = {};
    let fqns: string[] = [];
    let submodules: string[] = [];
    let undocumentedSubmodules: string[] = [];
    let unions: string[] = [];
    let pythonModules: string[] = [];
    const generated: Record<string, number> = {};
    let pythonCompiles = false;
    let pythonOutput = '';
    let apiReference = '';
    let snippets: JsiiCheck['snippets'] = [];
    const assemblyFile = path.join(stage, '.jsii');
    if (fs.existsSync(assemblyFile)) {
      const assembly = JSON.parse(fs.readFileSync(assemblyFile, 'utf8')) as {
        types: Record<string, { kind: string; datatype?: boolean }>; submodules?: Record<string, { readme?: { markdown?: string } }>;
      };
      fqns = Object.keys(assembly.types).sort();
      submodules = Object.keys(assembly.submodules ?? {}).sort();
      undocumentedSubmodules = submodules.filter((name) => !assembly.submodules?.[name]?.readme?.markdown);
      unions = unionsOf(assembly.types as unknown as Record<string, AssemblyType>);
      types = {};
      for (const t of Object.values(assembly.types)) {
        const kind = t.datatype ? 'struct' : t.kind;
        types[kind] = (types[kind] ?? 0) + 1;
      }
      const out = path.join(stage, 'dist-languages');
      const pacmak = spawnSync(bin('jsii-pacmak'), ['--code-only', '--targets', TARGETS.join(','), '--outdir', out], { cwd: stage, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (pacmak.status !== 0) diagnostics.push(`jsii-pacmak failed: ${`${pacmak.stdout}\n${pacmak.stderr}`.trim().split('\n').slice(-20).join('\n')}`);
      for (const target of TARGETS) generated[target] = countFiles(path.join(out, target));
      if (generated.python > 0) {
        const py = spawnSync('python3', ['-m', 'compileall', '-q', path.join(out, 'python')], { encoding: 'utf8' });
        pythonCompiles = py.status === 0;
        const source = path.join(out, 'python', 'src');
        const pkgDir = fs.existsSync(source) ? fs.readdirSync(source, { withFileTypes: true }).find((e) => e.isDirectory() && !e.name.endsWith('.egg-info')) : undefined;
        if (pkgDir) pythonModules = fs.readdirSync(path.join(source, pkgDir.name), { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('_')).map((e) => e.name).sort();
        pythonOutput = `${py.stdout ?? ''}${py.stderr ?? ''}${py.error ? String(py.error) : ''}`.trim();
      }
      const apiFile = path.join(stage, 'API.md');
      const docgen = spawnSync(bin('jsii-docgen'), ['--language', 'typescript', '--output', apiFile], { cwd: stage, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (docgen.status !== 0 || !fs.existsSync(apiFile)) diagnostics.push(`jsii-docgen failed: ${`${docgen.stdout}\n${docgen.stderr}`.trim().split('\n').slice(-20).join('\n')}`);
      else apiReference = fs.readFileSync(apiFile, 'utf8');
      const rosetta = spawnSync(bin('jsii-rosetta'), ['extract', '--compile', '.jsii'], { cwd: stage, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const tablet = path.join(stage, '.jsii.tabl.json');
      if (rosetta.status !== 0 || !fs.existsSync(tablet)) diagnostics.push(`jsii-rosetta failed: ${`${rosetta.stdout}\n${rosetta.stderr}`.trim().split('\n').slice(-20).join('\n')}`);
      else {
        const tab = JSON.parse(fs.readFileSync(tablet, 'utf8')) as {
          snippets: Record<string, { didCompile?: boolean; location?: { api?: { api?: string; fqn?: string } }; translations: Record<string, { source: string }> }>;
        };
        snippets = Object.values(tab.snippets).map((t) => ({
          where: t.location?.api?.api === 'type' && t.location.api.fqn ? t.location.api.fqn : 'README',
          compiled: t.didCompile === true, python: t.translations.python?.source ?? '', typescript: t.translations.$?.source ?? '',
        }));
      }
    }
    return { errors, warnings, diagnostics, types, fqns, unions, submodules, undocumentedSubmodules, pythonModules, generated, pythonCompiles, pythonOutput, apiReference, snippets, stage };
  } finally {
    if (!options.keep) fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** A Python block of the docs that shows a type's `@example` as jsii-rosetta translates it. */
const TRANSLATED = /(<!-- translated-from: ([\w.-]+) -->\n```python\n)([\s\S]*?)(```)/g;

/** The docs' `translated-from` Python blocks, each with the translation it must hold ('' when there is none). */
export function translatedBlocks(snippets: JsiiCheck['snippets']): { file: string; fqn: string; shown: string; translation: string }[] {
  const docs = path.join(root, 'docs');
  return fs.readdirSync(docs).filter((f) => f.endsWith('.md')).flatMap((f) => [...fs.readFileSync(path.join(docs, f), 'utf8').matchAll(TRANSLATED)].map((m) => ({
    file: path.join('docs', f), fqn: m[2], shown: m[3], translation: pythonOf(snippets, m[2]),
  })));
}

function pythonOf(snippets: JsiiCheck['snippets'], fqn: string): string {
  const python = snippets.find((s) => s.where === fqn)?.python;
  return python === undefined ? '' : `${python.trimEnd()}\n`;
}

/** Writes each `translated-from` block of the docs with its translation. */
function writeTranslations(snippets: JsiiCheck['snippets']): void {
  const docs = path.join(root, 'docs');
  for (const f of fs.readdirSync(docs).filter((name) => name.endsWith('.md'))) {
    const file = path.join(docs, f);
    const text = fs.readFileSync(file, 'utf8');
    const next = text.replace(TRANSLATED, (all, open: string, fqn: string, _shown: string, close: string) => {
      const python = pythonOf(snippets, fqn);
      return python ? `${open}${python}${close}` : all;
    });
    if (next !== text) fs.writeFileSync(file, next);
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const result = checkJsii({ keep: args.includes('--keep') });
  if (args.includes('--write-api') && result.apiReference) fs.writeFileSync(API_FILE, result.apiReference);
  if (args.includes('--write-api') && result.snippets.length > 0) {
    fs.writeFileSync(PYTHON_PAGE, pythonPage(result.snippets));
    writeTranslations(result.snippets);
  }
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    for (const d of result.diagnostics) process.stdout.write(`${d}\n`);
    process.stdout.write(`jsii: ${result.errors} errors, ${result.warnings} warnings; types ${JSON.stringify(result.types)}; ` +
      `generated ${JSON.stringify(result.generated)}; Python byte-compiles: ${result.pythonCompiles}${args.includes('--keep') ? `; kept ${result.stage}` : ''}\n`);
  }
  process.exitCode = result.errors === 0 && result.warnings === 0 && result.pythonCompiles ? 0 : 1;
}
