/**
 * The optimize CLI: main() against a real SageMakerClient mocked with aws-sdk-client-mock, on a fake clock so
 * waiting takes no time; and once through `tsx` to prove the real entry point runs.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import {
  CreateOptimizationJobCommand, DescribeOptimizationJobCommand, SageMakerClient, type DescribeOptimizationJobCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { EXIT_JOB_FAILED, EXIT_OK, EXIT_USAGE, main, type Deps } from '../../scripts/optimize';

const sagemaker = mockClient(SageMakerClient);

const ROLE = 'arn:aws:iam::123456789012:role/ModelOptimizationRole';
const SOURCE = 's3://store-bucket/models/llama-3.1-8b-instruct/';
const OUTPUT = 's3://store-bucket/models/optimized/llama-8b-awq/';
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:optimization-job/llama-8b-awq-1';
const IMAGE = '763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.33.0-lmi15.0.0-cu128';
const ARGS = ['--name', 'llama-8b-awq-1', '--source', SOURCE, '--output', OUTPUT, '--instance', 'ml.g6e.12xlarge', '--technique', 'awq', '--role', ROLE];

interface Run { code: number; stdout: string; stderr: string; regions: (string | undefined)[] }

/** Runs main() with a real, mocked client and a clock that advances only when the script sleeps. */
async function run(argv: string[], client?: SageMakerClient): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let t = 1_700_000_000_000;
  const regions: (string | undefined)[] = [];
  const deps: Deps = {
    createClient: (region) => {
      regions.push(region);
      return client ?? new SageMakerClient({ region: region ?? 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    },
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
  const code = await main(argv, { stdout: (s) => { stdout += `${s}\n`; }, stderr: (s) => { stderr += `${s}\n`; } }, deps);
  return { code, stdout, stderr, regions };
}

const job = (status: string, extra: Partial<DescribeOptimizationJobCommandOutput> = {}) => ({
  OptimizationJobName: 'llama-8b-awq-1', OptimizationJobArn: ARN, OptimizationJobStatus: status, OutputConfig: { S3OutputLocation: OUTPUT }, ...extra,
}) as DescribeOptimizationJobCommandOutput;

/** STARTING, then INPROGRESS, then `last`, one poll (30 s) apart. */
function jobEnds(last: DescribeOptimizationJobCommandOutput): void {
  sagemaker.on(CreateOptimizationJobCommand).resolves({ OptimizationJobArn: ARN });
  sagemaker.on(DescribeOptimizationJobCommand).resolvesOnce(job('STARTING')).resolvesOnce(job('INPROGRESS')).resolves(last);
}

const sentRequest = () => sagemaker.commandCalls(CreateOptimizationJobCommand)[0].args[0].input;

beforeEach(() => sagemaker.reset());

describe('the CreateOptimizationJob request sent per technique', () => {
  const common = {
    OptimizationJobName: 'llama-8b-awq-1', RoleArn: ROLE, ModelSource: { S3: { S3Uri: SOURCE } },
    OutputConfig: { S3OutputLocation: OUTPUT }, StoppingCondition: { MaxRuntimeInSeconds: 36_000 },
  };

  test.each<[string, string, string[], object[]]>([
    ['awq', 'ml.g6e.12xlarge', ['--tp', '4'], [{ ModelQuantizationConfig: { OverrideEnvironment: { OPTION_QUANTIZE: 'awq', OPTION_TENSOR_PARALLEL_DEGREE: '4' } } }]],
    ['fp8', 'ml.p5.48xlarge', [], [{ ModelQuantizationConfig: { OverrideEnvironment: { OPTION_QUANTIZE: 'fp8' } } }]],
    ['smoothquant', 'ml.g5.12xlarge', ['--tp', '4'], [
      { ModelQuantizationConfig: { OverrideEnvironment: { OPTION_QUANTIZE: 'smoothquant', OPTION_TENSOR_PARALLEL_DEGREE: '4' } } },
      { ModelCompilationConfig: { OverrideEnvironment: { OPTION_TENSOR_PARALLEL_DEGREE: '4' } } },
    ]],
    ['compile-trtllm', 'ml.g6.2xlarge', [], [{ ModelCompilationConfig: {} }]],
  ])('%s on %s', async (technique, instance, extra, configs) => {
    // GIVEN a job that completes
    jobEnds(job('COMPLETED'));
    // WHEN
    const { code } = await run([...ARGS, '--technique', technique, '--instance', instance, ...extra]);
    // THEN
    expect(code).toBe(EXIT_OK);
    expect(sagemaker.commandCalls(CreateOptimizationJobCommand)).toHaveLength(1);
    expect(sentRequest()).toEqual({ ...common, DeploymentInstanceType: instance, OptimizationConfigs: configs });
  });

  test('every optional flag reaches the request', async () => {
    jobEnds(job('COMPLETED'));
    const { code } = await run([
      ...ARGS, '--max-runtime', '3600', '--image', IMAGE, '--kms-key', 'alias/genai-store', '--accept-eula',
      '--env', 'OPTION_MAX_MODEL_LEN=8192', '--env', 'OPTION_DTYPE=bf16', '--tag', 'project=chatbot', '--tag', 'stage=dev',
      '--subnet', 'subnet-0abc,subnet-0def', '--security-group', 'sg-0123',
    ]);
    expect(code).toBe(EXIT_OK);
    expect(sentRequest()).toEqual({
      OptimizationJobName: 'llama-8b-awq-1', RoleArn: ROLE,
      ModelSource: { S3: { S3Uri: SOURCE, ModelAccessConfig: { AcceptEula: true } } },
      DeploymentInstanceType: 'ml.g6e.12xlarge',
      OptimizationConfigs: [{ ModelQuantizationConfig: { Image: IMAGE, OverrideEnvironment: { OPTION_QUANTIZE: 'awq', OPTION_MAX_MODEL_LEN: '8192', OPTION_DTYPE: 'bf16' } } }],
      OutputConfig: { S3OutputLocation: OUTPUT, KmsKeyId: 'alias/genai-store' },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      Tags: [{ Key: 'project', Value: 'chatbot' }, { Key: 'stage', Value: 'dev' }],
      VpcConfig: { Subnets: ['subnet-0abc', 'subnet-0def'], SecurityGroupIds: ['sg-0123'] },
    });
  });

  test('--region picks the client\'s region; without it the SDK\'s default chain decides', async () => {
    jobEnds(job('COMPLETED'));
    expect((await run([...ARGS, '--region', 'eu-west-1'])).regions).toEqual(['eu-west-1']);
    expect((await run(ARGS)).regions).toEqual([undefined]);
  });
});

describe('waiting', () => {
  test('a completed job: status transitions with elapsed time on stderr, the output prefix alone on stdout', async () => {
    // GIVEN
    jobEnds(job('COMPLETED', { OptimizationOutput: { RecommendedInferenceImage: IMAGE } }));
    // WHEN
    const { code, stdout, stderr } = await run(ARGS);
    // THEN
    expect(code).toBe(EXIT_OK);
    expect(stdout).toBe(`${OUTPUT}\n`);
    expect(stderr).toContain(`Created optimization job llama-8b-awq-1 (${ARN}): ModelQuantizationConfig for ml.g6e.12xlarge, at most 36000 s.`);
    expect(stderr).toContain('[00:00:00] STARTING\n[00:00:30] STARTING -> INPROGRESS\n[00:01:00] INPROGRESS -> COMPLETED\n');
    expect(stderr).toContain(`Job llama-8b-awq-1 COMPLETED in 00:01:00.\nOptimized weights (uncompressed): ${OUTPUT}\nRecommended inference image: ${IMAGE}\n`);
    expect(stderr).toContain('ModelSource.fromDatasetStore(datasets, \'models/optimized/llama-8b-awq/\') when store-bucket is the kit\'s dataset store.');
    expect(sagemaker.commandCalls(DescribeOptimizationJobCommand)).toHaveLength(3);
  });

  test('--json prints one document with jobName, status, output and elapsedSeconds', async () => {
    jobEnds(job('COMPLETED', { OptimizationOutput: { RecommendedInferenceImage: IMAGE } }));
    const { code, stdout } = await run([...ARGS, '--json']);
    expect(code).toBe(EXIT_OK);
    expect(JSON.parse(stdout)).toEqual({
      jobName: 'llama-8b-awq-1', jobArn: ARN, status: 'COMPLETED', output: OUTPUT, recommendedInferenceImage: IMAGE,
      elapsedSeconds: 60, failureReason: null, error: null,
    });
  });

  test('a long job repeats its status every 5 minutes so the display shows it is alive', async () => {
    sagemaker.on(CreateOptimizationJobCommand).resolves({ OptimizationJobArn: ARN });
    const describe = sagemaker.on(DescribeOptimizationJobCommand);
    for (let i = 0; i < 12; i++) describe.resolvesOnce(job('INPROGRESS'));
    describe.resolves(job('COMPLETED'));
    const { stderr } = await run([...ARGS, '--poll', '60']);
    expect(stderr).toContain('[00:00:00] INPROGRESS\n[00:05:00] INPROGRESS (still running)\n[00:10:00] INPROGRESS (still running)\n[00:12:00] INPROGRESS -> COMPLETED\n');
  });

  test('fails when the job FAILED: exit 1 and the failure reason on stderr (and in --json)', async () => {
    jobEnds(job('FAILED', { FailureReason: 'ClientError: Unable to find config.json under s3://store-bucket/models/llama-3.1-8b-instruct/' }));
    const { code, stdout, stderr } = await run([...ARGS, '--json']);
    expect(code).toBe(EXIT_JOB_FAILED);
    expect(stderr).toContain('[00:00:30] STARTING -> INPROGRESS\n[00:01:00] INPROGRESS -> FAILED\n');
    expect(stderr).toContain('optimize: job llama-8b-awq-1 FAILED after 00:01:00: ClientError: Unable to find config.json under s3://store-bucket/models/llama-3.1-8b-instruct/');
    expect(JSON.parse(stdout)).toMatchObject({ status: 'FAILED', failureReason: 'ClientError: Unable to find config.json under s3://store-bucket/models/llama-3.1-8b-instruct/', elapsedSeconds: 60 });
  });

  test('fails when the job was STOPPED: exit 1, nothing on stdout', async () => {
    jobEnds(job('STOPPED'));
    const { code, stdout, stderr } = await run(ARGS);
    expect(code).toBe(EXIT_JOB_FAILED);
    expect(stdout).toBe('');
    expect(stderr).toContain('optimize: job llama-8b-awq-1 ended STOPPED after 00:01:00: stopped by StopOptimizationJob or by reaching MaxRuntimeInSeconds');
  });

  test('fails when --timeout passes first: exit 1, the job keeps running and the message says how to check or stop it', async () => {
    sagemaker.on(CreateOptimizationJobCommand).resolves({ OptimizationJobArn: ARN });
    sagemaker.on(DescribeOptimizationJobCommand).resolves(job('INPROGRESS'));
    const { code, stderr } = await run([...ARGS, '--timeout', '90', '--json']);
    expect(code).toBe(EXIT_JOB_FAILED);
    expect(stderr).toMatch(/optimize: Gave up waiting for optimization job llama-8b-awq-1 after 00:01:30 \(timeout 90 s\): it is still INPROGRESS/);
    expect(stderr).toContain('aws sagemaker stop-optimization-job --optimization-job-name llama-8b-awq-1');
    expect(sagemaker.commandCalls(DescribeOptimizationJobCommand)).toHaveLength(4);
  });

  test('without --timeout, waiting gives up 15 minutes after --max-runtime', async () => {
    sagemaker.on(CreateOptimizationJobCommand).resolves({ OptimizationJobArn: ARN });
    sagemaker.on(DescribeOptimizationJobCommand).resolves(job('INPROGRESS'));
    const { code, stderr } = await run([...ARGS, '--max-runtime', '600', '--poll', '300']);
    expect(code).toBe(EXIT_JOB_FAILED);
    expect(stderr).toContain('after 00:25:00 (timeout 1500 s)');
  });

  test('fails when CreateOptimizationJob is refused: exit 1 with the API error and what to do', async () => {
    const inUse = Object.assign(new Error('Optimization job llama-8b-awq-1 already exists'), { name: 'ResourceInUse' });
    sagemaker.on(CreateOptimizationJobCommand).rejects(inUse);
    const { code, stderr } = await run(ARGS);
    expect(code).toBe(EXIT_JOB_FAILED);
    expect(stderr).toContain('optimize: CreateOptimizationJob failed: ResourceInUse: Optimization job llama-8b-awq-1 already exists. A job with this --name exists');
    expect(sagemaker.commandCalls(DescribeOptimizationJobCommand)).toHaveLength(0);
  });

  test('fails when access is denied: the hint names the caller\'s permissions', async () => {
    sagemaker.on(CreateOptimizationJobCommand).rejects(Object.assign(new Error('not authorized to perform iam:PassRole'), { name: 'AccessDeniedException' }));
    const { code, stderr } = await run(ARGS);
    expect(code).toBe(EXIT_JOB_FAILED);
    expect(stderr).toContain('iam:PassRole on --role (condition iam:PassedToService = sagemaker.amazonaws.com)');
  });

  test('--no-wait creates the job, prints the output prefix and never polls', async () => {
    sagemaker.on(CreateOptimizationJobCommand).resolves({ OptimizationJobArn: ARN });
    const { code, stdout, stderr } = await run([...ARGS, '--no-wait']);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toBe(`${OUTPUT}\n`);
    expect(stderr).toContain('Not waiting.');
    expect(sagemaker.commandCalls(DescribeOptimizationJobCommand)).toHaveLength(0);
  });

  test('fails when no region can be resolved: exit 2 before any call', async () => {
    const regionless = new SageMakerClient({ region: async () => { throw new Error('Region is missing'); }, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const { code, stderr } = await run(ARGS, regionless);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain('no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile.');
    expect(sagemaker.calls()).toHaveLength(0);
  });
});

describe('bad usage exits 2 with every problem at once and calls nothing', () => {
  afterEach(() => expect(sagemaker.calls()).toHaveLength(0));

  const problems = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4));

  test('fails when no arguments are given: usage on stderr', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(EXIT_USAGE);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Usage: npm run optimize -- --name NAME/);
  });

  test('fails when every required option is missing and unknown options and positionals are given', async () => {
    const { code, stderr } = await run(['--nmae', 'x', 'extra']);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/^optimize: 9 problems\n/);
    expect(problems(stderr)).toEqual([
      expect.stringMatching(/^--nmae is not an option: use --name, --source/),
      '"x" is not an option: options start with --, e.g. --name x.',
      '"extra" is not an option: options start with --, e.g. --name extra.',
      '--name is missing: give the job a name, e.g. llama-8b-awq-1.',
      '--role is missing: pass the ARN of the kit\'s ModelOptimizationRole (stack output OptimizationRoleArn).',
      '--source is missing: pass the S3 prefix of the uncompressed weights, e.g. s3://bucket/models/llama-8b/.',
      '--output is missing: pass an S3 prefix for the optimized weights, e.g. s3://bucket/optimized/llama-8b-awq/.',
      '--technique is missing: choose one of awq, fp8, smoothquant, compile-trtllm, compile-neuron.',
      '--instance is missing: pass the instance the model will be served on, e.g. ml.g6e.12xlarge.',
    ]);
    expect(stderr).toMatch(/Run `npm run optimize -- --help` for usage\.\n$/);
  });

  test('fails when values do not parse or break the API rules, all reported together', async () => {
    const { code, stderr } = await run([
      '--name', 'my_job', '--source', 'meta-llama/Llama-3.1-8B-Instruct', '--output', 's3://store-bucket/out', '--instance', 'ml.g6e.12xlarge',
      '--technique', 'gptq', '--role', 'my-role', '--tp', 'four', '--max-runtime', '0', '--region', 'Virginia', '--env', 'NOEQUALS',
      '--tag', 'aws:team=x', '--poll', '-5', '--json=yes',
    ]);
    expect(code).toBe(EXIT_USAGE);
    expect(problems(stderr)).toEqual([
      '--json takes no value: write just --json.',
      '--tp is "four": use a whole number of at least 1.',
      '--max-runtime is "0": use a whole number of at least 1.',
      '--env is "NOEQUALS": use KEY=VALUE, e.g. --env OPTION_MAX_MODEL_LEN=8192.',
      expect.stringMatching(/^--name is "my_job": use 1-63 letters.* e\.g\. my-job\.$/),
      expect.stringMatching(/^--role is "my-role": use an IAM role ARN/),
      expect.stringMatching(/^--source is "meta-llama\/Llama-3.1-8B-Instruct", which looks like a Hugging Face id/),
      expect.stringMatching(/^--output is "s3:\/\/store-bucket\/out": end the S3 prefix with \//),
      '--technique is "gptq": use one of awq, fp8, smoothquant, compile-trtllm, compile-neuron.',
      expect.stringMatching(/^--tag has the key "aws:team": the aws: prefix is reserved/),
      '--region is "Virginia": use a region code such as us-east-1 or eu-west-1.',
      '--poll is "-5": use a whole number of at least 1.',
    ]);
  });

  test('fails when an option has no value', async () => {
    const { code, stderr } = await run([...ARGS, '--tp']);
    expect(code).toBe(EXIT_USAGE);
    expect(problems(stderr)).toEqual(['--tp needs a value: tensor parallel degree: GPUs, or NeuronCores on Neuron (default: the container\'s).']);
  });

  test('fails when --env gives 24 variables and --tp makes 26 in one OverrideEnvironment (the API allows 25)', async () => {
    const env = Array.from({ length: 24 }, (_, i) => ['--env', `OPTION_X${i}=1`]).flat();
    const { code, stderr } = await run([...ARGS, ...env, '--tp', '2']);
    expect(code).toBe(EXIT_USAGE);
    expect(problems(stderr)).toEqual([
      '--env gives 24 variables and --technique awq adds 2: 26 in ModelQuantizationConfig.OverrideEnvironment, over the API\'s limit of 25; drop 1.',
    ]);
  });

  test.each([
    ['awq on a Neuron instance', ['--instance', 'ml.inf2.48xlarge'], /^--technique is "awq" but --instance ml.inf2.48xlarge \(12x Inferentia2\) is an AWS Neuron instance/],
    ['compile-neuron, whose output the Neuron container cannot load', ['--technique', 'compile-neuron'], /^--technique is "compile-neuron": SageMaker's Neuron compilation writes a transformers-neuronx model/],
    ['fp8 on a GPU without FP8 (A10G)', ['--technique', 'fp8', '--instance', 'ml.g5.48xlarge'], /^--technique is "fp8" but --instance ml.g5.48xlarge \(8x A10G\) has Ampere GPUs without FP8 tensor cores/],
    ['--tp exceeds the GPUs', ['--tp', '8'], /^--tp is 8 but ml.g6e.12xlarge has 4 GPUs \(4x L40S\): use at most 4/],
    ['the instance is not one the API accepts', ['--instance', 'ml.c5.xlarge'], /^--instance is "ml.c5.xlarge", which CreateOptimizationJob does not accept/],
    ['the output overlaps the source', ['--output', `${SOURCE}awq/`], /^--output is .* which overlaps --source/],
  ])('fails when %s', async (_case, extra, expected) => {
    const { code, stderr } = await run([...ARGS, ...extra]);
    expect(code).toBe(EXIT_USAGE);
    expect(problems(stderr)).toEqual([expect.stringMatching(expected)]);
  });
});

test('--help prints usage on stdout and exits 0', async () => {
  const { code, stdout } = await run(['--help']);
  expect(code).toBe(EXIT_OK);
  expect(stdout).toContain('--technique <value>');
  expect(stdout).toContain('awq|fp8|smoothquant|compile-trtllm|compile-neuron');
});

test('the real entry point runs through tsx: --help exits 0 with usage', () => {
  const root = path.join(__dirname, '..', '..');
  const out = execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/optimize.ts', '--help'], { cwd: root, encoding: 'utf8' });
  expect(out).toMatch(/^Usage: npm run optimize -- --name NAME --source s3:\/\/\.\.\. --output s3:\/\/\.\.\./);
  expect(out).toContain('Stopping this script (Ctrl-C) does not stop the job.');
});
