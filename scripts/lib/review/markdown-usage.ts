/**
 * The Markdown of what is billed per use: the summary table's cell and its footnote, each environment's
 * "Billed per use" section, and the scaling-schedule lines under the capacity table.
 */
import type { EndpointCapacity } from './capacity';
import { amount, code, table, usd } from './markdown-format';
import type { EnvironmentReview, Review } from './report';
import { PEAK_HOURS_PER_MONTH } from './usage';

/** Services the per-use estimate covers when the environment has an API handler (capacity.ts's labels). */
const ESTIMATED = new Set(['API Gateway', 'Bedrock tokens', 'Lambda', 'Step Functions', 'WAF']);

/** Whether anything of the environment is billed per use and estimated. */
export function hasUsage(env: EnvironmentReview): boolean {
  return env.usage.api !== undefined || env.usage.fixed.length > 0;
}

/** The summary table's per-use cell: the monthly estimate, or — when there is nothing to estimate. */
export function usageCell(env: EnvironmentReview): string {
  if (!hasUsage(env)) return '—';
  return `${usd(env.usage.monthlyUsd)}${env.usage.partlyUnpriced ? ' ⚠ partly unpriced' : ''}`;
}

/** What the per-use column assumes, per environment. */
export function usageFootnote(review: Review): string[] {
  const envs = review.environments.filter(hasUsage);
  if (envs.length === 0) return [];
  const each = envs.map((e) => `${e.name} ${e.usage.traffic ? `${amount(e.usage.traffic.requestsPerMonth)} requests${e.usage.traffic.from === 'option' ? ' (--traffic)' : ''}` : 'no traffic assumed (no peak rate)'}`);
  return [
    `¹ Per use: Bedrock tokens, Lambda, API Gateway and the knowledge base's query embedding, every request at the scope's maximum tokens (an upper bound), `
      + `at the API's peak rate for ${PEAK_HOURS_PER_MONTH} h a month (8 h × 22 working days) unless \`--traffic ENV=REQUESTS\` says otherwise, plus fixed monthly resources; `
      + `⚠ partly unpriced: some part has no sourced price (see each environment). Requests a month: ${each.join(', ')}.`,
    '',
  ];
}

export function usageSection(env: EnvironmentReview): string[] {
  const u = env.usage;
  const lines = ['### Billed per use', ''];
  const others = env.capacity.usagePriced.filter((label) => !(u.api && ESTIMATED.has(label)));
  if (!u.api) lines.push('No API handler (a Lambda function with BACKEND and MAX_INPUT_TOKENS): nothing is estimated per request.', '');
  else {
    const a = u.api;
    const model = a.backend === 'bedrock' ? `Bedrock ${a.modelId ? code(a.modelId) : '(model unread)'}` : 'SageMaker endpoint';
    lines.push(`API handler ${code(a.handler)}: ${model}, ${a.memoryMiB} MiB ${a.architecture}${a.knowledgeBase ? `, knowledge base on ${a.knowledgeBase.vectorStore}` : ''}.`, '');
    lines.push(`Assumption: ${u.assumption}`, '');
    lines.push(...table(['Per request', 'Basis', 'USD per 1M requests'],
      [...u.perRequest.map((l) => [l.item, l.basis + (l.note ? ` (${l.note.startsWith('unpriced') ? '⚠ ' : ''}${l.note})` : ''), l.usdPerMillionRequests === undefined ? '⚠ unpriced' : usd(l.usdPerMillionRequests)]),
        ['**Total**', u.partlyUnpriced ? '⚠ unpriced parts left out' : '', `**${usd(u.usdPerMillionRequests)}**`]],
      ['l', 'l', 'r']), '');
    const hour = u.usdPerHourAtPeak === undefined ? 'no peak rate, so no hourly figure' : `${usd(u.usdPerHourAtPeak)} an hour at peak`;
    const month = u.traffic ? `${usd(u.monthlyUsd)} a month at ${amount(u.traffic.requestsPerMonth)} requests${u.traffic.from === 'option' ? ' (--traffic)' : ''}` : `${usd(u.monthlyUsd)} a month (fixed resources only)`;
    lines.push(`**${hour}; ${month}${u.fixed.length > 0 ? ', fixed resources included' : ''}.**`, '');
  }
  if (u.fixed.length > 0) {
    lines.push('Fixed a month, whatever the traffic:', '', ...u.fixed.map((f) => `- ${f.item}: ${f.basis}: ${usd(f.monthlyUsd)}`), '');
  }
  if (u.caveats.length > 0) lines.push(...u.caveats.map((c) => `⚠ ${c}.`), '');
  const notEstimated = u.api ? u.notEstimated : [];
  if (notEstimated.length > 0 || others.length > 0) {
    lines.push('Not in the figures:', '', ...notEstimated.map((n) => `- ${n}`));
    if (others.length > 0) lines.push(`- ${u.api ? 'also billed by use, not estimated' : 'billed by use, not estimated'}: ${others.join(', ')}${u.api && env.capacity.usagePriced.includes('Lambda') ? '; Lambda functions other than the API handler' : ''}`);
    lines.push('');
  }
  if (u.sources.length > 0) lines.push('Per-use prices (⚠ mostly third-party, see `lib/sizing/usage-prices.ts`):', '', ...u.sources.map((source) => `- ${source}`), '');
  return lines;
}

/** One line per endpoint variant whose capacity follows a schedule. */
export function scheduleLines(endpoints: readonly EndpointCapacity[]): string[] {
  const lines = endpoints.flatMap((e) => {
    const s = e.schedule;
    if (!s) return [];
    const head = `- Schedule of ${code(e.endpoint)} ${e.variant} (${s.unit}): ${s.summary}`;
    if (!s.evaluated) return [`${head}: ⚠ ${s.note ?? 'not evaluated'}.`];
    const lowered = `${amount(s.loweredHoursPerWeek ?? 0)} h a week (${amount(s.loweredHoursPerMonth ?? 0)} h a month)`;
    const saves = s.monthlyUsdSaved !== undefined ? `saves ${usd(s.monthlyUsdSaved)} a month at minimum scale (${amount(s.instanceHoursSavedPerMonth ?? 0)} instance-hours × ${usd(e.usdPerHour ?? 0, 4)})`
      : s.instanceHoursSavedPerMonth !== undefined ? `saves ${amount(s.instanceHoursSavedPerMonth)} instance-hours a month (⚠ unpriced)` : 'savings not computed';
    return [`${head}: ${lowered}, ${saves}${s.note ? `; ${s.note}` : ''}.`];
  });
  return lines.length === 0 ? [] : [...lines, ''];
}
