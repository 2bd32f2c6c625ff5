/**
 * The review as Markdown for a GitHub pull request comment: a summary table, then one collapsible section per
 * environment. GitHub rejects comments over 65,536 characters, so long lists are cut (with a count of what was
 * left out) until the whole fits; the JSON output (`--json`) always has everything.
 */
import { DEFAULT_PRICES } from '../../../lib/sizing';
import type { EnvironmentDiff, Replacement } from './diff';
import { isFlagged, type StatementSummary } from './iam';
import { code, count, delta, few, hours, sum, table, usd } from './markdown-format';
import { hasUsage, scheduleLines, usageCell, usageFootnote, usageSection } from './markdown-usage';
import type { EnvironmentReview, Review } from './report';
import { failsSynthesis } from './validation';

/** Marks the comment, so CI updates its previous comment instead of adding one per push. */
export const REVIEW_MARKER = '<!-- genai-lifecycle-cdk review -->';

/** GitHub's limit for a comment body is 65,536 characters; leave room for what CI wraps around the report. */
export const DEFAULT_MAX_CHARS = 65_000;

export interface MarkdownOptions {
  /** @default DEFAULT_MAX_CHARS */
  readonly maxChars?: number;
}

/** How many rows each list shows, from everything down to none; the first level that fits is used. */
const ROW_LIMITS = [Infinity, 60, 25, 10, 3, 0] as const;

export function renderMarkdown(review: Review, options: MarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  let text = '';
  for (const rows of ROW_LIMITS) {
    text = document(review, rows);
    if (text.length <= maxChars) return text;
  }
  const cut = '\n\n… report cut at the comment size limit; run `npm run review -- --json` for everything.\n';
  return text.slice(0, maxChars - cut.length) + cut;
}

function document(review: Review, rows: number): string {
  const lines = [REVIEW_MARKER, '## genai-lifecycle-cdk review', '', ...summaryTable(review), '', ...usageFootnote(review), ...priceNote(review)];
  if (review.removedEnvironments.length > 0) lines.push('', `⚠ **Environments removed** (in the base, not here): ${review.removedEnvironments.join(', ')}.`);
  for (const env of review.environments) lines.push('', ...environmentSection(env, rows));
  return `${lines.join('\n')}\n`;
}

function summaryTable(review: Review): string[] {
  const head = ['Environment', 'Stacks', 'Resources', 'Monthly USD (min – max)', 'Per use, USD a month ¹', 'Wildcard IAM', 'Open findings', 'Acknowledgements', 'Replacements'];
  const rows = review.environments.map((env) => {
    const open = sum(env.validation.plugins.map((p) => p.open));
    const errors = sum(env.validation.plugins.map((p) => p.errors));
    const diff = env.diff;
    const replacements = diff ? diff.replacements.length : undefined;
    return [
      `**${env.name}**`,
      String(env.stacks.length),
      diff ? `${env.resources.total} (+${diff.added.length} −${diff.removed.length} ~${diff.changed.length})` : String(env.resources.total),
      `${usd(env.capacity.monthlyUsd.min)} – ${usd(env.capacity.monthlyUsd.max)}${env.capacity.unpricedInstanceTypes.length > 0 ? ' ⚠ partly unpriced' : ''}`,
      usageCell(env),
      env.iam.wildcardStatements > 0 ? `${env.iam.wildcardStatements} ⚠` : '0',
      openCell(open, errors),
      String(env.validation.acknowledgements.length),
      (replacements === undefined ? '—' : replacements > 0 ? `🚨 ${replacements}` : '0') +
        (diff && diff.statefulRemovals.length > 0 ? ` (⚠ ${diff.statefulRemovals.length} stateful removed)` : ''),
    ];
  });
  return table(head, rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);
}

function openCell(open: number, errors: number): string {
  return open === 0 ? '0' : `${open} ${errors > 0 ? '❌' : '⚠'}`;
}

function priceNote(review: Review): string[] {
  const sources = [...new Set(review.environments.flatMap((e) => e.capacity.priceSources))];
  const lines = ['Monthly USD: SageMaker endpoint instances, usdPerHour × 730 h × instances at minimum (less what a scaling schedule saves) and at maximum scale; training is per run (in each environment).'];
  if (sources.includes(DEFAULT_PRICES.source)) {
    lines.push(`⚠ Prices are third-party and overridable with \`--prices FILE.json\` (\`{"ml.TYPE": USD}\`). Source: ${sources.map((s) => s.replace(/^⚠\s*/, '')).join('; ')}.`);
  } else if (sources.length > 0) {
    lines.push(`Prices: ${sources.join('; ')} (from \`--prices\`).`);
  }
  if (!review.comparedToBase) lines.push('Replacements: pass `--base DIR` (the base branch\'s cloud assembly) to compare.');
  return lines.flatMap((l) => [l, '']).slice(0, -1);
}

function environmentSection(env: EnvironmentReview, rows: number): string[] {
  const open = sum(env.validation.plugins.map((p) => p.open));
  const perUse = hasUsage(env) ? ` + ${usd(env.usage.monthlyUsd)} per use` : '';
  const summary = `<b>${env.name}</b>: ${count(env.stacks.length, 'stack')}, ${count(env.resources.total, 'resource')}, ${usd(env.capacity.monthlyUsd.min)}–${usd(env.capacity.monthlyUsd.max)}${perUse} a month, ` +
    `${count(env.iam.wildcardStatements, 'wildcard IAM statement')}, ${count(open, 'open finding')}` +
    (env.diff ? `, ${count(env.diff.replacements.length, 'replacement')}` : '');
  return [
    '<details>', `<summary>${summary}</summary>`, '',
    ...(env.diff ? diffSection(env.diff, rows) : []),
    ...capacitySection(env),
    ...usageSection(env),
    ...iamSection(env, rows),
    ...validationSection(env, rows),
    ...resourceSection(env, rows),
    '</details>',
  ];
}

function diffSection(diff: EnvironmentDiff, rows: number): string[] {
  const lines = [`### Changes against the base${diff.newEnvironment ? ' (a new environment)' : ''}`, ''];
  if (diff.replacements.length > 0) {
    lines.push(`🚨 **${diff.replacements.length} stateful resource${diff.replacements.length === 1 ? '' : 's'} replaced**: CloudFormation creates a new, empty resource; the data stays in the old one.`, '');
    lines.push(...diff.replacements.map((r) => `- 🚨 ${replacementLine(r)}`), '');
  }
  if (diff.statefulRemovals.length > 0) {
    lines.push(`⚠ **${diff.statefulRemovals.length} stateful resource${diff.statefulRemovals.length === 1 ? '' : 's'} removed**:`, '');
    lines.push(...diff.statefulRemovals.map((r) => `- ⚠ ${replacementLine(r)}`), '');
  }
  lines.push(`Resources: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed.`, '');
  const refRow = (r: { type: string; stackName: string; logicalId: string }) => [code(r.type), code(`${r.stackName}/${r.logicalId}`)];
  if (diff.added.length > 0) lines.push(...limited(`Added (${diff.added.length})`, ['Type', 'Resource'], diff.added.map(refRow), rows));
  if (diff.removed.length > 0) lines.push(...limited(`Removed (${diff.removed.length})`, ['Type', 'Resource'], diff.removed.map(refRow), rows));
  if (diff.changed.length > 0) {
    lines.push(...limited(`Changed (${diff.changed.length})`, ['Type', 'Resource', 'Properties changed'],
      diff.changed.map((c) => [...refRow(c), c.changedProperties.map(code).join(', ')]), rows));
  }
  const iam = diff.iam;
  if (iam.added.length > 0) lines.push(...limited(`IAM statements added (${iam.added.length}, ${iam.added.filter(isFlagged).length} ⚠ with wildcards)`, STATEMENT_HEAD, iam.added.map(statementRow), rows));
  if (iam.removed.length > 0) lines.push(...limited(`IAM statements removed (${iam.removed.length})`, STATEMENT_HEAD, iam.removed.map(statementRow), rows));
  const m = diff.cost.monthlyUsd;
  lines.push(`Monthly USD: minimum ${usd(m.base.min)} → ${usd(m.head.min)} (${delta(m.head.min - m.base.min)}), maximum ${usd(m.base.max)} → ${usd(m.head.max)} (${delta(m.head.max - m.base.max)}).`, '');
  for (const e of diff.cost.endpoints) {
    const state = (s: typeof e.base) => (s ? `${s.instanceType} × ${s.minInstances}–${s.maxInstances}` : 'none');
    lines.push(`- Endpoint ${code(e.endpoint)} variant ${code(e.variant)}: ${state(e.base)} → ${state(e.head)}`);
  }
  for (const t of diff.cost.training) {
    const state = (s: typeof t.base) => (s ? `${s.instanceType} × ${s.instanceCount} (${s.runUsdAtMost === undefined ? 'unpriced' : `≤ ${usd(s.runUsdAtMost)} a run`})` : 'none');
    lines.push(`- Training ${code(t.method)} of ${code(t.stateMachine)}: ${state(t.base)} → ${state(t.head)}`);
  }
  if (diff.cost.endpoints.length + diff.cost.training.length > 0) lines.push('');
  return lines;
}

function replacementLine(r: Replacement): string {
  const retained = r.deletionPolicy === 'Retain' || r.deletionPolicy === 'RetainExceptOnCreate';
  return `${code(r.type)} ${code(`${r.stackName}/${r.logicalId}`)}${r.newLogicalId ? ` → ${code(r.newLogicalId)}` : ''} (${r.path ? code(r.path) : 'no construct path'}): ${r.reason}; ` +
    `DeletionPolicy ${r.deletionPolicy}: the old one is ${retained ? 'orphaned (kept, no longer managed)' : '**deleted**'}.`;
}

function capacitySection(env: EnvironmentReview): string[] {
  const c = env.capacity;
  const lines = ['### Accelerator capacity and cost', ''];
  if (c.endpoints.length === 0) lines.push('No SageMaker endpoint instances.', '');
  else {
    lines.push(...table(['Endpoint', 'Variant', 'Instance', 'Scaling', 'Instances (min – max)', 'USD/h', 'Monthly min', 'Monthly max'],
      c.endpoints.map((e) => [code(e.endpoint), e.variant, code(e.instanceType), e.scaling, `${e.minInstances} – ${e.maxInstances}`,
        e.usdPerHour === undefined ? '⚠ unpriced' : usd(e.usdPerHour, 4), e.monthlyUsd ? usd(e.monthlyUsd.min) : '—', e.monthlyUsd ? usd(e.monthlyUsd.max) : '—']),
      ['l', 'l', 'l', 'l', 'r', 'r', 'r', 'r']), '');
    lines.push(...scheduleLines(c.endpoints));
    const saved = c.monthlyUsdSavedBySchedules === 0 ? '' : ` (after ${usd(c.monthlyUsdSavedBySchedules)} the schedules save)`;
    lines.push(`**Monthly: ${usd(c.monthlyUsd.min)} at minimum scale${saved}, ${usd(c.monthlyUsd.max)} at maximum scale.**`, '');
  }
  for (const t of c.training) {
    if (t.backend === 'bedrock') {
      lines.push(`Fine-tuning ${code(t.stateMachine)}: Bedrock model customization, priced per token by Bedrock; not estimated.`, '');
      continue;
    }
    lines.push(`Fine-tuning ${code(t.stateMachine)}, the most one run costs (on-demand price × instances × the job's MaxRuntimeInSeconds):`, '');
    lines.push(...table(['Method', 'Instance', 'Max hours', 'Spot', 'Training at most', 'Run at most'],
      t.methods.map((m) => [code(m.method), `${code(m.instanceType)} × ${m.instanceCount}`, hours(m.maxRuntimeHours), m.spot ? 'yes (billed at the spot price, less)' : 'no',
        m.trainingUsdAtMost === undefined ? '⚠ unpriced' : usd(m.trainingUsdAtMost), m.runUsdAtMost === undefined ? '⚠ unpriced' : usd(m.runUsdAtMost)]),
      ['l', 'l', 'r', 'l', 'r', 'r']), '');
    if (t.runJobs.length > 0) {
      lines.push(`Every run also starts: ${t.runJobs.map((j) => `${code(j.state)} on ${code(j.instanceType)} × ${j.instanceCount} for at most ${hours(j.maxRuntimeHours)} h (${j.usdAtMost === undefined ? '⚠ unpriced' : usd(j.usdAtMost)})`).join('; ')}; included in "Run at most".`, '');
    }
  }
  if (c.unpricedInstanceTypes.length > 0) lines.push(`⚠ No price for ${c.unpricedInstanceTypes.map(code).join(', ')}: not in any total; pass one with \`--prices\`.`, '');
  return lines;
}

const STATEMENT_HEAD = ['', 'Principal', 'Effect', 'Actions', 'Resources', 'Conditions', 'Policy'];

function statementRow(s: StatementSummary): string[] {
  // Wildcards first, so a cut list still shows them.
  const flagged = (values: readonly string[], wild: readonly string[]) =>
    [...values.filter((v) => wild.includes(v)).map((v) => `${code(v)} ⚠`), ...values.filter((v) => !wild.includes(v)).map(code)];
  return [
    isFlagged(s) ? '⚠' : '',
    `${code(s.principal)}${s.anyPrincipal ? ' ⚠ any principal' : ''}`,
    s.effect,
    few(flagged(s.actions, s.wildcardActions), 6),
    few(flagged(s.resources, s.wildcardResources), 4),
    s.hasConditions ? 'yes' : 'no',
    // An identity policy lives under its role: `…/DefaultPolicy` says enough.
    s.source.startsWith(`${s.principal}/`) || s.source.startsWith(`${s.principal} `) ? `…${s.source.slice(s.principal.length)}` : s.source,
  ];
}

function iamSection(env: EnvironmentReview, rows: number): string[] {
  const iam = env.iam;
  const title = `### IAM: ${iam.statements.length} statements, ${iam.wildcardStatements} ⚠ with wildcards ` +
    `(${iam.wildcardActionStatements} wildcard actions, ${iam.wildcardResourceStatements} wildcard resources)`;
  const lines = [title, '', 'Flagged: Allow statements with `*` in an action, a resource of `*` or ending in `/*` or `:*`, or any principal. Not flagged: Deny statements, and Resource `*` in a key policy (it means the key itself).', ''];
  lines.push(...limited(undefined, STATEMENT_HEAD, iam.statements.map(statementRow), rows));
  if (iam.managedPolicies.length > 0) {
    lines.push(`Managed policies: ${iam.managedPolicies.map((m) => `${code(m.principal)} ← ${code(m.policyArn)}`).join('; ')}.`, '');
  }
  return lines;
}

function validationSection(env: EnvironmentReview, rows: number): string[] {
  const v = env.validation;
  const lines = ['### Validation', ''];
  lines.push(...table(['Plugin', 'Open findings', 'Acknowledgements'], v.plugins.map((p) => [p.label, openCell(p.open, p.errors), String(p.acknowledged)]), ['l', 'r', 'r']), '');
  if (v.open.length > 0) {
    lines.push(...limited(`Open findings (${v.open.length}): errors ❌ fail synthesis until fixed or acknowledged`, ['', 'Plugin', 'Rule', 'Construct', 'Finding'],
      v.open.map((f) => [failsSynthesis(f) ? '❌' : '⚠', f.plugin, code(f.rule), code(f.constructPath), f.description ?? '']), rows));
  }
  if (v.acknowledgements.length > 0) {
    lines.push(...limited(`Acknowledgements (${v.acknowledgements.length})`, ['Plugin', 'Rule', 'Construct', 'Reason'],
      v.acknowledgements.map((a) => [a.plugin, code(a.rule), code(a.constructPath) + (a.covers.length > 0 && !(a.covers.length === 1 && a.covers[0].startsWith(`${a.constructPath}/`)) ? ` (covers ${few(a.covers.map(code), 3)})` : ''), a.reason]), rows));
  }
  lines.push('cdk-nag drops acknowledged findings itself, so its acknowledgements come from the stacks\' metadata, where the kit\'s acknowledgement pack writes them before the stacks are written.', '');
  return lines;
}

function resourceSection(env: EnvironmentReview, rows: number): string[] {
  const lines = [`### Resources (${env.resources.total})`, ''];
  lines.push(`Stacks: ${env.stacks.map((s) => `${code(s.stackName)} (${s.resources}${s.region ? `, ${s.region}` : ''})`).join(', ')}.`, '');
  lines.push(...limited(undefined, ['Type', 'Count'], Object.entries(env.resources.byType).map(([t, n]) => [code(t), String(n)]), rows, ['l', 'r']));
  return lines;
}

/** A table of at most `rows` rows (with a count of the rest), under an optional bold title. */
function limited(title: string | undefined, head: string[], body: string[][], rows: number, align?: ('l' | 'r')[]): string[] {
  const lines = title === undefined ? [] : [`**${title}**`, ''];
  if (rows === 0) return body.length === 0 ? [] : [...lines, `(${body.length} rows left out to fit the comment; see \`--json\`.)`, ''];
  lines.push(...table(head, body.slice(0, rows), align));
  if (body.length > rows) lines.push(`… and ${body.length - rows} more (see \`--json\`).`);
  return [...lines, ''];
}

