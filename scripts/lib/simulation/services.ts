// Stand-ins for the services the kit's state machines call, answering as their API references describe:
// SageMaker training jobs behind the `.sync` integration (job progression, FailureReason, spot interruptions,
// checkpoints, the duplicate-name check), the SageMaker model registry, Bedrock model customization jobs
// (InProgress, Completed, Failed, Stopped, with optional fields absent where the API leaves them out),
// Bedrock tagging, knowledge-base ingestion, SNS, and the kit's own Lambda steps run as their deployed bundles
// against the S3 stand-in. Every call is recorded; a stand-in rejects what the real API would reject.
//
// Sources (read 2026-12-02):
// - Amazon SageMaker API Reference: CreateTrainingJob (TrainingJobName pattern, ResourceConfig, StoppingCondition),
//   DescribeTrainingJob (TrainingJobStatus, SecondaryStatus values, FailureReason, ModelArtifacts present once
//   the job has produced them, BillableTimeInSeconds with managed spot), CreateModelPackage.
// - AWS Step Functions Developer Guide: "Run a Job (.sync)" for SageMaker (the task result is the Describe
//   response; a Failed or Stopped job fails the task with States.TaskFailed and the Describe response as cause),
//   "Handling errors" (Lambda errors: the function's errorType as Error, its JSON error as Cause), "AWS SDK
//   service integrations" (errors named <Service>.<Exception>).
// - Amazon Bedrock API Reference: CreateModelCustomizationJob, GetModelCustomizationJob (outputModelArn,
//   failureMessage and endTime are not required members), StartIngestionJob (ConflictException).
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { TrainingInstanceType } from '@aws-sdk/client-sagemaker';
import { hasLocalNvmeStorage } from '../../../lib/serving';
import type { S3StandIn } from '../standins';
import { TaskFailure, type TaskCall, type TaskHandler } from './execute';

/** One call a stand-in answered (or refused). */
export interface ServiceCall {
  readonly state: string;
  readonly service: string;
  readonly action: string;
  readonly parameters: Record<string, unknown>;
  readonly error?: string;
}

/** How one SageMaker training job (a Train or Evaluate state's job) behaves. */
export interface TrainingJobBehaviour {
  /** @default 'Completed' */
  readonly outcome?: 'Completed' | 'Failed' | 'Stopped';
  /** DescribeTrainingJob FailureReason of a Failed job. */
  readonly failureReason?: string;
  /** Managed spot: times the job is interrupted and restarted before it ends. @default 0 */
  readonly spotInterruptions?: number;
  /** The job's wait for spot capacity outlasts MaxWaitTimeInSeconds: it ends Stopped (MaxWaitTimeExceeded). */
  readonly exceedsMaxWait?: boolean;
  /** CreateTrainingJob fails this many times first with a throttling error (each retry is a new call). @default 0 */
  readonly throttledCreates?: number;
  /** What an evaluation job writes to metrics.json (evaluate.py's document). */
  readonly metrics?: Record<string, unknown>;
}

/** How Bedrock model customization jobs behave. */
export interface CustomizationBehaviour {
  /** Statuses GetModelCustomizationJob returns, one per call; the last repeats. @default ['InProgress', 'Completed'] */
  readonly statuses?: readonly ('InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped')[];
  readonly failureMessage?: string;
  /** validation_loss rows of validation_metrics.csv. @default [1.9, 1.4] */
  readonly validationLoss?: readonly number[];
}

export interface IngestionBehaviour {
  /** StartIngestionJob answers ConflictException this many times first. @default 0 */
  readonly conflicts?: number;
}

export interface ServiceBehaviour {
  readonly train?: TrainingJobBehaviour;
  readonly evaluate?: TrainingJobBehaviour;
  readonly customization?: CustomizationBehaviour;
  readonly ingestion?: IngestionBehaviour;
}

/** A job as the SageMaker stand-in holds it, with the DescribeTrainingJob snapshots it went through. */
export interface SimulatedTrainingJob {
  readonly name: string;
  readonly request: Record<string, unknown>;
  readonly describes: Record<string, unknown>[];
  /** The checkpoint a restarted spot job resumed from (s3 key), if any. */
  readonly resumedFrom?: string;
}

export interface Notification {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: unknown;
}

/** A function the state machine invokes, loaded from its deployed bundle. */
export interface BundledFunction {
  readonly arn: string;
  readonly codeDirectory: string;
  readonly handler: string;
  readonly environment: Readonly<Record<string, string>>;
}

export interface ServicesOptions {
  readonly region: string;
  readonly account: string;
  readonly s3: S3StandIn;
  readonly functions: readonly BundledFunction[];
  readonly behaviour?: ServiceBehaviour;
  /** Topic ARNs, model package group names, knowledge base ids that exist in the environment. */
  readonly topics?: readonly string[];
  readonly modelPackageGroups?: readonly string[];
}

// SageMaker API Reference, CreateTrainingJob: TrainingJobName.
const TRAINING_JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const TRAINING_INSTANCE_TYPES: ReadonlySet<string> = new Set(Object.values(TrainingInstanceType));
// CreateTrainingJob: StoppingCondition.MaxRuntimeInSeconds, at most 28 days.
const MAX_RUNTIME_SECONDS = 2_419_200;

/** The stand-ins of one simulated environment. */
export class SimulatedServices {
  readonly calls: ServiceCall[] = [];
  readonly notifications: Notification[] = [];
  readonly trainingJobs = new Map<string, SimulatedTrainingJob>();
  readonly customizationJobs = new Map<string, { request: Record<string, unknown>; polls: number; arn: string; modelArn: string }>();
  readonly modelPackages: Record<string, unknown>[] = [];
  readonly tags = new Map<string, unknown[]>();
  private createAttempts = new Map<string, number>();
  private ingestionCalls = 0;

  constructor(private readonly options: ServicesOptions) {}

  private get behaviour(): ServiceBehaviour {
    return this.options.behaviour ?? {};
  }

  /** The stand-in for a Task state's Resource. */
  handlerFor(resource: string): TaskHandler | undefined {
    const fn = this.options.functions.find((f) => f.arn === resource);
    if (fn) return (call) => this.invokeFunction(fn, call);
    const integration = resource.replace(/^arn:aws[\w-]*:states:::/, '');
    switch (integration) {
      case 'sagemaker:createTrainingJob.sync': return (call) => this.createTrainingJobSync(call);
      case 'aws-sdk:sagemaker:createModelPackage': return (call) => this.createModelPackage(call);
      case 'aws-sdk:bedrock:createModelCustomizationJob': return (call) => this.createModelCustomizationJob(call);
      case 'aws-sdk:bedrock:getModelCustomizationJob': return (call) => this.getModelCustomizationJob(call);
      case 'aws-sdk:bedrock:tagResource': return (call) => this.tagResource(call);
      case 'aws-sdk:bedrockagent:startIngestionJob': return (call) => this.startIngestionJob(call);
      case 'sns:publish': return (call) => this.publish(call);
      default: return undefined;
    }
  }

  private record(call: TaskCall, service: string, action: string, error?: string): void {
    this.calls.push({ state: call.state, service, action, parameters: call.parameters, ...(error ? { error } : {}) });
  }

  private fail(call: TaskCall, service: string, action: string, name: string, message: string): never {
    this.record(call, service, action, name);
    throw new TaskFailure(name, message);
  }

  // ---------------------------------------------------------------- Lambda

  private loaded = new Map<string, (event: unknown, context: unknown) => Promise<unknown>>();

  private async invokeFunction(fn: BundledFunction, call: TaskCall): Promise<unknown> {
    const handler = this.load(fn);
    this.calls.push({ state: call.state, service: 'lambda', action: 'Invoke', parameters: call.parameters });
    try {
      return JSON.parse(JSON.stringify(await handler(call.parameters, lambdaContext(fn)) ?? null));
    } catch (error) {
      // What Step Functions reports for a function error: the error's type as Error, and the Node.js runtime's
      // JSON error object as Cause.
      const e = error as Error;
      const name = e.name || 'Error';
      throw new TaskFailure(name, JSON.stringify({ errorType: name, errorMessage: e.message, trace: String(e.stack ?? '').split('\n') }));
    }
  }

  private load(fn: BundledFunction): (event: unknown, context: unknown) => Promise<unknown> {
    const cached = this.loaded.get(fn.arn);
    if (cached) return cached;
    // The function's own environment, the Lambda runtime's, and the S3 stand-in for its S3 client.
    // The Lambda runtime (Node.js 24) has no Node-version warning to give; this process may run Node.js 20.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    Object.assign(process.env, fn.environment, {
      AWS_REGION: this.options.region, AWS_DEFAULT_REGION: this.options.region,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'simulated', AWS_ENDPOINT_URL_S3: this.options.s3.url,
    });
    const [file, exported] = [fn.handler.slice(0, fn.handler.lastIndexOf('.')), fn.handler.slice(fn.handler.lastIndexOf('.') + 1)];
    const modulePath = path.join(fn.codeDirectory, `${file}.js`);
    // A deployed bundle picked at run time: only require() loads it. A fresh copy, so that its clients read this
    // environment: jest keeps its own module registry, plain Node (npm run simulate) its require cache.
    let handler!: (event: unknown, context: unknown) => Promise<unknown>;
    const loadBundle = () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      handler = (require(modulePath) as Record<string, (event: unknown, context: unknown) => Promise<unknown>>)[exported];
    };
    if (typeof jest !== 'undefined') {
      jest.isolateModules(loadBundle);
    } else {
      delete require.cache[modulePath];
      loadBundle();
    }
    this.loaded.set(fn.arn, handler);
    return handler;
  }

  // ---------------------------------------------------------------- SageMaker training

  private async createTrainingJobSync(call: TaskCall): Promise<unknown> {
    const p = call.parameters;
    const name = String(p.TrainingJobName ?? '');
    const program = String((p.HyperParameters as Record<string, unknown> | undefined)?.sagemaker_program ?? '');
    const behaviour = (program === 'evaluate.py' ? this.behaviour.evaluate : this.behaviour.train) ?? {};
    const problems = validateCreateTrainingJob(p);
    if (problems.length > 0) this.fail(call, 'sagemaker', 'CreateTrainingJob', 'SageMaker.AmazonSageMakerException', `ValidationException: ${problems.join('; ')}`);
    const attempt = (this.createAttempts.get(call.state) ?? 0) + 1;
    this.createAttempts.set(call.state, attempt);
    if (attempt <= (behaviour.throttledCreates ?? 0)) {
      this.fail(call, 'sagemaker', 'CreateTrainingJob', 'SageMaker.AmazonSageMakerException', 'ThrottlingException: Rate exceeded (Service: AmazonSageMaker; Status Code: 400; Error Code: ThrottlingException)');
    }
    if (this.trainingJobs.has(name)) {
      this.fail(call, 'sagemaker', 'CreateTrainingJob', 'SageMaker.ResourceInUseException', `ResourceInUse: Training job names must be unique within an AWS account and region, and a training job with this name already exists (arn:aws:sagemaker:${this.options.region}:${this.options.account}:training-job/${name.toLowerCase()})`);
    }
    this.record(call, 'sagemaker', 'CreateTrainingJob');
    const job = this.runTrainingJob(name, p, behaviour);
    this.trainingJobs.set(name, job);
    const final = job.describes[job.describes.length - 1];
    if (final.TrainingJobStatus !== 'Completed') throw new TaskFailure('States.TaskFailed', JSON.stringify(final));
    return final;
  }

  private runTrainingJob(name: string, request: Record<string, unknown>, behaviour: TrainingJobBehaviour): SimulatedTrainingJob {
    const arn = `arn:aws:sagemaker:${this.options.region}:${this.options.account}:training-job/${name.toLowerCase()}`;
    const output = request.OutputDataConfig as { S3OutputPath: string };
    const checkpoint = request.CheckpointConfig as { S3Uri?: string } | undefined;
    const spot = request.EnableManagedSpotTraining === true;
    const base = {
      TrainingJobName: name, TrainingJobArn: arn,
      HyperParameters: request.HyperParameters, AlgorithmSpecification: request.AlgorithmSpecification, RoleArn: request.RoleArn,
      InputDataConfig: request.InputDataConfig, OutputDataConfig: request.OutputDataConfig, ResourceConfig: request.ResourceConfig,
      StoppingCondition: request.StoppingCondition, EnableManagedSpotTraining: spot, EnableNetworkIsolation: request.EnableNetworkIsolation ?? false,
      EnableInterContainerTrafficEncryption: request.EnableInterContainerTrafficEncryption ?? false,
      ...(checkpoint ? { CheckpointConfig: checkpoint } : {}),
      CreationTime: '2026-12-02T10:00:00.000Z',
    };
    const describes: Record<string, unknown>[] = [];
    const transitions: { Status: string; StartTime: string; StatusMessage: string }[] = [];
    const snapshot = (status: string, secondary: string, message: string, extra: Record<string, unknown> = {}) => {
      transitions.push({ Status: secondary, StartTime: '2026-12-02T10:00:00.000Z', StatusMessage: message });
      // ModelArtifacts, FailureReason, TrainingEndTime and the billing figures are absent until the job has them.
      describes.push({ ...base, TrainingJobStatus: status, SecondaryStatus: secondary, SecondaryStatusTransitions: transitions.map((t) => ({ ...t })), ...extra });
    };
    snapshot('InProgress', 'Starting', 'Preparing the instances for training');
    snapshot('InProgress', 'Downloading', 'Downloading input data');
    snapshot('InProgress', 'Training', 'Training image download completed. Training in progress.');
    const bucketKey = (uri: string) => uri.replace(/^s3:\/\//, '');
    let resumedFrom: string | undefined;
    const interruptions = spot ? behaviour.spotInterruptions ?? 0 : 0;
    for (let i = 0; i < interruptions; i++) {
      // The entry scripts save checkpoints under LocalPath, which SageMaker syncs to CheckpointConfig.S3Uri.
      if (checkpoint?.S3Uri) this.options.s3.objects.set(`${bucketKey(checkpoint.S3Uri)}checkpoint-${(i + 1) * 200}/trainer_state.json`, { body: Buffer.from('{}') });
      snapshot('InProgress', 'Interrupted', 'Job interrupted by a spot instance reclaim; waiting for capacity');
      if (behaviour.exceedsMaxWait) {
        snapshot('Stopped', 'MaxWaitTimeExceeded', 'Job stopped: it exceeded MaxWaitTimeInSeconds', { TrainingEndTime: '2026-12-02T12:00:00.000Z' });
        return { name, request, describes };
      }
      snapshot('InProgress', 'Restarting', 'Restarting the job on new spot capacity');
      // A restarted job gets CheckpointConfig.S3Uri copied back to LocalPath; the scripts resume from the newest.
      const saved = checkpoint?.S3Uri ? [...this.options.s3.objects.keys()].filter((k) => k.startsWith(bucketKey(checkpoint.S3Uri!))).sort() : [];
      resumedFrom = saved.at(-1);
      snapshot('InProgress', 'Training', resumedFrom ? `Resuming from ${resumedFrom}` : 'Training from the start: no checkpoint');
    }
    const outcome = behaviour.outcome ?? 'Completed';
    if (outcome === 'Failed') {
      snapshot('Failed', 'Failed', 'Training job failed', { FailureReason: behaviour.failureReason ?? 'AlgorithmError: the entry script exited with status 1', TrainingEndTime: '2026-12-02T11:00:00.000Z' });
      return { name, request, describes, resumedFrom };
    }
    if (outcome === 'Stopped') {
      snapshot('Stopped', 'Stopped', 'Training job stopped', { TrainingEndTime: '2026-12-02T11:00:00.000Z' });
      return { name, request, describes, resumedFrom };
    }
    snapshot('InProgress', 'Uploading', 'Uploading generated training model');
    const modelPrefix = `${output.S3OutputPath.replace(/\/?$/, '/')}${name}/output/model/`;
    const files: Record<string, string> = behaviour.metrics
      ? { 'metrics.json': JSON.stringify(behaviour.metrics), 'predictions.jsonl': '' }
      : { 'config.json': '{}', 'model.safetensors': 'weights', 'training_metrics.json': JSON.stringify({ train_loss: 1.2, resumed_from_checkpoint: resumedFrom ?? null }) };
    for (const [file, body] of Object.entries(files)) this.options.s3.objects.set(bucketKey(`${modelPrefix}${file}`), { body: Buffer.from(body) });
    const trainingSeconds = 3600 * (1 + interruptions);
    snapshot('Completed', 'Completed', 'Training job completed', {
      ModelArtifacts: { S3ModelArtifacts: modelPrefix },
      TrainingStartTime: '2026-12-02T10:05:00.000Z', TrainingEndTime: '2026-12-02T11:05:00.000Z',
      TrainingTimeInSeconds: trainingSeconds,
      // Managed spot bills less than the time trained.
      BillableTimeInSeconds: spot ? Math.round(trainingSeconds * 0.3) : trainingSeconds,
    });
    return { name, request, describes, resumedFrom };
  }

  private async createModelPackage(call: TaskCall): Promise<unknown> {
    const p = call.parameters;
    const group = String(p.ModelPackageGroupName ?? '');
    if (this.options.modelPackageGroups && !this.options.modelPackageGroups.includes(group)) {
      this.fail(call, 'sagemaker', 'CreateModelPackage', 'SageMaker.ResourceNotFoundException', `Model package group ${group} does not exist.`);
    }
    if (!['Approved', 'Rejected', 'PendingManualApproval'].includes(String(p.ModelApprovalStatus))) {
      this.fail(call, 'sagemaker', 'CreateModelPackage', 'SageMaker.ValidationException', `ModelApprovalStatus ${String(p.ModelApprovalStatus)} is not Approved, Rejected or PendingManualApproval.`);
    }
    this.record(call, 'sagemaker', 'CreateModelPackage');
    this.modelPackages.push(p);
    return { ModelPackageArn: `arn:aws:sagemaker:${this.options.region}:${this.options.account}:model-package/${group.toLowerCase()}/${this.modelPackages.length}` };
  }

  // ---------------------------------------------------------------- Bedrock

  private async createModelCustomizationJob(call: TaskCall): Promise<unknown> {
    const p = call.parameters;
    const jobName = String(p.JobName ?? '');
    // Bedrock API Reference, CreateModelCustomizationJob: jobName and customModelName, 1-63 characters.
    const nameOk = (n: string) => /^[a-zA-Z0-9](-*[a-zA-Z0-9+\-.])*$/.test(n) && n.length <= 63;
    if (!nameOk(jobName) || !nameOk(String(p.CustomModelName ?? ''))) {
      this.fail(call, 'bedrock', 'CreateModelCustomizationJob', 'Bedrock.ValidationException', `jobName or customModelName does not match [a-zA-Z0-9](-*[a-zA-Z0-9+\\-.])* of at most 63 characters: ${jobName}`);
    }
    if ([...this.customizationJobs.values()].some((j) => j.request.JobName === jobName)) {
      this.fail(call, 'bedrock', 'CreateModelCustomizationJob', 'Bedrock.ResourceInUseException', `A job named ${jobName} already exists.`);
    }
    this.record(call, 'bedrock', 'CreateModelCustomizationJob');
    const id = createHash('sha256').update(jobName).digest('hex').slice(0, 12);
    const base = String(p.BaseModelIdentifier ?? '');
    const arn = `arn:aws:bedrock:${this.options.region}:${this.options.account}:model-customization-job/${base.slice(base.lastIndexOf('/') + 1)}/${id}`;
    const modelArn = `arn:aws:bedrock:${this.options.region}:${this.options.account}:custom-model/${base.slice(base.lastIndexOf('/') + 1)}/${id}`;
    this.customizationJobs.set(arn, { request: p, polls: 0, arn, modelArn });
    // AWS SDK integrations return the response with the first letter of each member capitalized.
    return { JobArn: arn };
  }

  private async getModelCustomizationJob(call: TaskCall): Promise<unknown> {
    const id = String(call.parameters.JobIdentifier ?? '');
    const job = this.customizationJobs.get(id);
    if (!job) this.fail(call, 'bedrock', 'GetModelCustomizationJob', 'Bedrock.ResourceNotFoundException', `Job ${id} was not found.`);
    this.record(call, 'bedrock', 'GetModelCustomizationJob');
    const statuses = this.behaviour.customization?.statuses ?? ['InProgress', 'Completed'];
    const status = statuses[Math.min(job.polls, statuses.length - 1)];
    job.polls++;
    const r = job.request;
    const response: Record<string, unknown> = {
      JobArn: job.arn, JobName: r.JobName, OutputModelName: r.CustomModelName, RoleArn: r.RoleArn, Status: status,
      CreationTime: '2026-12-02T10:00:00Z', BaseModelArn: r.BaseModelIdentifier, HyperParameters: r.HyperParameters ?? {},
      TrainingDataConfig: r.TrainingDataConfig, ValidationDataConfig: r.ValidationDataConfig, OutputDataConfig: r.OutputDataConfig,
      CustomizationType: r.CustomizationType ?? 'FINE_TUNING', LastModifiedTime: '2026-12-02T10:30:00Z',
      ...(r.CustomModelKmsKeyId ? { OutputModelKmsKeyArn: r.CustomModelKmsKeyId } : {}),
    };
    if (status === 'Completed') {
      const losses = this.behaviour.customization?.validationLoss ?? [1.9, 1.4];
      Object.assign(response, { OutputModelArn: job.modelArn, EndTime: '2026-12-02T12:00:00Z', TrainingMetrics: { TrainingLoss: 1.3 }, ValidationMetrics: [{ ValidationLoss: losses.at(-1) }] });
      // Bedrock user guide, "Analyze the results of a model customization job": validation_metrics.csv.
      const output = String((r.OutputDataConfig as { S3Uri?: string } | undefined)?.S3Uri ?? '').replace(/^s3:\/\//, '').replace(/\/?$/, '/');
      const jobId = job.arn.slice(job.arn.lastIndexOf('/') + 1);
      const csv = ['step_number,epoch_number,validation_loss', ...losses.map((loss, i) => `${(i + 1) * 10},${i},${loss}`)].join('\n');
      this.options.s3.objects.set(`${output}model-customization-job-${jobId}/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv`, { body: Buffer.from(csv) });
    } else if (status === 'Failed') {
      Object.assign(response, { EndTime: '2026-12-02T11:00:00Z', FailureMessage: this.behaviour.customization?.failureMessage ?? 'Internal error: the job failed' });
    } else if (status === 'Stopped') {
      Object.assign(response, { EndTime: '2026-12-02T11:00:00Z' });
    }
    return response;
  }

  private async tagResource(call: TaskCall): Promise<unknown> {
    const arn = String(call.parameters.ResourceARN ?? '');
    if (![...this.customizationJobs.values()].some((j) => j.modelArn === arn)) {
      this.fail(call, 'bedrock', 'TagResource', 'Bedrock.ResourceNotFoundException', `No custom model ${arn}.`);
    }
    this.record(call, 'bedrock', 'TagResource');
    this.tags.set(arn, call.parameters.Tags as unknown[]);
    return {};
  }

  private async startIngestionJob(call: TaskCall): Promise<unknown> {
    this.ingestionCalls++;
    if (this.ingestionCalls <= (this.behaviour.ingestion?.conflicts ?? 0)) {
      this.fail(call, 'bedrockagent', 'StartIngestionJob', 'BedrockAgent.ConflictException', 'An ingestion job is already running for this data source.');
    }
    this.record(call, 'bedrockagent', 'StartIngestionJob');
    return { IngestionJob: { IngestionJobId: `INGEST${this.ingestionCalls}`, KnowledgeBaseId: call.parameters.KnowledgeBaseId, DataSourceId: call.parameters.DataSourceId, Status: 'STARTING', StartedAt: '2026-12-02T10:00:00Z' } };
  }

  // ---------------------------------------------------------------- SNS

  private async publish(call: TaskCall): Promise<unknown> {
    const topicArn = String(call.parameters.TopicArn ?? '');
    if (this.options.topics && !this.options.topics.includes(topicArn)) {
      this.fail(call, 'sns', 'Publish', 'SNS.NotFoundException', `Topic does not exist: ${topicArn}`);
    }
    if (call.parameters.Message === undefined) this.fail(call, 'sns', 'Publish', 'SNS.InvalidParameterException', 'Message is required.');
    this.record(call, 'sns', 'Publish');
    this.notifications.push({ topicArn, subject: call.parameters.Subject as string | undefined, message: call.parameters.Message });
    return { MessageId: `00000000-0000-4000-8000-${String(this.notifications.length).padStart(12, '0')}`, SdkHttpMetadata: { HttpStatusCode: 200 } };
  }
}

/** What CreateTrainingJob rejects with a ValidationException. */
export function validateCreateTrainingJob(p: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const name = String(p.TrainingJobName ?? '');
  if (!TRAINING_JOB_NAME.test(name)) problems.push(`TrainingJobName "${name}" must match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62} (1-63 characters)`);
  const resource = (p.ResourceConfig ?? {}) as Record<string, unknown>;
  const type = String(resource.InstanceType ?? '');
  if (!TRAINING_INSTANCE_TYPES.has(type)) problems.push(`ResourceConfig.InstanceType "${type}" is not a training instance type`);
  if (!Number.isInteger(resource.InstanceCount) || (resource.InstanceCount as number) < 1) problems.push('ResourceConfig.InstanceCount must be at least 1');
  if (!Number.isInteger(resource.VolumeSizeInGB) || (resource.VolumeSizeInGB as number) < 1) problems.push('ResourceConfig.VolumeSizeInGB must be at least 1');
  if (hasLocalNvmeStorage(type) && resource.VolumeKmsKeyId !== undefined) problems.push(`ResourceConfig.VolumeKmsKeyId cannot be set for ${type}, which uses local NVMe storage`);
  const stopping = (p.StoppingCondition ?? {}) as Record<string, number>;
  if (!(stopping.MaxRuntimeInSeconds >= 1 && stopping.MaxRuntimeInSeconds <= MAX_RUNTIME_SECONDS)) problems.push('StoppingCondition.MaxRuntimeInSeconds must be 1-2419200');
  if (p.EnableManagedSpotTraining === true) {
    if (!(stopping.MaxWaitTimeInSeconds >= stopping.MaxRuntimeInSeconds)) problems.push('StoppingCondition.MaxWaitTimeInSeconds must be set and at least MaxRuntimeInSeconds for managed spot training');
  } else if (stopping.MaxWaitTimeInSeconds !== undefined) {
    problems.push('StoppingCondition.MaxWaitTimeInSeconds is only allowed with managed spot training');
  }
  const hyperparameters = (p.HyperParameters ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(hyperparameters)) {
    if (typeof v !== 'string') problems.push(`HyperParameters.${k} must be a string`);
    else if (v.length > 2500) problems.push(`HyperParameters.${k} is longer than 2500 characters`);
  }
  if (Object.keys(hyperparameters).length > 100) problems.push('HyperParameters has more than 100 entries');
  for (const channel of (p.InputDataConfig ?? []) as { ChannelName?: string; DataSource?: { S3DataSource?: { S3Uri?: string } } }[]) {
    const uri = channel.DataSource?.S3DataSource?.S3Uri ?? '';
    if (!/^s3:\/\/[^/]+\/.+/.test(uri)) problems.push(`InputDataConfig ${channel.ChannelName ?? '?'} S3Uri "${uri}" is not an s3:// URI with a key prefix`);
  }
  if (!String((p.OutputDataConfig as { S3OutputPath?: string } | undefined)?.S3OutputPath ?? '').startsWith('s3://')) problems.push('OutputDataConfig.S3OutputPath must be an s3:// URI');
  return problems;
}

function lambdaContext(fn: BundledFunction) {
  const deadline = Date.now() + 600_000;
  return {
    functionName: fn.arn.slice(fn.arn.lastIndexOf(':') + 1), functionVersion: '$LATEST', invokedFunctionArn: fn.arn, memoryLimitInMB: '1024',
    awsRequestId: createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 32), logGroupName: '/aws/lambda/simulated', logStreamName: 'simulated',
    callbackWaitsForEmptyEventLoop: false, getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}
