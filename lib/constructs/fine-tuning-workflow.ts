// The adapt-and-align loop as infrastructure: a Step Functions state machine that validates a dataset,
// fine-tunes (SageMaker training with the kit's entry scripts, or Bedrock model customization), evaluates
// the result on the test split, gates it on thresholds, registers it, and notifies. DPO aligns a model
// with preference data built from the API's feedback.
import { Duration, type IResource, RemovalPolicy, Resource, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type Construct } from 'constructs';
import { checkBedrockCustomization, customizationModelIdentifier, findCustomizationModel } from '../bedrock/customization-catalog';
import { imageAvailableIn, imageRegions } from '../compatibility';
import { DatasetPrefix } from '../config/dataset-layout';
import type { FineTuningGate, FineTuningTrigger } from '../config/environment';
import { stoppingConditionProblems } from '../config/training-rules';
import { DEFAULT_MAX_PAIRS_PER_CALLER } from '../datasets/preferences';
import { hasLocalNvmeStorage, ServingContainer } from '../serving';
import { AcceleratorKind } from '../sizing/accelerators';
import { InstanceCatalog } from '../sizing/instances';
import { ModelCatalog } from '../sizing/models';
import { estimateServing, requireArchitecture } from '../sizing/serving';
import { DEFAULT_LORA_RANK, estimateTraining, loraParameters, type TrainingCandidate, TrainingMethod } from '../sizing/training';
import type { IDatasetStore } from './dataset-store';
import { acknowledgeWildcardResources } from './private/acknowledge';
import { grantLogGroups } from './private/endpoint-role';
import { accountServicePrincipal } from './private/principals';
import { resolveDlcImage, resolveImage } from './private/image';
import { allowCloudWatchLogs, createKitKey, grantKeyVia } from './private/kms';
import { throwIfProblems } from './private/problems';
import { runtimeCode } from './private/runtime-bundle';
import { trainingSourceArchive } from './private/training-source';

/** The Hugging Face PyTorch training Deep Learning Container the entry scripts run in (reference/sizing-facts.md). */
export const TRAINING_IMAGE = { repository: 'huggingface-pytorch-training', tag: '2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04' } as const;

/** What a run does to the model. */
export enum FineTuningMethod {
  FULL = 'full',
  LORA = 'lora',
  QLORA = 'qlora',
  /** Direct preference optimization (with LoRA adapters) from `preference` data. */
  DPO = 'dpo',
}

export interface SageMakerFineTuningOptions {
  /** The base model: a catalog id (sized by the engine, downloaded from the Hub). */
  readonly baseModel: string;
  /**
   * The catalog `baseModel` is looked up in: `ModelCatalog.DEFAULT.withModels(architecture)` for a model the kit's
   * catalog does not list.
   * @default ModelCatalog.DEFAULT
   */
  readonly catalog?: ModelCatalog;
  /** Methods executions may ask for. @default [LORA, QLORA, DPO] */
  readonly methods?: FineTuningMethod[];
  /** Training instance for every method. @default - the cheapest that holds each method (training estimate) */
  readonly instanceType?: string;
  /** Longest training sequence in tokens. @default 2048 */
  readonly sequenceLength?: number;
  /** LoRA rank (and alpha = 2 x rank) for LoRA, QLoRA and DPO. @default 16 */
  readonly loraRank?: number;
  /** @default 3 (SFT), 1 (DPO): the entry scripts' defaults */
  readonly epochs?: number;
  /** @default - by method in the entry scripts: SFT 2e-4 (adapters) or 2e-5 (full); DPO 5e-6 (adapters) */
  readonly learningRate?: number;
  /** Run on managed spot capacity, resuming from checkpoints. @default false */
  readonly spot?: boolean;
  /** @default Duration.hours(8) */
  readonly maxRuntime?: Duration;
  /** With spot: the longest wait for capacity plus runtime; at least maxRuntime. @default 2 x maxRuntime */
  readonly maxWait?: Duration;
  /** @default - no VPC */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new egress-only security group */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Block the containers' network access. Needs the base model's weights in S3 (`baseModelKeyPrefix`) and an
   * image that already has the entry scripts' requirements.
   * @default false
   */
  readonly networkIsolation?: boolean;
  /** Weights of the base model under the dataset store's models/ prefix, instead of the Hub. @default - the Hub */
  readonly baseModelKeyPrefix?: string;
}

export interface BedrockFineTuningOptions {
  /** Foundation model id that supports customization, e.g. `meta.llama3-1-8b-instruct-v1:0`. */
  readonly baseModelId: string;
  /** @default 'FINE_TUNING' */
  readonly customizationType?: 'FINE_TUNING' | 'CONTINUED_PRE_TRAINING';
  /** Hyperparameters as Bedrock names them, e.g. { epochCount: '2', learningRate: '0.0001' }. @default - Bedrock's defaults */
  readonly hyperParameters?: Readonly<Record<string, string>>;
}

/** Where the model is tuned. */
export class FineTuningBackend {
  static sagemaker(options: SageMakerFineTuningOptions): FineTuningBackend {
    return new FineTuningBackend('sagemaker', options, undefined);
  }

  static bedrock(options: BedrockFineTuningOptions): FineTuningBackend {
    return new FineTuningBackend('bedrock', undefined, options);
  }

  private constructor(
    readonly kind: 'sagemaker' | 'bedrock',
    /** The SageMaker options, for a SageMaker backend. */
    readonly sagemakerOptions?: SageMakerFineTuningOptions,
    /** The Bedrock options, for a Bedrock backend. */
    readonly bedrockOptions?: BedrockFineTuningOptions,
  ) {}
}

/** Dataset keys an execution uses when it names none. */
export interface FineTuningDefaultKeys {
  /** @default - none: executions name it (a Bedrock backend needs one) */
  readonly validationKey?: string;
  /** @default - none */
  readonly testKey?: string;
}

export interface FineTuningWorkflowProps {
  /**
   * The role training and evaluation jobs (SageMaker) or customization jobs (Bedrock) run as. It receives the
   * policies the jobs need; its trust policy must let sagemaker.amazonaws.com (or bedrock.amazonaws.com) assume it.
   * @default - a new role, assumable by that service in this account only
   */
  readonly jobRole?: iam.IRole;
  readonly datasets: IDatasetStore;
  readonly backend: FineTuningBackend;
  readonly gate: FineTuningGate;
  /** Registered models are approved at once (dev) or wait for a person (production). */
  readonly approval: 'automatic' | 'manual';
  /**
   * Dataset keys used when an execution does not name them; a Bedrock backend gates on validation loss,
   * so it needs `validationKey`.
   * @default - executions must name their keys
   */
  readonly defaultKeys?: FineTuningDefaultKeys;
  /** Start a run when a file lands under train/ (EventBridge): with this method and format. @default - on demand only */
  readonly trigger?: FineTuningTrigger;
  /** @default - a new KMS-encrypted topic */
  readonly notifications?: sns.ITopic;
  /**
   * The most preference pairs one rater's feedback may make in a run built from feedback: one caller cannot
   * steer the alignment data beyond it.
   * @default 1000 (DEFAULT_MAX_PAIRS_PER_CALLER)
   */
  readonly maxPreferencePairsPerCaller?: number;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** The registry and logs. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** A fine-tuning workflow, created here or imported. */
export interface IFineTuningWorkflow extends IResource {
  /** The state machine that runs it. */
  readonly stateMachine: sfn.IStateMachine;
  /** states:StartExecution on this workflow, and the reads `npm run fine-tune -- watch` makes. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant;
}

/** What identifies a fine-tuning workflow deployed elsewhere. */
export interface FineTuningWorkflowAttributes {
  /** Its state machine's ARN. */
  readonly stateMachineArn: string;
}

/** The grants of a fine-tuning workflow. */
export abstract class FineTuningWorkflowBase extends Resource implements IFineTuningWorkflow {
  abstract readonly stateMachine: sfn.IStateMachine;

  /** states:StartExecution on this workflow, and the reads `npm run fine-tune -- watch` makes. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    const grant = this.stateMachine.grantStartExecution(grantee);
    this.stateMachine.grantRead(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeTrainingJob'],
      resourceArns: [Stack.of(this).formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: '*' })],
    });
    // The watch finds each attempt's job by its name prefix; ListTrainingJobs has no resource-level permissions.
    iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:ListTrainingJobs'], resourceArns: ['*'] });
    return grant;
  }
}

/** A fine-tuning, evaluation and registration workflow. */
export class FineTuningWorkflow extends FineTuningWorkflowBase {
  /** A workflow deployed elsewhere (another stack or app), to grant starting and watching it. */
  static fromFineTuningWorkflowAttributes(scope: Construct, id: string, attrs: FineTuningWorkflowAttributes): IFineTuningWorkflow {
    class Import extends FineTuningWorkflowBase {
      readonly stateMachine = sfn.StateMachine.fromStateMachineArn(this, 'StateMachine', attrs.stateMachineArn);
    }
    return new Import(scope, id);
  }

  readonly stateMachine: sfn.StateMachine;
  /** The SageMaker model package group passing models are registered in (SageMaker backend). */
  readonly registry?: sagemaker.CfnModelPackageGroup;
  readonly topic: sns.ITopic;
  /** The role training and evaluation jobs (or Bedrock customization jobs) run as. */
  readonly jobRole: iam.IRole;
  /**
   * The instance chosen per method (SageMaker backend).
   *
   * TypeScript and JavaScript only, as TrainingCandidate is.
   *
   * @jsii ignore
   */
  readonly plans: Readonly<Partial<Record<FineTuningMethod, TrainingCandidate>>> = {};

  private readonly key;
  private readonly bucketName: string;

  constructor(scope: Construct, id: string, props: FineTuningWorkflowProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucketName = props.datasets.bucket.bucketName;
    this.plans = validateAndPlan(this, props);
    this.key = createKitKey(this, 'Key', { description: `Encrypts the logs and notifications of ${this.node.path}`, removalPolicy });
    allowCloudWatchLogs(this.key);
    this.topic = props.notifications ?? this.createTopic();

    const steps = new lambda.Function(this, 'Steps', {
      description: `Dataset validation, preference building and metric loading for ${this.node.path}`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: runtimeCode('workflow'),
      memorySize: 1024,
      timeout: Duration.minutes(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: new logs.LogGroup(this, 'StepsLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR, encryptionKey: this.key, removalPolicy }),
      environment: { NODE_OPTIONS: '--enable-source-maps' },
    });
    for (const prefix of [DatasetPrefix.TRAIN, DatasetPrefix.VALIDATION, DatasetPrefix.TEST, DatasetPrefix.EVALUATION, DatasetPrefix.MODELS]) props.datasets.grantRead(steps, prefix);
    props.datasets.grantRead(steps, DatasetPrefix.FEEDBACK);
    props.datasets.grantWrite(steps, DatasetPrefix.PREFERENCES);
    acknowledgeWildcardResources(steps, ['*'], 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions.');
    Validations.of(steps).acknowledge(
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'The steps function writes its logs to its own KMS-encrypted log group; the basic execution policy holds only those CloudWatch Logs actions.' },
      { id: 'cdk-validator-cfnguard::lambda_inside_vpc_check', reason: 'CT.LAMBDA.PR.3: the steps function reads and writes S3 only, over TLS with IAM; it reaches nothing inside a VPC.' },
    );

    this.jobRole = props.backend.kind === 'sagemaker' ? this.createTrainingRole(props) : this.createBedrockRole(props);
    const definition = props.backend.kind === 'sagemaker'
      ? this.sagemakerDefinition(props, steps)
      : this.bedrockDefinition(props, steps);

    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      comment: `Fine-tune, evaluate, gate and register (${props.backend.kind})`,
      tracingEnabled: true,
      logs: { destination: new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR, encryptionKey: this.key, removalPolicy }), level: sfn.LogLevel.ALL, includeExecutionData: true },
      timeout: Duration.days(3),
    });
    // Publishing to the encrypted topic: SNS uses the key with the publisher's credentials.
    grantKeyVia(this.stateMachine, this.key.keyArn, 'sns', ['kms:Decrypt', 'kms:GenerateDataKey'], this);
    acknowledgeWildcardResources(this.stateMachine, ['*'], 'Step Functions log delivery (logs:*LogDelivery) and X-Ray tracing support no resource-level permissions.');
    acknowledgeWildcardResources(this.stateMachine, [`${steps.functionArn}:*`], 'Step Functions may invoke any version of the workflow\'s own steps function (aws-cdk-lib grants the function and its versions).');

    this.stateMachineGrants?.(this.stateMachine.role);
    if (props.trigger) this.addTrigger(props);
  }

  private createTopic(): sns.Topic {
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('states.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    return new sns.Topic(this, 'Topic', { masterKey: this.key, enforceSSL: true, displayName: `Fine-tuning runs of ${this.node.path}` });
  }

  private createTrainingRole(props: FineTuningWorkflowProps): iam.IRole {
    const role = props.jobRole ?? new iam.Role(this, 'TrainingRole', {
      assumedBy: accountServicePrincipal(this, 'sagemaker.amazonaws.com'),
      description: `Training and evaluation jobs of ${this.node.path}`,
    });
    for (const prefix of [DatasetPrefix.TRAIN, DatasetPrefix.VALIDATION, DatasetPrefix.TEST, DatasetPrefix.PREFERENCES]) props.datasets.grantRead(role, prefix);
    props.datasets.grantReadWrite(role, DatasetPrefix.MODELS);
    props.datasets.grantWrite(role, DatasetPrefix.EVALUATION);
    const image = resolveDlcImage(this, TRAINING_IMAGE.repository, TRAINING_IMAGE.tag);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], resources: [image.repositoryArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } } }));
    const { logStreams } = grantLogGroups(role, ['/aws/sagemaker/TrainingJobs']);
    if (props.backend.sagemakerOptions?.vpc) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission',
          'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
        resources: ['*'],
      }));
    }
    // Volume encryption (VolumeKmsKeyId): SageMaker, as this role, creates a grant for the job's EBS volumes. The
    // grant is for an AWS resource, so CreateGrant takes that condition; the other actions stay without
    // kms:ViaService because SageMaker calls KMS itself with the role it assumed (a service role, not a call
    // forwarded through a service), where that key is absent.
    this.key.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    iam.Grant.addToPrincipal({ grantee: role, actions: ['kms:CreateGrant'], resourceArns: [this.key.keyArn], conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
    acknowledgeWildcardResources(role, ['*'], 'ecr:GetAuthorizationToken, cloudwatch:PutMetricData (limited to the TrainingJobs namespace) and the VPC network-interface actions support no resource-level permissions.');
    acknowledgeWildcardResources(role, logStreams, 'SageMaker names each training job\'s log streams itself, inside the TrainingJobs log group.');
    return role;
  }

  private createBedrockRole(props: FineTuningWorkflowProps): iam.IRole {
    const stack = Stack.of(this);
    const role = props.jobRole ?? new iam.Role(this, 'CustomizationRole', {
      // Bedrock assumes it for this account's customization jobs only (Bedrock user guide, "Create a service role for model customization").
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'bedrock', resource: 'model-customization-job', resourceName: '*' }) },
        },
      }),
      description: `Bedrock model customization jobs of ${this.node.path}`,
    });
    for (const prefix of [DatasetPrefix.TRAIN, DatasetPrefix.VALIDATION]) props.datasets.grantRead(role, prefix);
    props.datasets.grantReadWrite(role, DatasetPrefix.MODELS);
    grantCustomModelKey(role, props.datasets.encryptionKey.keyArn, stack.region, this);
    return role;
  }

  private stepsTask(id: string, steps: lambda.IFunction, payload: Record<string, unknown>, resultPath: string): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this, id, {
      lambdaFunction: steps,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      resultPath,
      // Replaced by the retry below, which also covers throttling of the function.
      retryOnServiceExceptions: false,
    });
    task.addRetry({ errors: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.ClientExecutionTimeoutException', 'Lambda.TooManyRequestsException'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });
    return task;
  }

  /** Failure path: notify with the error and cause, then fail with them. */
  private failurePath(): sfn.IChainable {
    const notify = new tasks.SnsPublish(this, 'NotifyFailure', {
      topic: this.topic,
      subject: 'Fine-tuning run failed',
      message: sfn.TaskInput.fromObject({ execution: sfn.JsonPath.executionName, error: sfn.JsonPath.stringAt('$.error.Error'), cause: sfn.JsonPath.stringAt('$.error.Cause') }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    return notify.next(new sfn.Fail(this, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' }));
  }

  private validateStep(steps: lambda.IFunction, required: string[]): tasks.LambdaInvoke {
    return this.stepsTask('ValidateDataset', steps, {
      action: 'validate',
      bucket: this.bucketName,
      format: sfn.JsonPath.stringAt('$.format'),
      keys: { train: sfn.JsonPath.stringAt('$.trainKey'), validation: sfn.JsonPath.stringAt('$.validationKey'), test: sfn.JsonPath.stringAt('$.testKey') },
      required,
    }, '$.validation');
  }

  /** Fills in defaults so later states can read every key. */
  private normalizeInput(props: FineTuningWorkflowProps): sfn.Pass {
    const defaults = new sfn.Pass(this, 'Defaults', {
      parameters: { validationKey: props.defaultKeys?.validationKey ?? '', testKey: props.defaultKeys?.testKey ?? '', fromFeedback: false },
      resultPath: '$.defaults',
    });
    return defaults;
  }

  private sagemakerDefinition(props: FineTuningWorkflowProps, steps: lambda.IFunction): sfn.IChainable {
    const stack = Stack.of(this);
    const options = props.backend.sagemakerOptions!;
    const failure = this.failurePath();
    const catchAll = (state: sfn.TaskStateBase | sfn.CustomState) => state.addCatch(failure, { errors: ['States.ALL'], resultPath: '$.error' });

    const source = new s3assets.Asset(this, 'TrainingSource', { path: trainingSourceArchive() });
    // Exactly the archive: aws-cdk-lib's asset.grantRead would grant s3:GetObject*, GetBucket*, List* on the bucket.
    this.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:${stack.partition}:s3:::${source.s3BucketName}/${source.s3ObjectKey}`] }));
    const image = resolveDlcImage(this, TRAINING_IMAGE.repository, TRAINING_IMAGE.tag);
    const maxRuntime = options.maxRuntime ?? Duration.hours(8);
    const maxWait = options.maxWait ?? Duration.seconds(maxRuntime.toSeconds() * 2);

    // One plan per method: script, instance and hyperparameters, chosen by a Choice on the input's method.
    const choosePlan = new sfn.Choice(this, 'ChoosePlan');
    const withPlan = new sfn.Pass(this, 'Planned');
    for (const [method, plan] of Object.entries(this.plans) as [FineTuningMethod, TrainingCandidate][]) {
      const nvme = hasLocalNvmeStorage(plan.instanceType);
      const dpo = method === FineTuningMethod.DPO;
      const hyperparameters: Record<string, string> = {
        sagemaker_program: dpo ? 'dpo.py' : 'train.py',
        sagemaker_submit_directory: source.s3ObjectUrl,
        'base-model-id': options.baseModel,
        // DPO trains LoRA adapters on the base; its learning rate defaults in dpo.py (5e-6), far below SFT's.
        method: dpo ? 'lora' : method,
        ...(options.epochs !== undefined ? { epochs: String(options.epochs) } : {}),
        ...(options.loraRank !== undefined && method !== FineTuningMethod.FULL ? { 'lora-r': String(options.loraRank), 'lora-alpha': String(2 * options.loraRank) } : {}),
        ...(options.learningRate !== undefined ? { 'learning-rate': String(options.learningRate) } : {}),
        [dpo ? 'max-length' : 'max-seq-length']: String(options.sequenceLength ?? 2048),
        'metrics-dir': '/opt/ml/model',
        ...(plan.instanceCount > 1 || plan.devices > 1 ? { sagemaker_torch_distributed_enabled: 'true' } : {}),
        // Full fine-tuning over several GPUs shards its states (FSDP), as the training estimate assumes.
        ...(method === FineTuningMethod.FULL && plan.devices > 1 ? { fsdp: 'true' } : {}),
      };
      const pass = new sfn.Pass(this, `Plan-${method}`, {
        parameters: {
          program: hyperparameters.sagemaker_program,
          hyperparameters,
          resourceConfig: {
            InstanceType: plan.instanceType,
            InstanceCount: plan.instanceCount,
            VolumeSizeInGB: trainingVolumeGB(options.baseModel, method, plan.instanceCount, options.loraRank, options.catalog),
            // Instances with local NVMe storage reject a volume key; their storage is encrypted by the hardware.
            ...(nvme ? {} : { VolumeKmsKeyId: this.key.keyArn }),
          },
        },
        resultPath: '$.plan',
      });
      choosePlan.when(sfn.Condition.stringEquals('$.method', method), pass.next(withPlan));
    }
    const unsupported = new sfn.Pass(this, 'UnsupportedMethod', {
      parameters: { Error: 'MethodNotSupported', 'Cause.$': `States.Format('Method {} is not one of ${Object.keys(this.plans).join(', ')} that this workflow was built for.', $.method)` },
      resultPath: '$.error',
    });
    choosePlan.otherwise(unsupported.next(failure));

    // Weights of the base model from the dataset store (the only way in for a network-isolated job): the
    // entry scripts prefer a base_model channel over the Hub id.
    const baseModelChannel = options.baseModelKeyPrefix === undefined ? [] : [{
      ChannelName: 'base_model',
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated', S3Uri: `s3://${this.bucketName}/${options.baseModelKeyPrefix}` } },
    }];
    const channels = (names: Record<string, string>) => Object.entries(names).map(([name, keyPath]) => ({
      ChannelName: name,
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated', 'S3Uri.$': `States.Format('s3://${this.bucketName}/{}', ${keyPath})` } },
    }));
    const common = {
      RoleArn: this.jobRole.roleArn,
      AlgorithmSpecification: { TrainingImage: image.imageUri, TrainingInputMode: 'File' },
      OutputDataConfig: { KmsKeyId: props.datasets.encryptionKey.keyArn, CompressionType: 'NONE' },
      StoppingCondition: { MaxRuntimeInSeconds: maxRuntime.toSeconds(), ...(options.spot ? { MaxWaitTimeInSeconds: maxWait.toSeconds() } : {}) },
      EnableManagedSpotTraining: options.spot ?? false,
      EnableNetworkIsolation: options.networkIsolation ?? false,
      EnableInterContainerTrafficEncryption: true,
      ...(options.vpc ? { VpcConfig: this.vpcConfig(options) } : {}),
    };
    const train = new sfn.CustomState(this, 'Train', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${stack.partition}:states:::sagemaker:createTrainingJob.sync`,
        Parameters: {
          ...common,
          'TrainingJobName.$': jobName('train'),
          'HyperParameters.$': '$.plan.hyperparameters',
          'ResourceConfig.$': '$.plan.resourceConfig',
          OutputDataConfig: { ...common.OutputDataConfig, S3OutputPath: `s3://${this.bucketName}/${DatasetPrefix.MODELS}` },
          CheckpointConfig: { 'S3Uri.$': `States.Format('s3://${this.bucketName}/${DatasetPrefix.MODELS}checkpoints/{}/', $$.Execution.Name)`, LocalPath: '/opt/ml/checkpoints' },
          InputDataConfig: [...channels({ train: '$.trainKey' }), ...baseModelChannel],
          Tags: [{ Key: 'workflow', Value: this.node.path }],
        },
        ResultSelector: { 'TrainingJobName.$': '$.TrainingJobName', 'ModelS3Uri.$': '$.ModelArtifacts.S3ModelArtifacts' },
        ResultPath: '$.train',
      },
    });
    train.addRetry({ errors: ['SageMaker.AmazonSageMakerException'], interval: Duration.minutes(1), maxAttempts: 2, backoffRate: 2 });
    catchAll(train);

    const evalInstance = evaluationInstance(options.baseModel, options.catalog);
    const evaluate = new sfn.CustomState(this, 'Evaluate', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${stack.partition}:states:::sagemaker:createTrainingJob.sync`,
        Parameters: {
          ...common,
          // Evaluation reads the model and the test split and writes metrics next to its own output: no spot.
          EnableManagedSpotTraining: false,
          StoppingCondition: { MaxRuntimeInSeconds: Duration.hours(4).toSeconds() },
          'TrainingJobName.$': jobName('eval'),
          // The generation settings the evaluation instance was sized for, sent explicitly.
          HyperParameters: {
            sagemaker_program: 'evaluate.py', sagemaker_submit_directory: source.s3ObjectUrl, 'base-model-id': options.baseModel, 'metrics-dir': '/opt/ml/model',
            'batch-size': String(EVALUATION.batchSize), 'max-input-length': String(EVALUATION.maxInputLength), 'max-new-tokens': String(EVALUATION.maxNewTokens),
          },
          ResourceConfig: { InstanceType: evalInstance, InstanceCount: 1, VolumeSizeInGB: evaluationVolumeGB(options.baseModel, options.catalog), ...(hasLocalNvmeStorage(evalInstance) ? {} : { VolumeKmsKeyId: this.key.keyArn }) },
          OutputDataConfig: { ...common.OutputDataConfig, S3OutputPath: `s3://${this.bucketName}/${DatasetPrefix.EVALUATION}` },
          InputDataConfig: [
            { ChannelName: 'model', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated', 'S3Uri.$': '$.train.ModelS3Uri' } } },
            ...channels({ test: '$.testKey' }),
            ...baseModelChannel,
          ],
          Tags: [{ Key: 'workflow', Value: this.node.path }],
        },
        ResultSelector: { 'TrainingJobName.$': '$.TrainingJobName' },
        ResultPath: '$.evaluation',
      },
    });
    evaluate.addRetry({ errors: ['SageMaker.AmazonSageMakerException'], interval: Duration.minutes(1), maxAttempts: 2, backoffRate: 2 });
    catchAll(evaluate);

    const gated = gatedPaths(props.gate);
    const loadMetrics = this.stepsTask('LoadMetrics', steps, {
      action: 'load-metrics',
      bucket: this.bucketName,
      'key.$': `States.Format('${DatasetPrefix.EVALUATION}{}/output/model/metrics.json', $.evaluation.TrainingJobName)`,
      required: gated.map((g) => g.path.replace(/^\$\.metrics\./, '')),
    }, '$.metrics');
    catchAll(loadMetrics);

    const serving = resolveImage(this, ServingContainer.LMI_VLLM);
    const register = new tasks.CallAwsService(this, 'Register', {
      service: 'sagemaker',
      action: 'createModelPackage',
      parameters: {
        ModelPackageGroupName: this.createRegistry(props).modelPackageGroupName!,
        ModelPackageDescription: sfn.JsonPath.format('Fine-tuned by {} ({})', sfn.JsonPath.executionName, sfn.JsonPath.stringAt('$.method')),
        ModelApprovalStatus: props.approval === 'automatic' ? 'Approved' : 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [{
            Image: serving.imageUri,
            ModelDataSource: { S3DataSource: { S3Uri: sfn.JsonPath.stringAt('$.train.ModelS3Uri'), S3DataType: 'S3Prefix', CompressionType: 'None' } },
            // LMI's async mode (no option.rolling_batch) serves the uncompressed weights as they are.
            Environment: { HF_MODEL_ID: '/opt/ml/model' },
          }],
          SupportedContentTypes: ['application/json'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: sfn.JsonPath.stringAt('$.metrics.s3Uri') } } },
      },
      iamResources: [
        this.registryArn(),
        stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${this.registry!.modelPackageGroupName}/*` }),
      ],
      // The approval status goes in the output too: `fine-tune watch` says what is left to do with the package.
      resultSelector: { 'ModelPackageArn.$': '$.ModelPackageArn', ModelApprovalStatus: props.approval === 'automatic' ? 'Approved' : 'PendingManualApproval' },
      resultPath: '$.registered',
    });
    catchAll(register);

    const success = this.successPath(props);
    const gate = this.gateChoice(gated, register.next(success), failure);

    // PassRole for exactly the job role, to SageMaker only; the .sync integration's managed rule.
    this.stateMachineGrants = (role: iam.IRole) => {
      // Job names are only known at run time, but every job this workflow creates carries its `workflow` tag:
      // it may create jobs only with that tag, and stop only jobs that have it.
      const jobs = [stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: '*' })];
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['sagemaker:CreateTrainingJob', 'sagemaker:AddTags'], resources: jobs,
        conditions: { StringEquals: { 'aws:RequestTag/workflow': this.node.path } },
      }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob'], resources: jobs,
        conditions: { StringEquals: { 'aws:ResourceTag/workflow': this.node.path } },
      }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule' })],
      }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.jobRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }));
      props.datasets.grantRead(role, DatasetPrefix.MODELS);
      props.datasets.grantRead(role, DatasetPrefix.EVALUATION);
      acknowledgeWildcardResources(role, [stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: '*' })], 'Each execution names its jobs <execution>-train and -eval; job names are only known at run time.');
      acknowledgeWildcardResources(role, [stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${this.registry!.modelPackageGroupName}/*` })], 'Model package versions are numbered by SageMaker within this group.');
    };

    const buildPreferences = this.stepsTask('BuildPreferences', steps, {
      action: 'build-preferences',
      bucket: this.bucketName,
      feedbackPrefix: DatasetPrefix.FEEDBACK,
      maxPairsPerCaller: props.maxPreferencePairsPerCaller ?? DEFAULT_MAX_PAIRS_PER_CALLER,
      // Outside train/: a file the workflow writes must never match the upload trigger and start another run.
      'outputKey.$': `States.Format('${DatasetPrefix.PREFERENCES}{}.jsonl', $$.Execution.Name)`,
    }, '$.preferences');
    catchAll(buildPreferences);
    const usePreferences = new sfn.Pass(this, 'UsePreferences', { parameters: { 'trainKey.$': '$.preferences.trainKey' }, resultPath: '$.built' });
    const merge = new sfn.Pass(this, 'Merge', { parameters: { 'input.$': 'States.JsonMerge($, $.built, false)' }, outputPath: '$.input' });

    const validate = this.validateStep(steps, ['train', 'test']);
    catchAll(validate);

    const fromFeedback = new sfn.Choice(this, 'FromFeedback')
      .when(sfn.Condition.booleanEquals('$.fromFeedback', true), buildPreferences.next(usePreferences).next(merge).next(validate))
      .otherwise(validate);
    validate.next(choosePlan);
    withPlan.next(train);
    train.next(evaluate);
    evaluate.next(loadMetrics);
    loadMetrics.next(gate);
    const start = this.normalizeInput(props);
    const applyDefaults = new sfn.Pass(this, 'ApplyDefaults', { parameters: { 'input.$': 'States.JsonMerge($.defaults, $, false)' }, outputPath: '$.input' });
    return start.next(applyDefaults).next(fromFeedback);
  }

  private stateMachineGrants?: (role: iam.IRole) => void;

  private bedrockDefinition(props: FineTuningWorkflowProps, steps: lambda.IFunction): sfn.IChainable {
    const stack = Stack.of(this);
    const options = props.backend.bedrockOptions!;
    const failure = this.failurePath();
    const catchAll = (state: sfn.TaskStateBase) => state.addCatch(failure, { errors: ['States.ALL'], resultPath: '$.error' });
    const outputUri = `s3://${this.bucketName}/${DatasetPrefix.MODELS}bedrock/`;

    const validate = this.validateStep(steps, ['train', 'validation']);
    catchAll(validate);
    // Bedrock takes one record shape per base model (prompt/completion or Converse messages): an execution
    // asking for another format fails before any job is created.
    const model = findCustomizationModel(options.baseModelId);
    const formats = model ? DATA_FORMATS[model.trainingDataFormat] : [];
    const checkFormat = new sfn.Choice(this, 'CheckFormat');
    const wrongFormat = new sfn.Pass(this, 'FormatNotSupported', {
      parameters: { Error: 'FormatNotSupported', 'Cause.$': `States.Format('Format {} is not what ${options.baseModelId} is customized with on Bedrock (${formats.join(' or ') || 'unknown'}).', $.format)` },
      resultPath: '$.error',
    });
    wrongFormat.next(failure);
    const baseModelId = Token.isUnresolved(options.baseModelId) || !model ? options.baseModelId : customizationModelIdentifier(options.baseModelId);
    const create = new tasks.CallAwsService(this, 'Train', {
      service: 'bedrock',
      action: 'createModelCustomizationJob',
      parameters: {
        JobName: sfn.JsonPath.format('{}-train', sfn.JsonPath.executionName),
        CustomModelName: sfn.JsonPath.format('{}-model', sfn.JsonPath.executionName),
        RoleArn: this.jobRole.roleArn,
        BaseModelIdentifier: stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: baseModelId }),
        CustomizationType: options.customizationType ?? 'FINE_TUNING',
        TrainingDataConfig: { S3Uri: sfn.JsonPath.format(`s3://${this.bucketName}/{}`, sfn.JsonPath.stringAt('$.trainKey')) },
        ValidationDataConfig: { Validators: [{ S3Uri: sfn.JsonPath.format(`s3://${this.bucketName}/{}`, sfn.JsonPath.stringAt('$.validationKey')) }] },
        OutputDataConfig: { S3Uri: outputUri },
        HyperParameters: options.hyperParameters ?? {},
        CustomModelKmsKeyId: props.datasets.encryptionKey.keyArn,
      },
      iamResources: [
        stack.formatArn({ service: 'bedrock', resource: 'model-customization-job', resourceName: '*' }),
        stack.formatArn({ service: 'bedrock', resource: 'custom-model', resourceName: '*' }),
        stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: baseModelId }),
      ],
      resultSelector: { 'JobArn.$': '$.JobArn' },
      resultPath: '$.train',
    });
    catchAll(create);
    const wait = new sfn.Wait(this, 'WaitForJob', { time: sfn.WaitTime.duration(Duration.minutes(5)) });
    const describe = new tasks.CallAwsService(this, 'DescribeJob', {
      service: 'bedrock',
      action: 'getModelCustomizationJob',
      parameters: { JobIdentifier: sfn.JsonPath.stringAt('$.train.JobArn') },
      iamResources: [stack.formatArn({ service: 'bedrock', resource: 'model-customization-job', resourceName: '*' })],
      // The whole response: outputModelArn, failureMessage and endTime are optional members, absent while the job
      // runs (a ResultSelector naming them would end the execution in States.Runtime, which no Catch takes).
      resultPath: '$.job',
    });
    describe.addRetry({ errors: ['Bedrock.ThrottlingException'], interval: Duration.seconds(30), maxAttempts: 5, backoffRate: 2 });
    catchAll(describe);
    const jobFailed = new sfn.Pass(this, 'JobFailed', {
      parameters: { Error: 'CustomizationFailed', 'Cause.$': "States.Format('Customization job {} failed: {}', $.train.JobArn, $.job.FailureMessage)" },
      resultPath: '$.error',
    }).next(failure);
    const jobEnded = new sfn.Pass(this, 'JobEnded', {
      parameters: { Error: 'CustomizationFailed', 'Cause.$': "States.Format('Customization job {} ended {} without a custom model.', $.train.JobArn, $.job.Status)" },
      resultPath: '$.error',
    }).next(failure);
    const loadMetrics = this.stepsTask('LoadMetrics', steps, { action: 'bedrock-metrics', bucket: this.bucketName, outputUri, 'jobArn.$': '$.train.JobArn' }, '$.metrics');
    catchAll(loadMetrics);

    const register = new tasks.CallAwsService(this, 'Register', {
      service: 'bedrock',
      action: 'tagResource',
      parameters: {
        ResourceARN: sfn.JsonPath.stringAt('$.job.OutputModelArn'),
        Tags: [{ Key: 'approval', Value: props.approval === 'automatic' ? 'Approved' : 'PendingManualApproval' }, { Key: 'gate', Value: 'passed' }],
      },
      iamResources: [stack.formatArn({ service: 'bedrock', resource: 'custom-model', resourceName: '*' })],
      resultPath: sfn.JsonPath.DISCARD,
    });
    catchAll(register);

    this.stateMachineGrants = (role: iam.IRole) => {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.jobRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } } }));
      // The identity that creates a job with CustomModelKmsKeyId needs these on the key (Bedrock user guide,
      // "Encryption of custom models"); Bedrock makes the grant for its own use, through Bedrock only.
      grantCustomModelKey(role, props.datasets.encryptionKey.keyArn, stack.region, this);
      acknowledgeWildcardResources(role, [
        stack.formatArn({ service: 'bedrock', resource: 'model-customization-job', resourceName: '*' }),
        stack.formatArn({ service: 'bedrock', resource: 'custom-model', resourceName: '*' }),
      ], 'Each execution creates its own customization job and custom model, named from the execution at run time.');
    };

    const gate = this.gateChoice(gatedPaths(props.gate), register.next(this.successPath(props)), failure);
    // Status is optional in the response too: a response without it is polled again.
    const status = (value: string) => sfn.Condition.and(sfn.Condition.isPresent('$.job.Status'), sfn.Condition.stringEquals('$.job.Status', value));
    const poll = new sfn.Choice(this, 'JobDone')
      .when(sfn.Condition.and(status('Completed'), sfn.Condition.isPresent('$.job.OutputModelArn')), loadMetrics.next(gate))
      .when(sfn.Condition.and(status('Failed'), sfn.Condition.isPresent('$.job.FailureMessage')), jobFailed)
      .when(sfn.Condition.or(status('Completed'), status('Failed'), status('Stopped')), jobEnded)
      .otherwise(wait);
    const start = this.normalizeInput(props);
    const applyDefaults = new sfn.Pass(this, 'ApplyDefaults', { parameters: { 'input.$': 'States.JsonMerge($.defaults, $, false)' }, outputPath: '$.input' });
    checkFormat
      .when(sfn.Condition.stringEquals('$.format', formats[0] ?? 'sft'), validate)
      .otherwise(wrongFormat);
    validate.next(create).next(wait).next(describe).next(poll);
    return start.next(applyDefaults).next(checkFormat);
  }

  private gateChoice(gated: GatedPath[], pass: sfn.IChainable, failure: sfn.IChainable): sfn.Choice {
    const conditions = gated.map((g) => (g.bound === 'min' ? sfn.Condition.numberGreaterThanEquals(g.path, g.value) : sfn.Condition.numberLessThanEquals(g.path, g.value)));
    const rejected = new sfn.Pass(this, 'GateRejected', {
      parameters: { Error: 'GateRejected', 'Cause.$': "States.Format('The tuned model missed the gate ({}); metrics: {}', $.gateRule, States.JsonToString($.metrics))" },
      resultPath: '$.error',
    });
    const describe = new sfn.Pass(this, 'DescribeGate', { result: sfn.Result.fromString(gated.map((g) => `${g.path.replace('$.metrics.', '')} ${g.bound === 'min' ? '>=' : '<='} ${g.value}`).join(' and ')), resultPath: '$.gateRule' });
    describe.next(rejected).next(failure);
    return new sfn.Choice(this, 'Gate', { comment: 'Passes the model when every metric meets its threshold' })
      .when(conditions.length === 1 ? conditions[0] : sfn.Condition.and(...conditions), pass)
      .otherwise(describe);
  }

  private successPath(props: FineTuningWorkflowProps): sfn.IChainable {
    return new tasks.SnsPublish(this, 'NotifySuccess', {
      topic: this.topic,
      subject: 'Fine-tuning run passed the gate',
      message: sfn.TaskInput.fromObject({ execution: sfn.JsonPath.executionName, metrics: sfn.JsonPath.objectAt('$.metrics'), approval: props.approval }),
      resultPath: sfn.JsonPath.DISCARD,
    }).next(new sfn.Succeed(this, 'Done'));
  }

  private createRegistry(props: FineTuningWorkflowProps): sagemaker.CfnModelPackageGroup {
    if (this.registry) return this.registry;
    const group = new sagemaker.CfnModelPackageGroup(this, 'Registry', {
      modelPackageGroupName: `${this.node.path.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 50)}-${this.node.addr.slice(0, 8)}`,
      modelPackageGroupDescription: `Models tuned by ${this.node.path}, with their evaluation metrics`,
    });
    group.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    (this as { registry?: sagemaker.CfnModelPackageGroup }).registry = group;
    return group;
  }

  private registryArn(): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: this.registry!.modelPackageGroupName! });
  }

  private vpcConfig(options: SageMakerFineTuningOptions): Record<string, unknown> {
    const subnets = options.vpc!.selectSubnets(options.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    const groups = options.securityGroups ?? [new ec2.SecurityGroup(this, 'SecurityGroup', { vpc: options.vpc!, description: 'Training jobs: egress only', allowAllOutbound: true })];
    return { Subnets: subnets.subnetIds, SecurityGroupIds: groups.map((g) => g.securityGroupId) };
  }

  private addTrigger(props: FineTuningWorkflowProps): void {
    const rule = new events.Rule(this, 'OnTrainUpload', {
      description: `Starts ${this.node.path} when a dataset lands under train/`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.bucketName] }, object: { key: [{ prefix: DatasetPrefix.TRAIN }] } },
      },
    });
    // EventBridge starts the workflow as a role only this account's rules can use.
    const role = new iam.Role(this, 'TriggerRole', { assumedBy: accountServicePrincipal(this, 'events.amazonaws.com'), description: `Starts ${this.node.path} for uploads under train/` });
    rule.addTarget(new targets.SfnStateMachine(this.stateMachine, {
      role,
      input: events.RuleTargetInput.fromObject({ method: props.trigger!.method, format: props.trigger!.format, trainKey: events.EventField.fromPath('$.detail.object.key') }),
    }));
  }

}

interface GatedPath {
  readonly path: string;
  readonly bound: 'min' | 'max';
  readonly value: number;
}

function gatedPaths(gate: FineTuningGate): GatedPath[] {
  const out: GatedPath[] = [];
  for (const [metric, t] of Object.entries(gate.thresholds)) {
    if (t.min !== undefined) out.push({ path: `$.metrics.tuned.${metric}`, bound: 'min', value: t.min });
    if (t.max !== undefined) out.push({ path: `$.metrics.tuned.${metric}`, bound: 'max', value: t.max });
  }
  for (const [metric, value] of Object.entries(gate.minImprovement ?? {})) out.push({ path: `$.metrics.improvement.${metric}`, bound: 'min', value });
  return out;
}

/**
 * What evaluate.py generates with (its --batch-size, --max-input-length and --max-new-tokens defaults, sent
 * explicitly): batches of 8 prompts of up to 2048 tokens, 256 new tokens each.
 */
export const EVALUATION = { batchSize: 8, maxInputLength: 2048, maxNewTokens: 256 } as const;

/** Record formats of the kit's validator for each Bedrock training data format. */
const DATA_FORMATS: Record<string, readonly string[]> = { 'prompt-completion': ['sft'], 'messages': ['chat'], 'input': ['pretrain'] };

/**
 * A job name unique to each attempt: `<execution>-<kind>-<8 hex>`. A retried task evaluates its Parameters
 * again, so a retry after a create whose answer was lost does not collide with the job it already made
 * (training job names are unique in an account and region, forever).
 */
function jobName(kind: string): string {
  return `States.Format('{}-${kind}-{}', $$.Execution.Name, States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 0))`;
}

/** The instance evaluation runs on: the cheapest GPU that holds the base model at bf16 for a whole batch. */
export function evaluationInstance(model: string, catalog = ModelCatalog.DEFAULT): string {
  const estimate = estimateServing({ model, models: catalog, precision: 'bf16', contextTokens: EVALUATION.maxInputLength + EVALUATION.maxNewTokens, concurrency: EVALUATION.batchSize });
  const gpu = estimate.candidates.find((c) => c.acceleratorKind === AcceleratorKind.GPU);
  if (!gpu) throw new Error(`No GPU instance of the catalog holds ${model} at bf16 for ${EVALUATION.batchSize} sequences of ${EVALUATION.maxInputLength + EVALUATION.maxNewTokens} tokens.`);
  return gpu.instanceType;
}

const GB = 1e9;
/** Room for the image's scratch, the datasets and logs on the training volume: the kit's allowance. */
const VOLUME_ALLOWANCE_GB = 20;

/**
 * The training volume a job needs: the base weights it downloads (16-bit), what it writes (the model at
 * 16-bit, merged or full) and the checkpoints it keeps (the scripts keep 2, each with the trainable weights and
 * their AdamW states: 16 bytes per trainable parameter), plus an allowance. On instances with local NVMe
 * storage SageMaker ignores the figure and uses the instance's own disks ("VolumeSizeInGB", CreateTrainingJob
 * ResourceConfig); elsewhere it is the EBS volume created.
 */
export function trainingVolumeGB(modelId: string, method: FineTuningMethod, instanceCount: number, loraRank = DEFAULT_LORA_RANK, catalog = ModelCatalog.DEFAULT): number {
  const model = requireArchitecture(modelId, catalog);
  const weights = 2 * model.parameters;
  // Full fine-tuning checkpoints shard the states over the instances (FSDP); adapters are small.
  const trainable = method === FineTuningMethod.FULL ? model.parameters / instanceCount : loraParameters(model, loraRank);
  const checkpoints = 2 * 16 * trainable;
  return Math.ceil((2 * weights + checkpoints) / GB) + VOLUME_ALLOWANCE_GB;
}

/** Evaluation downloads the tuned model and the base (16-bit), and writes predictions. */
export function evaluationVolumeGB(modelId: string, catalog = ModelCatalog.DEFAULT): number {
  return Math.ceil((2 * 2 * requireArchitecture(modelId, catalog).parameters) / GB) + VOLUME_ALLOWANCE_GB;
}

/** kms:Decrypt, GenerateDataKey, DescribeKey and CreateGrant on the custom model's key, used through Bedrock. */
function grantCustomModelKey(grantee: iam.IGrantable, keyArn: string, region: string, scope: Construct): void {
  const viaBedrock = { 'kms:ViaService': `bedrock.${region}.amazonaws.com` };
  grantKeyVia(grantee, keyArn, 'bedrock', ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], scope);
  iam.Grant.addToPrincipal({ grantee, actions: ['kms:CreateGrant'], resourceArns: [keyArn], conditions: { StringEquals: viaBedrock, Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
}

/** Checks the props and chooses an instance per method (SageMaker backend). */
function validateAndPlan(scope: Construct, props: FineTuningWorkflowProps): Partial<Record<FineTuningMethod, TrainingCandidate>> {
  const problems: string[] = [];
  const plans: Partial<Record<FineTuningMethod, TrainingCandidate>> = {};
  const gated = gatedPaths(props.gate);
  if (gated.length === 0) problems.push('gate.thresholds is empty: the gate needs at least one metric threshold (e.g. { rouge_l: { min: 0.3 } }).');
  for (const g of gated) if (!Number.isFinite(g.value)) problems.push(`gate threshold ${g.path} is ${g.value}; use a number.`);
  const cap = props.maxPreferencePairsPerCaller;
  if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) {
    problems.push(`maxPreferencePairsPerCaller is ${cap}: use a whole number of pairs, 1 or more (default ${DEFAULT_MAX_PAIRS_PER_CALLER}).`);
  }
  if (props.backend.kind === 'bedrock') {
    const bedrock = props.backend.bedrockOptions!;
    problems.push(...checkBedrockCustomization({
      baseModelId: bedrock.baseModelId, region: Stack.of(scope).region, customizationType: bedrock.customizationType, hyperParameters: bedrock.hyperParameters,
    }, 'backend'));
    if (!props.defaultKeys?.validationKey) {
      problems.push('The Bedrock backend gates on validation loss, but defaultKeys.validationKey is not set: give the key of a validation split under validation/ (executions may still name their own).');
    }
    if (props.gate.minImprovement) problems.push('gate.minImprovement compares with the base model, which the Bedrock backend does not evaluate; use thresholds on validation_loss.');
    throwIfProblems(scope, 'FineTuningWorkflow', problems);
    return plans;
  }
  const options = props.backend.sagemakerOptions!;
  const catalog = options.catalog ?? ModelCatalog.DEFAULT;
  const model = catalog.lookup(options.baseModel);
  if (!model || model.managed) {
    problems.push(`backend.baseModel "${options.baseModel}" is not an open model of the catalog; allowed: ${catalog.all().filter((m) => !m.managed).map((m) => m.id).join(', ')}. For another model, give backend.catalog: ModelCatalog.DEFAULT.withModels({ id, parameters, layers, kvHeads, headDim, ... }).`);
    throwIfProblems(scope, 'FineTuningWorkflow', problems);
  }
  const region = Stack.of(scope).region;
  if (!Token.isUnresolved(region) && !imageAvailableIn(TRAINING_IMAGE.repository, TRAINING_IMAGE.tag, region)) {
    problems.push(`The training image ${TRAINING_IMAGE.repository}:${TRAINING_IMAGE.tag} is not in the Deep Learning Containers registry of ${region} ` +
      `(SageMaker Python SDK image_uri_config huggingface.json); it exists in ${imageRegions(TRAINING_IMAGE.repository, TRAINING_IMAGE.tag).join(', ')}.`);
  }
  const maxRuntime = options.maxRuntime ?? Duration.hours(8);
  // The rules config validation applies to maxRuntimeHours and maxWaitHours; the wait counts with spot only.
  const wait = options.spot ? options.maxWait?.toSeconds() : undefined;
  for (const p of stoppingConditionProblems(maxRuntime.toSeconds(), wait, (s) => Duration.seconds(s).toHumanString())) problems.push(`backend.${p.field} ${p.problem}: ${p.fix}.`);
  if (options.baseModelKeyPrefix !== undefined && !(options.baseModelKeyPrefix.startsWith(DatasetPrefix.MODELS) && options.baseModelKeyPrefix.endsWith('/'))) {
    problems.push(`backend.baseModelKeyPrefix "${options.baseModelKeyPrefix}" is not a folder under ${DatasetPrefix.MODELS} (e.g. "models/base/qwen2.5-7b/").`);
  }
  if (options.loraRank !== undefined && (!Number.isInteger(options.loraRank) || options.loraRank < 1 || options.loraRank > 1024)) {
    problems.push(`backend.loraRank is ${options.loraRank}; use a whole number from 1 to 1024.`);
  }
  if (options.networkIsolation && !options.baseModelKeyPrefix) {
    problems.push('backend.networkIsolation is true but the base model comes from the Hub, which an isolated job cannot reach; copy its weights under models/ and set baseModelKeyPrefix.');
  }
  if (options.instanceType !== undefined && !InstanceCatalog.DEFAULT.lookup(options.instanceType)) {
    problems.push(`backend.instanceType "${options.instanceType}" is not in the instance catalog; allowed: ${InstanceCatalog.DEFAULT.types().join(', ')}.`);
  }
  for (const method of options.methods ?? [FineTuningMethod.LORA, FineTuningMethod.QLORA, FineTuningMethod.DPO]) {
    // DPO trains LoRA adapters; with peft the reference model is the frozen base itself, so it sizes like LoRA.
    const sized = method === FineTuningMethod.DPO ? TrainingMethod.LORA : (method as unknown as TrainingMethod);
    const estimate = estimateTraining({ model: options.baseModel, models: catalog, method: sized, sequenceLength: options.sequenceLength });
    const gpu = estimate.candidates.filter((c) => InstanceCatalog.DEFAULT.get(c.instanceType).accelerator.kind === AcceleratorKind.GPU);
    if (options.instanceType !== undefined) {
      const fits = gpu.find((c) => c.instanceType === options.instanceType);
      if (!fits) {
        const why = estimate.rejected.find((r) => r.instanceType === options.instanceType)?.reason ?? 'is not a GPU instance the training scripts run on';
        problems.push(`backend.instanceType ${options.instanceType} cannot train ${options.baseModel} with ${method}: ${why}. Cheapest that can: ${gpu[0] ? `${gpu[0].instanceCount} x ${gpu[0].instanceType}` : 'none; use QLoRA or a smaller model'}.`);
      } else {
        plans[method] = fits;
      }
    } else if (gpu[0]) {
      plans[method] = gpu[0];
    } else {
      problems.push(`No GPU instance in the catalog can train ${options.baseModel} with ${method} (needs ${estimate.memory.totalGiB.toFixed(1)} GiB); use QLoRA or a smaller model.`);
    }
  }
  throwIfProblems(scope, 'FineTuningWorkflow', problems);
  return plans;
}
