// `npm run bench`: the deployed API handler bundle, run in this process against local stand-ins of Bedrock
// Runtime and S3 on loopback, measured the way a caller sees it. Prints a table, then (with --json) one
// JSON line last. Exits 1 when a target is missed. Bounded: a fixed number of requests, then it stops.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { runtimeBundleDir } from '../lib/constructs/private/runtime-bundle';
import { apiEvent, invoke, loadHandler } from '../test/support/lambda-runtime';
import { startBedrockRuntime, startS3 } from '../scripts/lib/standins';

const TARGETS = { overheadMsP50: 5, ttftRatio: 1.2, bundleKiB: 1024, errors: 0 };

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    samples: { type: 'string', default: '400' },
    'load-requests': { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
  },
});
const samples = Number(values.samples);
const loadRequests = Number(values['load-requests']);
const concurrency = Number(values.concurrency);

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<number> {
  const [bedrock, s3] = await Promise.all([startBedrockRuntime(), startS3()]);
  const bundleDir = runtimeBundleDir('api');
  const bundleKiB = fs.statSync(path.join(bundleDir, 'index.js')).size / 1024;
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
  const handler = loadHandler(bundleDir, {
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url, AWS_ENDPOINT_URL_S3: s3.url,
    BACKEND: 'bedrock', MODEL_ID: 'meta.llama3-1-8b-instruct-v1:0', MODEL_NAME: 'meta.llama3-1-8b-instruct-v1:0',
    MAX_INPUT_TOKENS: '4096', MAX_OUTPUT_TOKENS: '512', DATASET_BUCKET: 'datasets', FEEDBACK_PREFIX: 'feedback/',
    PROMPT_TEMPLATES: '[]', MODEL_TIMEOUT_MS: '30000',
    // Production settings: INFO logs and EMF metrics on stdout, as Lambda captures them (sent to /dev/null below).
    POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_NAMESPACE: 'Bench', POWERTOOLS_TRACE_ENABLED: 'false',
  });
  // The same client settings the handler uses, to measure the stand-in's own latency.
  const direct = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: bedrock.url, credentials, maxAttempts: 2 });
  const request = { prompt: 'Where is my order 1042? Please answer briefly.', maxTokens: 64 };
  const converseInput = { modelId: 'meta.llama3-1-8b-instruct-v1:0', messages: [{ role: 'user' as const, content: [{ text: request.prompt }] }], inferenceConfig: { maxTokens: 64 } };

  const realWrite = process.stdout.write.bind(process.stdout);
  let logBytes = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logBytes += chunk.length;
    return true;
  }) as typeof process.stdout.write;
  let errors = 0;
  const stats: Record<string, number> = {};
  try {
    // Warm both paths (cold start, JIT), then alternate so drift affects both alike.
    bedrock.setBehaviour({ tokens: ['Order', ' 1042', ' ships', ' today', '.'] });
    for (let i = 0; i < 50; i++) {
      await direct.send(new ConverseCommand(converseInput));
      await invoke(handler, apiEvent('POST', '/v1/generate', request));
    }
    const directMs: number[] = [];
    const handlerMs: number[] = [];
    for (let i = 0; i < samples; i++) {
      let t = performance.now();
      await direct.send(new ConverseCommand(converseInput));
      directMs.push(performance.now() - t);
      t = performance.now();
      const res = await invoke(handler, apiEvent('POST', '/v1/generate', request));
      handlerMs.push(performance.now() - t);
      if (res.statusCode !== 200) errors++;
    }
    stats.directMsP50 = percentile(directMs, 50);
    stats.handlerMsP50 = percentile(handlerMs, 50);
    stats.overheadMsP50 = stats.handlerMsP50 - stats.directMsP50;
    stats.overheadMsP99 = percentile(handlerMs, 99) - percentile(directMs, 99);

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
      const res = await invoke(handler, apiEvent('POST', '/v1/generate', { ...request, stream: true }));
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
            const res = await invoke(handler, apiEvent('POST', '/v1/generate', { ...request, stream: n % 2 === 0 }));
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
  } finally {
    process.stdout.write = realWrite;
    await Promise.all([bedrock.close(), s3.close()]);
  }

  const result = {
    overheadMsP50: round(stats.overheadMsP50), overheadMsP99: round(stats.overheadMsP99), ttftRatio: round(stats.ttftRatio, 3),
    bundleKiB: round(bundleKiB, 1), errors, rssGrowthMiB: round(stats.rssGrowthMiB, 1),
    requests: samples * 2 + 40 + loadRequests, concurrency, loadRequestsPerSecond: round(stats.loadRequestsPerSecond, 0),
    directMsP50: round(stats.directMsP50), handlerMsP50: round(stats.handlerMsP50), directTtftMsP50: round(stats.directTtftMsP50), handlerTtftMsP50: round(stats.handlerTtftMsP50),
    logKiB: round(logBytes / 1024, 0),
  };
  const checks = [
    ['overhead p50 (ms)', result.overheadMsP50, TARGETS.overheadMsP50, result.overheadMsP50 <= TARGETS.overheadMsP50],
    ['TTFT ratio', result.ttftRatio, TARGETS.ttftRatio, result.ttftRatio <= TARGETS.ttftRatio],
    ['bundle (KiB)', result.bundleKiB, TARGETS.bundleKiB, result.bundleKiB <= TARGETS.bundleKiB],
    ['errors', result.errors, TARGETS.errors, result.errors === TARGETS.errors],
  ] as const;
  console.log('API handler benchmark (bundle as deployed, stand-ins on loopback)');
  for (const [name, value, target, ok] of checks) console.log(`  ${name.padEnd(18)} ${String(value).padStart(8)}  target ${target}  ${ok ? 'ok' : 'MISSED'}`);
  console.log(`  overhead p99 (ms)  ${String(result.overheadMsP99).padStart(8)}`);
  console.log(`  load               ${loadRequests} requests at concurrency ${concurrency}: ${result.loadRequestsPerSecond} req/s, RSS growth ${result.rssGrowthMiB} MiB`);
  if (values.json) console.log(JSON.stringify({ ...result, targets: TARGETS, ok: checks.every((c) => c[3]) }));
  return checks.every((c) => c[3]) ? 0 : 1;
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
