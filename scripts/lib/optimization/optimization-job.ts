/**
 * Builds the SageMaker `CreateOptimizationJob` request that quantizes (AWQ, FP8, SmoothQuant) or compiles
 * (TensorRT-LLM, Neuron) a model whose uncompressed weights are in S3, after checking every input against the
 * API's documented constraints and the technique/hardware rules, so a bad job fails here, not 20 minutes in.
 *
 * Sources: API_CreateOptimizationJob, API_ModelQuantizationConfig, API_ModelCompilationConfig,
 * API_OptimizationJobModelSourceS3, API_OptimizationJobOutputConfig, API_OptimizationVpcConfig and API_Tag
 * (SageMaker API Reference); the technique/instance rules of sagemaker-python-sdk
 * `sagemaker/serve/validations/optimization.py`. Pure: no AWS calls, no aws-cdk-lib.
 */
import { MAX_TRAINING_RUNTIME_SECONDS } from '../../../lib/config/training-rules';
import {
  OptimizationJobDeploymentInstanceType, type CreateOptimizationJobCommandInput, type OptimizationConfig,
} from '@aws-sdk/client-sagemaker';
import { AcceleratorKind, describeAccelerators, InstanceCatalog, shardUnits, show, type InstanceType } from '../../../lib/sizing';

/** What the job does to the model (a closed set). */
export enum OptimizationTechnique {
  /** 4-bit AWQ weights: `ModelQuantizationConfig` with `OPTION_QUANTIZE=awq`. NVIDIA GPUs. */
  AWQ = 'awq',
  /** FP8 weights: `ModelQuantizationConfig` with `OPTION_QUANTIZE=fp8`. GPUs with FP8 tensor cores (Ada, Hopper). */
  FP8 = 'fp8',
  /**
   * INT8 SmoothQuant: `ModelQuantizationConfig` with `OPTION_QUANTIZE=smoothquant` plus a `ModelCompilationConfig`,
   * because SmoothQuant runs in the TensorRT-LLM container only and "must be provided with Compilation"
   * (sagemaker-python-sdk optimization.py). NVIDIA GPUs.
   */
  SMOOTHQUANT = 'smoothquant',
  /** TensorRT-LLM engine build: `ModelCompilationConfig` on an NVIDIA GPU instance. */
  COMPILE_TRTLLM = 'compile-trtllm',
  /**
   * AWS Neuron compilation: `ModelCompilationConfig` on an inf2, trn1 or trn1n instance. Refused: SageMaker's
   * Neuron compilation writes a transformers-neuronx model (djl-serving 0.33.0-dlc
   * serving/docker/partition/sm_neo_neuron_partition.py sets `option.entryPoint=djl_python.transformers_neuronx`),
   * which `ServingContainer.NEURON` (optimum-neuron's vLLM server) cannot load.
   */
  COMPILE_NEURON = 'compile-neuron',
}

export const OPTIMIZATION_TECHNIQUES: readonly OptimizationTechnique[] = Object.values(OptimizationTechnique);

/** A technique or its string value, so a config or a CLI can say `'awq'`. */
export type OptimizationTechniqueLike = OptimizationTechnique | `${OptimizationTechnique}`;

/** The instance types `CreateOptimizationJob` accepts (`OptimizationJobDeploymentInstanceType` of the SDK). */
export const OPTIMIZATION_INSTANCE_TYPES: readonly string[] = Object.values(OptimizationJobDeploymentInstanceType);

/** The environment variable that selects the quantization method in the LMI container. */
export const QUANTIZE_VARIABLE = 'OPTION_QUANTIZE';
/** The environment variable that sets tensor parallelism (GPUs, or NeuronCores on Neuron) in the LMI container. */
export const TENSOR_PARALLEL_VARIABLE = 'OPTION_TENSOR_PARALLEL_DEGREE';
/** Entries one `OverrideEnvironment` map may hold (API_ModelQuantizationConfig, API_ModelCompilationConfig). */
export const MAX_OVERRIDE_VARIABLES = 25;
/** Tags one job may carry (API_CreateOptimizationJob `Tags`). */
export const MAX_TAGS = 50;
/** The SageMaker Python SDK's `ModelBuilder.optimize(max_runtime_in_sec=36000)` default: 10 hours. */
export const DEFAULT_MAX_RUNTIME_SECONDS = 36_000;
/** 28 days, the longest `StoppingCondition.MaxRuntimeInSeconds` (API_StoppingCondition), as for training jobs. */
export const MAX_RUNTIME_LIMIT_SECONDS = MAX_TRAINING_RUNTIME_SECONDS;

export interface OptimizationVpc {
  /** Subnet ids, 1 to 16. */
  readonly subnets: readonly string[];
  /** Security group ids, 1 to 5. */
  readonly securityGroupIds: readonly string[];
}

export interface OptimizationJobOptions {
  /** 1-63 letters, digits and hyphens, starting and ending with a letter or digit; unique in the account and region. */
  readonly jobName: string;
  /** The execution role SageMaker assumes (the kit's `ModelOptimizationRole`). */
  readonly roleArn: string;
  /**
   * S3 prefix of the uncompressed source weights (`config.json`, `*.safetensors`, tokenizer), ending in `/`.
   * The API reads S3 (or an existing SageMaker model), never a Hugging Face id: upload the repository first.
   */
  readonly source: string;
  /** S3 prefix, ending in `/`, where SageMaker writes the optimized, uncompressed weights. */
  readonly output: string;
  /** The instance the optimized model will be served on, e.g. `ml.g6e.12xlarge`. */
  readonly instanceType: string | InstanceType;
  readonly technique: OptimizationTechniqueLike;
  /** GPUs (NeuronCores on Neuron) to shard the model over. @default - the container's default */
  readonly tensorParallelDegree?: number;
  /** URI of an LMI container image in ECR that runs the optimization. @default - SageMaker picks the LMI image */
  readonly image?: string;
  /** `StoppingCondition.MaxRuntimeInSeconds`. @default DEFAULT_MAX_RUNTIME_SECONDS (10 hours) */
  readonly maxRuntimeSeconds?: number;
  /** KMS key (ARN, id or alias) that encrypts the output in S3. @default - the bucket's default encryption */
  readonly kmsKeyId?: string;
  /** Accept the model's end-user license (gated JumpStart models). @default false - no ModelAccessConfig is sent */
  readonly acceptEula?: boolean;
  /** More LMI container variables, added to each configuration's `OverrideEnvironment`. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Tags of the job. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
  /** Subnets and security groups the job runs in. @default - no VPC */
  readonly vpc?: OptimizationVpc;
}

/** Field names as the caller spells them (`--instance` for a CLI); the option names are the default. */
export type OptimizationFieldNames = Readonly<Partial<Record<keyof OptimizationJobOptions | keyof OptimizationVpc, string>>>;

/** Thrown when the options are invalid; `issues` holds one sentence per problem, each saying what to do. */
export class OptimizationInputError extends Error {
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[]) {
    super(`Invalid optimization job (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n  - ${issues.join('\n  - ')}`);
    this.name = 'OptimizationInputError';
    this.issues = issues;
  }
}

/** The request for `CreateOptimizationJobCommand`. Throws one OptimizationInputError listing every problem. */
export function buildOptimizationJobRequest(options: OptimizationJobOptions, names: OptimizationFieldNames = {}): CreateOptimizationJobCommandInput {
  const issues = optimizationJobIssues(options, names);
  if (issues.length > 0) throw new OptimizationInputError(issues);
  const technique = options.technique as OptimizationTechnique;
  const vpc = options.vpc;
  return {
    OptimizationJobName: options.jobName,
    RoleArn: options.roleArn,
    ModelSource: { S3: { S3Uri: options.source, ...(options.acceptEula === true ? { ModelAccessConfig: { AcceptEula: true } } : {}) } },
    DeploymentInstanceType: String(options.instanceType) as OptimizationJobDeploymentInstanceType,
    OptimizationConfigs: optimizationConfigs(technique, options),
    OutputConfig: { S3OutputLocation: options.output, ...(options.kmsKeyId === undefined ? {} : { KmsKeyId: options.kmsKeyId }) },
    StoppingCondition: { MaxRuntimeInSeconds: options.maxRuntimeSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS },
    ...(options.tags === undefined || Object.keys(options.tags).length === 0
      ? {} : { Tags: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) }),
    ...(vpc === undefined ? {} : { VpcConfig: { Subnets: [...vpc.subnets], SecurityGroupIds: [...vpc.securityGroupIds] } }),
  };
}

/** Every problem with the options, as sentences naming the field, the value, what is allowed and what to do. */
export function optimizationJobIssues(input: Partial<OptimizationJobOptions>, names: OptimizationFieldNames = {}): string[] {
  const name = (field: keyof OptimizationJobOptions | keyof OptimizationVpc): string => names[field] ?? field;
  const issues: string[] = [];
  const missing = (field: keyof OptimizationJobOptions, hint: string) => issues.push(`${name(field)} is missing: ${hint}.`);

  if (input.jobName === undefined) missing('jobName', 'give the job a name, e.g. llama-8b-awq-1');
  else issues.push(...jobNameIssues(name('jobName'), input.jobName));

  if (input.roleArn === undefined) missing('roleArn', 'pass the ARN of the kit\'s ModelOptimizationRole (stack output OptimizationRoleArn)');
  else if (input.roleArn.length < 20 || input.roleArn.length > 2048 || !ROLE_ARN.test(input.roleArn)) {
    issues.push(`${name('roleArn')} is ${show(input.roleArn)}: use an IAM role ARN such as arn:aws:iam::123456789012:role/ModelOptimizationRole ` +
      '(the kit\'s ModelOptimizationRole, stack output OptimizationRoleArn).');
  }

  if (input.source === undefined) missing('source', 'pass the S3 prefix of the uncompressed weights, e.g. s3://bucket/models/llama-8b/');
  else issues.push(...s3PrefixIssues(name('source'), input.source, 'source'));
  if (input.output === undefined) missing('output', 'pass an S3 prefix for the optimized weights, e.g. s3://bucket/optimized/llama-8b-awq/');
  else issues.push(...s3PrefixIssues(name('output'), input.output, 'output'));
  if (input.source !== undefined && input.output !== undefined && S3_PREFIX.test(input.source) && S3_PREFIX.test(input.output)
    && (input.output.startsWith(input.source) || input.source.startsWith(input.output))) {
    issues.push(`${name('output')} is ${show(input.output)}, which overlaps ${name('source')} ${show(input.source)}: ` +
      'write the optimized weights to a prefix outside the source weights, e.g. a sibling prefix.');
  }

  const technique = input.technique;
  const techniqueKnown = technique !== undefined && OPTIMIZATION_TECHNIQUES.includes(technique as OptimizationTechnique);
  if (technique === undefined) missing('technique', `choose one of ${OPTIMIZATION_TECHNIQUES.join(', ')}`);
  else if (!techniqueKnown) issues.push(`${name('technique')} is ${show(technique)}: use one of ${OPTIMIZATION_TECHNIQUES.join(', ')}.`);

  const instanceType = input.instanceType === undefined ? undefined : String(input.instanceType);
  const instanceKnown = instanceType !== undefined && OPTIMIZATION_INSTANCE_TYPES.includes(instanceType);
  if (instanceType === undefined) missing('instanceType', 'pass the instance the model will be served on, e.g. ml.g6e.12xlarge');
  else if (!instanceKnown) {
    issues.push(`${name('instanceType')} is ${show(instanceType)}, which CreateOptimizationJob does not accept: use one of ${OPTIMIZATION_INSTANCE_TYPES.join(', ')}.`);
  }
  const hardware = instanceKnown ? hardwareOf(instanceType) : undefined;
  if (techniqueKnown && hardware !== undefined) {
    issues.push(...hardwareIssues(technique as OptimizationTechnique, hardware, name('technique'), name('instanceType')));
  }

  const tp = input.tensorParallelDegree;
  if (tp !== undefined) {
    if (!Number.isInteger(tp) || tp < 1) {
      issues.push(`${name('tensorParallelDegree')} is ${show(tp)}: use a whole number of at least 1 (GPUs, or NeuronCores on Neuron, to shard the model over).`);
    } else if (hardware?.units !== undefined && tp > hardware.units.count) {
      issues.push(`${name('tensorParallelDegree')} is ${tp} but ${hardware.instanceType} has ${hardware.units.count} ${hardware.units.label}s ` +
        `(${hardware.accelerators}): use at most ${hardware.units.count}, or a larger instance.`);
    }
  }

  if (input.image !== undefined && (input.image.length > 255 || !ECR_IMAGE.test(input.image))) {
    issues.push(`${name('image')} is ${show(input.image)}: use an LMI image URI in ECR of at most 255 characters, ` +
      'e.g. 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.33.0-lmi15.0.0-cu128, or omit it to let SageMaker choose.');
  }

  const runtime = input.maxRuntimeSeconds;
  if (runtime !== undefined && (!Number.isInteger(runtime) || runtime < 1 || runtime > MAX_RUNTIME_LIMIT_SECONDS)) {
    issues.push(`${name('maxRuntimeSeconds')} is ${show(runtime)}: use whole seconds from 1 to ${MAX_RUNTIME_LIMIT_SECONDS} (28 days); ` +
      `the default is ${DEFAULT_MAX_RUNTIME_SECONDS} (10 hours).`);
  }

  if (input.kmsKeyId !== undefined && (input.kmsKeyId === '' || input.kmsKeyId.length > 2048 || !KMS_KEY.test(input.kmsKeyId))) {
    issues.push(`${name('kmsKeyId')} is ${show(input.kmsKeyId)}: use a KMS key ARN, key id or alias (letters, digits, ':', '/', '_', '-'; at most 2048 characters).`);
  }

  if (input.environment !== undefined) {
    issues.push(...environmentIssues(name('environment'), input.environment, techniqueKnown ? technique as OptimizationTechnique : undefined,
      tp, name('tensorParallelDegree'), name('technique')));
  }
  if (input.tags !== undefined) issues.push(...tagIssues(name('tags'), input.tags));
  if (input.vpc !== undefined) issues.push(...vpcIssues(name('subnets'), name('securityGroupIds'), input.vpc));
  return issues;
}

// API_CreateOptimizationJob patterns.
const JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
// API_OptimizationJobOutputConfig KmsKeyId pattern.
const KMS_KEY = /^[a-zA-Z0-9:/_-]*$/;
// An ECR image: ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPOSITORY[:TAG|@sha256:DIGEST].
const ECR_IMAGE = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9][a-z0-9._/-]*(:[\w.-]{1,128}|@sha256:[a-f0-9]{64})?$/;
// s3://bucket/ or s3://bucket/prefix/: the API allows any (https|s3)://..., the kit works with uncompressed prefixes.
const S3_PREFIX = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([^\s]*\/)?$/;
// API_Tag key and value pattern.
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
// API_OptimizationVpcConfig subnet and security group pattern.
const VPC_ID = /^[-0-9a-zA-Z]+$/;

function jobNameIssues(field: string, jobName: string): string[] {
  if (JOB_NAME.test(jobName) && jobName.length <= 63) return [];
  const fixed = jobName.replace(/[^a-zA-Z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  const example = fixed === '' ? 'llama-8b-awq-1' : fixed;
  return [`${field} is ${show(jobName)}: use 1-63 letters, digits and hyphens that start and end with a letter or digit ` +
    `(SageMaker pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$), e.g. ${example}.`];
}

function s3PrefixIssues(field: string, uri: string, role: 'source' | 'output'): string[] {
  if (S3_PREFIX.test(uri) && uri.length <= 1024) return [];
  if (role === 'source' && !uri.includes('://') && /^[\w.-]+\/[\w.-]+$/.test(uri)) {
    return [`${field} is ${show(uri)}, which looks like a Hugging Face id: CreateOptimizationJob reads weights from S3 only ` +
      `(ModelSource.S3); download the repository and upload its files to an S3 prefix, then pass s3://BUCKET/models/${uri.split('/')[1]}/.`];
  }
  if (/\.(tar\.gz|tgz|tar)$/.test(uri)) {
    return [`${field} is ${show(uri)}, an archive: the kit works with uncompressed weights under an S3 prefix; ` +
      `${role === 'source' ? 'extract the archive to a prefix' : 'name a prefix'} ending in /, e.g. ${uri.replace(/[^/]+$/, '')}.`];
  }
  if (uri.startsWith('s3://') && !uri.endsWith('/') && uri.length < 1024) {
    return [`${field} is ${show(uri)}: end the S3 prefix with / (${uri}/), so it names a folder of files and not every key that starts with it.`];
  }
  return [`${field} is ${show(uri)}: use an S3 prefix of at most 1024 characters, s3://BUCKET/PREFIX/ (a valid bucket name, ending in /).`];
}

interface Hardware {
  readonly instanceType: string;
  readonly family: string;
  readonly kind: AcceleratorKind;
  /** Known only for instances of the sizing catalog. */
  readonly supportsFp8?: boolean;
  readonly accelerators?: string;
  readonly generation?: string;
  readonly units?: { readonly count: number; readonly label: string };
}

/** The accelerator of an instance: from the sizing catalog when it knows the type, else from the family name. */
function hardwareOf(instanceType: string): Hardware {
  const family = instanceType.split('.')[1] ?? '';
  const spec = InstanceCatalog.DEFAULT.lookup(instanceType);
  if (spec === undefined) {
    return { instanceType, family, kind: /^(inf|trn)/.test(family) ? AcceleratorKind.NEURON : AcceleratorKind.GPU };
  }
  const units = shardUnits(spec);
  return {
    instanceType, family, kind: spec.accelerator.kind, supportsFp8: spec.accelerator.supportsFp8,
    accelerators: describeAccelerators(spec), generation: spec.accelerator.generation, units: { count: units.count, label: units.label },
  };
}

/** Families of the catalog whose accelerators have FP8 tensor cores, for messages: g6, g6e, p5, p5e, p5en. */
function fp8Families(): string[] {
  const families = InstanceCatalog.DEFAULT.all().filter((s) => s.accelerator.supportsFp8).map((s) => s.instanceType.split('.')[1]);
  return [...new Set(families)];
}

function hardwareIssues(technique: OptimizationTechnique, hw: Hardware, techniqueField: string, instanceField: string): string[] {
  const has = hw.accelerators === undefined ? hw.instanceType : `${hw.instanceType} (${hw.accelerators})`;
  if (technique === OptimizationTechnique.COMPILE_NEURON) {
    return [`${techniqueField} is "compile-neuron": SageMaker's Neuron compilation writes a transformers-neuronx model ` +
      '(djl-serving sm_neo_neuron_partition.py), which ServingContainer.NEURON (optimum-neuron) cannot load, so the kit could not serve the output. ' +
      'Serve the uncompressed weights with ServingContainer.NEURON instead: it uses a pre-compiled configuration from the optimum-neuron cache, or compiles at startup.'];
  }
  if (hw.kind === AcceleratorKind.NEURON) {
    return [`${techniqueField} is "${technique}" but ${instanceField} ${has} is an AWS Neuron instance: ` +
      'quantization and TensorRT-LLM need an NVIDIA GPU instance; serve the uncompressed weights with ServingContainer.NEURON on this instance, or optimize for a GPU instance such as ml.g6e.12xlarge.'];
  }
  if (hw.family === 'g4dn') {
    // sagemaker-python-sdk optimization.py supports GPU optimization on p4d, p4de, p5, g5 and g6 only; T4 has no bf16.
    return [`${instanceField} is ${has}: quantization and compilation are not supported on g4dn (NVIDIA T4, Turing); ` +
      'use an Ampere or newer GPU instance such as ml.g5, ml.g6 or ml.g6e.'];
  }
  if (technique === OptimizationTechnique.FP8 && hw.supportsFp8 === false) {
    return [`${techniqueField} is "fp8" but ${instanceField} ${has} has ${hw.generation} GPUs without FP8 tensor cores: ` +
      `use an FP8-capable instance (${fp8Families().map((f) => `ml.${f}`).join(', ')}: Ada Lovelace or Hopper), or awq or smoothquant on this one.`];
  }
  return [];
}

/** The configurations of a technique: the variables it sets, and whether it quantizes and/or compiles. */
function plan(technique: OptimizationTechnique): { quantize?: string; compile: boolean } {
  switch (technique) {
    case OptimizationTechnique.AWQ: return { quantize: 'awq', compile: false };
    case OptimizationTechnique.FP8: return { quantize: 'fp8', compile: false };
    case OptimizationTechnique.SMOOTHQUANT: return { quantize: 'smoothquant', compile: true };
    default: return { compile: true };
  }
}

function overrides(technique: OptimizationTechnique, tp: number | undefined, environment: Readonly<Record<string, string>> = {}) {
  const shared: Record<string, string> = { ...environment, ...(tp === undefined ? {} : { [TENSOR_PARALLEL_VARIABLE]: String(tp) }) };
  const { quantize, compile } = plan(technique);
  return {
    quantization: quantize === undefined ? undefined : { [QUANTIZE_VARIABLE]: quantize, ...shared },
    compilation: compile ? shared : undefined,
  };
}

function optimizationConfigs(technique: OptimizationTechnique, options: OptimizationJobOptions): OptimizationConfig[] {
  const { quantization, compilation } = overrides(technique, options.tensorParallelDegree, options.environment);
  const settings = (env: Record<string, string>) => ({
    ...(options.image === undefined ? {} : { Image: options.image }),
    ...(Object.keys(env).length === 0 ? {} : { OverrideEnvironment: env }),
  });
  const configs: OptimizationConfig[] = [];
  if (quantization !== undefined) configs.push({ ModelQuantizationConfig: settings(quantization) });
  if (compilation !== undefined) configs.push({ ModelCompilationConfig: settings(compilation) });
  return configs;
}

/** Each variable, and (when the technique is known) the count per configuration against the API's limit. */
function environmentIssues(
  field: string, environment: Readonly<Record<string, string>>, technique: OptimizationTechnique | undefined, tp: number | undefined,
  tpField: string, techniqueField: string,
): string[] {
  const issues: string[] = [];
  for (const [key, value] of Object.entries(environment)) {
    if (key.trim() === '' || key.length > 256) issues.push(`${field} has the key ${show(key)}: use a non-blank name of at most 256 characters.`);
    if (value.length > 256) issues.push(`${field} ${key} is ${value.length} characters long: the API allows at most 256 per value.`);
    if (key === QUANTIZE_VARIABLE) issues.push(`${field} sets ${QUANTIZE_VARIABLE}, which ${techniqueField} sets: remove it and choose the method with ${techniqueField}.`);
    if (key === TENSOR_PARALLEL_VARIABLE) issues.push(`${field} sets ${TENSOR_PARALLEL_VARIABLE}: remove it and use ${tpField} instead.`);
  }
  if (technique === undefined) return issues;
  const { quantization, compilation } = overrides(technique, tp, environment);
  for (const [config, env] of [['ModelQuantizationConfig', quantization], ['ModelCompilationConfig', compilation]] as const) {
    const count = env === undefined ? 0 : Object.keys(env).length;
    if (count > MAX_OVERRIDE_VARIABLES) {
      const own = count - Object.keys(environment).length;
      issues.push(`${field} gives ${Object.keys(environment).length} variables and ${techniqueField} ${technique} adds ${own}: ` +
        `${count} in ${config}.OverrideEnvironment, over the API's limit of ${MAX_OVERRIDE_VARIABLES}; drop ${count - MAX_OVERRIDE_VARIABLES}.`);
    }
  }
  return issues;
}

function tagIssues(field: string, tags: Readonly<Record<string, string>>): string[] {
  const issues: string[] = [];
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) issues.push(`${field} gives ${entries.length} tags: a job takes at most ${MAX_TAGS}; drop ${entries.length - MAX_TAGS}.`);
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128 || !TAG_TEXT.test(key)) {
      issues.push(`${field} has the key ${show(key)}: use 1-128 letters, digits, spaces and _ . : / = + - @.`);
    } else if (key.toLowerCase().startsWith('aws:')) {
      issues.push(`${field} has the key ${show(key)}: the aws: prefix is reserved for AWS; choose another key.`);
    }
    if (value.length > 256 || !TAG_TEXT.test(value)) {
      issues.push(`${field} ${key} is ${show(value)}: use at most 256 letters, digits, spaces and _ . : / = + - @.`);
    }
  }
  return issues;
}

function vpcIssues(subnetField: string, groupField: string, vpc: OptimizationVpc): string[] {
  const issues: string[] = [];
  const check = (field: string, ids: readonly string[], max: number, example: string) => {
    if (ids.length < 1 || ids.length > max) {
      issues.push(`${field} gives ${ids.length}: a VPC job needs 1 to ${max}, e.g. ${example}.`);
    }
    for (const id of ids) {
      if (id.length > 32 || !VPC_ID.test(id)) issues.push(`${field} has ${show(id)}: use an id such as ${example}.`);
    }
  };
  check(subnetField, vpc.subnets, 16, 'subnet-0abc1234def567890');
  check(groupField, vpc.securityGroupIds, 5, 'sg-0abc1234def567890');
  return issues;
}
