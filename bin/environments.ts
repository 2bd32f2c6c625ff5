// The environments this repository deploys. Edit this file to change sizes, retention or the use case;
// add an object to `environments` to add an environment (see README, "Add an environment").
// The config takes the constructs' own types (sizing.Precision, serving.Quantization, ...), as the package exports them.
import {
  ApiTool, CrossRegionGeography, DataRemoval, datasets, type EnvironmentConfig, FineTuningMethod, FineTuningService, serving, sizing, UseCaseTask, type UseCaseScope,
} from '../lib';

/** One use case for every environment; each may narrow or widen it. */
const supportAssistant: UseCaseScope = {
  description: 'Answer customer questions about orders and returns, grounded in the support knowledge base',
  task: UseCaseTask.CHAT,
  maxInputTokens: 6144,
  maxOutputTokens: 1024,
  concurrency: 4,
  peakRequestsPerSecond: 5,
  // Apache-2.0 and not gated on the Hub, so an endpoint can download it without a token.
  model: 'Qwen/Qwen2.5-7B-Instruct',
  precision: sizing.Precision.BF16,
};

/** The prompt templates every environment serves; raise `version` on every change. */
const promptTemplates = [
  {
    id: 'support-answer',
    version: '1',
    system: 'You are a support assistant for an online shop. Answer in at most three sentences. If you do not know, say so and offer a human agent.',
    examples: [{ user: 'Order 7 has not arrived. Question: where is it?', assistant: 'Order 7 is on its way and should arrive within two business days. You can track it from your shipping email.' }],
    user: 'Order {{orderId}}. Question: {{question}}',
  },
];

/** Dev iterates on prompts against a managed model: nothing to provision, billed per token. */
export const dev: EnvironmentConfig = {
  name: 'dev',
  // Bedrock customizes Llama 3.1 8B Instruct only in us-west-2 (lib/bedrock/customization-catalog.ts).
  region: 'us-west-2',
  dataRemoval: DataRemoval.DESTROY,
  logRetentionDays: 14,
  scope: { ...supportAssistant, model: 'meta.llama3-1-8b-instruct-v1:0', concurrency: 1, peakRequestsPerSecond: 1 },
  // Retrieval over documents/ (ingested on upload) and an exact calculator tool.
  serving: { crossRegion: CrossRegionGeography.US, api: { promptTemplates, guardrail: true, retrieval: { ingestOnUpload: true }, tools: [ApiTool.CALCULATOR] } },
  // Bedrock customization of the managed model, gated on validation loss; started on demand.
  adaptation: {
    backend: FineTuningService.BEDROCK,
    validationKey: 'validation/starter.jsonl',
    gate: { thresholds: { validation_loss: { max: 2.0 } } },
  },
  datasets: {
    noncurrentVersionExpirationDays: 7,
    accessLogRetentionDays: 30,
    interactionRetentionDays: 30,
    // Laid out like the store: train/starter.jsonl and validation/starter.jsonl (the default validationKey).
    seed: { source: 'datasets/starter' },
  },
};

/**
 * Staging serves the open model quantized to int4 (AWQ) on the cheapest GPU that holds it, as an inference
 * component whose instance is released outside working hours (New York time) once it has no requests.
 */
export const staging: EnvironmentConfig = {
  name: 'staging',
  region: 'us-east-1',
  dataRemoval: DataRemoval.RETAIN,
  logRetentionDays: 90,
  scope: { ...supportAssistant, precision: sizing.Precision.INT4 },
  serving: {
    endpoint: {
      weights: { huggingFaceId: 'Qwen/Qwen2.5-7B-Instruct-AWQ' },
      quantization: serving.Quantization.awq(),
      dataCapturePercent: 100,
      // One copy on one instance from 08:00 to 20:00 on weekdays; none (and no instance) when idle otherwise.
      minInstances: 0,
      maxInstances: 1,
      inferenceComponents: { minCopies: 1 },
      schedule: { timeZone: 'America/New_York', offHoursMinimum: 0 },
    },
    api: { promptTemplates },
  },
  // QLoRA and DPO on SageMaker; a dataset uploaded under train/ starts a QLoRA run.
  adaptation: {
    backend: FineTuningService.SAGEMAKER,
    methods: [FineTuningMethod.QLORA, FineTuningMethod.DPO],
    testKey: 'test/support.jsonl',
    gate: { thresholds: { rouge_l: { min: 0.3 } }, minImprovement: { rouge_l: 0 } },
    trigger: { method: FineTuningMethod.QLORA, format: datasets.DatasetFormat.SFT },
  },
  // Prompts and answers are kept 90 days: long enough to build preferences from a quarter's feedback.
  datasets: { noncurrentVersionExpirationDays: 30, accessLogRetentionDays: 90, interactionRetentionDays: 90 },
};

/** Prod serves the open model at bf16 on an autoscaled, alarmed endpoint that captures traffic. */
export const prod: EnvironmentConfig = {
  name: 'prod',
  region: 'us-west-2',
  dataRemoval: DataRemoval.RETAIN,
  logRetentionDays: 365,
  production: true,
  scope: { ...supportAssistant, concurrency: 16, peakRequestsPerSecond: 20 },
  serving: {
    endpoint: { minInstances: 2, maxInstances: 4, dataCapturePercent: 20 },
    api: { promptTemplates, retrieval: { byDefault: false, results: 4 } },
  },
  // Every method on spot capacity with checkpoints; a passing model waits for manual approval.
  adaptation: {
    backend: FineTuningService.SAGEMAKER,
    methods: [FineTuningMethod.LORA, FineTuningMethod.QLORA, FineTuningMethod.DPO],
    spot: true,
    maxRuntimeHours: 12,
    maxWaitHours: 24,
    testKey: 'test/support.jsonl',
    gate: { thresholds: { rouge_l: { min: 0.35 }, exact_match: { min: 0.1 } }, minImprovement: { rouge_l: 0.02 } },
  },
  // Prompts and answers are kept a year, then expire; ratings stay.
  datasets: { noncurrentVersionExpirationDays: 90, accessLogRetentionDays: 365, interactionRetentionDays: 365 },
  tags: { 'cost-center': 'ml-platform' },
  // Alerts at 80% of actual and 100% of forecast cost, for resources tagged environment: prod.
  operations: { monthlyBudgetUsd: 9000 },
};

export const environments: readonly EnvironmentConfig[] = [dev, staging, prod];
