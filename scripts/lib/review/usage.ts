/**
 * What an environment costs per use, from its traffic facts (traffic.ts) and the sourced prices of
 * lib/sizing/usage-prices.ts: per request (Bedrock tokens, Lambda requests and duration, API Gateway, the
 * knowledge base's query embedding), per hour at the API's peak rate, per million requests, and a month at an
 * assumed number of requests (the peak rate for 8 hours on 22 working days, or `--traffic`), plus fixed monthly
 * resources (dashboards, OpenSearch Serverless OCUs). Every request is counted at the scope's maximum tokens, so
 * the figures are upper bounds; what has no sourced price is named as unpriced.
 */
import {
  BEDROCK_EMBEDDING_PRICES, bedrockTokenPrice, OPENSEARCH_SERVERLESS_MINIMUM_OCUS, USAGE_PRICES, type PriceSourceRef, type ServicePrice, type TokenPrice,
} from '../../../lib/sizing';
import type { StackTemplate } from './assembly';
import { amount, sum, usd } from './markdown-format';
import { HOURS_PER_MONTH } from './prices';
import { trafficOf, type ApiTraffic, type TrafficFacts } from './traffic';

/** Output tokens per second one request is assumed to stream: the handler waits for them (Lambda duration). */
const ASSUMED_TOKENS_PER_SECOND = 50;

/** Peak hours a month the default traffic assumes: 8 hours on 22 working days. */
export const PEAK_HOURS_PER_MONTH = 8 * 22;

/** One priced (or unpriced) part of a request. */
export interface UsageLine {
  /** e.g. `Bedrock input tokens`. */
  readonly item: string;
  /** How much one request uses, e.g. `6,144 tokens × $0.22 per 1M`. */
  readonly basis: string;
  /** USD per million requests. @default - unpriced */
  readonly usdPerMillionRequests?: number;
  /** Why it is unpriced, or a caveat on the price. @default - none */
  readonly note?: string;
}

/** A resource billed by the month whatever the traffic. */
export interface FixedUsage {
  readonly item: string;
  readonly basis: string;
  readonly monthlyUsd: number;
}

/** The requests a month the monthly figure assumes. */
export interface TrafficAssumption {
  readonly requestsPerMonth: number;
  /** `--traffic`, or the peak rate for PEAK_HOURS_PER_MONTH hours. */
  readonly from: 'option' | 'peak';
  readonly words: string;
}

export interface UsageReport {
  /** @default - no API handler: nothing is billed per request */
  readonly api?: ApiTraffic;
  /** The assumption in words: peak rate, tokens, Lambda seconds per request. */
  readonly assumption?: string;
  readonly perRequest: readonly UsageLine[];
  /** Sum of the priced lines. */
  readonly usdPerMillionRequests: number;
  /** usdPerMillionRequests × peak requests per second × 3,600. @default - no literal peak rate */
  readonly usdPerHourAtPeak?: number;
  readonly traffic?: TrafficAssumption;
  readonly fixed: readonly FixedUsage[];
  /** Requests a month × USD per request, plus the fixed resources. */
  readonly monthlyUsd: number;
  /** Some part needed for the figures has no price or value: the figures leave it out. */
  readonly partlyUnpriced: boolean;
  /** What is billed per use and not in the figures, with why. */
  readonly notEstimated: readonly string[];
  /** Caveats on prices in the figures, e.g. a cross-region profile priced as its base model. */
  readonly caveats: readonly string[];
  /** Where each price came from: `Lambda: <source> (read <date>; ⚠ <what is unconfirmed>)`. */
  readonly sources: readonly string[];
}

export interface UsageOptions {
  /** Requests a month, replacing the peak-hours assumption. @default - peak rate × PEAK_HOURS_PER_MONTH h */
  readonly requestsPerMonth?: number;
  /** Bedrock token prices by model id, the sourced ones with a user's over them. @default BEDROCK_TOKEN_PRICES */
  readonly tokenPrices?: Readonly<Record<string, TokenPrice>>;
}

/** Records where a price came from, under a label such as `Lambda`. */
type Cite = (label: string, price: PriceSourceRef) => void;

export function usageOf(stacks: readonly StackTemplate[], options: UsageOptions = {}): UsageReport {
  return priceUsage(trafficOf(stacks), options);
}

function priceUsage(facts: TrafficFacts, options: UsageOptions = {}): UsageReport {
  const sources = new Set<string>();
  const cite: Cite = (label, p) => sources.add(`${label}: ${p.source} (read ${p.read}${p.unconfirmed ? `; ⚠ ${p.unconfirmed}` : ''})`);
  const fixed = fixedUsage(facts, cite);
  const notEstimated = notEstimatedOf(facts);
  const api = facts.api;
  const lines = api ? requestLines(api, cite, options.tokenPrices) : [];
  const caveats = api?.modelId === undefined ? [] : [bedrockTokenPrice(api.modelId, options.tokenPrices)?.caveat].filter((c): c is string => c !== undefined).map((c) => `${api.modelId}: ${c}`);
  const perMillion = sum(lines.map((l) => l.usdPerMillionRequests ?? 0));
  const peak = api?.peakRequestsPerSecond;
  const traffic = api ? assumeTraffic(peak, options.requestsPerMonth) : undefined;
  const fixedUsd = sum(fixed.map((f) => f.monthlyUsd));
  const unpriced = lines.some((l) => l.usdPerMillionRequests === undefined) || (api !== undefined && traffic === undefined);
  if (api && api.unread.length > 0) notEstimated.unshift(`unread (not literal in the template): ${api.unread.join('; ')}`);
  return {
    ...(api && { api, assumption: assumption(api, traffic) }),
    perRequest: lines,
    usdPerMillionRequests: perMillion,
    ...(peak !== undefined && lines.length > 0 && { usdPerHourAtPeak: (perMillion / 1e6) * peak * 3600 }),
    ...(traffic && { traffic }),
    fixed,
    monthlyUsd: (traffic ? (perMillion / 1e6) * traffic.requestsPerMonth : 0) + fixedUsd,
    partlyUnpriced: unpriced,
    notEstimated,
    caveats,
    sources: [...sources],
  };
}

function assumeTraffic(peak: number | undefined, requestsPerMonth: number | undefined): TrafficAssumption | undefined {
  if (requestsPerMonth !== undefined) return { requestsPerMonth, from: 'option', words: `${amount(requestsPerMonth)} requests a month (--traffic)` };
  if (peak === undefined) return undefined;
  const requests = peak * 3600 * PEAK_HOURS_PER_MONTH;
  return { requestsPerMonth: requests, from: 'peak', words: `${amount(requests)} requests a month: the peak rate for 8 h on 22 working days (${PEAK_HOURS_PER_MONTH} h)` };
}

function assumption(api: ApiTraffic, traffic: TrafficAssumption | undefined): string {
  const peak = api.peakRequestsPerSecond === undefined ? 'peak rate unread' : `peak ${amount(api.peakRequestsPerSecond)} request${api.peakRequestsPerSecond === 1 ? '' : 's'}/s (the stage's throttling rate)`;
  const tokens = api.maxInputTokens === undefined || api.maxOutputTokens === undefined ? 'token limits unread'
    : `each up to ${amount(api.maxInputTokens)} input and ${amount(api.maxOutputTokens)} output tokens (the scope's maximum, so an upper bound)`;
  const seconds = api.maxOutputTokens === undefined ? '' : `; Lambda runs MAX_OUTPUT_TOKENS / ${ASSUMED_TOKENS_PER_SECOND} tokens per second = ${amount(lambdaSeconds(api)!)} s a request`;
  return `${peak}, ${tokens}${seconds}${traffic ? `; monthly at ${traffic.words}` : '; no monthly figure without a peak rate or --traffic'}.`;
}

function lambdaSeconds(api: ApiTraffic): number | undefined {
  return api.maxOutputTokens === undefined ? undefined : api.maxOutputTokens / ASSUMED_TOKENS_PER_SECOND;
}

function requestLines(api: ApiTraffic, cite: Cite, tokenPrices?: Readonly<Record<string, TokenPrice>>): UsageLine[] {
  const lines: UsageLine[] = [];
  const per = (label: string, p: ServicePrice, used: number, perUnit: number) => { cite(label, p); return used * p.usd * perUnit; };
  if (api.backend === 'bedrock') lines.push(...tokenLines(api, cite, tokenPrices));
  const requests = USAGE_PRICES.lambdaRequests;
  lines.push({ item: 'Lambda requests', basis: `1 invocation × ${usd(requests.usd)} per 1M`, usdPerMillionRequests: per('Lambda', requests, 1, 1) });
  const seconds = lambdaSeconds(api);
  const duration = api.architecture === 'arm64' ? USAGE_PRICES.lambdaDurationArm64 : USAGE_PRICES.lambdaDurationX86;
  const gb = api.memoryMiB / 1024;
  lines.push(seconds === undefined
    ? { item: 'Lambda duration', basis: `${api.memoryMiB} MiB ${api.architecture}`, note: 'unpriced: MAX_OUTPUT_TOKENS is not literal' }
    : { item: 'Lambda duration', basis: `${amount(seconds)} s × ${amount(gb)} GB ${api.architecture} × ${usd(duration.usd, 10)} per GB-s`, usdPerMillionRequests: per('Lambda', duration, seconds * gb, 1e6) });
  if (api.api === 'rest' || api.api === 'http') {
    const gateway = api.api === 'rest' ? USAGE_PRICES.apiGatewayRest : USAGE_PRICES.apiGatewayHttp;
    lines.push({ item: `API Gateway (${api.api === 'rest' ? 'REST' : 'HTTP'} API)`, basis: `1 request × ${usd(gateway.usd)} per 1M`, usdPerMillionRequests: per('API Gateway', gateway, 1, 1) });
  }
  if (api.knowledgeBase) lines.push(...knowledgeBaseLines(api, cite));
  return lines;
}

function tokenLines(api: ApiTraffic, cite: Cite, tokenPrices?: Readonly<Record<string, TokenPrice>>): UsageLine[] {
  const found = api.modelId === undefined ? undefined : bedrockTokenPrice(api.modelId, tokenPrices);
  const why = api.modelId === undefined ? 'unpriced: MODEL_ID is not literal' : found === undefined ? `unpriced: no sourced price for ${api.modelId}` : undefined;
  if (found) cite('Bedrock tokens', found.price);
  const line = (item: string, tokens: number | undefined, usdPerMillion: number | undefined, variable: string): UsageLine => {
    if (tokens === undefined) return { item, basis: `${variable} unread`, note: `unpriced: ${variable} is not literal` };
    const basis = `${amount(tokens)} tokens${usdPerMillion === undefined ? '' : ` × ${usd(usdPerMillion, 4)} per 1M`}`;
    if (usdPerMillion === undefined) return { item, basis, note: why };
    return { item, basis, usdPerMillionRequests: tokens * usdPerMillion };
  };
  return [
    line(`Bedrock input tokens (${api.modelId ?? 'model unread'})`, api.maxInputTokens, found?.price.inputUsdPerMillion, 'MAX_INPUT_TOKENS'),
    line(`Bedrock output tokens (${api.modelId ?? 'model unread'})`, api.maxOutputTokens, found?.price.outputUsdPerMillion, 'MAX_OUTPUT_TOKENS'),
  ];
}

function knowledgeBaseLines(api: ApiTraffic, cite: Cite): UsageLine[] {
  const kb = api.knowledgeBase!;
  const every = kb.byDefault ? 'every request retrieves' : 'each request counted as retrieving (upper bound: RETRIEVAL_BY_DEFAULT is not true, so a request asks for it)';
  const model = kb.embeddingModel;
  const price = model !== undefined && Object.hasOwn(BEDROCK_EMBEDDING_PRICES, model) ? BEDROCK_EMBEDDING_PRICES[model] : undefined;
  const lines: UsageLine[] = [];
  if (price && api.maxInputTokens !== undefined) {
    cite('query embedding', price);
    lines.push({
      item: `Query embedding (${model})`, basis: `up to ${amount(api.maxInputTokens)} tokens × ${usd(price.inputUsdPerMillion, 4)} per 1M; ${every}`,
      usdPerMillionRequests: api.maxInputTokens * price.inputUsdPerMillion,
    });
  } else {
    const why = model === undefined ? 'unpriced: the embedding model is not literal' : price === undefined ? `unpriced: no sourced price for ${model}` : 'unpriced: MAX_INPUT_TOKENS is not literal';
    lines.push({ item: `Query embedding (${model ?? 'model unread'})`, basis: every, note: why });
  }
  if (kb.vectorStore === 's3-vectors') {
    lines.push({ item: 'S3 Vectors queries', basis: `1 query of ${kb.results ?? '?'} results`, note: 'unpriced: no S3 Vectors query price was sourced' });
  } else if (kb.vectorStore === 'unknown') {
    lines.push({ item: 'Vector store queries', basis: '1 query', note: 'unpriced: the vector store was not recognized' });
  }
  return lines;
}

function fixedUsage(facts: TrafficFacts, cite: Cite): FixedUsage[] {
  const fixed: FixedUsage[] = [];
  if (facts.dashboards > 0) {
    cite('CloudWatch dashboards', USAGE_PRICES.cloudWatchDashboard);
    fixed.push({ item: 'CloudWatch dashboards', basis: `${facts.dashboards} × ${usd(USAGE_PRICES.cloudWatchDashboard.usd)} a month`, monthlyUsd: facts.dashboards * USAGE_PRICES.cloudWatchDashboard.usd });
  }
  for (const c of facts.collections) {
    const ocus = c.standbyReplicas ? OPENSEARCH_SERVERLESS_MINIMUM_OCUS.withStandbyReplicas : OPENSEARCH_SERVERLESS_MINIMUM_OCUS.withoutStandbyReplicas;
    cite('OpenSearch Serverless OCU-hour', USAGE_PRICES.openSearchServerlessOcu);
    cite('OpenSearch Serverless minimum OCUs', OPENSEARCH_SERVERLESS_MINIMUM_OCUS);
    fixed.push({
      item: `OpenSearch Serverless collection ${c.name}`,
      basis: `at least ${ocus} OCU${ocus === 1 ? '' : 's'} (standby replicas ${c.standbyReplicas ? 'on' : 'off'}) × ${usd(USAGE_PRICES.openSearchServerlessOcu.usd)} per OCU-hour × ${HOURS_PER_MONTH} h; `
        + 'collections with one KMS key share OCUs, so several are an upper bound; storage not counted',
      monthlyUsd: ocus * USAGE_PRICES.openSearchServerlessOcu.usd * HOURS_PER_MONTH,
    });
  }
  return fixed;
}

function notEstimatedOf(facts: TrafficFacts): string[] {
  const items: string[] = [];
  const api = facts.api;
  if (api?.backend === 'sagemaker') items.push('model tokens: the SageMaker endpoint bills its instances (see the capacity above), not tokens');
  if (api?.maxModelCalls !== undefined) items.push(`tool rounds: with TOOLS set, one request may call the model up to ${api.maxModelCalls} times, each billed for its tokens; the figures count one call`);
  if (api?.guardrail) items.push('Bedrock Guardrails: each request is assessed; unpriced (no guardrail price was sourced)');
  if (facts.webAcls > 0) items.push('WAF: web ACL, rules and requests; unpriced (no WAF price was sourced)');
  if (facts.stateMachines > 0) {
    const p = USAGE_PRICES.stepFunctionsTransitions;
    items.push(`Step Functions: ${usd(p.usd, 3)} per ${p.unit}; the state machines run on demand (fine-tuning, ingestion), so not in the monthly figure`);
  }
  items.push('free tiers are not subtracted; prices are us-east-1 list prices, first tier');
  return items;
}
