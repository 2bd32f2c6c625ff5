// Where a fine-tuning workflow tunes the model. Each backend binds itself to the workflow: it creates the role
// its jobs run as, writes the states that train, evaluate and register (SageMaker training jobs with the kit's
// entry scripts, or a Bedrock model customization job), and grants the state machine what running them needs.
import type { RemovalPolicy } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { FineTuningGate } from '../config/environment';
import type { InstanceType } from '../sizing/instances';
import type { ModelCatalog } from '../sizing/models';
import type { TrainingCandidate } from '../sizing/training';
import type { IDatasetStore } from './dataset-store';
import { bedrockTriggerRules, FINE_TUNING_METHODS, type FineTuningMethod, sagemakerTriggerRules, type TriggerRules } from '../config/training-rules';
import { bedrockDatasetFormat } from '../bedrock/customization-catalog';

/** What becomes of a model that passes the gate. */
export enum ModelApproval {
  /** Approved at once: model package status `Approved` (SageMaker), tag `approval: Approved` (Bedrock). */
  AUTOMATIC = 'automatic',
  /** Waits for a person: `PendingManualApproval`. */
  MANUAL = 'manual',
}
import { bedrockDefinition, bedrockProblems, createCustomizationRole, grantCustomizationStateMachine } from './private/bedrock-fine-tuning';
import { createTrainingRole, grantTrainingStateMachine, planTraining, sagemakerDefinition } from './private/sagemaker-fine-tuning';

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
  readonly instanceType?: InstanceType;
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

/** The kinds of Bedrock model customization the workflow runs (CreateModelCustomizationJob customizationType). */
export enum BedrockCustomization {
  /** Labelled records: prompt/completion or messages, as the base model takes them. */
  FINE_TUNING = 'FINE_TUNING',
  /** Unlabelled text (`{"input": ...}`). */
  CONTINUED_PRE_TRAINING = 'CONTINUED_PRE_TRAINING',
}

export interface BedrockFineTuningOptions {
  /** Foundation model id that supports customization, e.g. `meta.llama3-1-8b-instruct-v1:0`. */
  readonly baseModelId: string;
  /** @default BedrockCustomization.FINE_TUNING */
  readonly customizationType?: BedrockCustomization;
  /** Hyperparameters as Bedrock names them, e.g. { epochCount: '2', learningRate: '0.0001' }. @default - Bedrock's defaults */
  readonly hyperParameters?: Readonly<Record<string, string>>;
}

/** Dataset keys an execution uses when it names none. */
export interface FineTuningDefaultKeys {
  /** @default - none: executions name it (a Bedrock backend needs one) */
  readonly validationKey?: string;
  /** @default - none */
  readonly testKey?: string;
}

/** What a backend is checked against before it binds. */
export interface FineTuningBackendCheckOptions {
  /** The gate the tuned model must pass. */
  readonly gate: FineTuningGate;
  /** Keys executions use when they name none. @default - none */
  readonly defaultKeys?: FineTuningDefaultKeys;
}

/** What the workflow gives a backend to bind to. */
export interface FineTuningBackendBindOptions extends FineTuningBackendCheckOptions {
  /** The store the runs read datasets from and write models to. */
  readonly datasets: IDatasetStore;
  /** The workflow's steps function: dataset validation, preference building, metric loading. */
  readonly steps: lambda.IFunction;
  /** The topic each run's outcome is published to. */
  readonly topic: sns.ITopic;
  /** The workflow's key: the jobs' volumes, the workflow's logs and notifications. */
  readonly encryptionKey: kms.IKey;
  /** Registered models are approved at once or wait for a person. */
  readonly approval: ModelApproval;
  /** The most preference pairs one rater's feedback may make. @default - DEFAULT_MAX_PAIRS_PER_CALLER */
  readonly maxPreferencePairsPerCaller?: number;
  /** What happens to the registry when it leaves the stack. */
  readonly removalPolicy: RemovalPolicy;
  /** A role of yours for the jobs. @default - a new role, assumable by the backend's service in this account only */
  readonly jobRole?: iam.IRole;
}

/** What a backend adds to the workflow, from `FineTuningBackend.bind`. */
export interface FineTuningBackendConfig {
  /** The role the jobs run as, with the policies they need. */
  readonly jobRole: iam.IRole;
  /** The states of a run, from the input defaults to success or failure. */
  readonly definition: sfn.IChainable;
  /** The model package group passing models are registered in. @default - none (Bedrock tags its custom models) */
  readonly registry?: sagemaker.CfnModelPackageGroup;
  /**
   * The instance chosen per method.
   *
   * TypeScript and JavaScript only, as TrainingCandidate is.
   *
   * @default - none (Bedrock chooses its own capacity)
   * @jsii ignore
   */
  readonly plans?: Readonly<Partial<Record<FineTuningMethod, TrainingCandidate>>>;
}

/** Where the model is tuned. */
export abstract class FineTuningBackend {
  /** SageMaker training jobs running the kit's entry scripts, sized per method; passing models go to a model registry. */
  static sagemaker(options: SageMakerFineTuningOptions): FineTuningBackend {
    return new SageMakerBackend(options);
  }

  /** A Bedrock model customization job; passing custom models are tagged with their approval. */
  static bedrock(options: BedrockFineTuningOptions): FineTuningBackend {
    return new BedrockBackend(options);
  }

  /** The service that tunes: `sagemaker` or `bedrock`. */
  abstract readonly service: string;

  /** What is wrong with the backend in a workflow with these options, each as a sentence; empty when nothing is. */
  abstract problems(scope: Construct, options: FineTuningBackendCheckOptions): string[];

  /**
   * What a run of this backend takes, which the workflow checks its trigger against. The default: every method,
   * preference data for DPO and prompt/completion or chat records otherwise.
   */
  triggerRules(): TriggerRules {
    return { methods: [...FINE_TUNING_METHODS] };
  }

  /** Creates the job role and the states of a run in the workflow `scope`. */
  abstract bind(scope: Construct, options: FineTuningBackendBindOptions): FineTuningBackendConfig;

  /** Grants the workflow's state machine role what running the jobs `bind` wrote needs. */
  abstract grantStateMachine(scope: Construct, role: iam.IRole, options: FineTuningBackendBindOptions, config: FineTuningBackendConfig): void;
}

class SageMakerBackend extends FineTuningBackend {
  readonly service = 'sagemaker';

  constructor(readonly options: SageMakerFineTuningOptions) {
    super();
  }

  problems(scope: Construct): string[] {
    return planTraining(scope, this.options).problems;
  }

  triggerRules(): TriggerRules {
    return sagemakerTriggerRules(this.options.methods);
  }

  bind(scope: Construct, options: FineTuningBackendBindOptions): FineTuningBackendConfig {
    const { plans } = planTraining(scope, this.options);
    const jobRole = createTrainingRole(scope, this.options, options);
    const { definition, registry } = sagemakerDefinition(scope, this.options, options, jobRole, plans);
    return { jobRole, definition, registry, plans };
  }

  grantStateMachine(scope: Construct, role: iam.IRole, options: FineTuningBackendBindOptions, config: FineTuningBackendConfig): void {
    grantTrainingStateMachine(scope, role, options, config);
  }
}

class BedrockBackend extends FineTuningBackend {
  readonly service = 'bedrock';

  constructor(readonly options: BedrockFineTuningOptions) {
    super();
  }

  problems(scope: Construct, options: FineTuningBackendCheckOptions): string[] {
    return bedrockProblems(scope, this.options, options);
  }

  triggerRules(): TriggerRules {
    return bedrockTriggerRules(bedrockDatasetFormat(this.options.baseModelId));
  }

  bind(scope: Construct, options: FineTuningBackendBindOptions): FineTuningBackendConfig {
    const jobRole = createCustomizationRole(scope, options);
    return { jobRole, definition: bedrockDefinition(scope, this.options, options, jobRole) };
  }

  grantStateMachine(scope: Construct, role: iam.IRole, options: FineTuningBackendBindOptions, config: FineTuningBackendConfig): void {
    grantCustomizationStateMachine(scope, role, options, config);
  }
}
