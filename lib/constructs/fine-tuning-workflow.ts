// The adapt-and-align loop as infrastructure: a Step Functions state machine that validates a dataset,
// fine-tunes (SageMaker training with the kit's entry scripts, or Bedrock model customization: the backend),
// evaluates the result, gates it on thresholds, registers it, and notifies. DPO aligns a model with preference
// data built from the API's feedback.
import { Duration, type IResource, RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { type Construct } from 'constructs';
import { DatasetPrefix } from '../config/dataset-layout';
import type { FineTuningGate, FineTuningTrigger } from '../config/environment';
import { DEFAULT_MAX_PAIRS_PER_CALLER } from '../datasets/preferences';
import type { TrainingCandidate } from '../sizing/training';
import type { IDatasetStore } from './dataset-store';
import type { FineTuningBackend, FineTuningBackendBindOptions, FineTuningDefaultKeys, ModelApproval } from './fine-tuning-backend';
import { type FineTuningMethod, triggerProblems } from '../config/training-rules';
import { justify } from './private/justifications';
import { allowCloudWatchLogs, createKitKey, grantKeyVia } from './private/kms';
import { accountServicePrincipal } from './private/principals';
import { throwIfProblems } from './private/problems';
import { runtimeCode } from './private/runtime-bundle';
import { gatedPaths } from './private/workflow-states';

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
  readonly approval: ModelApproval;
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
  /** The service that tunes: the backend's `service` (`sagemaker` or `bedrock`). */
  readonly service: string;
  /**
   * The instance chosen per method (SageMaker backend).
   *
   * TypeScript and JavaScript only, as TrainingCandidate is.
   *
   * @jsii ignore
   */
  readonly plans: Readonly<Partial<Record<FineTuningMethod, TrainingCandidate>>>;

  private readonly key;

  constructor(scope: Construct, id: string, props: FineTuningWorkflowProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    throwIfProblems(this, 'FineTuningWorkflow', [...workflowProblems(props), ...props.backend.problems(this, props)]);
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
    justify(steps,
      { kind: 'wildcard-resources', resources: ['*'], reason: 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions.' },
      { kind: 'aws-managed-policy', policy: 'service-role/AWSLambdaBasicExecutionRole', reason: 'The steps function writes its logs to its own KMS-encrypted log group; the basic execution policy holds only those CloudWatch Logs actions.' },
      { kind: 'lambda-outside-vpc', reason: 'The steps function reads and writes S3 only, over TLS with IAM; it reaches nothing inside a VPC.' },
    );

    const bindOptions: FineTuningBackendBindOptions = {
      datasets: props.datasets, steps, topic: this.topic, encryptionKey: this.key, gate: props.gate, approval: props.approval, defaultKeys: props.defaultKeys,
      maxPreferencePairsPerCaller: props.maxPreferencePairsPerCaller, removalPolicy, jobRole: props.jobRole,
    };
    this.service = props.backend.service;
    const backend = props.backend.bind(this, bindOptions);
    this.jobRole = backend.jobRole;
    this.registry = backend.registry;
    this.plans = backend.plans ?? {};

    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      definitionBody: sfn.DefinitionBody.fromChainable(backend.definition),
      comment: `Fine-tune, evaluate, gate and register (${props.backend.service})`,
      tracingEnabled: true,
      logs: { destination: new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR, encryptionKey: this.key, removalPolicy }), level: sfn.LogLevel.ALL, includeExecutionData: true },
      timeout: Duration.days(3),
    });
    // Publishing to the encrypted topic: SNS uses the key with the publisher's credentials.
    grantKeyVia(this.stateMachine, this.key.keyArn, 'sns', ['kms:Decrypt', 'kms:GenerateDataKey'], this);
    justify(this.stateMachine,
      { kind: 'wildcard-resources', resources: ['*'], reason: 'Step Functions log delivery (logs:*LogDelivery) and X-Ray tracing support no resource-level permissions.' },
      { kind: 'wildcard-resources', resources: [`${steps.functionArn}:*`], reason: 'Step Functions may invoke any version of the workflow\'s own steps function (aws-cdk-lib grants the function and its versions).' },
    );

    props.backend.grantStateMachine(this, this.stateMachine.role, bindOptions, backend);
    if (props.trigger) this.addTrigger(props.trigger, props.datasets.bucket.bucketName);
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

  private addTrigger(trigger: FineTuningTrigger, bucketName: string): void {
    const rule = new events.Rule(this, 'OnTrainUpload', {
      description: `Starts ${this.node.path} when a dataset lands under train/`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix: DatasetPrefix.TRAIN }] } },
      },
    });
    // EventBridge starts the workflow as a role only this account's rules can use.
    const role = new iam.Role(this, 'TriggerRole', { assumedBy: accountServicePrincipal(this, 'events.amazonaws.com'), description: `Starts ${this.node.path} for uploads under train/` });
    rule.addTarget(new targets.SfnStateMachine(this.stateMachine, {
      role,
      input: events.RuleTargetInput.fromObject({ method: trigger.method, format: trigger.format, trainKey: events.EventField.fromPath('$.detail.object.key') }),
    }));
  }
}

/** What is wrong with the props whatever the backend: the gate and the preference cap. */
function workflowProblems(props: FineTuningWorkflowProps): string[] {
  const problems: string[] = [];
  const gated = gatedPaths(props.gate);
  if (gated.length === 0) problems.push('gate.thresholds is empty: the gate needs at least one metric threshold (e.g. { rouge_l: { min: 0.3 } }).');
  for (const g of gated) if (!Number.isFinite(g.value)) problems.push(`gate threshold ${g.path} is ${g.value}; use a number.`);
  const cap = props.maxPreferencePairsPerCaller;
  if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) {
    problems.push(`maxPreferencePairsPerCaller is ${cap}: use a whole number of pairs, 1 or more (default ${DEFAULT_MAX_PAIRS_PER_CALLER}).`);
  }
  // The rule config validation applies to adaptation.trigger, with the backend's own methods and formats.
  if (props.trigger) {
    for (const p of triggerProblems(props.trigger.method, props.trigger.format, props.backend.triggerRules())) {
      problems.push(`trigger.${p.field} "${(props.trigger as unknown as Record<string, unknown>)[p.field]}" ${p.problem}: ${p.fix}.`);
    }
  }
  return problems;
}
