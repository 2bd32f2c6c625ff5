// The fine-tuning workflow's Lambda steps as deployed (the esbuild bundle), with the real S3 client pointed
// at the local S3 stand-in: dataset validation, preference building from feedback, metric loading.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { runtimeBundleDir } from '../../lib/constructs/private/runtime-bundle';
import { type FeedbackRecord, feedbackKey, type InteractionRecord, interactionKey } from '../../lib/runtime/api/records';
import { type S3StandIn, startS3 } from '../../scripts/lib/standins';

type Step = (event: Record<string, unknown>) => Promise<Record<string, unknown>>;
let s3: S3StandIn;
let step: Step;

beforeAll(async () => {
  s3 = await startS3();
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_S3: s3.url });
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    step = (require(path.join(runtimeBundleDir('workflow'), 'index.js')) as { handler: Step }).handler;
  });
});

afterAll(() => s3?.close());

const put = (key: string, body: string) => s3.objects.set(`datasets/${key}`, { body: Buffer.from(body) });
const sft = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `Question ${i}?`, completion: `Answer ${i}.` })).join('\n');

/** The error a step throws, as Step Functions would see it (name = error, message = cause). */
async function failure(event: Record<string, unknown>): Promise<{ name: string; message: string }> {
  try {
    await step(event);
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('the step did not fail');
}

describe('validate', () => {
  test('accepts clean splits and summarizes them', async () => {
    put('train/a.jsonl', sft(50));
    put('test/a.jsonl', sft(5));
    const out = await step({ action: 'validate', bucket: 'datasets', format: 'sft', keys: { train: 'train/a.jsonl', test: 'test/a.jsonl' }, required: ['train', 'test'] });
    expect(out).toMatchObject({ valid: true, summaries: { train: { records: 50 }, test: { records: 5 } } });
  });

  test('fails with every problem as FILE:LINE: message', async () => {
    put('train/bad.jsonl', [JSON.stringify({ prompt: 'ok', completion: 'fine' }), '{"prompt": "x"', JSON.stringify({ prompt: ' ', completion: 'y' })].join('\n'));
    const { name, message } = await failure({ action: 'validate', bucket: 'datasets', format: 'sft', keys: { train: 'train/bad.jsonl' }, required: ['train'] });
    expect(name).toBe('DatasetInvalid');
    expect(message).toMatch(/^2 problem\(s\) in the sft dataset:\ntrain\/bad\.jsonl:2: .*\ntrain\/bad\.jsonl:3: /);
  });

  test('fails when a required split is not named, or does not exist', async () => {
    expect(await failure({ action: 'validate', bucket: 'datasets', format: 'sft', keys: { train: 'train/a.jsonl' }, required: ['train', 'test'] }))
      .toEqual({ name: 'DatasetMissing', message: 'This workflow needs testKey in the execution input.' });
    expect((await failure({ action: 'validate', bucket: 'datasets', format: 'sft', keys: { train: 'train/none.jsonl' }, required: ['train'] })).message)
      .toBe('s3://datasets/train/none.jsonl does not exist.');
  });
});

describe('build-preferences', () => {
  function rating(i: number, rating: 'up' | 'down', response: string, correction?: string): FeedbackRecord {
    return {
      feedbackId: `f${i}`, requestId: `20261129-0000000${i}-0000-4000-8000-000000000000`, createdAt: `2026-11-29T00:00:0${i}Z`, rating, correction,
      model: 'm', prompt: { messages: [{ role: 'user', content: `Question ${i % 2}?` }] }, response, preference: {},
    };
  }

  test('turns corrections and up/down pairs into preference JSONL under preferences/', async () => {
    const records = [rating(1, 'down', 'Wrong.', 'Right.'), rating(2, 'up', 'Good.'), rating(4, 'down', 'Bad.'), rating(3, 'up', 'Alone.')];
    for (const r of records) put(`feedback/ratings/2026/11/29/${r.requestId}/${r.feedbackId}.json`, JSON.stringify(r));
    const out = await step({ action: 'build-preferences', bucket: 'datasets', feedbackPrefix: 'feedback/', outputKey: 'preferences/run1.jsonl' });
    expect(out).toMatchObject({ trainKey: 'preferences/run1.jsonl', pairs: 2, feedbackRecords: 4 });
    const lines = s3.objects.get('datasets/preferences/run1.jsonl')!.body.toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual(expect.arrayContaining([
      expect.objectContaining({ chosen: 'Right.', rejected: 'Wrong.' }),
      expect.objectContaining({ chosen: 'Good.', rejected: 'Bad.' }),
    ]));
    // What it writes passes the preference validator (the next state).
    expect(await step({ action: 'validate', bucket: 'datasets', format: 'preference', keys: { train: 'preferences/run1.jsonl' }, required: ['train'] })).toMatchObject({ valid: true });
  });
});

describe('build-preferences from the API\'s records, streamed', () => {
  beforeEach(() => {
    for (const key of [...s3.objects.keys()]) if (key.startsWith('datasets/feedback/')) s3.objects.delete(key);
  });
  const id = (i: number) => `20261201-${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
  const interaction = (i: number, response: string, extra: Partial<InteractionRecord> = {}): InteractionRecord => ({
    requestId: id(i), createdAt: '2026-12-01T00:00:00Z', model: 'm', caller: `iam:${i}`, messages: [{ role: 'user', content: `Question ${i}?` }],
    response, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1 }, complete: true, ...extra,
  });
  const rating = (i: number, correction: string, caller = `iam:${i}`): FeedbackRecord => ({
    version: 2, feedbackId: `f${i}`, requestId: id(i), createdAt: `2026-12-01T00:00:${String(i % 60).padStart(2, '0')}Z`, rating: 'down', correction, model: 'm', caller,
  });
  const store = (i: number, response: string, correction: string, extra: Partial<InteractionRecord> = {}, caller?: string) => {
    put(interactionKey('feedback/', id(i)), JSON.stringify(interaction(i, response, extra)));
    put(feedbackKey('feedback/', id(i)), JSON.stringify(rating(i, correction, caller)));
  };
  const build = (extra: Record<string, unknown> = {}) => step({ action: 'build-preferences', bucket: 'datasets', feedbackPrefix: 'feedback/', outputKey: 'preferences/run2.jsonl', ...extra });
  const output = () => s3.objects.get('datasets/preferences/run2.jsonl')!.body.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);

  test('joins each rating with its interaction; a broken-off answer makes no pair', async () => {
    store(1, 'Lost.', 'Shipped Monday.');
    store(2, 'It is', 'Shipped Tuesday.', { complete: false, error: 'model_error' });
    const out = await build();
    expect(out).toMatchObject({ pairs: 1, feedbackRecords: 2, skipped: { invalid: 1 } });
    expect(output()).toEqual([{ prompt: 'User: Question 1?', chosen: 'Shipped Monday.', rejected: 'Lost.' }]);
  });

  test('300 older records with different corrections for one answer make one pair', async () => {
    for (let i = 0; i < 300; i++) {
      const record = { feedbackId: `p${String(i).padStart(3, '0')}`, requestId: id(7), createdAt: '2026-12-01T00:00:00Z', rating: 'down', correction: `Poison ${i}.`, model: 'm', prompt: { messages: [{ role: 'user', content: 'Question 7?' }] }, response: 'Lost.', preference: {} };
      put(`feedback/ratings/2026/12/01/${id(7)}/${record.feedbackId}.json`, JSON.stringify(record));
    }
    expect(await build()).toMatchObject({ pairs: 1, feedbackRecords: 300, skipped: { replaced: 299 } });
    expect(output()).toEqual([{ prompt: 'User: Question 7?', chosen: 'Poison 299.', rejected: 'Lost.' }]);
  });

  test('caps the pairs of one rater, from the event or by default', async () => {
    for (let i = 1; i <= 5; i++) store(i, `Lost ${i}.`, `Shipped ${i}.`, {}, 'iam:same');
    expect(await build({ maxPairsPerCaller: 2 })).toMatchObject({ pairs: 2, skipped: { capped: 3 } });
  });

  test('an output over a part goes up as a multipart upload, and passes the preference validator', async () => {
    const big = 'word '.repeat(20_000);
    for (let i = 1; i <= 90; i++) store(i, `Lost ${i}.`, `Shipped ${i}.`, { messages: [{ role: 'user', content: `${big}${i}?` }] });
    const before = s3.requests.length;
    expect(await build()).toMatchObject({ pairs: 90 });
    const ops = s3.requests.slice(before).map((r) => `${r.method} ${r.path.includes('preferences/') ? 'out' : 'in'}`);
    expect(ops.filter((o) => o === 'PUT out').length).toBeGreaterThanOrEqual(2);
    expect(s3.objects.get('datasets/preferences/run2.jsonl')!.body.length).toBeGreaterThan(8 * 1024 * 1024);
    expect(await step({ action: 'validate', bucket: 'datasets', format: 'preference', keys: { train: 'preferences/run2.jsonl' }, required: ['train'] })).toMatchObject({ valid: true });
  });

  test('memory stays bounded: 120 MB of records build in a process with a 96 MB heap', async () => {
    // GIVEN 120 records of 1 MB each, as older deployments stored them (a copy of the prompt in each)
    const prompt = 'p'.repeat(1024 * 1024);
    for (let i = 0; i < 120; i++) {
      const record = { feedbackId: `m${String(i).padStart(3, '0')}`, requestId: id(9), createdAt: '2026-12-01T00:00:00Z', rating: 'down', correction: `Fix ${i}.`, model: 'm', prompt: { messages: [{ role: 'user', content: prompt }] }, response: 'Lost.', preference: {} };
      put(`feedback/ratings/2026/12/01/${id(9)}/${record.feedbackId}.json`, JSON.stringify(record));
    }
    // WHEN the step runs in a process whose heap cannot hold them all
    const script = [
      `const step = require(${JSON.stringify(path.join(runtimeBundleDir('workflow'), 'index.js'))}).handler;`,
      'step({ action: "build-preferences", bucket: "datasets", feedbackPrefix: "feedback/", outputKey: "preferences/run2.jsonl" })',
      '  .then((out) => { console.log(JSON.stringify(out)); }, (e) => { console.error(e); process.exitCode = 1; });',
    ].join('\n');
    const child = spawn(process.execPath, ['--max-old-space-size=96', '-e', script], {
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_S3: s3.url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    // THEN it finishes, with one pair
    expect({ code, stderr: stderr.slice(0, 300) }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toMatchObject({ pairs: 1, feedbackRecords: 120 });
  }, 60_000);
});

describe('load-metrics', () => {
  test('returns the metrics with their location', async () => {
    put('evaluation/job-eval/output/model/metrics.json', JSON.stringify({ tuned: { rouge_l: 0.41 }, base: { rouge_l: 0.3 }, improvement: { rouge_l: 0.11 }, examples: 20 }));
    expect(await step({ action: 'load-metrics', bucket: 'datasets', key: 'evaluation/job-eval/output/model/metrics.json', required: ['tuned.rouge_l', 'improvement.rouge_l'] }))
      .toEqual({ tuned: { rouge_l: 0.41 }, base: { rouge_l: 0.3 }, improvement: { rouge_l: 0.11 }, examples: 20, s3Uri: 's3://datasets/evaluation/job-eval/output/model/metrics.json' });
  });

  test('fails when a gated metric is missing, so the gate never sees a hole', async () => {
    expect(await failure({ action: 'load-metrics', bucket: 'datasets', key: 'evaluation/job-eval/output/model/metrics.json', required: ['tuned.exact_match'] }))
      .toEqual({ name: 'MetricsMissing', message: 's3://datasets/evaluation/job-eval/output/model/metrics.json has no number at tuned.exact_match.' });
  });

  test('reads Bedrock\'s validation metrics CSV', async () => {
    put('models/bedrock/model-customization-job-abc123/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv',
      'step_number,epoch_number,validation_loss\n10,0,1.9\n20,1,1.2\n');
    // The columns of the Bedrock user guide ("Analyze the results of a model customization job"): no perplexity
    // column, so none is reported (it used to be NaN).
    const out = await step({ action: 'bedrock-metrics', bucket: 'datasets', outputUri: 's3://datasets/models/bedrock/', jobArn: 'arn:aws:bedrock:us-east-1:111122223333:model-customization-job/meta.llama3-1-8b-instruct-v1:0/abc123' });
    expect(out).toEqual({ tuned: { validation_loss: 1.2 }, s3Uri: expect.stringMatching(/validation_metrics\.csv$/) });
    expect(JSON.stringify(out)).not.toContain('null');
  });
});
