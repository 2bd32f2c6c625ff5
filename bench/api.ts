// `npm run bench`: the deployed API handler bundle, run in this process against local stand-ins of Bedrock
// Runtime, SageMaker Runtime, S3 and SQS on loopback, measured the way a caller sees it. Prints a table, then (with
// --json) one JSON line last. Exits 1 when a target is missed. Bounded: a fixed number of requests and processes.
//
// Sections: the bundle's initialization against a bare bundle that only creates the Bedrock Runtime client (each
// loaded with require() in fresh processes, alternately); the handler's overhead over the stand-in's own latency;
// time to first token; a load at concurrency; fault cases (S3 hanging, failing and slow; model streams cut short,
// slow to start, failing mid-answer, throttled; poisoning volumes of feedback); and the preference build over
// 3,000 feedback records of ~226 KB, in a process of its own, for its peak memory.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import type * as Esbuild from 'esbuild';
import { runtimeBundleDir } from '../lib/constructs/private/runtime-bundle';
import { feedbackKey } from '../lib/runtime/api/records';
import { apiEvent, type Invocation, invoke, loadHandler } from '../test/support/lambda-runtime';
import { startBedrockRuntime, startS3, startSageMakerRuntime } from '../scripts/lib/standins';
import { startSqs } from '../test/standins/sqs';

const TARGETS = { overheadMsP50: 2, initRatio: 1.3, ttftRatio: 1.2, bundleKiB: 1024, errors: 0 };

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    samples: { type: 'string', default: '400' },
    'load-requests': { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
    'init-rounds': { type: 'string', default: '15' },
    'preference-records': { type: 'string', default: '3000' },
    'preference-heap-mib': { type: 'string', default: '256' },
  },
});
const samples = Number(values.samples);
const loadRequests = Number(values['load-requests']);
const concurrency = Number(values.concurrency);
const initRounds = Number(values['init-rounds']);
const preferenceRecords = Number(values['preference-records']);
const preferenceHeapMiB = Number(values['preference-heap-mib']);
const ROOT = path.join(__dirname, '..');
const CALLER = 'arn:aws:sts::111122223333:assumed-role/bench-app/bench';

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The event as API Gateway passes it after SigV4 authorization. */
function signed(event: ReturnType<typeof apiEvent>): ReturnType<typeof apiEvent> {
  return { ...event, requestContext: { ...event.requestContext, identity: { userArn: CALLER } } as typeof event.requestContext };
}

/** When the caller had the whole answer: the last byte written. The record is written after it. */
const answeredMs = (res: Invocation) => res.chunks.at(-1)?.atMs ?? res.durationMs;

/** A bundle like the handler's (the same esbuild settings) whose only work is creating the Bedrock Runtime client. */
function bareBundle(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof Esbuild;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bare-'));
  esbuild.buildSync({
    stdin: { contents: "import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';\nexport const client = new BedrockRuntimeClient({ maxAttempts: 2 });\nexport const handler = async () => client.config.serviceId;\n", resolveDir: ROOT, loader: 'ts' },
    outfile: path.join(dir, 'index.js'), bundle: true, platform: 'node', target: 'node22', format: 'cjs', mainFields: ['module', 'main'], minify: true, logLevel: 'silent',
  });
  return path.join(dir, 'index.js');
}

const INIT_SCRIPT = [
  "globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };",
  'const cpu = process.cpuUsage(); const t = performance.now();',
  'require(process.argv[1]);',
  'const wallMs = performance.now() - t; const c = process.cpuUsage(cpu);',
  'process.stdout.write(JSON.stringify({ wallMs, cpuMs: (c.user + c.system) / 1000 }));',
].join('\n');

/** Median wall and CPU milliseconds of require() in fresh processes, the bundles taking turns so drift hits all alike. */
function measureInit(bundles: Record<string, { file: string; env: Record<string, string> }>, rounds: number): Record<string, { wallMs: number; cpuMs: number }> {
  const runs: Record<string, { wallMs: number; cpuMs: number }[]> = Object.fromEntries(Object.keys(bundles).map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, { file, env }] of Object.entries(bundles)) {
      const out = spawnSync(process.execPath, ['-e', INIT_SCRIPT, file], { env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }, encoding: 'utf8', timeout: 30_000 });
      if (out.status !== 0) throw new Error(`loading ${name} failed: ${out.stderr.slice(0, 500)}`);
      runs[name].push(JSON.parse(out.stdout) as { wallMs: number; cpuMs: number });
    }
  }
  return Object.fromEntries(Object.entries(runs).map(([k, xs]) => [k, { wallMs: percentile(xs.map((x) => x.wallMs), 50), cpuMs: percentile(xs.map((x) => x.cpuMs), 50) }]));
}

async function main(): Promise<number> {
  const [bedrock, sagemaker, s3, sqs] = await Promise.all([startBedrockRuntime(), startSageMakerRuntime(), startS3(), startSqs()]);
  const bundleDir = runtimeBundleDir('api');
  // What a Bedrock deployment loads at init (the handler and its model client's file), and the whole package.
  const kib = (...files: string[]) => files.reduce((sum, file) => sum + fs.statSync(path.join(bundleDir, file)).size, 0) / 1024;
  const bundleKiB = kib('index.js', 'sdk/bedrock-runtime.js');
  const packageKiB = kib(...fs.readdirSync(bundleDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js')));
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
  const handlerEnv = {
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sagemaker.url, AWS_ENDPOINT_URL_S3: s3.url, AWS_ENDPOINT_URL_SQS: sqs.url,
    BACKEND: 'bedrock', MODEL_ID: 'meta.llama3-1-8b-instruct-v1:0', MODEL_NAME: 'meta.llama3-1-8b-instruct-v1:0',
    MAX_INPUT_TOKENS: '4096', MAX_OUTPUT_TOKENS: '512', DATASET_BUCKET: 'datasets', FEEDBACK_PREFIX: 'feedback/',
    PROMPT_TEMPLATES: '[]', MODEL_TIMEOUT_MS: '30000', DEAD_LETTER_QUEUE_URL: sqs.queueUrl('records'), AWS_LAMBDA_FUNCTION_NAME: 'bench',
    // Production settings: INFO logs and EMF metrics on stdout, as Lambda captures them (sent to /dev/null below).
    POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_NAMESPACE: 'Bench', POWERTOOLS_TRACE_ENABLED: 'false',
  };

  // Initialization, before this process loads anything of the handler.
  const bare = bareBundle();
  const init = measureInit({
    bundle: { file: path.join(bundleDir, 'index.js'), env: handlerEnv },
    bare: { file: bare, env: handlerEnv },
    // As deployed with active tracing: Powertools' Tracer, and the X-Ray SDK behind it, load at init.
    traced: { file: path.join(bundleDir, 'index.js'), env: { ...handlerEnv, POWERTOOLS_TRACE_ENABLED: 'true', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' } },
  }, initRounds);
  fs.rmSync(path.dirname(bare), { recursive: true, force: true });

  const handler = loadHandler(bundleDir, handlerEnv);
  // Faults: short record budgets keep the hanging cases bounded.
  const faultHandler = loadHandler(bundleDir, { ...handlerEnv, RECORD_TIMEOUT_MS: '500', DEAD_LETTER_TIMEOUT_MS: '500' });
  const endpointHandler = loadHandler(bundleDir, { ...handlerEnv, BACKEND: 'sagemaker', ENDPOINT_NAME: 'chat', MODEL_NAME: 'Qwen/Qwen2.5-7B-Instruct', MODEL_TIMEOUT_MS: '1000' });
  // The SDK's one retry after a throttle waits a random 0-1,000 ms: the throttle case gets a deadline with room for it.
  const patientEndpointHandler = loadHandler(bundleDir, { ...handlerEnv, BACKEND: 'sagemaker', ENDPOINT_NAME: 'chat', MODEL_NAME: 'Qwen/Qwen2.5-7B-Instruct', MODEL_TIMEOUT_MS: '5000' });
  // The same client settings the handler uses, to measure the stand-in's own latency.
  const direct = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: bedrock.url, credentials, maxAttempts: 2 });
  const request = { prompt: 'Where is my order 1042? Please answer briefly.', maxTokens: 64 };
  const converseInput = { modelId: 'meta.llama3-1-8b-instruct-v1:0', messages: [{ role: 'user' as const, content: [{ text: request.prompt }] }], inferenceConfig: { maxTokens: 64 } };
  const generate = (body: unknown) => signed(apiEvent('POST', '/v1/generate', body));

  // Logs go nowhere but are counted: INFO lines and EMF metrics on stdout, the fault cases' errors on stderr.
  const realWrite = process.stdout.write.bind(process.stdout);
  const realErrorWrite = process.stderr.write.bind(process.stderr);
  let logBytes = 0;
  const sink = ((chunk: string | Uint8Array) => {
    logBytes += chunk.length;
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = sink;
  process.stderr.write = sink;
  let errors = 0;
  const stats: Record<string, number> = {};
  const faults: Record<string, Record<string, number | boolean>> = {};
  let preferenceBuild: Record<string, number> = {};
  try {
    // Warm both paths (cold start, JIT), then alternate so drift affects both alike.
    bedrock.setBehaviour({ tokens: ['Order', ' 1042', ' ships', ' today', '.'] });
    for (let i = 0; i < 50; i++) {
      await direct.send(new ConverseCommand(converseInput));
      await invoke(handler, generate(request));
    }
    const directMs: number[] = [];
    const handlerMs: number[] = [];
    const invocationMs: number[] = [];
    for (let i = 0; i < samples; i++) {
      let t = performance.now();
      await direct.send(new ConverseCommand(converseInput));
      directMs.push(performance.now() - t);
      t = performance.now();
      const res = await invoke(handler, generate(request));
      invocationMs.push(performance.now() - t);
      handlerMs.push(answeredMs(res));
      if (res.statusCode !== 200) errors++;
    }
    stats.directMsP50 = percentile(directMs, 50);
    stats.handlerMsP50 = percentile(handlerMs, 50);
    stats.overheadMsP50 = stats.handlerMsP50 - stats.directMsP50;
    stats.overheadMsP99 = percentile(handlerMs, 99) - percentile(directMs, 99);
    stats.invocationOverheadMsP50 = percentile(invocationMs, 50) - stats.directMsP50;

    // Time to first token, streaming, with a model that takes 200 ms to start.
    bedrock.setBehaviour({ tokens: ['Order', ' 1042', ' ships', ' today', '.'], ttftMs: 200, tokensPerSecond: 50 });
    const directTtft: number[] = [];
    const handlerTtft: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const out = await direct.send(new ConverseStreamCommand(converseInput));
      for await (const event of out.stream ?? []) {
        if (event.contentBlockDelta) {
          directTtft.push(performance.now() - t);
          break;
        }
      }
      for await (const _ of out.stream ?? []) { /* drain */ }
      const res = await invoke(handler, generate({ ...request, stream: true }));
      const first = res.chunks.find((c) => c.data.includes('event: token'));
      if (res.statusCode !== 200 || !first) errors++;
      else handlerTtft.push(first.atMs);
    }
    stats.directTtftMsP50 = percentile(directTtft, 50);
    stats.handlerTtftMsP50 = percentile(handlerTtft, 50);
    stats.ttftRatio = stats.handlerTtftMsP50 / stats.directTtftMsP50;

    // A bounded load: loadRequests at `concurrency` in flight, half of them streamed, in two halves. The
    // first half grows connection pools and caches to their working size; growth over the second half is
    // what would keep growing if the handler leaked. The S3 stand-in's stored records are dropped between
    // them (they live in this process, not in the handler).
    bedrock.setBehaviour({ tokens: ['Order', ' 1042', ' ships', ' today', '.'], ttftMs: 5, tokensPerSecond: 500 });
    const loadStart = performance.now();
    const rss: number[] = [];
    for (const half of [0, 1]) {
      let next = 0;
      const count = half === 0 ? Math.floor(loadRequests / 2) : loadRequests - Math.floor(loadRequests / 2);
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const n = next++;
          try {
            const res = await invoke(handler, generate({ ...request, stream: n % 2 === 0 }));
            if (res.statusCode !== 200 || res.body.includes('event: error')) errors++;
          } catch {
            errors++;
          }
        }
      }));
      s3.objects.clear();
      global.gc?.();
      rss.push(process.memoryUsage().rss);
    }
    stats.loadSeconds = (performance.now() - loadStart) / 1000;
    stats.loadRequestsPerSecond = loadRequests / stats.loadSeconds;
    stats.rssGrowthMiB = (rss[1] - rss[0]) / 2 ** 20;

    // Faults. Each case: 20 requests, 10 at a time; what the caller sees, how long the invocations took, where
    // the records went.
    bedrock.setBehaviour({ tokens: ['Order', ' 1042', ' ships', ' today', '.'] });
    const fault = async (name: string, run: () => Promise<Invocation>, ok: (res: Invocation) => boolean, extra: () => Record<string, number> = () => ({})) => {
      sqs.queues.clear();
      const results: Invocation[] = [];
      let next = 0;
      await Promise.all(Array.from({ length: 10 }, async () => {
        while (next++ < 20) results.push(await run());
      }));
      const passed = results.every(ok);
      if (!passed) errors++;
      faults[name] = {
        ok: passed, answeredMsP50: round(percentile(results.map(answeredMs), 50)), invocationMsMax: round(Math.max(...results.map((r) => r.durationMs))),
        deadLettered: sqs.queues.get('records')?.length ?? 0, ...extra(),
      };
    };
    const answered = (res: Invocation) => res.statusCode === 200 && res.body.includes('Order 1042 ships today.');
    const streamError = (code: string) => (res: Invocation) => res.statusCode === 200 && res.body.includes('event: error') && res.body.includes(`"code":"${code}"`);
    s3.setBehaviour({ failures: [{ kind: 'hang', operation: 'PutObject', requests: 'all' }] });
    await fault('s3PutHangs', () => invoke(faultHandler, generate(request)), (r) => answered(r) && r.durationMs < 2000);
    s3.setBehaviour({ failures: [{ kind: 'unavailable', operation: 'PutObject', requests: 'all' }] });
    await fault('s3Put503', () => invoke(faultHandler, generate(request)), answered);
    s3.setBehaviour({ delays: { PutObject: 6000 } });
    await fault('s3Put6s', () => invoke(faultHandler, generate({ ...request, stream: true })), (r) => r.body.includes('event: done') && answeredMs(r) < 1000);
    s3.setBehaviour({});
    sagemaker.setBehaviour({ tokens: ['It', ' is', ' on', ' its', ' way', '.'], truncateAfterTokens: 3 });
    await fault('streamCutShort', () => invoke(endpointHandler, generate({ ...request, stream: true })), streamError('model_error'));
    sagemaker.setBehaviour({ ttftMs: 2000 });
    await fault('slowFirstToken', () => invoke(endpointHandler, generate({ ...request, stream: true })), (r) => r.statusCode === 504 && r.durationMs < 1500);
    sagemaker.setBehaviour({ tokens: ['a', 'b', 'c', 'd'], streamFailure: { afterTokens: 2, error: 'ModelStreamError' } });
    await fault('failureMidStream', () => invoke(endpointHandler, generate({ ...request, stream: true })), streamError('model_error'));
    sagemaker.setBehaviour({ failures: [{ kind: 'throttle', requests: 'all' }] });
    await fault('throttled', () => invoke(patientEndpointHandler, generate({ ...request, stream: true })), (r) => r.statusCode === 429 && r.headers['retry-after'] === '2');
    sagemaker.setBehaviour({});
    bedrock.setBehaviour({ tokens: ['Order', ' 1042', ' ships', ' today', '.'], streamFailure: { afterTokens: 2, error: 'throttlingException' } });
    await fault('bedrockThrottledMidStream', () => invoke(handler, generate({ ...request, stream: true })), streamError('model_throttled'));
    bedrock.setBehaviour({ tokens: ['Order', ' 1042', ' ships', ' today', '.'] });
    // 300 feedback posts with different corrections for one answer: one record remains.
    const answer = JSON.parse((await invoke(handler, generate(request))).body) as { requestId: string };
    let refused = 0;
    const feedbackStart = performance.now();
    for (let i = 0; i < 300; i++) {
      const res = await invoke(handler, signed(apiEvent('POST', '/v1/feedback', { requestId: answer.requestId, rating: 'down', correction: `Poisoned answer ${i}.` })));
      if (res.statusCode !== 201) refused++;
    }
    const feedbackRecords = [...s3.objects.keys()].filter((k) => k.startsWith('datasets/feedback/ratings/')).length;
    const otherCaller = await invoke(handler, { ...apiEvent('POST', '/v1/feedback', { requestId: answer.requestId, rating: 'down' }), requestContext: { requestId: 'gw', identity: { userArn: 'arn:aws:sts::111122223333:assumed-role/other/x' } } as never });
    const poisoningOk = refused === 0 && feedbackRecords === 1 && otherCaller.statusCode === 403;
    if (!poisoningOk) errors++;
    faults.feedbackPoisoning = { ok: poisoningOk, posts: 300, recordsStored: feedbackRecords, otherCallerStatus: otherCaller.statusCode, msPerPost: round((performance.now() - feedbackStart) / 300) };

    // The preference build over feedback at poisoning volume: records as older deployments stored them (each a copy
    // of a 75,000-character prompt and of its correction twice, ~226 KB), all for one answer. In a process of its
    // own, so that its peak memory is its own.
    s3.objects.clear();
    const filler = 'x'.repeat(75_000);
    const requestId = '20261201-00000001-0000-4000-8000-000000000000';
    let recordBytes = 0;
    for (let i = 0; i < preferenceRecords; i++) {
      const correction = `${String(i).padStart(5, '0')} ${filler}`;
      const body = Buffer.from(JSON.stringify({
        feedbackId: `f${String(i).padStart(5, '0')}`, requestId, createdAt: `2026-12-01T00:00:00.${String(i % 1000).padStart(3, '0')}Z`, rating: 'down',
        correction, model: 'm', prompt: { messages: [{ role: 'user', content: `Question? ${filler}` }] }, response: 'Lost.', preference: { chosen: correction, rejected: 'Lost.' },
      }));
      recordBytes += body.length;
      s3.objects.set(`datasets/${feedbackKey('feedback/', requestId).replace(/\.json$/, '')}/f${i}.json`, { body, contentType: 'application/json' });
    }
    preferenceBuild = await buildInChild(s3.url, preferenceRecords, recordBytes);
    if (preferenceBuild.pairs !== 1) errors++;
  } finally {
    process.stdout.write = realWrite;
    process.stderr.write = realErrorWrite;
    direct.destroy();
    await Promise.all([bedrock.close(), sagemaker.close(), s3.close(), sqs.close()]);
  }

  const result = {
    initMs: round(init.bundle.wallMs), bareInitMs: round(init.bare.wallMs), initRatio: round(init.bundle.wallMs / init.bare.wallMs, 3),
    initCpuMs: round(init.bundle.cpuMs), bareInitCpuMs: round(init.bare.cpuMs), initCpuRatio: round(init.bundle.cpuMs / init.bare.cpuMs, 3),
    tracedInitMs: round(init.traced.wallMs),
    overheadMsP50: round(stats.overheadMsP50), overheadMsP99: round(stats.overheadMsP99), invocationOverheadMsP50: round(stats.invocationOverheadMsP50),
    ttftRatio: round(stats.ttftRatio, 3), bundleKiB: round(bundleKiB, 1), packageKiB: round(packageKiB, 1), errors, rssGrowthMiB: round(stats.rssGrowthMiB, 1),
    requests: samples * 2 + 40 + loadRequests, concurrency, loadRequestsPerSecond: round(stats.loadRequestsPerSecond, 0),
    directMsP50: round(stats.directMsP50), handlerMsP50: round(stats.handlerMsP50), directTtftMsP50: round(stats.directTtftMsP50), handlerTtftMsP50: round(stats.handlerTtftMsP50),
    logKiB: round(logBytes / 1024, 0), faults, preferenceBuild,
  };
  const checks = [
    ['init ratio', result.initRatio, TARGETS.initRatio, result.initRatio <= TARGETS.initRatio],
    ['overhead p50 (ms)', result.overheadMsP50, TARGETS.overheadMsP50, result.overheadMsP50 <= TARGETS.overheadMsP50],
    ['TTFT ratio', result.ttftRatio, TARGETS.ttftRatio, result.ttftRatio <= TARGETS.ttftRatio],
    ['init code (KiB)', result.bundleKiB, TARGETS.bundleKiB, result.bundleKiB <= TARGETS.bundleKiB],
    ['errors', result.errors, TARGETS.errors, result.errors === TARGETS.errors],
  ] as const;
  console.log('API handler benchmark (bundle as deployed, stand-ins on loopback)');
  for (const [name, value, target, ok] of checks) console.log(`  ${name.padEnd(18)} ${String(value).padStart(8)}  target ${target}  ${ok ? 'ok' : 'MISSED'}`);
  console.log(`  init (ms)          ${String(result.initMs).padStart(8)}  bare bundle ${result.bareInitMs}; CPU ${result.initCpuMs} vs ${result.bareInitCpuMs} (${result.initCpuRatio}x); with tracing on ${result.tracedInitMs}`);
  console.log(`  code (KiB)         ${String(result.packageKiB).padStart(8)}  all the bundle's files; ${result.bundleKiB} loaded at init (handler and Bedrock Runtime client)`);
  console.log(`  overhead p99 (ms)  ${String(result.overheadMsP99).padStart(8)}  (whole invocation, record included: p50 ${result.invocationOverheadMsP50})`);
  console.log(`  load               ${loadRequests} requests at concurrency ${concurrency}: ${result.loadRequestsPerSecond} req/s, RSS growth ${result.rssGrowthMiB} MiB`);
  for (const [name, f] of Object.entries(faults)) console.log(`  fault ${name.padEnd(25)} ${f.ok ? 'ok' : 'FAILED'}  ${Object.entries(f).filter(([k]) => k !== 'ok').map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`  preference build   ${preferenceBuild.records} records (${preferenceBuild.recordsMiB} MiB) -> ${preferenceBuild.pairs} pair(s) in ${preferenceBuild.seconds} s with a ${preferenceBuild.heapLimitMiB} MiB heap, peak RSS ${preferenceBuild.maxRssMiB} MiB`);
  if (values.json) console.log(JSON.stringify({ ...result, targets: TARGETS, ok: checks.every((c) => c[3]) }));
  return checks.every((c) => c[3]) ? 0 : 1;
}

/** The workflow's build-preferences step, as bundled, in a child process: its result, time and peak RSS. */
async function buildInChild(s3Url: string, records: number, recordBytes: number): Promise<Record<string, number>> {
  const script = [
    `const step = require(${JSON.stringify(path.join(runtimeBundleDir('workflow'), 'index.js'))}).handler;`,
    'const t = performance.now();',
    // The peak of this process's own memory: VmHWM (getrusage's maxRSS would include the parent's, from the fork).
    'let sampled = 0; const sample = setInterval(() => { sampled = Math.max(sampled, process.memoryUsage().rss); }, 10);',
    'const peak = () => { try { return Number(/VmHWM:\\s+(\\d+) kB/.exec(require("fs").readFileSync("/proc/self/status", "utf8"))[1]); } catch { return sampled / 1024; } };',
    'step({ action: "build-preferences", bucket: "datasets", feedbackPrefix: "feedback/", outputKey: "preferences/bench.jsonl" }).then((out) => {',
    '  clearInterval(sample);',
    '  process.stdout.write(JSON.stringify({ pairs: out.pairs, seconds: (performance.now() - t) / 1000, maxRssKiB: peak() }));',
    '}, (e) => { console.error(e); process.exitCode = 1; });',
  ].join('\n');
  // A heap a quarter of the step function's memory (1,024 MB): the records are more than twice that, so the build
  // finishes only if it holds a bounded part of them at a time.
  const child = spawn(process.execPath, [`--max-old-space-size=${preferenceHeapMiB}`, '-e', script], {
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_S3: s3Url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const timer = setTimeout(() => child.kill(), 300_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`the preference build failed (exit ${code}): ${stderr.slice(0, 500)}`);
  const out = JSON.parse(stdout) as { pairs: number; seconds: number; maxRssKiB: number };
  return { records, recordsMiB: round(recordBytes / 2 ** 20, 0), heapLimitMiB: preferenceHeapMiB, pairs: out.pairs, seconds: round(out.seconds, 1), maxRssMiB: round(out.maxRssKiB / 1024, 0) };
}

function round(x: number, digits = 2): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

main().then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
