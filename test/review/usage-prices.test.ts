/** The per-use prices are sourced data: every Bedrock model of the presets has one, each entry says where and when. */
import {
  BEDROCK_EMBEDDING_PRICES, BEDROCK_TOKEN_PRICES, bedrockTokenPrice, CROSS_REGION_CAVEAT, OPENSEARCH_SERVERLESS_MINIMUM_OCUS, USAGE_PRICES,
  USAGE_PRICES_READ, type PriceSourceRef,
} from '../../lib/sizing';
import { BEDROCK_MODELS } from '../../lib/sizing/model-presets';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function sourced(entry: PriceSourceRef): boolean {
  return entry.source.length > 10 && ISO_DATE.test(entry.read);
}

test('every Bedrock model id of the presets has an on-demand token price, so adding a model without one fails here', () => {
  expect(BEDROCK_MODELS.map((m) => m.id).filter((id) => BEDROCK_TOKEN_PRICES[id] === undefined)).toEqual([]);
});

test('every price names its source and the day it was read; third-party ones say what is unconfirmed', () => {
  const entries: PriceSourceRef[] = [...Object.values(BEDROCK_TOKEN_PRICES), ...Object.values(BEDROCK_EMBEDDING_PRICES), ...Object.values(USAGE_PRICES), OPENSEARCH_SERVERLESS_MINIMUM_OCUS];
  expect(entries.filter((e) => !sourced(e))).toEqual([]);
  expect(new Set(entries.map((e) => e.read))).toEqual(new Set([USAGE_PRICES_READ]));
  expect(Object.values(BEDROCK_TOKEN_PRICES).every((p) => p.source.includes('BerriAI/litellm@00035b69f416be24e2e323c13198d9b7d2d1bdf9') && p.unconfirmed?.includes('third-party'))).toBe(true);
  expect(USAGE_PRICES.openSearchServerlessOcu.unconfirmed).toContain('third-party');
});

test('the prices are the sourced numbers', () => {
  expect(BEDROCK_TOKEN_PRICES['meta.llama3-1-8b-instruct-v1:0']).toMatchObject({ inputUsdPerMillion: 0.22, outputUsdPerMillion: 0.22 });
  expect(BEDROCK_TOKEN_PRICES['anthropic.claude-3-5-haiku-20241022-v1:0']).toMatchObject({ inputUsdPerMillion: 0.8, outputUsdPerMillion: 4 });
  expect(BEDROCK_EMBEDDING_PRICES['amazon.titan-embed-text-v2:0'].inputUsdPerMillion).toBe(0.02);
  expect([USAGE_PRICES.lambdaRequests.usd, USAGE_PRICES.lambdaDurationArm64.usd, USAGE_PRICES.lambdaDurationX86.usd]).toEqual([0.2, 0.0000133334, 0.0000166667]);
  expect([USAGE_PRICES.apiGatewayRest.usd, USAGE_PRICES.stepFunctionsTransitions.usd, USAGE_PRICES.cloudWatchDashboard.usd, USAGE_PRICES.openSearchServerlessOcu.usd]).toEqual([3.5, 0.025, 3, 0.24]);
  expect([OPENSEARCH_SERVERLESS_MINIMUM_OCUS.withStandbyReplicas, OPENSEARCH_SERVERLESS_MINIMUM_OCUS.withoutStandbyReplicas]).toEqual([2, 1]);
});

describe('bedrockTokenPrice', () => {
  test('a base model id has its price, without a caveat', () => {
    expect(bedrockTokenPrice('amazon.nova-lite-v1:0')).toEqual({ price: BEDROCK_TOKEN_PRICES['amazon.nova-lite-v1:0'] });
  });

  test.each(['us.', 'eu.', 'apac.', 'global.'])('a %s cross-region profile has its base model\'s price, with the caveat', (prefix) => {
    expect(bedrockTokenPrice(`${prefix}anthropic.claude-sonnet-4-5-20250929-v1:0`)).toEqual({ price: BEDROCK_TOKEN_PRICES['anthropic.claude-sonnet-4-5-20250929-v1:0'], caveat: CROSS_REGION_CAVEAT });
  });

  test('the caveat says what is known about profile premiums', () => {
    expect(CROSS_REGION_CAVEAT).toContain('10% more');
  });

  test('an unknown model has no price', () => {
    expect(bedrockTokenPrice('cohere.command-r-v1:0')).toBeUndefined();
  });
});
