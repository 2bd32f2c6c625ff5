// The typed definition of one deployment environment (dev, staging, prod, ...): the one object a platform
// team edits. Everything a stage builds is derived from it; nothing in the kit reads files or process.env.
import type { CapacitySchedule } from './capacity-schedule';
import type { ModelArchitecture } from '../sizing/models';
import type { InstanceType } from '../sizing/instances';
import type { Precision } from '../sizing/precision';
import type { ServingContainer } from '../serving/containers';
import type { Quantization } from '../serving/quantization';
import type { CrossRegionGeography } from '../bedrock/cross-region';
import type { DatasetPrefix } from './dataset-layout';
import type { FineTuningMethod } from './training-rules';
import type { DatasetFormat } from '../datasets/formats';


/** What happens to stateful data (buckets, keys, logs) when its stack is deleted or the resource replaced. */
export enum DataRemoval {
  /** Kept: for anything real. */
  RETAIN = 'retain',
  /** Deleted with the stack (buckets emptied first). */
  DESTROY = 'destroy',
}

/** A tool the generative API offers a Bedrock model through Converse tool use. */
export enum ApiTool {
  /** Exact arithmetic on decimals (lib/runtime/api/calculator.ts). */
  CALCULATOR = 'calculator',
}

/** The kind of work the use case asks of the model. Narrow scopes size cheaper. */
export enum UseCaseTask {
  CHAT = 'chat',
  SUMMARIZATION = 'summarization',
  EXTRACTION = 'extraction',
  CLASSIFICATION = 'classification',
  GENERATION = 'generation',
  CODE = 'code',
}

/** Every task the config accepts, for validation and error messages. */
export const USE_CASE_TASKS: readonly UseCaseTask[] = Object.values(UseCaseTask);

/** Who may call an environment's API. */
export enum ApiAuthorizationMode {
  /** IAM: callers sign requests with SigV4. */
  IAM = 'iam',
  /** API keys with a usage plan. */
  API_KEY = 'api-key',
  /** A Cognito user pool (`cognitoUserPoolArn`): callers send its ID token. */
  COGNITO = 'cognito',
}

/** Where an environment fine-tunes. */
export enum FineTuningService {
  /** SageMaker training with the kit's scripts (open models). */
  SAGEMAKER = 'sagemaker',
  /** Bedrock model customization (Bedrock models). */
  BEDROCK = 'bedrock',
}

/**
 * The use case, scoped as narrowly as possible (lifecycle stage 1). Sizes, limits and costs downstream are
 * derived from it: the serving instance, the context length an endpoint is compiled for, API throttling.
 */
export interface UseCaseScope {
  /** One sentence a reviewer can read: what the model is for. */
  readonly description: string;
  /** The kind of task. */
  readonly task: UseCaseTask;
  /** The longest prompt (system prompt, template, retrieved passages and user input) in tokens. */
  readonly maxInputTokens: number;
  /** The longest answer in tokens. */
  readonly maxOutputTokens: number;
  /** Requests in flight at once at peak; sizes the KV cache and the number of instances. */
  readonly concurrency: number;
  /**
   * Peak requests per second across all callers; sets API throttling.
   * @default - concurrency (one request per second per concurrent caller)
   */
  readonly peakRequestsPerSecond?: number;
  /**
   * The model: a Hugging Face id from the model catalog, or a Bedrock model id.
   * @default - no model is selected yet; model-dependent resources are not created
   */
  readonly model?: string;
  /**
   * Numeric precision of the served weights.
   * @default Precision.BF16
   */
  readonly precision?: Precision;
}


/** Where an endpoint's weights come from: exactly one of `huggingFaceId` and `datasetKeyPrefix`. */
export interface EndpointWeights {
  /** A Hugging Face Hub id, `org/name`. @default - none: give this or datasetKeyPrefix */
  readonly huggingFaceId?: string;
  /** With huggingFaceId: the commit, tag or branch to serve; pin a 40-character commit. @default - the Hub's default branch */
  readonly revision?: string;
  /** A key prefix under the dataset store's `models/` (`models/.../`) holding uncompressed weights. @default - none: give this or huggingFaceId */
  readonly datasetKeyPrefix?: string;
}

/** How an open model is served on a SageMaker endpoint. */
export interface EndpointSettings {
  /**
   * Where the weights come from: a Hugging Face id (pin `revision` to a commit), or a key prefix under the
   * dataset store's `models/` (fine-tuned or optimized weights).
   * @default - scope.model from the Hugging Face Hub
   */
  readonly weights?: EndpointWeights;
  /** The serving container, as InferenceEndpoint takes it. @default ServingContainer.LMI_VLLM */
  readonly container?: ServingContainer;
  /**
   * The quantization, as InferenceEndpoint takes it: `Quantization.awq()` serves a pre-quantized AWQ checkpoint,
   * `Quantization.awq({ preQuantized: false })` quantizes fp16 weights at load. It must agree with scope.precision.
   * @default Quantization.NONE
   */
  readonly quantization?: Quantization;
  /** @default - the cheapest instance that holds the scope */
  readonly instanceType?: InstanceType;
  /** @default 1 */
  readonly minInstances?: number;
  /** @default minInstances */
  readonly maxInstances?: number;
  /** Percentage of requests captured to the dataset store. @default - no capture */
  readonly dataCapturePercent?: number;
  /** CloudWatch alarms (5xx, latency, GPU memory) with an SNS topic. @default true */
  readonly alarms?: boolean;
  /**
   * Serve the model as copies of an inference component on a managed pool of instances, which can shrink to
   * minInstances 0 when no copy runs.
   * @default - one model per instance
   */
  readonly inferenceComponents?: EndpointComponents;
  /**
   * Lower the minimum outside working hours: copies with inference components (down to 0), else instances
   * (down to 1, below a minInstances of 2 or more).
   * @default - the same minimum around the clock
   */
  readonly schedule?: CapacitySchedule;
}

/** The model's inference component. */
export interface EndpointComponents {
  /** Copies at the least (during working hours, with a schedule). @default 1 */
  readonly minCopies?: number;
  /** Copies at the most. @default - as many as maxInstances hold */
  readonly maxCopies?: number;
}

/** One example exchange of a prompt template, placed before the request. */
export interface PromptExample {
  /** What the user says. */
  readonly user: string;
  /** What the assistant answers. */
  readonly assistant: string;
}

/** A versioned prompt template (see lib/runtime/api/contract.ts). */
export interface PromptTemplateConfig {
  /** Lowercase id that requests name (`template.id`). */
  readonly id: string;
  /** Returned with every answer and logged, so evaluation can compare versions. */
  readonly version: string;
  /** @default - none */
  readonly system?: string;
  /** Example turns placed before the request. @default - none */
  readonly examples?: PromptExample[];
  /** The user message, with `{{variable}}` placeholders. */
  readonly user: string;
}

/** Retrieval augmentation of an environment's API. */
export interface RetrievalSettings {
  /** Ground every request that does not say otherwise. @default false */
  readonly byDefault?: boolean;
  /** Passages retrieved per request. @default 5 */
  readonly results?: number;
  /** Start an ingestion job when a document lands under documents/. @default false */
  readonly ingestOnUpload?: boolean;
  /** The Bedrock embedding model. @default 'amazon.titan-embed-text-v2:0' */
  readonly embeddingModelId?: string;
}

/** The generative API in front of the model. */
export interface ApiSettings {
  /**
   * Who may call it: IAM (SigV4), API keys with a usage plan, or a Cognito user pool.
   * @default ApiAuthorizationMode.IAM
   */
  readonly authorization?: ApiAuthorizationMode;
  /** With `cognito`: the ARN of the user pool callers sign in to (they send its ID token). @default - none */
  readonly cognitoUserPoolArn?: string;
  /** @default - none */
  readonly promptTemplates?: PromptTemplateConfig[];
  /**
   * A Bedrock guardrail (content filters, PII masking): on the Converse call for a Bedrock model, through
   * ApplyGuardrail on prompts and answers for an endpoint model. @default false
   */
  readonly guardrail?: boolean;
  /** A WAF web ACL on the API. @default - true in production */
  readonly waf?: boolean;
  /**
   * Retrieval augmentation over the dataset store's documents/ (a Bedrock knowledge base on S3 Vectors).
   * @default - none
   */
  readonly retrieval?: RetrievalSettings;
  /** Tools the model may call (Bedrock models), as GenerativeApi takes them. @default - none */
  readonly tools?: ApiTool[];
}

/** How the environment serves its scope's model. */
export interface ServingSettings {
  /** Bedrock models only: call through a cross-region inference profile. @default - the model in the environment's region */
  readonly crossRegion?: CrossRegionGeography;
  /** Open models only: the SageMaker endpoint. @default - every field's default */
  readonly endpoint?: EndpointSettings;
  /** The API in front of the model. @default - every field's default */
  readonly api?: ApiSettings;
}

/** A metric the gate checks: at least `min`, at most `max`. */
export interface MetricThreshold {
  /** @default - no lower bound */
  readonly min?: number;
  /** @default - no upper bound */
  readonly max?: number;
}

/** The evaluation gate: a tuned model is registered only when its metrics pass. */
export interface FineTuningGate {
  /**
   * Thresholds on the tuned model's metrics (evaluate.py's names: rouge_l, exact_match, contains_reference;
   * Bedrock: validation_loss).
   */
  readonly thresholds: Readonly<Record<string, MetricThreshold>>;
  /** Least improvement over the base model, per metric (SageMaker backend). @default - none */
  readonly minImprovement?: Readonly<Record<string, number>>;
}

/** A run started when a training file lands under train/ (an EventBridge rule). */
export interface FineTuningTrigger {
  /** The method of the run: one the backend runs (SageMaker: one of its `methods`). */
  readonly method: FineTuningMethod;
  /**
   * The format of the files that start it: `DatasetFormat.PREFERENCE` for DPO, `SFT` or `CHAT` otherwise (on
   * Bedrock, the base model's training data format).
   */
  readonly format: DatasetFormat;
}

/** The fine-tuning workflow of an environment (lifecycle stage 3: adapt and align). */
export interface AdaptationSettings {
  /** SageMaker training with the kit's scripts (open models), or Bedrock model customization. */
  readonly backend: FineTuningService;
  /** @default - scope.model (an open catalog model for SageMaker, a Bedrock id for Bedrock) */
  readonly baseModel?: string;
  /** SageMaker: the methods executions may use. @default [FineTuningMethod.LORA, FineTuningMethod.QLORA, FineTuningMethod.DPO] */
  readonly methods?: FineTuningMethod[];
  /** SageMaker: one instance type for every method. @default - the cheapest that holds each method */
  readonly instanceType?: InstanceType;
  /** SageMaker: managed spot with checkpoints. @default false */
  readonly spot?: boolean;
  /** SageMaker: @default 8 */
  readonly maxRuntimeHours?: number;
  /** SageMaker with spot: at least maxRuntimeHours. @default 2 x maxRuntimeHours */
  readonly maxWaitHours?: number;
  /** The evaluation gate: thresholds on the tuned model's metrics, and least improvement over the base. */
  readonly gate: FineTuningGate;
  /** Keys used when an execution names none (Bedrock needs validationKey). @default - none */
  readonly validationKey?: string;
  /** @default - none */
  readonly testKey?: string;
  /** Start a run when a file lands under train/. @default - on demand only */
  readonly trigger?: FineTuningTrigger;
}

/** A local folder uploaded to the dataset store at deploy time. */
export interface DatasetSeed {
  /**
   * The prefix that receives the files, e.g. `DatasetPrefix.TRAIN` or `'train/'`.
   * @default - the folder is laid out like the store: its folders (train/, validation/, ...) are prefixes
   */
  readonly prefix?: DatasetPrefix;
  /** An absolute path, or a path relative to the working directory of `cdk synth` (bin/ resolves config paths). */
  readonly source: string;
}

/** Settings of the DatasetStore in one environment. */
export interface DatasetSettings {
  /**
   * Days after which a noncurrent (overwritten or deleted) object version is removed.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Days the API's interaction records (prompts, passages, answers under feedback/interactions/) are kept;
   * ratings are kept. A rating whose interaction has expired builds no preference pair.
   * @default - kept until deleted
   */
  readonly interactionRetentionDays?: number;
  /**
   * Days after which server access logs are removed.
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
  /**
   * A local folder uploaded to the store at deploy time (e.g. a starter dataset): to one prefix, as
   * `{ prefix: 'train/', source: 'datasets/raw' }`, or, without a prefix, a folder laid out like the store
   * (`train/`, `validation/`, ... folders), as `{ source: 'datasets/starter' }`. The path is resolved by `bin/`,
   * never by a construct.
   * @default - nothing is seeded
   */
  readonly seed?: DatasetSeed;
}

/** One deployment environment. */
export interface EnvironmentConfig {
  /** Short lowercase name (`dev`); it also names the CDK stage (`Dev`) and tags every resource. */
  readonly name: string;
  /**
   * The AWS account. Leave it unset to deploy to the account of the credentials in use.
   * @default - the account of the deploying credentials (environment-agnostic stacks)
   */
  readonly account?: string;
  /** The AWS region, e.g. `us-east-1`. */
  readonly region: string;
  /** Whether stateful data is kept (`retain`) or deleted with the stack (`destroy`, throwaway environments only). */
  readonly dataRemoval: DataRemoval;
  /** Days CloudWatch logs are kept; one of the values CloudWatch Logs accepts. */
  readonly logRetentionDays: number;
  /**
   * Production guards: termination protection, retention checks, WAF on the API.
   * @default false
   */
  readonly production?: boolean;
  /** The use case this environment serves. */
  readonly scope: UseCaseScope;
  /**
   * Models outside the kit's catalog that `scope.model` and `adaptation.baseModel` may name, with the facts from
   * their config.json that sizing needs (`id`, `parameters`, `layers`, `kvHeads`, `headDim`, ...). An entry with
   * the id of a catalog model replaces it.
   * @default - the catalog's models only (`npm run estimate -- models`)
   */
  readonly models?: ModelArchitecture[];
  /**
   * How the scope's model is served: a Bedrock model id is served by Bedrock, an open model by a SageMaker
   * endpoint.
   * @default - every field's default
   */
  readonly serving?: ServingSettings;
  /**
   * The fine-tuning workflow.
   * @default - none
   */
  readonly adaptation?: AdaptationSettings;
  /**
   * Dataset store settings.
   * @default - the defaults of each field
   */
  readonly datasets?: DatasetSettings;
  /**
   * Tags applied to every resource of the environment, in addition to `environment: <name>`.
   * @default - only the environment tag
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * How the environment is watched: its dashboard and budget.
   * @default - a dashboard, no budget
   */
  readonly operations?: OperationsSettings;
}

/** The environment's dashboard and budget, in its Operations stack. */
export interface OperationsSettings {
  /** A CloudWatch dashboard of the environment's API, model, workflow and ingestion. @default true */
  readonly dashboard?: boolean;
  /**
   * A monthly AWS Budgets cost budget, in USD, for the resources tagged `environment: <name>` (activate that cost
   * allocation tag in the Billing console first), alerting an encrypted SNS topic at 80% of actual cost and 100% of
   * the forecast.
   * @default - no budget
   */
  readonly monthlyBudgetUsd?: number;
}
