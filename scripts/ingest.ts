/**
 * `npm run ingest -- --knowledge-base ID --data-source ID`: syncs the kit's Bedrock knowledge base with its data source
 * (the dataset store's `documents/` prefix; both ids are outputs of the `<Env>-Serving` stack, `KnowledgeBaseId` and
 * `DataSourceId`). It starts an ingestion job, then polls it, printing on stderr each status transition and each change
 * of its document counts with the time since the job started, and prints the job's id on stdout; `--json` prints one
 * JSON document instead. When a job is already running for the data source, StartIngestionJob is refused with a
 * ConflictException; `--watch-running` then finds that job (ListIngestionJobs) and watches it instead.
 * Exit codes: 0 COMPLETE (even with failed documents, which are reported as a warning) or started with --no-wait;
 * 1 a call failed, the job FAILED or was STOPPED, or --timeout passed first (the job keeps running);
 * 2 bad usage, with every problem listed at once.
 */
import { parseArgs } from 'node:util';
import { BedrockAgentClient, StartIngestionJobCommand, type IngestionJob, type StartIngestionJobRequest } from '@aws-sdk/client-bedrock-agent';
import { checkRegion, clockOf, describeError, EXIT_OK, EXIT_USAGE, json, optionProblems, runScript, str } from './lib/cli';
import { fail, ID, idOption, OPTIONS, usage, WAIT_ONLY } from './lib/ingest/input';
import { errorName, finish, getJobCommand, idArgs, report, startHint } from './lib/ingest/report';
import { DEFAULT_POLL_SECONDS, EXIT_FAILED, MAX_DESCRIPTION_LENGTH, type Context, type Deps, type Io, type Report } from './lib/ingest/types';
import { watchJob, watchRunning } from './lib/ingest/watch';
import { pollTiming } from './lib/poller';

export { HEARTBEAT_SECONDS } from './lib/poller';
export { countsText } from './lib/ingest/report';
export { DEFAULT_POLL_SECONDS, EXIT_FAILED, MAX_DESCRIPTION_LENGTH, MAX_REASONS_SHOWN, type Deps, type Io, type Report } from './lib/ingest/types';
export { EXIT_OK, EXIT_USAGE };

export async function main(argv: readonly string[], io: Io, deps: Deps = {}): Promise<number> {
  if (argv.length === 0) {
    io.stderr(usage());
    return EXIT_USAGE;
  }
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true });
  if (values.help === true) {
    io.stdout(usage());
    return EXIT_OK;
  }

  const problems = optionProblems(OPTIONS, values, positionals, undefined, (word) => `${ID.test(word) ? '--knowledge-base' : '--description'} ${word}`);
  const knowledgeBaseId = idOption(values, 'knowledge-base', 'KnowledgeBaseId', problems);
  const dataSourceId = idOption(values, 'data-source', 'DataSourceId', problems);
  if (knowledgeBaseId !== undefined && knowledgeBaseId === dataSourceId) {
    problems.push(`--data-source is ${dataSourceId}, the same as --knowledge-base: pass the DataSourceId output of the <Env>-Serving stack.`);
  }
  const description = str(values.description);
  if (description !== undefined && (description.trim() === '' || description.length > MAX_DESCRIPTION_LENGTH)) {
    problems.push(`--description is ${description.trim() === '' ? 'empty' : `${description.length} characters`}: ` +
      `use 1-${MAX_DESCRIPTION_LENGTH} characters, or drop it.`);
  }
  const region = str(values.region);
  checkRegion(region, problems);
  const timing = pollTiming(values, problems, DEFAULT_POLL_SECONDS);
  const wait = values['no-wait'] !== true;
  if (values.wait === true && !wait) problems.push('--wait and --no-wait contradict each other: keep one.');
  if (!wait) {
    for (const option of WAIT_ONLY) {
      if (values[option] !== undefined) problems.push(`--${option} only applies when waiting: drop --no-wait, or drop --${option}.`);
    }
  }
  if (problems.length > 0 || knowledgeBaseId === undefined || dataSourceId === undefined) return fail(problems, io);

  const client = (deps.createClient ?? defaultClient)(region);
  let resolvedRegion: string;
  try {
    resolvedRegion = await client.config.region();
  } catch {
    return fail(['no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile.'], io);
  }
  const ctx: Context = {
    io, client, region: resolvedRegion, ids: { knowledgeBaseId, dataSourceId },
    ...clockOf(deps),
    asJson: values.json === true,
  };
  const noJob = (error: string): Report => report(ctx, null, false, 0, error);

  const request: StartIngestionJobRequest = { knowledgeBaseId, dataSourceId, ...(description === undefined ? {} : { description }) };
  const startedAt = ctx.now();
  let job: IngestionJob | undefined;
  try {
    job = (await client.send(new StartIngestionJobCommand(request))).ingestionJob;
  } catch (error) {
    if (errorName(error) !== 'ConflictException') {
      return finish(ctx, noJob(`StartIngestionJob failed: ${describeError(error)}${startHint(error, ctx)}`), EXIT_FAILED);
    }
    const conflict = `StartIngestionJob failed: ${describeError(error)}. An ingestion job is already running for data source ${dataSourceId} ` +
      `(a knowledge base runs one at a time).`;
    if (values['watch-running'] !== true) {
      return finish(ctx, noJob(`${conflict} Watch it with \`npm run ingest -- ${idArgs(ctx.ids)} --watch-running\`. It may not include ` +
        'documents changed after it started: ingest again once it ends.'), EXIT_FAILED);
    }
    ctx.io.stderr(`${conflict} Watching it (--watch-running).`);
    return watchRunning(ctx, timing);
  }
  const jobId = job?.ingestionJobId;
  if (job === undefined || jobId === undefined) {
    return finish(ctx, noJob('StartIngestionJob returned no ingestion job id: check the data source with `aws bedrock-agent list-ingestion-jobs`.'), EXIT_FAILED);
  }
  io.stderr(`Started ingestion job ${jobId} for data source ${dataSourceId} of knowledge base ${knowledgeBaseId} in ${ctx.region}.`);
  if (!wait) {
    io.stderr(`Not waiting. Check it with \`${getJobCommand(ctx.ids, jobId)}\`.`);
    io.stdout(ctx.asJson ? json(report(ctx, job, true, 0, null)) : jobId);
    return EXIT_OK;
  }
  io.stderr('Ctrl-C stops watching, not the job.');
  return watchJob(ctx, job, true, startedAt, timing);
}

function defaultClient(region: string | undefined): BedrockAgentClient {
  return new BedrockAgentClient(region === undefined ? {} : { region });
}

if (require.main === module) runScript(main);
