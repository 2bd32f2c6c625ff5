// The API bundle as deployed: what its initialization loads. Each SDK client is a file of its own (sdk/), required
// on first use, so a deployment parses at init only the client it uses. Loaded in fresh processes, as Lambda does.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleRuntime, LAZY_MODULES, runtimeBundleDir } from '../../lib/constructs/private/runtime-bundle';

const dir = runtimeBundleDir('api');
const SCRIPT = [
  'globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };',
  'require(process.argv[1]);',
  "const sdk = Object.keys(require.cache).filter((k) => k.includes('/sdk/')).map((k) => k.slice(k.lastIndexOf('/sdk/') + 5)).sort();",
  'process.stdout.write(JSON.stringify(sdk));',
].join('\n');
const BASE = {
  AWS_REGION: 'us-east-1', MAX_INPUT_TOKENS: '2000', MAX_OUTPUT_TOKENS: '100', DATASET_BUCKET: 'datasets', PROMPT_TEMPLATES: '[]',
  POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const BEDROCK = { ...BASE, BACKEND: 'bedrock', MODEL_ID: 'meta.llama3-1-8b-instruct-v1:0', MODEL_NAME: 'llama' };
const ENDPOINT = { ...BASE, BACKEND: 'sagemaker', ENDPOINT_NAME: 'chat', MODEL_NAME: 'qwen' };

function loadedAtInit(env: Record<string, string>): string[] {
  const out = spawnSync(process.execPath, ['-e', SCRIPT, path.join(dir, 'index.js')], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 20_000 });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as string[];
}

test.each([
  ['Bedrock', BEDROCK, ['bedrock-runtime.js']],
  ['an endpoint', ENDPOINT, ['sagemaker-runtime.js']],
  ['an endpoint with a guardrail', { ...ENDPOINT, GUARDRAIL_ID: 'gr1' }, ['bedrock-runtime.js', 'sagemaker-runtime.js']],
  ['Bedrock with a knowledge base', { ...BEDROCK, KNOWLEDGE_BASE_ID: 'KB12345678' }, ['bedrock-agent-runtime.js', 'bedrock-runtime.js']],
  ['Bedrock with tracing on, in Lambda', { ...BEDROCK, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'true' }, ['bedrock-runtime.js', 'tracer.js']],
])('%s loads only its own clients at init (S3 and SQS wait for their first use)', (_name, env, expected) => {
  expect(loadedAtInit(env)).toEqual(expected);
});

test('every separately loaded module is in the bundle, and the handler requires no other', () => {
  const files = fs.readdirSync(path.join(dir, 'sdk')).filter((f) => f.endsWith('.js')).sort();
  expect(files).toEqual(LAZY_MODULES.api.map((m) => `${m}.js`).sort());
  const required = [...fs.readFileSync(path.join(dir, 'index.js'), 'utf8').matchAll(/require\("\.\/sdk\/([^"]+)"\)/g)].map((m) => m[1]);
  expect(new Set(required)).toEqual(new Set(LAZY_MODULES.api));
});

test('the main file holds no AWS SDK client: they are parsed only when a deployment uses them', () => {
  const main = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
  expect(main.length).toBeLessThan(200 * 1024);
  // The request signer every client carries: none in the main file.
  expect(main).not.toMatch(/x-amz-content-sha256|SignatureV4/);
});

test('a bundle is the same bytes wherever it is built: source maps name sources from the package root', () => {
  const digest = (dir: string) => {
    const hash = crypto.createHash('sha256');
    for (const f of (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })).sort()) {
      const file = path.join(dir, f);
      if (fs.statSync(file).isFile()) hash.update(f).update(fs.readFileSync(file));
    }
    return hash.digest('hex');
  };
  const shallow = bundleRuntime('workflow', fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-a-')));
  const deep = bundleRuntime('workflow', path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-b-')), 'x', 'y', 'z'));
  expect(digest(deep)).toBe(digest(shallow));
  const sources = (JSON.parse(fs.readFileSync(path.join(shallow, 'index.js.map'), 'utf8')) as { sources: string[] }).sources;
  expect(sources).toContain('lib/runtime/workflow/handler.ts');
  expect(sources.filter((s) => s.startsWith('..') || path.isAbsolute(s))).toEqual([]);
});
