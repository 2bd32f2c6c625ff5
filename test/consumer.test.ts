// The package as another project gets it: `npm pack` of the built package, unpacked into a fresh project next to
// exactly the dependencies and peers its package.json declares (nothing else of this repository resolves from it),
// then used the three ways people use it: the README's composition example compiled with a strict compiler that
// checks the package's declarations (skipLibCheck off) and synthesized; a stage from an environment definition;
// and the command-line tools through the package's `bin`.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const distEntry = path.join(root, 'dist', 'lib', 'index.js');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>; dependencies: Record<string, string>; peerDependencies: Record<string, string>; files: string[];
};

describe('the packed package in a fresh project', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'genai-consumer-'));
  const appDir = path.join(work, 'app');
  const pkgDir = path.join(appDir, 'node_modules', 'genai-lifecycle-cdk');
  const cli = (args: string[], cwd = appDir) => spawnSync(process.execPath, [path.join(pkgDir, manifest.bin['genai-lifecycle-cdk']), ...args], {
    cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work }, timeout: 60_000,
  });
  let packed: { files: { path: string }[] }[] = [];

  beforeAll(() => {
    if (!fs.existsSync(distEntry)) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    // The build already ran (npm test builds first): pack what it wrote, without running `prepare` again.
    packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' }));
    const tarball = path.join(work, fs.readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    fs.mkdirSync(pkgDir, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1']);
    // What `npm install` places beside the package: its dependencies and peers, and the project's compiler.
    const declared = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies), 'typescript', '@types/node'];
    for (const dep of declared) {
      const link = path.join(appDir, 'node_modules', dep);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.join(root, 'node_modules', dep), link, 'dir');
    }
  }, 60_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('every package the shipped code can require is a dependency or a peer', () => {
    // Followed from the two entry points through every relative require, lazy ones included.
    const builtins = new Set(builtinModules);
    const seen = new Set<string>();
    const needed = new Map<string, string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)) {
        if (spec.startsWith('.')) {
          const base = path.resolve(path.dirname(file), spec);
          const found = [base, `${base}.js`, path.join(base, 'index.js')].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
          if (found) visit(found);
        } else if (!spec.startsWith('node:')) {
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
          if (!builtins.has(name) && !needed.has(name)) needed.set(name, path.relative(pkgDir, file));
        }
      }
    };
    for (const entry of ['dist/lib/index.js', manifest.bin['genai-lifecycle-cdk']]) visit(path.join(pkgDir, entry));
    // esbuild and tar build bundles in a checkout without prebuilt ones; the package always has them.
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies), 'esbuild', 'tar']);
    expect([...needed].filter(([name]) => !declared.has(name)).map(([name, from]) => `${name} (required by ${from})`)).toEqual([]);
  });

  test('ships compiled code, declarations and docs only', () => {
    const files = packed[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining([
      'package.json', 'README.md', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/constructs/dataset-store.d.ts',
      'dist/lib/runtime-bundles/api/index.js', 'dist/lib/runtime-bundles/api/sdk/bedrock-runtime.js', manifest.bin['genai-lifecycle-cdk'],
    ]));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /^(test|bin|lib|scripts|bench|examples)\//.test(f) || f.startsWith('dist/scripts/') && f.endsWith('.d.ts'))).toEqual([]);
    expect(fs.readFileSync(path.join(pkgDir, manifest.bin['genai-lifecycle-cdk']), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  test('the README\'s composition example compiles with declarations checked (skipLibCheck off) and synthesizes', () => {
    fs.copyFileSync(path.join(root, 'examples', 'compose', 'app.ts'), path.join(appDir, 'app.ts'));
    fs.writeFileSync(path.join(appDir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, types: ['node'], outDir: 'out' },
      files: ['app.ts'],
    }));
    const tsc = spawnSync(process.execPath, [path.join(appDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', appDir], { cwd: appDir, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const outdir = path.join(work, 'compose.out');
    const run = spawnSync(process.execPath, ['out/app.js'], { cwd: appDir, encoding: 'utf8', env: { PATH: process.env.PATH, CDK_OUTDIR: outdir } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'SupportAssistant.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const types = new Set(Object.values(template.Resources).map((r) => r.Type));
    for (const type of ['AWS::S3::Bucket', 'AWS::Bedrock::KnowledgeBase', 'AWS::ApiGateway::RestApi', 'AWS::StepFunctions::StateMachine', 'AWS::Lambda::Function']) expect(types).toContain(type);
  }, 120_000);

  test('a stage from an environment definition synthesizes and passes every policy check', () => {
    fs.writeFileSync(path.join(appDir, 'stage.js'), `
      const { App } = require('aws-cdk-lib');
      const { GenAiLifecycleStage } = require('genai-lifecycle-cdk');
      const app = new App({ outdir: ${JSON.stringify(path.join(work, 'stage.out'))}, postCliContext: { '@aws-cdk/core:failSynthOnValidationErrors': true } });
      new GenAiLifecycleStage(app, 'Consumer', { config: {
        name: 'consumer', region: 'eu-west-1', dataRemoval: 'retain', logRetentionDays: 365,
        scope: { description: 'Summarize tickets', task: 'summarization', maxInputTokens: 4096, maxOutputTokens: 512, concurrency: 2, model: 'amazon.nova-lite-v1:0' },
      } });
      const assembly = app.synth();
      console.log(JSON.stringify(assembly.nestedAssemblies.flatMap((a) => a.nestedAssembly.stacks.map((s) => s.stackName))));
    `);
    const run = spawnSync(process.execPath, ['stage.js'], { cwd: appDir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(['Consumer-Data', 'Consumer-Serving', 'Consumer-Operations']);
  }, 60_000);

  test('a bad definition fails with every problem at once, under its field paths, naming the project\'s own file', () => {
    fs.writeFileSync(path.join(appDir, 'bad.js'), `
      const { App } = require('aws-cdk-lib');
      const { GenAiLifecycleStage, sizing } = require('genai-lifecycle-cdk');
      const app = new App({ outdir: ${JSON.stringify(path.join(work, 'bad.out'))} });
      new GenAiLifecycleStage(app, 'Bad', { config: {
        name: 'bad', region: 'eu-west-1', dataRemoval: 'retain', logRetentionDays: 365,
        scope: { description: 'Chat', task: 'chat', maxInputTokens: 4096, maxOutputTokens: 512, concurrency: 2, model: 'Qwen/Qwen2.5-7B-Instruct' },
        serving: { endpoint: { instanceType: sizing.InstanceType.of('ml.g4dn.xlarge') } },
        datasets: { seed: { source: 'no-such-folder' } },
      } });
    `);
    const run = spawnSync(process.execPath, ['bad.js'], { cwd: appDir, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('ConfigError: 2 problems in the environment definitions (the config of GenAiLifecycleStage "Bad", bad.js:5):');
    expect(run.stderr).toMatch(/- bad\.serving\.endpoint\.instanceType: "ml\.g4dn\.xlarge" cannot serve the scope/);
    expect(run.stderr).toMatch(/- bad\.datasets\.seed\.source: "no-such-folder" is not a folder/);
    // No dump of the problem objects, no frames inside the kit, no blame on a file the project does not have.
    expect(run.stderr).not.toMatch(/problems: \[|at new GenAiLifecycleStage|bin\/environments\.ts/);
  }, 60_000);

  test('the tools run from the package\'s bin, name themselves as such, and read the project\'s cdk.out', () => {
    const list = cli([]);
    expect(list.status).toBe(2);
    expect(list.stderr).toMatch(/Usage: genai-lifecycle-cdk <tool>/);
    const estimate = cli(['estimate', 'serve', '--model', 'Qwen/Qwen2.5-7B-Instruct', '--context', '4096', '--concurrency', '4', '--json']);
    expect(estimate.stderr).toBe('');
    expect(estimate.status).toBe(0);
    expect(JSON.parse(estimate.stdout)).toMatchObject({ recommended: { instanceType: expect.stringMatching(/^ml\./) } });
    const bad = cli(['estimate', 'serve']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('genai-lifecycle-cdk estimate serve --help');
    expect(bad.stderr).not.toContain('npm run');

    const dataset = path.join(work, 'train.jsonl');
    fs.writeFileSync(dataset, `${JSON.stringify({ prompt: 'Where is my order?', completion: 'It ships today.' })}\n`);
    const validated = cli(['validate-dataset', dataset, '--format', 'sft']);
    expect(validated.stderr).toBe('');
    expect(validated.status).toBe(0);

    // review reads ./cdk.out; the composition example's synthesis is one.
    const noAssembly = cli(['review']);
    expect(noAssembly.status).toBe(2);
    expect(noAssembly.stderr).toMatch(/no cloud assembly in \.\/cdk\.out/);
    fs.cpSync(path.join(work, 'compose.out'), path.join(appDir, 'cdk.out'), { recursive: true });
    const review = cli(['review', '--json']);
    expect(review.stderr).toBe('');
    expect(review.status).toBe(0);
    expect(JSON.parse(review.stdout)).toMatchObject({ environments: expect.any(Array) });
    expect(cli(['simulate']).stderr).toMatch(/pass --config FILE/);
  }, 120_000);
});
