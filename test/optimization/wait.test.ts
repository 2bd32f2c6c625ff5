/** The optimization job waiter against a real SageMakerClient mocked with aws-sdk-client-mock, on a fake clock. */
import { DescribeOptimizationJobCommand, SageMakerClient, type DescribeOptimizationJobCommandOutput } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import {
  formatElapsed, OptimizationJobFailedError, OptimizationJobTimeoutError, waitForOptimizationJob, type OptimizationProgress,
} from '../../scripts/lib/optimization';

const sagemaker = mockClient(SageMakerClient);
const client = new SageMakerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

/** A clock that only moves when the waiter sleeps, and the sleeps it saw. */
function fakeClock() {
  const clock = { t: 1_000_000, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
}

const job = (status: string | undefined, extra: Partial<DescribeOptimizationJobCommandOutput> = {}) =>
  ({ OptimizationJobName: 'job-1', OptimizationJobStatus: status, ...extra }) as DescribeOptimizationJobCommandOutput;

beforeEach(() => sagemaker.reset());

test('polls until COMPLETED, reporting every poll with the elapsed time, and returns the last description', async () => {
  // GIVEN STARTING, STARTING, INPROGRESS, COMPLETED
  sagemaker.on(DescribeOptimizationJobCommand)
    .resolvesOnce(job('STARTING')).resolvesOnce(job('STARTING')).resolvesOnce(job('INPROGRESS'))
    .resolves(job('COMPLETED', { OutputConfig: { S3OutputLocation: 's3://b/out/' } }));
  const { clock, now, sleep } = fakeClock();
  const seen: OptimizationProgress[] = [];
  // WHEN
  const description = await waitForOptimizationJob(client, 'job-1', { pollSeconds: 30, now, sleep, onProgress: (p) => seen.push(p) });
  // THEN
  expect(description.OutputConfig?.S3OutputLocation).toBe('s3://b/out/');
  expect(seen.map((p) => [p.elapsedSeconds, p.previousStatus, p.status, p.changed])).toEqual([
    [0, undefined, 'STARTING', true],
    [30, 'STARTING', 'STARTING', false],
    [60, 'STARTING', 'INPROGRESS', true],
    [90, 'INPROGRESS', 'COMPLETED', true],
  ]);
  expect(clock.sleeps).toEqual([30_000, 30_000, 30_000]);
  expect(sagemaker.commandCalls(DescribeOptimizationJobCommand).map((c) => c.args[0].input)).toEqual(Array(4).fill({ OptimizationJobName: 'job-1' }));
});

test('fails when the job FAILED: the error carries SageMaker\'s FailureReason', async () => {
  sagemaker.on(DescribeOptimizationJobCommand).resolvesOnce(job('INPROGRESS'))
    .resolves(job('FAILED', { FailureReason: 'ClientError: AWQ needs a config.json under the source prefix' }));
  const { now, sleep } = fakeClock();
  const waiting = waitForOptimizationJob(client, 'job-1', { pollSeconds: 60, now, sleep });
  await expect(waiting).rejects.toThrow(OptimizationJobFailedError);
  await expect(waiting).rejects.toThrow('Optimization job job-1 FAILED after 00:01:00: ClientError: AWQ needs a config.json under the source prefix.');
  await waiting.catch((error: OptimizationJobFailedError) => expect(error.failureReason).toBe('ClientError: AWQ needs a config.json under the source prefix'));
});

test('a STOPPED job is terminal: returned for the caller to judge, not polled again', async () => {
  sagemaker.on(DescribeOptimizationJobCommand).resolvesOnce(job('STOPPING')).resolves(job('STOPPED'));
  const { now, sleep } = fakeClock();
  const description = await waitForOptimizationJob(client, 'job-1', { now, sleep });
  expect(description.OptimizationJobStatus).toBe('STOPPED');
  expect(sagemaker.commandCalls(DescribeOptimizationJobCommand)).toHaveLength(2);
});

test('fails when the timeout passes: the last sleep is cut to land on it, and the error says the job keeps running', async () => {
  sagemaker.on(DescribeOptimizationJobCommand).resolves(job('INPROGRESS'));
  const { clock, now, sleep } = fakeClock();
  const waiting = waitForOptimizationJob(client, 'job-1', { pollSeconds: 30, timeoutSeconds: 70, now, sleep });
  await expect(waiting).rejects.toThrow(OptimizationJobTimeoutError);
  await expect(waiting).rejects.toThrow(/after 00:01:10 \(timeout 70 s\): it is still INPROGRESS and keeps running in SageMaker.*stop-optimization-job --optimization-job-name job-1/);
  expect(clock.sleeps).toEqual([30_000, 30_000, 10_000]);
});

test('elapsed time counts from startedAt, e.g. from just before the job was created', async () => {
  sagemaker.on(DescribeOptimizationJobCommand).resolves(job('COMPLETED'));
  const { now, sleep } = fakeClock();
  const seen: number[] = [];
  await waitForOptimizationJob(client, 'job-1', { now, sleep, startedAt: now() - 5000, onProgress: (p) => seen.push(p.elapsedSeconds) });
  expect(seen).toEqual([5]);
});

test('a response without a status is reported as UNKNOWN and polled again', async () => {
  sagemaker.on(DescribeOptimizationJobCommand).resolvesOnce(job(undefined)).resolves(job('COMPLETED'));
  const { now, sleep } = fakeClock();
  const statuses: string[] = [];
  await waitForOptimizationJob(client, 'job-1', { now, sleep, onProgress: (p) => statuses.push(p.status) });
  expect(statuses).toEqual(['UNKNOWN', 'COMPLETED']);
});

test('errors of DescribeOptimizationJob propagate', async () => {
  sagemaker.on(DescribeOptimizationJobCommand).rejects(new Error('AccessDeniedException: not authorized'));
  const { now, sleep } = fakeClock();
  await expect(waitForOptimizationJob(client, 'job-1', { now, sleep })).rejects.toThrow('AccessDeniedException: not authorized');
});

test('fails when the poll interval or the timeout is not positive', async () => {
  await expect(waitForOptimizationJob(client, 'job-1', { pollSeconds: 0 })).rejects.toThrow(RangeError);
  await expect(waitForOptimizationJob(client, 'job-1', { timeoutSeconds: -1 })).rejects.toThrow('timeoutSeconds is -1');
  expect(sagemaker.calls()).toHaveLength(0);
});

test('formatElapsed is HH:MM:SS and grows past 99 hours', () => {
  expect([0, 59.9, 135, 3600, 86_399, 360_000].map(formatElapsed)).toEqual(['00:00:00', '00:00:59', '00:02:15', '01:00:00', '23:59:59', '100:00:00']);
});
