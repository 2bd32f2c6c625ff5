/**
 * The ingest CLI: main() against a real BedrockAgentClient mocked with aws-sdk-client-mock, on a fake clock so
 * waiting takes no time; and once through `tsx` to prove the real entry point runs.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import {
  BedrockAgentClient, ConflictException, GetIngestionJobCommand, ListIngestionJobsCommand, StartIngestionJobCommand,
  type IngestionJob, type IngestionJobStatistics, type IngestionJobStatus,
} from '@aws-sdk/client-bedrock-agent';
import { mockClient } from 'aws-sdk-client-mock';
import { countsText, EXIT_FAILED, EXIT_OK, EXIT_USAGE, main, type Deps } from '../../scripts/ingest';

const bedrock = mockClient(BedrockAgentClient);

const T0 = 1_700_000_000_000; // 2023-11-14T22:13:20Z
const KB = 'KB12345678';
const DS = 'DS12345678';
const JOB = 'JOB1234567';
const ARGS = ['--knowledge-base', KB, '--data-source', DS];
const IDS = { knowledgeBaseId: KB, dataSourceId: DS };

interface Run { code: number; stdout: string; stderr: string; regions: (string | undefined)[] }

/** Runs main() with a real, mocked client and a clock that advances only when the script sleeps. */
async function run(argv: string[], client?: BedrockAgentClient): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let t = T0;
  const regions: (string | undefined)[] = [];
  const deps: Deps = {
    createClient: (region) => {
      regions.push(region);
      return client ?? new BedrockAgentClient({ region: region ?? 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    },
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
  const code = await main(argv, { stdout: (s) => { stdout += `${s}\n`; }, stderr: (s) => { stderr += `${s}\n`; } }, deps);
  return { code, stdout, stderr, regions };
}

const stats = (scanned: number, created: number, modified: number, extra: IngestionJobStatistics = {}): IngestionJobStatistics => ({
  numberOfDocumentsScanned: scanned, numberOfMetadataDocumentsScanned: 0, numberOfNewDocumentsIndexed: created,
  numberOfModifiedDocumentsIndexed: modified, numberOfMetadataDocumentsModified: 0, numberOfDocumentsDeleted: 0,
  numberOfDocumentsFailed: 0, numberOfDocumentsSkipped: 0, ...extra,
});
const ZERO = stats(0, 0, 0);

/** The job as Bedrock returns it; `updated` is seconds after T0. */
const job = (status: IngestionJobStatus, statistics: IngestionJobStatistics = ZERO, updated = 0, extra: Partial<IngestionJob> = {}): IngestionJob => ({
  ...IDS, ingestionJobId: JOB, status, statistics, startedAt: new Date(T0), updatedAt: new Date(T0 + updated * 1000), ...extra,
});

/** StartIngestionJob answers STARTING; each GetIngestionJob (one poll, 10 s, apart) answers the next job, the last one from then on. */
function scenario(...polls: IngestionJob[]): void {
  bedrock.on(StartIngestionJobCommand).resolves({ ingestionJob: job('STARTING') });
  const get = bedrock.on(GetIngestionJobCommand);
  for (const p of polls.slice(0, -1)) get.resolvesOnce({ ingestionJob: p });
  get.resolves({ ingestionJob: polls[polls.length - 1] });
}

const FAILED_DOCS = stats(120, 100, 18, { numberOfDocumentsFailed: 2 });
const REASONS = [
  'Encountered error: Ignored 1 files as their file size exceeds the limit of 50 MB. [Files: s3://store-bucket/documents/manuals/x200-full.pdf]',
  'Encountered error: Ignored 1 files as their file format is not supported. [Files: s3://store-bucket/documents/archive/manuals-2019.zip]',
];

/** A realistic run: STARTING, then counts growing while IN_PROGRESS, then COMPLETE with two failed documents. */
function realisticRun(): void {
  scenario(
    job('IN_PROGRESS', stats(40, 0, 0), 9),
    job('IN_PROGRESS', FAILED_DOCS, 19),
    job('IN_PROGRESS', FAILED_DOCS, 29),
    job('COMPLETE', FAILED_DOCS, 38, { failureReasons: REASONS }),
  );
}

beforeEach(() => bedrock.reset());

describe('starting the job', () => {
  test('StartIngestionJob gets exactly the knowledge base and data source', async () => {
    scenario(job('COMPLETE', stats(3, 3, 0), 8));
    const { code } = await run(ARGS);
    expect(code).toBe(EXIT_OK);
    expect(bedrock.commandCalls(StartIngestionJobCommand).map((c) => c.args[0].input)).toEqual([{ knowledgeBaseId: KB, dataSourceId: DS }]);
    expect(bedrock.commandCalls(GetIngestionJobCommand).map((c) => c.args[0].input)).toEqual([{ ...IDS, ingestionJobId: JOB }]);
  });

  test('--description reaches the request', async () => {
    scenario(job('COMPLETE', stats(3, 3, 0), 8));
    await run([...ARGS, '--description', 'support docs v3']);
    expect(bedrock.commandCalls(StartIngestionJobCommand)[0].args[0].input).toEqual({ ...IDS, description: 'support docs v3' });
  });

  test('--region picks the client\'s region; without it the SDK\'s default chain decides', async () => {
    scenario(job('COMPLETE', stats(3, 3, 0), 8));
    expect((await run([...ARGS, '--region', 'eu-west-1'])).regions).toEqual(['eu-west-1']);
    expect((await run([...ARGS, '--wait'])).regions).toEqual([undefined]);
  });

  test('--no-wait starts the job, prints its id and never polls', async () => {
    scenario(job('COMPLETE'));
    const { code, stdout, stderr } = await run([...ARGS, '--no-wait']);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toBe(`${JOB}\n`);
    expect(stderr).toContain(`Not waiting. Check it with \`aws bedrock-agent get-ingestion-job --knowledge-base-id ${KB} --data-source-id ${DS} --ingestion-job-id ${JOB}\`.`);
    expect(bedrock.commandCalls(GetIngestionJobCommand)).toHaveLength(0);
  });

  test('fails when the knowledge base does not exist: exit 1 with the API error and what to check', async () => {
    bedrock.on(StartIngestionJobCommand).rejects(Object.assign(new Error(`Knowledge base with id ${KB} does not exist`), { name: 'ResourceNotFoundException' }));
    const { code, stdout, stderr } = await run(ARGS);
    expect(code).toBe(EXIT_FAILED);
    expect(stdout).toBe('');
    expect(stderr).toBe(`ingest: StartIngestionJob failed: ResourceNotFoundException: Knowledge base with id ${KB} does not exist. Check --knowledge-base ` +
      'and --data-source (the KnowledgeBaseId and DataSourceId outputs of the <Env>-Serving stack) and that us-east-1 is that stack\'s region.\n');
  });

  test('fails when access is denied: the hint names the permissions and the knowledge base', async () => {
    bedrock.on(StartIngestionJobCommand).rejects(Object.assign(new Error('not authorized to perform bedrock:StartIngestionJob'), { name: 'AccessDeniedException' }));
    const { code, stderr } = await run([...ARGS, '--region', 'eu-west-1']);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toContain(`The caller needs bedrock:StartIngestionJob and bedrock:GetIngestionJob on arn:aws:bedrock:eu-west-1:ACCOUNT:knowledge-base/${KB}.`);
  });

  test('fails when no region can be resolved: exit 2 before any call', async () => {
    const regionless = new BedrockAgentClient({ region: async () => { throw new Error('Region is missing'); }, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const { code, stderr } = await run(ARGS, regionless);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain('no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile.');
    expect(bedrock.calls()).toHaveLength(0);
  });
});

describe('waiting', () => {
  test('progress: status transitions and changing counts with elapsed time on stderr; COMPLETE with failed documents exits 0 with a warning', async () => {
    // GIVEN
    realisticRun();
    // WHEN
    const { code, stdout, stderr } = await run(ARGS);
    // THEN
    expect(code).toBe(EXIT_OK);
    expect(stdout).toBe(`${JOB}\n`);
    expect(stderr).toBe([
      `Started ingestion job ${JOB} for data source ${DS} of knowledge base ${KB} in us-east-1.`,
      'Ctrl-C stops watching, not the job.',
      '[00:00:00] STARTING',
      '[00:00:10] STARTING -> IN_PROGRESS: 40 scanned, 0 indexed',
      '[00:00:20] IN_PROGRESS: 120 scanned, 118 indexed, 2 failed',
      '[00:00:40] IN_PROGRESS -> COMPLETE: 120 scanned, 118 indexed, 2 failed',
      `Ingestion job ${JOB} COMPLETE in 00:00:38.`,
      'Documents: 120 scanned, 100 new and 18 modified indexed, 0 deleted, 2 failed, 0 skipped.',
      'ingest: warning: 2 documents failed to ingest; the knowledge base answers without them. Bedrock says:',
      `  - ${REASONS[0]}`,
      `  - ${REASONS[1]}`,
      '  Fix or remove them under the data source\'s prefix (documents/ in the dataset store) and ingest again; ' +
        'the knowledge base\'s log delivery, when set up, has a record for each document.',
      '',
    ].join('\n'));
    expect(bedrock.commandCalls(GetIngestionJobCommand)).toHaveLength(4);
  });

  test('a clean COMPLETE has no warning; deletions and metadata files are counted', async () => {
    scenario(job('COMPLETE', stats(57, 2, 1, { numberOfDocumentsDeleted: 3, numberOfMetadataDocumentsScanned: 57, numberOfMetadataDocumentsModified: 1 }), 7));
    const { code, stderr } = await run(ARGS);
    expect(code).toBe(EXIT_OK);
    expect(stderr).toContain('[00:00:10] STARTING -> COMPLETE: 57 scanned, 3 indexed, 3 deleted, 57 metadata files scanned\n');
    expect(stderr).toContain(`Ingestion job ${JOB} COMPLETE in 00:00:07.\nDocuments: 57 scanned, 2 new and 1 modified indexed, 3 deleted, 0 failed, 0 skipped.\n` +
      'Metadata files: 57 scanned, 1 modified.\n');
    expect(stderr).not.toContain('warning');
  });

  test('a long job repeats its status every 5 minutes so the display shows it is alive', async () => {
    const counts = stats(5000, 2100, 0);
    scenario(...Array.from({ length: 12 }, () => job('IN_PROGRESS', counts)), job('COMPLETE', counts, 780));
    const { stderr } = await run([...ARGS, '--poll', '60']);
    expect(stderr).toContain('[00:00:00] STARTING\n[00:01:00] STARTING -> IN_PROGRESS: 5000 scanned, 2100 indexed\n' +
      '[00:06:00] IN_PROGRESS: 5000 scanned, 2100 indexed (still running)\n[00:11:00] IN_PROGRESS: 5000 scanned, 2100 indexed (still running)\n' +
      '[00:13:00] IN_PROGRESS -> COMPLETE: 5000 scanned, 2100 indexed\n');
  });

  test('--json prints one document with the ids, status, statistics, failure reasons and elapsed seconds', async () => {
    realisticRun();
    const { code, stdout } = await run([...ARGS, '--json']);
    expect(code).toBe(EXIT_OK);
    expect(JSON.parse(stdout)).toEqual({
      knowledgeBaseId: KB, dataSourceId: DS, ingestionJobId: JOB, started: true, status: 'COMPLETE', statistics: FAILED_DOCS,
      failureReasons: REASONS, startedAt: '2023-11-14T22:13:20.000Z', updatedAt: '2023-11-14T22:13:58.000Z', elapsedSeconds: 38, error: null,
    });
  });

  test('fails when the job FAILED: exit 1, Bedrock\'s failure reasons on stderr and in --json', async () => {
    const reasons = ['The knowledge base storage configuration provided is invalid... Request failed: [security_exception] 403 Forbidden'];
    scenario(job('IN_PROGRESS', stats(12, 0, 0), 9), job('FAILED', stats(12, 0, 0), 14, { failureReasons: reasons }));
    const { code, stdout, stderr } = await run([...ARGS, '--json']);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toContain('[00:00:10] STARTING -> IN_PROGRESS: 12 scanned, 0 indexed\n[00:00:20] IN_PROGRESS -> FAILED: 12 scanned, 0 indexed\n' +
      `ingest: ingestion job ${JOB} FAILED after 00:00:14.\n  - ${reasons[0]}\n` +
      '  Documents so far: 12 scanned, 0 new and 0 modified indexed, 0 deleted, 0 failed, 0 skipped.\n');
    expect(JSON.parse(stdout)).toMatchObject({ status: 'FAILED', failureReasons: reasons, elapsedSeconds: 14, error: null });
  });

  test('fails when the job was STOPPED: exit 1, nothing on stdout', async () => {
    scenario(job('STOPPING', ZERO, 5), job('STOPPED', ZERO, 12));
    const { code, stdout, stderr } = await run(ARGS);
    expect(code).toBe(EXIT_FAILED);
    expect(stdout).toBe('');
    expect(stderr).toContain(`[00:00:10] STARTING -> STOPPING\n[00:00:20] STOPPING -> STOPPED\ningest: ingestion job ${JOB} STOPPED after 00:00:12.\n` +
      '  It was stopped (StopIngestionJob).\n');
  });

  test('fails when --timeout passes first: exit 1, the job keeps running and the message says how to check, wait for or stop it', async () => {
    scenario(job('IN_PROGRESS', stats(300, 150, 0)));
    const { code, stdout, stderr } = await run([...ARGS, '--timeout', '25', '--json']);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toContain(`ingest: gave up after 00:00:25 (--timeout 25 s): ingestion job ${JOB} is still IN_PROGRESS: 300 scanned, 150 indexed, ` +
      `and keeps running. Check it with \`aws bedrock-agent get-ingestion-job --knowledge-base-id ${KB} --data-source-id ${DS} --ingestion-job-id ${JOB}\`, ` +
      `wait for it with \`npm run ingest -- --knowledge-base ${KB} --data-source ${DS} --watch-running\`, or stop it with ` +
      `\`aws bedrock-agent stop-ingestion-job --knowledge-base-id ${KB} --data-source-id ${DS} --ingestion-job-id ${JOB}\`.`);
    // Polls at 10 s, 20 s, and 25 s: the last sleep is cut short to land on the timeout.
    expect(bedrock.commandCalls(GetIngestionJobCommand)).toHaveLength(3);
    expect(JSON.parse(stdout)).toMatchObject({ ingestionJobId: JOB, status: 'IN_PROGRESS', elapsedSeconds: 25, error: expect.stringMatching(/^gave up after/) });
  });

  test('fails when GetIngestionJob is refused: exit 1, the job keeps running', async () => {
    bedrock.on(StartIngestionJobCommand).resolves({ ingestionJob: job('STARTING') });
    bedrock.on(GetIngestionJobCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const { code, stderr } = await run(ARGS);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toContain(`ingest: GetIngestionJob failed: AccessDeniedException: not authorized. The caller needs bedrock:GetIngestionJob on ` +
      `arn:aws:bedrock:us-east-1:ACCOUNT:knowledge-base/${KB}. The job keeps running: check it with \`aws bedrock-agent get-ingestion-job`);
  });
});

describe('a job already running for the data source (ConflictException)', () => {
  const conflict = () => new ConflictException({ message: 'There is already an ongoing ingestion job for this data source', $metadata: {} });
  const RUNNING = 'RUN9876543';
  const running = (status: IngestionJobStatus, statistics: IngestionJobStatistics, updated: number) =>
    job(status, statistics, updated, { ingestionJobId: RUNNING, startedAt: new Date(T0 - 95_000), updatedAt: new Date(T0 + updated * 1000) });
  const listInput = (status: string) => ({
    ...IDS, filters: [{ attribute: 'STATUS', operator: 'EQ', values: [status] }], sortBy: { attribute: 'STARTED_AT', order: 'DESCENDING' }, maxResults: 1,
  });

  test('fails when a job is running: exit 1, says so and offers --watch-running; lists nothing', async () => {
    bedrock.on(StartIngestionJobCommand).rejects(conflict());
    const { code, stdout, stderr } = await run([...ARGS, '--json']);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toBe('ingest: StartIngestionJob failed: ConflictException: There is already an ongoing ingestion job for this data source. ' +
      `An ingestion job is already running for data source ${DS} (a knowledge base runs one at a time). Watch it with ` +
      `\`npm run ingest -- --knowledge-base ${KB} --data-source ${DS} --watch-running\`. It may not include documents changed after it started: ` +
      'ingest again once it ends.\n');
    expect(JSON.parse(stdout)).toMatchObject({ ingestionJobId: null, started: false, status: null, error: expect.stringMatching(/ConflictException/) });
    expect(bedrock.commandCalls(ListIngestionJobsCommand)).toHaveLength(0);
  });

  test('--watch-running finds the IN_PROGRESS job with ListIngestionJobs and watches it, timed from its start', async () => {
    bedrock.on(StartIngestionJobCommand).rejects(conflict());
    bedrock.on(ListIngestionJobsCommand).resolves({ ingestionJobSummaries: [running('IN_PROGRESS', stats(800, 640, 0), -5)] });
    bedrock.on(GetIngestionJobCommand).resolvesOnce({ ingestionJob: running('IN_PROGRESS', stats(1000, 990, 0), 8) })
      .resolves({ ingestionJob: running('COMPLETE', stats(1000, 990, 10), 12) });
    const { code, stdout, stderr } = await run([...ARGS, '--watch-running', '--json']);
    expect(code).toBe(EXIT_OK);
    expect(bedrock.commandCalls(ListIngestionJobsCommand).map((c) => c.args[0].input)).toEqual([listInput('IN_PROGRESS')]);
    expect(bedrock.commandCalls(GetIngestionJobCommand)[0].args[0].input).toEqual({ ...IDS, ingestionJobId: RUNNING });
    expect(stderr).toContain('Watching it (--watch-running).\n' +
      `Watching ingestion job ${RUNNING}, running since 2023-11-14 22:11:45 UTC. Ctrl-C stops watching, not the job. ` +
      'It may not include documents changed after it started: ingest again once it ends.\n' +
      '[00:01:35] IN_PROGRESS: 800 scanned, 640 indexed\n[00:01:45] IN_PROGRESS: 1000 scanned, 990 indexed\n' +
      `[00:01:55] IN_PROGRESS -> COMPLETE: 1000 scanned, 1000 indexed\nIngestion job ${RUNNING} COMPLETE in 00:01:47.\n`);
    expect(JSON.parse(stdout)).toMatchObject({ ingestionJobId: RUNNING, started: false, status: 'COMPLETE', elapsedSeconds: 107 });
  });

  test('--watch-running also finds a job that is still STARTING', async () => {
    bedrock.on(StartIngestionJobCommand).rejects(conflict());
    bedrock.on(ListIngestionJobsCommand).resolvesOnce({ ingestionJobSummaries: [] })
      .resolves({ ingestionJobSummaries: [running('STARTING', ZERO, -90)] });
    bedrock.on(GetIngestionJobCommand).resolves({ ingestionJob: running('COMPLETE', stats(4, 4, 0), 3) });
    const { code, stdout } = await run([...ARGS, '--watch-running']);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toBe(`${RUNNING}\n`);
    expect(bedrock.commandCalls(ListIngestionJobsCommand).map((c) => c.args[0].input)).toEqual([listInput('IN_PROGRESS'), listInput('STARTING')]);
  });

  test('fails when --watch-running finds no running job: exit 1, says why that can be', async () => {
    bedrock.on(StartIngestionJobCommand).rejects(conflict());
    bedrock.on(ListIngestionJobsCommand).resolves({ ingestionJobSummaries: [] });
    const { code, stderr } = await run([...ARGS, '--watch-running']);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toContain(`ingest: no ingestion job is running for data source ${DS} now: it may have just ended, or the running job ingests ` +
      `another data source of knowledge base ${KB}. Run ingest again.`);
    expect(bedrock.commandCalls(ListIngestionJobsCommand)).toHaveLength(3);
    expect(bedrock.commandCalls(GetIngestionJobCommand)).toHaveLength(0);
  });

  test('fails when ListIngestionJobs is refused: the hint names the permission', async () => {
    bedrock.on(StartIngestionJobCommand).rejects(conflict());
    bedrock.on(ListIngestionJobsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const { code, stderr } = await run([...ARGS, '--watch-running']);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toContain(`The caller needs bedrock:ListIngestionJobs on arn:aws:bedrock:us-east-1:ACCOUNT:knowledge-base/${KB}.`);
  });
});

describe('bad usage exits 2 with every problem at once and calls nothing', () => {
  afterEach(() => expect(bedrock.calls()).toHaveLength(0));

  const problems = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4));

  test('fails when no arguments are given: usage on stderr', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(EXIT_USAGE);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Usage: npm run ingest -- --knowledge-base ID --data-source ID/);
  });

  test('fails when both ids are missing and unknown options and positionals are given', async () => {
    const { code, stderr } = await run(['--kb', KB, 'docs']);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/^ingest: 5 problems\n/);
    expect(problems(stderr)).toEqual([
      expect.stringMatching(/^--kb is not an option: use --knowledge-base, --data-source, --region/),
      `"${KB}" is not an option: options start with --, e.g. --knowledge-base ${KB}.`,
      '"docs" is not an option: options start with --, e.g. --description docs.',
      '--knowledge-base is missing: pass the KnowledgeBaseId output of the <Env>-Serving stack.',
      '--data-source is missing: pass the DataSourceId output of the <Env>-Serving stack.',
    ]);
    expect(stderr).toMatch(/Run `npm run ingest -- --help` for usage\.\n$/);
  });

  test('fails when values break the API rules, all reported together', async () => {
    const { code, stderr } = await run([
      '--knowledge-base', `arn:aws:bedrock:us-east-1:123456789012:knowledge-base/${KB}`, '--data-source', 'ds-123',
      '--region', 'Virginia', '--poll', '0', '--timeout', 'soon', '--description', 'x'.repeat(201), '--json=yes',
    ]);
    expect(code).toBe(EXIT_USAGE);
    expect(problems(stderr)).toEqual([
      '--json takes no value: write just --json.',
      `--knowledge-base is "arn:aws:bedrock:us-east-1:123456789012:knowledge-base/${KB}", an ARN: pass the id alone, ${KB}.`,
      '--data-source is "ds-123": use the 10-letter-and-digit id, the DataSourceId output of the <Env>-Serving stack, e.g. DS12345678.',
      '--description is 201 characters: use 1-200 characters, or drop it.',
      '--region is "Virginia": use a region code such as us-east-1 or eu-west-1.',
      '--poll is "0": use a whole number of at least 1.',
      '--timeout is "soon": use a whole number of at least 1.',
    ]);
  });

  test.each([
    ['a knowledge base id is 11 characters', ['--knowledge-base', 'KB123456789'],
      '--knowledge-base is "KB123456789": use the 10-letter-and-digit id, the KnowledgeBaseId output of the <Env>-Serving stack, e.g. KB12345678.'],
    ['a data source id has a symbol', ['--data-source', 'DS1234567_'],
      '--data-source is "DS1234567_": use the 10-letter-and-digit id, the DataSourceId output of the <Env>-Serving stack, e.g. DS12345678.'],
    ['both ids are the same', ['--data-source', KB], `--data-source is ${KB}, the same as --knowledge-base: pass the DataSourceId output of the <Env>-Serving stack.`],
    ['the description is empty', ['--description', ' '], '--description is empty: use 1-200 characters, or drop it.'],
    ['an option has no value', ['--region'], '--region needs a value: AWS region (default: the SDK chain: AWS_REGION, then the profile\'s region).'],
    ['--wait and --no-wait are both given', ['--wait', '--no-wait'], '--wait and --no-wait contradict each other: keep one.'],
  ])('fails when %s', async (_case, extra, expected) => {
    const { code, stderr } = await run([...ARGS, ...extra]);
    expect(code).toBe(EXIT_USAGE);
    expect(problems(stderr)).toEqual([expected]);
  });

  test('fails when waiting options are given with --no-wait', async () => {
    const { code, stderr } = await run([...ARGS, '--no-wait', '--poll', '5', '--timeout', '60', '--watch-running']);
    expect(code).toBe(EXIT_USAGE);
    expect(problems(stderr)).toEqual([
      '--poll only applies when waiting: drop --no-wait, or drop --poll.',
      '--timeout only applies when waiting: drop --no-wait, or drop --timeout.',
      '--watch-running only applies when waiting: drop --no-wait, or drop --watch-running.',
    ]);
  });
});

test('countsText: scanned and indexed always, the other counts when not zero, nothing while all are zero', () => {
  expect(countsText(undefined)).toBe('');
  expect(countsText(ZERO)).toBe('');
  expect(countsText(stats(120, 100, 18, { numberOfDocumentsFailed: 2 }))).toBe('120 scanned, 118 indexed, 2 failed');
  expect(countsText(stats(9, 0, 0, { numberOfDocumentsDeleted: 4, numberOfDocumentsSkipped: 5 }))).toBe('9 scanned, 0 indexed, 4 deleted, 5 skipped');
});

test('--help prints usage on stdout and exits 0', async () => {
  const { code, stdout } = await run(['--help']);
  expect(code).toBe(EXIT_OK);
  expect(stdout).toContain('--knowledge-base <value>');
  expect(stdout).toContain('--watch-running');
});

test('the real entry point runs through tsx: --help exits 0 with usage', () => {
  const root = path.join(__dirname, '..', '..');
  const out = execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/ingest.ts', '--help'], { cwd: root, encoding: 'utf8' });
  expect(out).toMatch(/^Usage: npm run ingest -- --knowledge-base ID --data-source ID \[options\]/);
  expect(out).toContain('Stopping this script (Ctrl-C) does not stop the job.');
});
