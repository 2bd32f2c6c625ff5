/**
 * `npm run optimize -- --name NAME --source s3://... --output s3://... --instance ml.TYPE --technique T --role ARN`:
 * creates a SageMaker inference optimization job (AWQ, FP8 or SmoothQuant quantization; TensorRT-LLM or Neuron
 * compilation), waits for it with a progress display on stderr, and prints on stdout the S3 prefix of the
 * optimized, uncompressed weights, which `InferenceEndpoint` serves (`ModelSource.fromDatasetStore` when the prefix is
 * in the kit's dataset store); `--json` prints one
 * JSON document instead. Exit codes: 0 completed (or created, with --no-wait); 1 the job could not be created,
 * failed, stopped or outlasted --timeout; 2 bad usage, with every problem listed at once.
 */
import { parseArgs } from 'node:util';
import { CreateOptimizationJobCommand, OptimizationJobStatus, SageMakerClient, type DescribeOptimizationJobCommandOutput } from '@aws-sdk/client-sagemaker';
import {
  buildOptimizationJobRequest, DEFAULT_MAX_RUNTIME_SECONDS, DEFAULT_POLL_SECONDS, formatElapsed, OPTIMIZATION_TECHNIQUES,
  OptimizationJobFailedError, optimizationJobIssues, OptimizationJobTimeoutError, waitForOptimizationJob,
  type OptimizationFieldNames, type OptimizationJobOptions, type OptimizationProgress, type OptimizationTechniqueLike,
} from './lib/optimization';
import {
  checkRegion, clockOf, describeError, EXIT_OK, EXIT_USAGE, type ClockDeps, integer, json, optionLines, optionProblems, pairs, problemReport, str, strings, type Io as Writers, type OptionSpec, type Values, runScript,
} from './lib/cli';

export { EXIT_OK, EXIT_USAGE };

/** Each writer adds a newline to the text. */
export type Io = Writers;

export interface Deps extends ClockDeps {
  /** The client for `--region` (undefined: the SDK's default chain). @default a new SageMakerClient */
  readonly createClient?: (region: string | undefined) => SageMakerClient;
}

export const EXIT_JOB_FAILED = 1;

/** Seconds of unchanged status after which the progress display repeats the status, so a long job shows it is alive. */
export const HEARTBEAT_SECONDS = 300;
/** Waiting gives up this long after MaxRuntimeInSeconds by default: time for SageMaker to stop the job and upload. */
export const TIMEOUT_GRACE_SECONDS = 900;

const OPTIONS: Record<string, OptionSpec> = {
  name: { type: 'string', help: 'job name: 1-63 letters, digits and hyphens (required)' },
  source: { type: 'string', help: 's3://BUCKET/PREFIX/ of the uncompressed source weights (required)' },
  output: { type: 'string', help: 's3://BUCKET/PREFIX/ for the optimized weights (required)' },
  instance: { type: 'string', help: 'ml.TYPE the model will be served on, e.g. ml.g6e.12xlarge (required)' },
  technique: { type: 'string', help: `${OPTIMIZATION_TECHNIQUES.join('|')} (required)` },
  role: { type: 'string', help: 'ARN of the execution role: the kit\'s ModelOptimizationRole, stack output OptimizationRoleArn (required)' },
  region: { type: 'string', help: 'AWS region (default: the SDK chain: AWS_REGION, then the profile\'s region)' },
  tp: { type: 'string', help: 'tensor parallel degree: GPUs, or NeuronCores on Neuron (default: the container\'s)' },
  'max-runtime': { type: 'string', help: `seconds before SageMaker stops the job (default ${DEFAULT_MAX_RUNTIME_SECONDS})` },
  image: { type: 'string', help: 'LMI image URI in ECR (default: SageMaker chooses)' },
  'kms-key': { type: 'string', help: 'KMS key ARN, id or alias for the output (default: the bucket\'s encryption)' },
  env: { type: 'string', multiple: true, help: 'KEY=VALUE: an extra LMI container variable (repeatable; 25 per configuration at most)' },
  tag: { type: 'string', multiple: true, help: 'KEY=VALUE: a tag of the job (repeatable)' },
  subnet: { type: 'string', multiple: true, help: 'subnet id(s) to run the job in, with --security-group (repeatable or comma-separated)' },
  'security-group': { type: 'string', multiple: true, help: 'security group id(s), with --subnet (repeatable or comma-separated)' },
  'accept-eula': { type: 'boolean', help: 'accept the model\'s end-user license (gated JumpStart models)' },
  'no-wait': { type: 'boolean', help: 'create the job and exit without waiting' },
  poll: { type: 'string', help: `seconds between status checks (default ${DEFAULT_POLL_SECONDS})` },
  timeout: { type: 'string', help: `seconds to wait before giving up; the job keeps running (default --max-runtime + ${TIMEOUT_GRACE_SECONDS})` },
  json: { type: 'boolean', help: 'print one JSON document on stdout instead of the output prefix' },
  help: { type: 'boolean', help: 'show this help' },
};

/** Option names as the CLI spells them, so the builder's messages name what the user typed. */
const NAMES: OptimizationFieldNames = {
  jobName: '--name', roleArn: '--role', source: '--source', output: '--output', instanceType: '--instance', technique: '--technique',
  tensorParallelDegree: '--tp', image: '--image', maxRuntimeSeconds: '--max-runtime', kmsKeyId: '--kms-key', acceptEula: '--accept-eula',
  environment: '--env', tags: '--tag', subnets: '--subnet', securityGroupIds: '--security-group',
};

/** What `--json` prints: the same fields whatever the outcome. */
interface Report {
  readonly jobName: string;
  readonly jobArn: string | null;
  /** The job's last status; null when it was not created or not waited for. */
  readonly status: string | null;
  /** The job's output prefix; the optimized weights are there once status is COMPLETED. */
  readonly output: string;
  readonly recommendedInferenceImage: string | null;
  readonly elapsedSeconds: number;
  /** SageMaker's FailureReason of a FAILED or STOPPED job. */
  readonly failureReason: string | null;
  /** Why the script gave up: an API error or a timeout. */
  readonly error: string | null;
}

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

  const problems: string[] = [];
  problems.push(...optionProblems(OPTIONS, values, positionals, undefined, (word) => `--name ${word}`));
  const input = jobOptions(values, problems);
  problems.push(...optimizationJobIssues(input, NAMES).filter((issue) => !reportedAlready(issue, values)));
  const region = str(values.region);
  checkRegion(region, problems);
  const poll = integer(values, 'poll', problems, 1);
  const timeout = integer(values, 'timeout', problems, 1);
  if (problems.length > 0) return fail(problems, io);

  const request = buildOptimizationJobRequest(input as OptimizationJobOptions, NAMES);
  const jobName = input.jobName as string;
  const output = input.output as string;
  const client = (deps.createClient ?? defaultClient)(region);
  try {
    await client.config.region();
  } catch {
    return fail(['no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile.'], io);
  }

  const { now, sleep } = clockOf(deps);
  const startedAt = now();
  const elapsed = () => Math.round((now() - startedAt) / 1000);
  const report = (fields: Partial<Report>): Report => ({
    jobName, jobArn: null, status: null, output, recommendedInferenceImage: null, elapsedSeconds: elapsed(), failureReason: null, error: null, ...fields,
  });
  const asJson = values.json === true;

  let jobArn: string | undefined;
  try {
    jobArn = (await client.send(new CreateOptimizationJobCommand(request))).OptimizationJobArn;
  } catch (error) {
    const message = `CreateOptimizationJob failed: ${describeError(error)}${createHint(error)}`;
    return finish(io, asJson, report({ error: message }), `optimize: ${message}`, EXIT_JOB_FAILED);
  }
  io.stderr(`Created optimization job ${jobName} (${jobArn ?? 'no ARN returned'}): ${request.OptimizationConfigs?.map((c) => Object.keys(c)[0]).join(' + ')} ` +
    `for ${request.DeploymentInstanceType}, at most ${request.StoppingCondition?.MaxRuntimeInSeconds} s.`);
  if (values['no-wait'] === true) {
    io.stderr(`Not waiting. Check it with \`aws sagemaker describe-optimization-job --optimization-job-name ${jobName}\`; ` +
      `once COMPLETED the optimized weights are under ${output}`);
    io.stdout(asJson ? json(report({ jobArn: jobArn ?? null })) : output);
    return EXIT_OK;
  }

  const maxRuntime = request.StoppingCondition?.MaxRuntimeInSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS;
  let description: DescribeOptimizationJobCommandOutput;
  try {
    description = await waitForOptimizationJob(client, jobName, {
      pollSeconds: poll, timeoutSeconds: timeout ?? maxRuntime + TIMEOUT_GRACE_SECONDS, sleep, now, startedAt,
      onProgress: progressDisplay(io),
    });
  } catch (error) {
    if (error instanceof OptimizationJobFailedError) {
      const reason = error.failureReason ?? 'SageMaker gave no FailureReason';
      return finish(io, asJson, report({ jobArn: jobArn ?? null, status: OptimizationJobStatus.FAILED, failureReason: reason }),
        `optimize: job ${jobName} FAILED after ${formatElapsed(error.elapsedSeconds)}: ${reason}`, EXIT_JOB_FAILED);
    }
    if (error instanceof OptimizationJobTimeoutError) {
      return finish(io, asJson, report({ jobArn: jobArn ?? null, status: error.lastStatus, error: error.message }), `optimize: ${error.message}`, EXIT_JOB_FAILED);
    }
    const message = `DescribeOptimizationJob failed: ${describeError(error)}. The job may still be running: ` +
      `\`aws sagemaker describe-optimization-job --optimization-job-name ${jobName}\`.`;
    return finish(io, asJson, report({ jobArn: jobArn ?? null, error: message }), `optimize: ${message}`, EXIT_JOB_FAILED);
  }

  const status = description.OptimizationJobStatus ?? 'UNKNOWN';
  const location = description.OutputConfig?.S3OutputLocation ?? output;
  const image = description.OptimizationOutput?.RecommendedInferenceImage ?? null;
  const final = report({ jobArn: description.OptimizationJobArn ?? jobArn ?? null, status, output: location, recommendedInferenceImage: image });
  if (status !== OptimizationJobStatus.COMPLETED) {
    const reason = description.FailureReason ?? 'stopped by StopOptimizationJob or by reaching MaxRuntimeInSeconds';
    return finish(io, asJson, { ...final, failureReason: reason }, `optimize: job ${jobName} ended ${status} after ${formatElapsed(final.elapsedSeconds)}: ${reason}`, EXIT_JOB_FAILED);
  }
  io.stderr([
    `Job ${jobName} COMPLETED in ${formatElapsed(final.elapsedSeconds)}.`,
    `Optimized weights (uncompressed): ${location}`,
    ...(image === null ? [] : [`Recommended inference image: ${image}`]),
    `Serve them with InferenceEndpoint: ModelSource.fromDatasetStore(datasets, '${keyPrefixOf(location)}') ` +
      `when ${bucketOf(location)} is the kit's dataset store.`,
  ].join('\n'));
  io.stdout(asJson ? json(final) : location);
  return EXIT_OK;
}

/** Prints the first status, every change and, while nothing changes, a line every HEARTBEAT_SECONDS. */
function progressDisplay(io: Io): (progress: OptimizationProgress) => void {
  let lastPrinted = 0;
  return (p) => {
    const stamp = `[${formatElapsed(p.elapsedSeconds)}]`;
    if (p.previousStatus === undefined) io.stderr(`${stamp} ${p.status}`);
    else if (p.changed) io.stderr(`${stamp} ${p.previousStatus} -> ${p.status}`);
    else if (p.elapsedSeconds - lastPrinted >= HEARTBEAT_SECONDS) io.stderr(`${stamp} ${p.status} (still running)`);
    else return;
    lastPrinted = p.elapsedSeconds;
  };
}

/** `bucket` of `s3://bucket/key/prefix/`. */
function bucketOf(uri: string): string {
  return uri.replace(/^s3:\/\//, '').split('/')[0];
}

/** `key/prefix/` of `s3://bucket/key/prefix/`: what `ModelSource.fromDatasetStore` takes. */
function keyPrefixOf(uri: string): string {
  return uri.replace(/^s3:\/\/[^/]+\//, '');
}

function finish(io: Io, asJson: boolean, report: Report, message: string, code: number): number {
  io.stderr(message);
  if (asJson) io.stdout(json(report));
  return code;
}

function defaultClient(region: string | undefined): SageMakerClient {
  return new SageMakerClient(region === undefined ? {} : { region });
}

/** The builder's input from the command line; values that do not parse are reported and left out. */
function jobOptions(values: Values, problems: string[]): Partial<OptimizationJobOptions> {
  const subnets = list(values.subnet);
  const securityGroupIds = list(values['security-group']);
  return {
    jobName: str(values.name),
    roleArn: str(values.role),
    source: str(values.source),
    output: str(values.output),
    instanceType: str(values.instance),
    technique: str(values.technique) as OptimizationTechniqueLike | undefined,
    tensorParallelDegree: integer(values, 'tp', problems, 1),
    maxRuntimeSeconds: integer(values, 'max-runtime', problems, 1),
    image: str(values.image),
    kmsKeyId: str(values['kms-key']),
    acceptEula: values['accept-eula'] === true ? true : undefined,
    environment: pairs(values, 'env', problems, 'KEY', 'OPTION_MAX_MODEL_LEN=8192'),
    tags: pairs(values, 'tag', problems, 'KEY', 'project=chatbot'),
    vpc: subnets.length === 0 && securityGroupIds.length === 0 ? undefined : { subnets, securityGroupIds },
  };
}

/** Builder issues saying an option is missing, for options that were given but did not parse (already reported). */
function reportedAlready(issue: string, values: Values): boolean {
  const match = /^(--[a-z-]+) is missing/.exec(issue);
  return match !== null && values[match[1].slice(2)] !== undefined;
}

/** Repeatable, comma-separated ids. */
function list(value: Values[string]): string[] {
  return strings(value).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function createHint(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'ResourceInUse') return '. A job with this --name exists: job names are unique per account and region, choose another.';
  if (name === 'AccessDeniedException') {
    return '. The caller needs sagemaker:CreateOptimizationJob and sagemaker:DescribeOptimizationJob, and iam:PassRole on --role ' +
      '(condition iam:PassedToService = sagemaker.amazonaws.com).';
  }
  if (name === 'ResourceLimitExceeded') return '. Raise the account\'s quota for optimization jobs or wait for running ones to finish.';
  return '.';
}

function fail(problems: readonly string[], io: Io): number {
  io.stderr(problemReport('optimize', problems, 'npm run optimize -- --help'));
  return EXIT_USAGE;
}

function usage(): string {
  return [
    'Usage: npm run optimize -- --name NAME --source s3://... --output s3://... --instance ml.TYPE --technique TECHNIQUE --role ARN [options]',
    '',
    'Creates a SageMaker inference optimization job, waits for it (progress on stderr), and prints the S3 prefix of the',
    'optimized, uncompressed weights on stdout: the prefix InferenceEndpoint serves (ModelSource.fromDatasetStore',
    'with its key prefix, when the output is in the kit\'s dataset store, e.g. s3://STORE/models/NAME/).',
    '',
    'Techniques: awq (int4 AWQ), fp8 (needs g6, g6e or p5-class GPUs), smoothquant (int8, built with TensorRT-LLM),',
    '            compile-trtllm (NVIDIA GPUs). compile-neuron is refused: its transformers-neuronx output is not',
    '            what ServingContainer.NEURON (optimum-neuron) loads; serve the uncompressed weights there instead.',
    '',
    ...optionLines(OPTIONS),
    '',
    'Example:',
    '  npm run -s optimize -- --name llama-8b-awq-1 --technique awq --instance ml.g6e.2xlarge \\',
    '    --source s3://my-store-bucket/models/llama-3.1-8b-instruct/ \\',
    '    --output s3://my-store-bucket/models/optimized/llama-3.1-8b-awq/ \\',
    '    --role arn:aws:iam::123456789012:role/ModelOptimizationRole',
    '',
    'Stopping this script (Ctrl-C) does not stop the job. Exit codes: 0 completed; 1 the job could not be created,',
    'failed, stopped or outlasted --timeout; 2 bad usage.',
  ].join('\n');
}

if (require.main === module) runScript(main);
