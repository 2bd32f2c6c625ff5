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
//   npx tsx scripts/jsii/check.ts [--keep] [--json]
import { spawnSync } from 'node:child_process';
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
  /** Generated sources per target language (files). */
  readonly generated: Record<string, number>;
  /** The Python byte-compiled without an error. */
  readonly pythonCompiles: boolean;
  readonly pythonOutput: string;
  /** The folder of the copy (kept with --keep). */
  readonly stage: string;
}

export const TARGETS = ['python', 'java', 'dotnet', 'go'] as const;

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

export function checkJsii(options: { readonly keep?: boolean } = {}): JsiiCheck {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'genai-lifecycle-jsii-'));
  try {
    fs.cpSync(path.join(root, 'lib'), path.join(stage, 'lib'), { recursive: true, filter: (src) => !src.endsWith('.test.ts') });
    for (const file of ['README.md', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.jsii.json', 'LICENSE']) {
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
    const generated: Record<string, number> = {};
    let pythonCompiles = false;
    let pythonOutput = '';
    const assemblyFile = path.join(stage, '.jsii');
    if (fs.existsSync(assemblyFile)) {
      const assembly = JSON.parse(fs.readFileSync(assemblyFile, 'utf8')) as { types: Record<string, { kind: string; datatype?: boolean }> };
      fqns = Object.keys(assembly.types).sort();
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
        pythonOutput = `${py.stdout ?? ''}${py.stderr ?? ''}${py.error ? String(py.error) : ''}`.trim();
      }
    }
    return { errors, warnings, diagnostics, types, fqns, generated, pythonCompiles, pythonOutput, stage };
  } finally {
    if (!options.keep) fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const result = checkJsii({ keep: args.includes('--keep') });
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    for (const d of result.diagnostics) process.stdout.write(`${d}\n`);
    process.stdout.write(`jsii: ${result.errors} errors, ${result.warnings} warnings; types ${JSON.stringify(result.types)}; ` +
      `generated ${JSON.stringify(result.generated)}; Python byte-compiles: ${result.pythonCompiles}${args.includes('--keep') ? `; kept ${result.stage}` : ''}\n`);
  }
  process.exitCode = result.errors === 0 && result.warnings === 0 && result.pythonCompiles ? 0 : 1;
}
