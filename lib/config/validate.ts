// Checks environment definitions before anything is synthesized, and reports every problem at once: the
// path, the bad value, what is allowed and what to do. Pure: no CDK constructs, no I/O.
import { type CapacitySchedule, capacityScheduleProblems, CapacityUnit } from './capacity-schedule';
import { promptTemplateProblems } from './template-rules';
import { bedrockTriggerRules, FINE_TUNING_METHODS, type FineTuningMethod, sagemakerTriggerRules, stoppingConditionProblems, triggerProblems } from './training-rules';
import { didYouMean, showValue as show } from '../util/did-you-mean';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { type ModelArchitecture, ModelCatalog, validateArchitecture } from '../sizing/models';
import { Precision, PRECISIONS } from '../sizing/precision';
import { checkServingFit } from '../sizing/fit';
import { estimateServing, noInstanceFitsAdvice } from '../sizing/serving';
import { bedrockDatasetFormat, checkBedrockCustomization } from '../bedrock/customization-catalog';
import { ServingContainer } from '../serving/containers';
import { Quantization } from '../serving/quantization';
import { hostRequirements, imageRegionProblem } from '../serving/host';
import { checkRevision } from '../serving/revision';
import { InstanceCatalog, InstanceType } from '../sizing/instances';
import { DATASET_PREFIXES } from './dataset-layout';
import { CrossRegionGeography } from '../bedrock/cross-region';
import { ApiAuthorizationMode, ApiTool, DataRemoval, type EnvironmentConfig, FineTuningService, USE_CASE_TASKS } from './environment';

/** One thing wrong with a config. */
export interface ConfigProblem {
  /** Where: `prod.scope.maxInputTokens`. */
  readonly path: string;
  /** The value found there. */
  readonly value: unknown;
  /** What is wrong and what is allowed. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

/**
 * Thrown by `assertValidEnvironments` with every problem found.
 *
 * TypeScript and JavaScript only. An Error subclass cannot cross to other languages: there the same message arrives as the
 * runtime's error (for example `RuntimeError` in Python).
 *
 * @jsii ignore
 */
export class ConfigError extends Error {
  /** Every problem, with its field path, the value, what is wrong and the fix. */
  declare readonly problems: readonly ConfigProblem[];

  /**
   * @param source where the definitions came from, as the message names it. @default 'bin/environments.ts'
   */
  constructor(problems: readonly ConfigProblem[], source = 'bin/environments.ts') {
    super(formatProblems(problems, source));
    this.name = 'ConfigError';
    // Not enumerable: an uncaught error prints its message (the whole list), not a dump of this array as well.
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
    this.stack = userStack(this);
  }
}

/** `app.ts:12`: the first line of the caller's own code on the current stack, or undefined where there is none. */
export function callerLocation(): string | undefined {
  const frames = userStack(new Error()).split('\n').slice(1);
  const match = frames.length > 0 ? /\(?([^()\s]+):(\d+):\d+\)?$/.exec(frames[0]) : null;
  return match ? `${match[1].split(/[\\/]/).pop()}:${match[2]}` : undefined;
}

/**
 * The error's stack without the kit's own frames (and Node's): what is left points at the caller's code, the
 * line that gave the definitions, so an uncaught error names the user's source rather than the kit's.
 */
export function userStack(error: Error): string {
  const lines = (error.stack ?? '').split('\n');
  const header = `${error.name}: ${error.message}`;
  const frames = lines.filter((l) => /^\s+at /.test(l));
  const kit = /[\\/]genai-lifecycle-cdk[\\/](dist[\\/])?(lib|bin|scripts)[\\/]|[\\/](lib|dist[\\/]lib)[\\/](config|constructs|stage|sizing|serving)[\\/.]|node:internal|node_modules[\\/](tsx|aws-cdk-lib|constructs)[\\/]/;
  const own = frames.filter((l) => !kit.test(l));
  return [header, ...(own.length > 0 ? own : frames.slice(0, 1))].join('\n');
}

/** `prod.region: "us-east-9" is not an AWS region ... Fix: ...`, one problem per line. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.path}: ${show(p.value)} ${p.message.replace(/\.$/, '')}. Fix: ${p.fix}`;
}

export function formatProblems(problems: readonly ConfigProblem[], source = 'bin/environments.ts'): string {
  const n = problems.length;
  return [`${n} problem${n === 1 ? '' : 's'} in the environment definitions (${source}):`, ...problems.map((p) => `  - ${formatProblem(p)}`)].join('\n');
}

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const TOP_LEVEL_FIELDS = ['name', 'account', 'region', 'dataRemoval', 'logRetentionDays', 'production', 'scope', 'models', 'serving', 'adaptation', 'datasets', 'tags', 'operations'];
const OPERATIONS_FIELDS = ['dashboard', 'monthlyBudgetUsd'];
const ADAPTATION_FIELDS = ['backend', 'baseModel', 'methods', 'instanceType', 'spot', 'maxRuntimeHours', 'maxWaitHours', 'gate', 'validationKey', 'testKey', 'trigger'];
const SERVING_FIELDS = ['crossRegion', 'endpoint', 'api'];
const API_FIELDS = ['authorization', 'cognitoUserPoolArn', 'promptTemplates', 'guardrail', 'waf', 'retrieval', 'tools'];
const TEMPLATE_FIELDS = ['id', 'version', 'system', 'examples', 'user'];
const ENDPOINT_FIELDS = ['weights', 'container', 'quantization', 'instanceType', 'minInstances', 'maxInstances', 'dataCapturePercent', 'alarms', 'inferenceComponents', 'schedule'];
const COMPONENT_FIELDS = ['minCopies', 'maxCopies'];
const SCHEDULE_FIELDS = ['timeZone', 'workingDays', 'startHour', 'endHour', 'offHoursMinimum'];
// The names configs used before they took the construct types, and what to write instead (a JavaScript config
// may still hold the old strings).
const CONTAINER_BY_OLD_NAME: Readonly<Record<string, string>> = {
  'lmi-vllm': 'serving.ServingContainer.LMI_VLLM', 'lmi-tensorrt-llm': 'serving.ServingContainer.LMI_TENSORRT_LLM', 'hf-tgi': 'serving.ServingContainer.HF_TGI', 'hf-vllm': 'serving.ServingContainer.HF_VLLM', 'neuron': 'serving.ServingContainer.NEURON',
};
const QUANTIZATION_BY_OLD_NAME: Readonly<Record<string, string>> = {
  'none': 'serving.Quantization.NONE', 'fp8': 'serving.Quantization.FP8', 'int8-smoothquant': 'serving.Quantization.INT8_SMOOTHQUANT', 'awq': 'serving.Quantization.awq()',
  'awq-at-load': 'serving.Quantization.awq({ preQuantized: false })', 'gptq': 'serving.Quantization.GPTQ', 'bitsandbytes-int8': 'serving.Quantization.BITSANDBYTES_INT8',
  'bitsandbytes-nf4': 'serving.Quantization.BITSANDBYTES_NF4',
};
const SCOPE_FIELDS = ['description', 'task', 'maxInputTokens', 'maxOutputTokens', 'concurrency', 'peakRequestsPerSecond', 'model', 'precision'];
const DATASET_FIELDS = ['noncurrentVersionExpirationDays', 'accessLogRetentionDays', 'interactionRetentionDays', 'seed'];
// Generous upper bounds that catch unit slips (bytes for tokens, seconds for days) without limiting real use.
const MAX_CONTEXT_TOKENS = 2_000_000;
const MAX_CONCURRENCY = 100_000;
const MAX_DAYS = 3653;

/**
 * Checks a set of environment definitions and returns every problem found (empty when valid).
 * Accepts `unknown` values so definitions loaded from anywhere get the same checks as typed ones.
 */
export function validateEnvironments(envs: readonly unknown[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (envs.length === 0) {
    problems.push({ path: 'environments', value: envs, message: 'is empty; at least one environment is needed', fix: 'define dev, staging or prod in bin/environments.ts' });
  }
  const seen = new Map<string, number>();
  envs.forEach((env, i) => {
    const name = isRecord(env) && typeof env.name === 'string' && env.name !== '' ? env.name : `environments[${i}]`;
    problems.push(...validateEnvironment(env, name));
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({ path: `${name}.name`, value: name, message: `is used by environments[${first}] and environments[${i}]; names must be unique`, fix: 'rename one of them' });
    } else {
      seen.set(name, i);
    }
  });
  return problems;
}

/** Throws a `ConfigError` listing every problem, or returns the definitions typed. */
export function assertValidEnvironments(envs: readonly unknown[]): readonly EnvironmentConfig[] {
  const problems = validateEnvironments(envs);
  if (problems.length > 0) throw new ConfigError(problems);
  return envs as readonly EnvironmentConfig[];
}

/** Checks one environment definition; `at` prefixes every path. */
export function validateEnvironment(env: unknown, at: string): ConfigProblem[] {
  const c = new Collector(at);
  if (!isRecord(env)) {
    c.add('', env, 'is not an object', 'define the environment as an object literal typed EnvironmentConfig');
    return c.problems;
  }
  c.unknownFields('', env, TOP_LEVEL_FIELDS);

  if (typeof env.name !== 'string' || !/^[a-z][a-z0-9-]{0,19}$/.test(env.name)) {
    c.add('name', env.name, 'is not a valid environment name; allowed: 1-20 characters, lowercase letters, digits and hyphens, starting with a letter', 'use a short name such as "dev" or "prod-eu"');
  }
  if (env.account !== undefined && (typeof env.account !== 'string' || !/^\d{12}$/.test(env.account))) {
    c.add('account', env.account, 'is not an AWS account id; allowed: exactly 12 digits, or leave it unset', 'copy the id from `aws sts get-caller-identity`, or remove the field to deploy to the current account');
  }
  const regions = RegionInfo.regions.map((r) => r.name);
  if (typeof env.region !== 'string' || !regions.includes(env.region)) {
    c.add('region', env.region, `is not an AWS region; allowed: ${regions.join(', ')}`, `use a region name${typeof env.region === 'string' ? nearest(env.region, regions) : ''}`);
  }
  if (env.dataRemoval !== DataRemoval.RETAIN && env.dataRemoval !== DataRemoval.DESTROY) {
    c.add('dataRemoval', env.dataRemoval, 'is not a removal choice; allowed: "retain", "destroy"', 'use DataRemoval.RETAIN unless the environment is throwaway');
  }
  if (env.production !== undefined && typeof env.production !== 'boolean') {
    c.add('production', env.production, 'is not a boolean', 'use true or false');
  }
  if (env.production === true && env.dataRemoval === DataRemoval.DESTROY) {
    c.add('dataRemoval', env.dataRemoval, 'deletes data with the stack, which a production environment must not do', 'use DataRemoval.RETAIN in production');
  }
  if (typeof env.logRetentionDays !== 'number' || !LOG_RETENTION_DAYS.includes(env.logRetentionDays)) {
    c.add('logRetentionDays', env.logRetentionDays, `is not a CloudWatch Logs retention; allowed: ${LOG_RETENTION_DAYS.join(', ')}`, 'pick the nearest allowed value');
  } else if (env.production === true && env.logRetentionDays < 365) {
    c.add('logRetentionDays', env.logRetentionDays, 'is under a year, too short for a production audit trail; allowed in production: 365 or more', 'use 365 or more');
  }
  validateModels(c, env.models);
  validateScope(c, env.scope);
  // A region already reported as unknown is not checked again for images.
  validateServing(c, env.serving, env.scope, env.production === true, typeof env.region === 'string' && regions.includes(env.region) ? env.region : undefined);
  validateProductionCapture(c, env);
  validateAdaptation(c, env.adaptation, env.scope, env.region);
  validateTrigger(c, env);
  validateDatasets(c, env.datasets);
  validateTags(c, env.tags);
  validateOperations(c, env.operations);
  return c.problems;
}

function validateOperations(c: Collector, operations: unknown): void {
  if (operations === undefined) return;
  if (!isRecord(operations)) {
    c.add('operations', operations, 'is not an object', 'use { dashboard: false } to leave the dashboard out, or remove it');
    return;
  }
  c.unknownFields('operations', operations, OPERATIONS_FIELDS);
  if (operations.dashboard !== undefined && typeof operations.dashboard !== 'boolean') c.add('operations.dashboard', operations.dashboard, 'is not a boolean', 'use true or false');
  const budget = operations.monthlyBudgetUsd;
  if (budget !== undefined && (typeof budget !== 'number' || !Number.isFinite(budget) || budget <= 0)) {
    c.add('operations.monthlyBudgetUsd', budget, 'is not an amount of USD above 0', 'give the most the environment should cost a month, e.g. 500, or remove it');
  }
}

/** The environment's own models, each checked as the sizing engine checks a custom architecture. */
function validateModels(c: Collector, models: unknown): void {
  if (models === undefined) return;
  if (!Array.isArray(models)) {
    c.add('models', models, 'is not a list of model architectures', 'use [{ id: "org/model", parameters, layers, kvHeads, headDim }]');
    return;
  }
  const valid: ModelArchitecture[] = [];
  models.forEach((m, i) => {
    if (!isRecord(m) || typeof m.id !== 'string' || m.id === '') {
      c.add(`models[${i}]`, m, 'is not a model architecture with an id', 'give { id, parameters, layers, kvHeads, headDim } from the model\'s config.json');
      return;
    }
    const issues = validateArchitecture(m as Partial<ModelArchitecture>);
    for (const issue of issues) c.add(`models[${i}]`, m.id, issue.replace(/\.$/, ''), 'correct the field from the model\'s config.json');
    if (issues.length === 0) valid.push(m as unknown as ModelArchitecture);
  });
  if (valid.length > 0) c.catalog = ModelCatalog.DEFAULT.withModels(...valid);
}

/** The catalog an environment's models are looked up in: the kit's, with the environment's own models. */
export function catalogOf(env: Pick<EnvironmentConfig, 'models'>): ModelCatalog {
  return env.models && env.models.length > 0 ? ModelCatalog.DEFAULT.withModels(...env.models) : ModelCatalog.DEFAULT;
}

function validateScope(c: Collector, scope: unknown): void {
  if (!isRecord(scope)) {
    c.add('scope', scope, 'is missing or not an object', 'describe the use case: { description, task, maxInputTokens, maxOutputTokens, concurrency }');
    return;
  }
  c.unknownFields('scope', scope, SCOPE_FIELDS);
  if (typeof scope.description !== 'string' || scope.description.trim() === '') {
    c.add('scope.description', scope.description, 'is empty; a reviewer needs one sentence on what the model is for', 'write it, e.g. "Answer customer questions about orders"');
  }
  if (!USE_CASE_TASKS.includes(scope.task as never)) {
    c.add('scope.task', scope.task, `is not a task; allowed: ${USE_CASE_TASKS.join(', ')}`, 'pick the narrowest task that fits the use case (UseCaseTask.CHAT, ...)');
  }
  c.integer('scope.maxInputTokens', scope.maxInputTokens, 1, MAX_CONTEXT_TOKENS, 'tokens');
  c.integer('scope.maxOutputTokens', scope.maxOutputTokens, 1, MAX_CONTEXT_TOKENS, 'tokens');
  c.integer('scope.concurrency', scope.concurrency, 1, MAX_CONCURRENCY, 'requests in flight');
  if (scope.peakRequestsPerSecond !== undefined) {
    const rps = scope.peakRequestsPerSecond;
    if (typeof rps !== 'number' || !Number.isFinite(rps) || rps <= 0 || rps > 10_000) {
      c.add('scope.peakRequestsPerSecond', rps, 'is not a request rate; allowed: a number above 0 and at most 10000', 'use the expected peak, or remove it to derive it from concurrency');
    }
  }
  const precisionOk = scope.precision === undefined || PRECISIONS.includes(scope.precision as never);
  if (!precisionOk) {
    c.add('scope.precision', scope.precision, `is not a precision; allowed: ${PRECISIONS.join(', ')}`, 'use sizing.Precision.BF16 unless the model is quantized');
  }
  if (scope.model !== undefined) validateScopeModel(c, scope, precisionOk);
}

/** The model must be in the catalog, take the scope's context, and fit on at least one instance. */
function validateScopeModel(c: Collector, scope: Record<string, unknown>, precisionOk: boolean): void {
  const entry = typeof scope.model === 'string' ? c.catalog.lookup(scope.model) : undefined;
  if (entry === undefined) {
    const ids = c.catalog.ids();
    c.add('scope.model', scope.model, `is not in the model catalog; allowed: ${ids.join(', ')}`, `use a catalog id${typeof scope.model === 'string' ? nearest(scope.model, ids) : ''}, or describe the model in the environment's models: [{ id, parameters, layers, kvHeads, headDim, ... }]`);
    return;
  }
  if (entry.managed) return;
  const { maxInputTokens, maxOutputTokens } = scope;
  if (typeof maxInputTokens !== 'number' || typeof maxOutputTokens !== 'number' || !precisionOk) return;
  const contextTokens = maxInputTokens + maxOutputTokens;
  const maxContext = entry.architecture.maxContextTokens;
  if (maxContext !== undefined && contextTokens > maxContext) {
    c.add('scope.maxInputTokens', maxInputTokens, `plus maxOutputTokens (${maxOutputTokens}) is ${contextTokens} tokens, beyond the ${maxContext} that ${entry.id} takes (max_position_embeddings)`, 'shorten the prompt budget or choose a model with a longer context');
    return;
  }
  if (contextTokens > MAX_CONTEXT_TOKENS) return;
  // One sequence is the least a deployment serves: if that cannot fit on any single instance, no endpoint can.
  const estimate = estimateServing({ model: entry.id, models: c.catalog, precision: (scope.precision ?? Precision.BF16) as Precision, contextTokens, concurrency: 1 });
  if (estimate.recommended === null) {
    c.add('scope.model', scope.model, `cannot be served with ${contextTokens} tokens of context: ${noInstanceFitsAdvice(estimate)}`, '`npm run estimate -- serve --model <id> --precision <p>` shows the numbers');
  }
}

/** Why `instanceType` cannot hold the scope's model at the concurrency one instance of the endpoint takes; undefined when it can. */
function instanceFitProblem(instanceType: string, scope: Record<string, unknown>, minInstances: unknown, catalog: ModelCatalog): string | undefined {
  const entry = typeof scope.model === 'string' ? catalog.lookup(scope.model) : undefined;
  const { maxInputTokens, maxOutputTokens, concurrency } = scope;
  if (!entry || entry.managed || typeof maxInputTokens !== 'number' || typeof maxOutputTokens !== 'number' || typeof concurrency !== 'number') return undefined;
  const instances = typeof minInstances === 'number' && minInstances >= 1 ? minInstances : 1;
  try {
    return checkServingFit({
      model: entry.id, models: catalog, precision: (scope.precision ?? Precision.BF16) as Precision, contextTokens: maxInputTokens + maxOutputTokens,
      concurrency: Math.max(1, Math.ceil(concurrency / instances)), instanceType,
    });
  } catch {
    return undefined; // the scope's own problems are reported under scope.*
  }
}

/**
 * Whether the endpoint's image starts where the environment puts it (lib/serving/host.ts, the same check as
 * InferenceEndpoint's): in the region's DLC registry, and on a hand-set instance's GPU. An open model gets an
 * endpoint even without a serving.endpoint block, so this runs for it too.
 */
function validateHost(c: Collector, endpoint: Record<string, unknown>, region: unknown): void {
  if (typeof region !== 'string') return;
  const container = endpoint.container ?? ServingContainer.LMI_VLLM;
  if (!(container instanceof ServingContainer)) return; // reported under serving.endpoint.container
  const missing = imageRegionProblem(container, region);
  if (missing) c.add('region', region, `cannot serve the endpoint: ${missing}`, 'deploy this environment to a region that has the image, or choose another serving.endpoint.container');
  const instanceType = endpoint.instanceType instanceof InstanceType ? endpoint.instanceType.name : undefined;
  const instance = instanceType === undefined ? undefined : InstanceCatalog.DEFAULT.lookup(instanceType);
  if (!instance || instance.accelerator.kind !== container.acceleratorKind) return;
  for (const problem of hostRequirements(container, instance, undefined).problems) {
    c.add('serving.endpoint.instanceType', instanceType, `cannot start the container: ${problem}`, 'choose a newer GPU instance, or another serving.endpoint.container');
  }
}

function validateServing(c: Collector, serving: unknown, scope: unknown, production: boolean, region?: unknown): void {
  const openModel = isRecord(scope) && typeof scope.model === 'string' && c.catalog.lookup(scope.model)?.managed === false;
  if (openModel && (serving === undefined || (isRecord(serving) && serving.endpoint === undefined))) validateHost(c, {}, region);
  if (serving === undefined) return;
  if (!isRecord(serving)) {
    c.add('serving', serving, 'is not an object', 'remove it to use the defaults, or give { crossRegion } for Bedrock or { endpoint } for an open model');
    return;
  }
  c.unknownFields('serving', serving, SERVING_FIELDS);
  const model = isRecord(scope) && typeof scope.model === 'string' ? c.catalog.lookup(scope.model) : undefined;
  if (serving.crossRegion !== undefined) {
    const geographies = Object.values(CrossRegionGeography);
    if (!geographies.includes(serving.crossRegion as CrossRegionGeography)) {
      c.add('serving.crossRegion', serving.crossRegion, `is not a cross-region geography; allowed: ${geographies.join(', ')}`, 'use the geography of the environment\'s region (CrossRegionGeography.US, ...)');
    } else if (model && !model.managed) {
      c.add('serving.crossRegion', serving.crossRegion, `applies to Bedrock models, but scope.model ${model.id} is an open model served by an endpoint`, 'remove serving.crossRegion, or choose a Bedrock model id');
    }
  }
  validateApi(c, serving.api, model?.managed === true, production);
  const endpoint = serving.endpoint;
  if (endpoint === undefined) return;
  if (!isRecord(endpoint)) {
    c.add('serving.endpoint', endpoint, 'is not an object', 'remove it to use the defaults');
    return;
  }
  c.unknownFields('serving.endpoint', endpoint, ENDPOINT_FIELDS);
  if (model?.managed) {
    c.add('serving.endpoint', endpoint, `applies to open models, but scope.model ${model.id} is a Bedrock model`, 'remove serving.endpoint, or choose an open model from the catalog');
  }
  if (endpoint.container !== undefined && !(endpoint.container instanceof ServingContainer)) {
    const instead = CONTAINER_BY_OLD_NAME[String(endpoint.container)];
    c.add('serving.endpoint.container', endpoint.container, 'is not a ServingContainer (the serving namespace\'s class, as InferenceEndpoint takes it)',
      instead ? `write ${instead}` : 'use serving.ServingContainer.LMI_VLLM unless you need another: LMI_TENSORRT_LLM, HF_TGI, HF_VLLM, NEURON, or serving.ServingContainer.custom(...)');
  }
  const quantization = endpoint.quantization ?? Quantization.NONE;
  if (!(quantization instanceof Quantization)) {
    const instead = QUANTIZATION_BY_OLD_NAME[String(quantization)];
    c.add('serving.endpoint.quantization', quantization, 'is not a Quantization (the serving namespace\'s class, as InferenceEndpoint takes it)',
      instead ? `write ${instead}` : 'use serving.Quantization.NONE, or the method of your checkpoint (serving.Quantization.awq(), GPTQ, FP8, ...)');
  } else if (isRecord(scope) && (scope.precision === undefined || PRECISIONS.includes(scope.precision as never))) {
    // What InferenceEndpoint sizes the weights at is the quantization's precision; the scope must say the same.
    const expected = quantization.precision;
    const precision = scope.precision ?? Precision.BF16;
    const fullPrecision = [Precision.BF16, Precision.FP16, Precision.FP32] as unknown[];
    if (precision !== expected && !(expected === Precision.BF16 && fullPrecision.includes(precision))) {
      c.add('scope.precision', precision, `disagrees with serving.endpoint.quantization ${quantization}, which serves weights at ${expected}`, `set scope.precision to sizing.Precision.${expected.toUpperCase()} so sizing matches what is served`);
    }
  }
  const weights = endpoint.weights;
  if (weights !== undefined) {
    const hub = isRecord(weights) && typeof weights.huggingFaceId === 'string' && /^[\w.-]+\/[\w.-]+$/.test(weights.huggingFaceId);
    const store = isRecord(weights) && typeof weights.datasetKeyPrefix === 'string' && weights.datasetKeyPrefix.startsWith('models/') && weights.datasetKeyPrefix.endsWith('/');
    if (!hub && !store) {
      c.add('serving.endpoint.weights', weights, 'is neither { huggingFaceId: "org/name" } nor { datasetKeyPrefix: "models/.../" }', 'give a Hub id, or the prefix of uncompressed weights under the dataset store\'s models/');
    }
    if (isRecord(weights) && weights.huggingFaceId !== undefined && weights.datasetKeyPrefix !== undefined) {
      c.add('serving.endpoint.weights', weights, 'gives both huggingFaceId and datasetKeyPrefix', 'keep one: the Hub id, or the prefix of weights under the dataset store\'s models/');
    } else if (isRecord(weights) && weights.datasetKeyPrefix !== undefined && weights.revision !== undefined) {
      c.add('serving.endpoint.weights.revision', weights.revision, 'is a Hub revision, and these weights come from the dataset store', 'remove revision, or serve from huggingFaceId');
    }
    if (hub && isRecord(weights) && weights.revision !== undefined) {
      const problem = typeof weights.revision === 'string' ? checkRevision(weights.revision).problem : 'revision is not a string';
      if (problem) c.add('serving.endpoint.weights.revision', weights.revision, problem.replace(/^revision (".*?" )?/, '').replace(/\.$/, ''), 'give a 40-character commit id (pinned), a tag or a branch of the repository, or leave it out');
    }
  }
  instanceTypeProblem(c, 'serving.endpoint.instanceType', endpoint.instanceType, 'let the scope choose');
  if (endpoint.instanceType instanceof InstanceType && endpoint.instanceType.name.startsWith('ml.') && isRecord(scope)) {
    // The same engine as InferenceEndpoint's synth-time check, with the budget the stage gives each instance.
    const problem = instanceFitProblem(endpoint.instanceType.name, scope, endpoint.minInstances, c.catalog);
    if (problem) c.add('serving.endpoint.instanceType', endpoint.instanceType.name, `cannot serve the scope: ${problem}`, 'remove instanceType to let the scope choose the cheapest safe instance, or pick the one named');
  }
  if (!model?.managed) validateHost(c, endpoint, region);
  const min = endpoint.minInstances ?? 1;
  const components = endpoint.inferenceComponents;
  // Only inference components let the managed pool shrink to no instances.
  if (endpoint.minInstances !== undefined) c.integer('serving.endpoint.minInstances', endpoint.minInstances, components === undefined ? 1 : 0, 100, 'instances');
  if (endpoint.maxInstances !== undefined) {
    c.integer('serving.endpoint.maxInstances', endpoint.maxInstances, typeof min === 'number' ? Math.max(1, min) : 1, 100, 'instances');
  }
  if (components !== undefined) {
    if (!isRecord(components)) {
      c.add('serving.endpoint.inferenceComponents', components, 'is not an object', 'use {} for one copy at the least, or { minCopies: 0 } to scale to zero when idle');
    } else {
      c.unknownFields('serving.endpoint.inferenceComponents', components, COMPONENT_FIELDS);
      if (components.minCopies !== undefined) c.integer('serving.endpoint.inferenceComponents.minCopies', components.minCopies, 0, 100, 'copies');
      if (components.maxCopies !== undefined) c.integer('serving.endpoint.inferenceComponents.maxCopies', components.maxCopies, 1, 100, 'copies');
    }
  }
  const schedule = endpoint.schedule;
  if (schedule !== undefined) {
    if (!isRecord(schedule)) {
      c.add('serving.endpoint.schedule', schedule, 'is not an object', 'give { timeZone: "Europe/Berlin", offHoursMinimum: 0 } and, if they differ, workingDays, startHour and endHour');
    } else {
      c.unknownFields('serving.endpoint.schedule', schedule, SCHEDULE_FIELDS);
      const copies = isRecord(components);
      // The same rules InferenceEndpoint applies, with the minimum the stage gives the scalable target.
      const minimum = copies ? (typeof components.minCopies === 'number' ? components.minCopies : 1) : (typeof min === 'number' ? min : 1);
      if (!copies && minimum < 2) {
        c.add('serving.endpoint.schedule', schedule, `lowers the minimum of an endpoint that runs ${minimum} instance(s), and a real-time variant keeps at least 1`,
          'serve with inferenceComponents (which scale to 0 copies), or raise minInstances to 2 or more');
      } else {
        for (const p of capacityScheduleProblems(schedule as unknown as CapacitySchedule, {
          unit: copies ? CapacityUnit.COPIES : CapacityUnit.INSTANCES, minimum, managedMinInstances: copies ? (typeof min === 'number' ? min : 1) : undefined,
        })) c.add(`serving.endpoint.schedule.${p.field}`, p.value, p.problem, p.fix);
      }
    }
  }
  if (endpoint.dataCapturePercent !== undefined) c.integer('serving.endpoint.dataCapturePercent', endpoint.dataCapturePercent, 1, 100, 'percent');
  if (endpoint.alarms !== undefined && typeof endpoint.alarms !== 'boolean') c.add('serving.endpoint.alarms', endpoint.alarms, 'is not a boolean', 'use true or false');
  if (production && endpoint.alarms === false) {
    c.add('serving.endpoint.alarms', endpoint.alarms, 'turns alarms off, which a production endpoint must have', 'remove it');
  }
}

function validateApi(c: Collector, api: unknown, bedrockModel: boolean, production: boolean): void {
  if (api === undefined) return;
  if (!isRecord(api)) {
    c.add('serving.api', api, 'is not an object', 'remove it to use the defaults');
    return;
  }
  c.unknownFields('serving.api', api, API_FIELDS);
  const auth = api.authorization;
  const pool = api.cognitoUserPoolArn;
  if (auth !== undefined && !Object.values(ApiAuthorizationMode).includes(auth as ApiAuthorizationMode)) {
    c.add('serving.api.authorization', auth, 'is not an authorization; allowed: "iam", "api-key", "cognito" (with cognitoUserPoolArn)', 'use ApiAuthorizationMode.IAM unless callers cannot sign requests');
  }
  if (auth === ApiAuthorizationMode.COGNITO && !(typeof pool === 'string' && /^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+$/.test(pool))) {
    c.add('serving.api.cognitoUserPoolArn', pool, pool === undefined ? 'is missing; "cognito" authorization needs the user pool' : 'is not a Cognito user pool ARN', 'give "arn:aws:cognito-idp:REGION:ACCOUNT:userpool/ID"');
  }
  if (auth !== ApiAuthorizationMode.COGNITO && pool !== undefined) {
    c.add('serving.api.cognitoUserPoolArn', pool, `is set, but authorization is ${JSON.stringify(auth ?? 'iam')}`, 'set authorization: ApiAuthorizationMode.COGNITO, or remove it');
  }
  if (api.guardrail !== undefined && typeof api.guardrail !== 'boolean') c.add('serving.api.guardrail', api.guardrail, 'is not a boolean', 'use true or false');
  if (api.waf !== undefined && typeof api.waf !== 'boolean') c.add('serving.api.waf', api.waf, 'is not a boolean', 'use true or false');
  if (production && api.waf === false) c.add('serving.api.waf', api.waf, 'turns the web application firewall off, which a production API must have', 'remove it');
  const tools = Object.values(ApiTool);
  if (api.tools !== undefined && (!Array.isArray(api.tools) || api.tools.some((t) => !tools.includes(t as ApiTool)))) {
    c.add('serving.api.tools', api.tools, `is not a list of tools; allowed: ${tools.join(', ')}`, 'use [ApiTool.CALCULATOR] or remove it');
  } else if (Array.isArray(api.tools) && api.tools.length > 0 && !bedrockModel) {
    c.add('serving.api.tools', api.tools, 'applies to Bedrock models (Converse tool use), but scope.model is served by an endpoint', 'remove it, or serve a Bedrock model');
  }
  if (api.retrieval !== undefined && !isRecord(api.retrieval)) c.add('serving.api.retrieval', api.retrieval, 'is not an object', 'use { byDefault?, results?, ingestOnUpload?, embeddingModelId? }');
  const templates = api.promptTemplates;
  if (templates === undefined) return;
  if (!Array.isArray(templates)) {
    c.add('serving.api.promptTemplates', templates, 'is not a list', 'give a list of { id, version, user, system?, examples? }');
    return;
  }
  templates.forEach((t, i) => {
    const at = `serving.api.promptTemplates[${i}]`;
    if (!isRecord(t)) {
      c.add(at, t, 'is not an object', 'give { id, version, user }');
      return;
    }
    c.unknownFields(at, t, TEMPLATE_FIELDS);
  });
  // The rules GenerativeApi applies to its promptTemplates, worded for the config's paths.
  for (const p of promptTemplateProblems(templates)) c.add(`serving.api.promptTemplates${p.field}`, p.value, p.problem, p.fix);
}

/** A production endpoint captures traffic: evaluation and alignment learn from it. */
function validateProductionCapture(c: Collector, env: Record<string, unknown>): void {
  const scope = env.scope;
  const model = isRecord(scope) && typeof scope.model === 'string' ? c.catalog.lookup(scope.model) : undefined;
  if (env.production !== true || model === undefined || model.managed) return;
  const endpoint = isRecord(env.serving) && isRecord(env.serving.endpoint) ? env.serving.endpoint : undefined;
  if (endpoint?.dataCapturePercent === undefined) {
    c.add('serving.endpoint.dataCapturePercent', undefined, 'is missing; a production endpoint captures traffic for evaluation and alignment', 'set a sampling percentage, e.g. 20');
  }
}

function validateAdaptation(c: Collector, adaptation: unknown, scope: unknown, region: unknown): void {
  if (adaptation === undefined) return;
  if (!isRecord(adaptation)) {
    c.add('adaptation', adaptation, 'is not an object', 'give { backend, gate } or remove it');
    return;
  }
  c.unknownFields('adaptation', adaptation, ADAPTATION_FIELDS);
  const backend = adaptation.backend;
  if (backend !== FineTuningService.SAGEMAKER && backend !== FineTuningService.BEDROCK) {
    c.add('adaptation.backend', backend, 'is not a backend; allowed: "sagemaker", "bedrock"', 'use FineTuningService.SAGEMAKER for open models, FineTuningService.BEDROCK for Bedrock models');
    return;
  }
  const baseModel = adaptation.baseModel ?? (isRecord(scope) ? scope.model : undefined);
  const entry = typeof baseModel === 'string' ? c.catalog.lookup(baseModel) : undefined;
  if (!entry || entry.managed !== (backend === 'bedrock')) {
    c.add(adaptation.baseModel === undefined ? 'scope.model' : 'adaptation.baseModel', baseModel, `is not ${backend === 'bedrock' ? 'a Bedrock model id' : 'an open model of the catalog'}, which the ${backend} backend tunes`, 'set adaptation.baseModel');
  }
  instanceTypeProblem(c, 'adaptation.instanceType', adaptation.instanceType, 'let the training estimate choose per method');
  const methods = adaptation.methods;
  const methodsOk = methods === undefined || (Array.isArray(methods) && methods.length > 0 && methods.every((m) => FINE_TUNING_METHODS.includes(m as FineTuningMethod)));
  if (!methodsOk) {
    c.add('adaptation.methods', methods, `is not a list of methods; allowed: ${FINE_TUNING_METHODS.join(', ')}`, 'list the methods executions may use (FineTuningMethod.LORA, ...)');
  }
  // The rule FineTuningWorkflow applies to its trigger, with the rules of the backend the stage builds.
  const trigger = adaptation.trigger;
  if (trigger !== undefined && !isRecord(trigger)) {
    c.add('adaptation.trigger', trigger, 'is not an object', 'give { method, format } or remove it');
  } else if (isRecord(trigger) && methodsOk && typeof baseModel === 'string') {
    const rules = backend === FineTuningService.BEDROCK ? bedrockTriggerRules(bedrockDatasetFormat(baseModel)) : sagemakerTriggerRules(methods as FineTuningMethod[] | undefined);
    for (const p of triggerProblems(trigger.method, trigger.format, rules)) c.add(`adaptation.trigger.${p.field}`, trigger[p.field], p.problem, p.fix);
  }
  for (const field of ['maxRuntimeHours', 'maxWaitHours'] as const) {
    if (adaptation[field] !== undefined) c.integer(`adaptation.${field}`, adaptation[field], 1, 672, 'hours');
  }
  const hours = (field: unknown, fallback: number) => (typeof field === 'number' && Number.isInteger(field) ? field : fallback);
  const runtimeHours = hours(adaptation.maxRuntimeHours, 8);
  const waitHours = typeof adaptation.maxWaitHours === 'number' ? adaptation.maxWaitHours : undefined;
  // The rule FineTuningWorkflow applies to maxRuntime and maxWait (the 1-672 range above covers the 28 days).
  for (const p of stoppingConditionProblems(runtimeHours * 3600, waitHours === undefined ? undefined : waitHours * 3600, (s) => `${s / 3600} hours`)) {
    if (p.field === 'maxWait') c.add('adaptation.maxWaitHours', waitHours, p.problem.replace(/^is [^,]*, /, 'is '), p.fix);
  }
  const gate = adaptation.gate;
  if (!isRecord(gate) || !isRecord(gate.thresholds) || Object.keys(gate.thresholds).length === 0) {
    c.add('adaptation.gate', gate, 'needs thresholds: { metric: { min?, max? } }', backend === 'bedrock' ? 'e.g. { thresholds: { validation_loss: { max: 1.5 } } }' : 'e.g. { thresholds: { rouge_l: { min: 0.3 } } }');
  }
  for (const field of ['validationKey', 'testKey'] as const) {
    const key = adaptation[field];
    const prefix = field === 'validationKey' ? 'validation/' : 'test/';
    if (key !== undefined && (typeof key !== 'string' || !key.startsWith(prefix))) c.add(`adaptation.${field}`, key, `is not a key under ${prefix}`, `put the split under ${prefix}`);
  }
  if (backend === 'bedrock' && adaptation.validationKey === undefined) {
    c.add('adaptation.validationKey', undefined, 'is missing; the Bedrock backend gates on validation loss, so it needs a validation split', 'set a key under validation/');
  }
  if (backend === 'bedrock' && typeof baseModel === 'string' && entry?.managed && typeof region === 'string') {
    // Where and how Bedrock customizes the model: the customization catalog, with its sources.
    for (const problem of checkBedrockCustomization({ baseModelId: baseModel, region }, 'adaptation')) {
      const [, field, rest] = /^adaptation\.?([^:]*): (.*)$/s.exec(problem) ?? [undefined, '', problem];
      const [message, fix] = rest.split(/\. Fix: /);
      c.add(field === 'baseModel' && adaptation.baseModel === undefined ? 'scope.model' : `adaptation.${field}`, baseModel, message, fix ?? 'see the Bedrock user guide page named');
    }
  }
}

/** An instance type is an InstanceType (`sizing.InstanceType.of('ml.g6e.xlarge')`), as the constructs take it, of SageMaker's ml.* types. */
function instanceTypeProblem(c: Collector, field: string, value: unknown, defaultChoice: string): void {
  if (value === undefined) return;
  if (!(value instanceof InstanceType)) {
    c.add(field, value, 'is not an InstanceType (the sizing namespace\'s class, as the constructs take it)',
      typeof value === 'string' && value.startsWith('ml.') ? `write sizing.InstanceType.of('${value}')` : `remove it to ${defaultChoice}, or give e.g. sizing.InstanceType.G6E_XLARGE`);
  } else if (!value.name.startsWith('ml.')) {
    c.add(field, value.name, 'is not a SageMaker instance type (ml.*)', `remove it to ${defaultChoice}, or give e.g. sizing.InstanceType.of('ml.${value.name}')`);
  }
}

/**
 * A run started by every file under train/ must not be started by the kit's own files: a seed copied under
 * train/ at each deploy would start one (the workflow writes its own files elsewhere).
 */
function validateTrigger(c: Collector, env: Record<string, unknown>): void {
  const adaptation = env.adaptation;
  const datasets = env.datasets;
  if (!isRecord(adaptation) || adaptation.trigger === undefined || !isRecord(datasets) || !isRecord(datasets.seed)) return;
  if (datasets.seed.prefix === 'train/') {
    c.add('datasets.seed.prefix', 'train/', 'seeds train/, where adaptation.trigger starts a fine-tuning run for every new file: each deploy that copies the seed would start runs', 'seed another prefix (e.g. raw/), or drop adaptation.trigger');
  }
}

function validateDatasets(c: Collector, datasets: unknown): void {
  if (datasets === undefined) return;
  if (!isRecord(datasets)) {
    c.add('datasets', datasets, 'is not an object', 'remove it to use the defaults, or give { noncurrentVersionExpirationDays, accessLogRetentionDays, interactionRetentionDays, seed }');
    return;
  }
  c.unknownFields('datasets', datasets, DATASET_FIELDS);
  if (datasets.noncurrentVersionExpirationDays !== undefined) {
    c.integer('datasets.noncurrentVersionExpirationDays', datasets.noncurrentVersionExpirationDays, 1, MAX_DAYS, 'days');
  }
  if (datasets.accessLogRetentionDays !== undefined) {
    c.integer('datasets.accessLogRetentionDays', datasets.accessLogRetentionDays, 1, MAX_DAYS, 'days');
  }
  if (datasets.interactionRetentionDays !== undefined) {
    c.integer('datasets.interactionRetentionDays', datasets.interactionRetentionDays, 1, MAX_DAYS, 'days');
  }
  const seed = datasets.seed;
  if (seed === undefined) return;
  if (!isRecord(seed)) {
    c.add('datasets.seed', seed, 'is not an object', 'use { prefix: "train/", source: "datasets/starter" }');
    return;
  }
  if (seed.prefix !== undefined && !DATASET_PREFIXES.includes(seed.prefix as never)) {
    c.add('datasets.seed.prefix', seed.prefix, `is not a prefix of the dataset store; allowed: ${DATASET_PREFIXES.join(', ')}`, 'seed one of the store\'s prefixes');
  }
  if (typeof seed.source !== 'string' || seed.source.trim() === '') {
    c.add('datasets.seed.source', seed.source, 'is not a folder path', 'give a folder relative to the project root');
  }
}

function validateTags(c: Collector, tags: unknown): void {
  if (tags === undefined) return;
  if (!isRecord(tags)) {
    c.add('tags', tags, 'is not an object of tag keys to values', 'use { "cost-center": "ml-platform" }');
    return;
  }
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > 128 || key.toLowerCase().startsWith('aws:') || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(key)) {
      c.add(`tags["${key}"]`, key, 'is not a valid tag key; allowed: 1-128 letters, digits, spaces and _ . : / = + - @, not starting with "aws:"', 'rename the tag');
    }
    if (typeof value !== 'string' || value.length > 256 || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value)) {
      c.add(`tags["${key}"]`, value, 'is not a valid tag value; allowed: a string of at most 256 letters, digits, spaces and _ . : / = + - @', 'shorten or simplify the value');
    }
  }
}

/** Accumulates problems under one environment's path. */
class Collector {
  readonly problems: ConfigProblem[] = [];
  /** The models the environment may name: the kit's catalog and its own `models`. */
  catalog = ModelCatalog.DEFAULT;
  constructor(private readonly at: string) {}

  add(field: string, value: unknown, message: string, fix: string): void {
    this.problems.push({ path: field === '' ? this.at : `${this.at}.${field}`, value, message, fix });
  }

  integer(field: string, value: unknown, min: number, max: number, unit: string): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.add(field, value, `is not a whole number of ${unit} from ${min} to ${max}`, `use a whole number between ${min} and ${max}`);
    }
  }

  unknownFields(field: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.add(field === '' ? key : `${field}.${key}`, obj[key], `is not a known field; allowed: ${allowed.join(', ')}`, `remove it or correct the spelling${nearest(key, allowed)}`);
      }
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ` (did you mean "us-east-1"?)` when a close candidate exists. */
function nearest(value: string, candidates: readonly string[]): string {
  return didYouMean(value, candidates, { tolerance: 1 / 4, quote: true });
}
