// The environments this repository deploys. Edit this file to change sizes, retention or the use case;
// add an object to `environments` to add an environment (see README, "Add an environment").
import type { EnvironmentConfig, UseCaseScope } from '../lib/config/environment';

/** One use case for every environment; each may narrow or widen it. */
const supportAssistant: UseCaseScope = {
  description: 'Answer customer questions about orders and returns, grounded in the support knowledge base',
  task: 'chat',
  maxInputTokens: 6144,
  maxOutputTokens: 1024,
  concurrency: 4,
  peakRequestsPerSecond: 5,
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  precision: 'bf16',
};

export const dev: EnvironmentConfig = {
  name: 'dev',
  region: 'us-east-1',
  dataRemoval: 'destroy',
  logRetentionDays: 14,
  scope: { ...supportAssistant, concurrency: 1, peakRequestsPerSecond: 1 },
  datasets: {
    noncurrentVersionExpirationDays: 7,
    accessLogRetentionDays: 30,
    seed: { prefix: 'train/', source: 'datasets/starter' },
  },
};

export const staging: EnvironmentConfig = {
  name: 'staging',
  region: 'us-east-1',
  dataRemoval: 'retain',
  logRetentionDays: 90,
  scope: supportAssistant,
  datasets: { noncurrentVersionExpirationDays: 30, accessLogRetentionDays: 90 },
};

export const prod: EnvironmentConfig = {
  name: 'prod',
  region: 'us-west-2',
  dataRemoval: 'retain',
  logRetentionDays: 365,
  production: true,
  scope: { ...supportAssistant, concurrency: 16, peakRequestsPerSecond: 20 },
  datasets: { noncurrentVersionExpirationDays: 90, accessLogRetentionDays: 365 },
  tags: { 'cost-center': 'ml-platform' },
};

export const environments: readonly EnvironmentConfig[] = [dev, staging, prod];
