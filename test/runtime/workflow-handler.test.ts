// The fine-tuning workflow's Lambda steps as deployed (the esbuild bundle), with the real S3 client pointed
// at the local S3 stand-in: dataset validation, preference building from feedback, metric loading.
import * as path from 'node:path';
import { runtimeBundleDir } from '../../lib/constructs/private/runtime-bundle';
import type { FeedbackRecord } from '../../lib/runtime/api/records';
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
