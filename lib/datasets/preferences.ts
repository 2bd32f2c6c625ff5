/**
 * Preference data from the API's feedback records (feedback/ratings/... in the dataset store): pairs of a prompt,
 * the chosen and the rejected response, written as `preference` JSONL for DPO-style alignment.
 *
 * Rules, in this order:
 * 1. One rating per answer: of several records for one request id, the latest (createdAt, then feedbackId) counts
 *    and the others are `replaced`. The API keeps one per answer; older deployments stored one per post.
 * 2. A rating with a correction is a pair on its own: chosen = the correction, rejected = the response.
 *    Its rating does not matter (a user who rewrites an answer prefers the rewrite).
 * 3. Ratings without a correction are grouped by prompt (same system and messages). In a group, the distinct
 *    up-rated responses are paired with the distinct down-rated ones, taking each side in turn, so every rated
 *    response is used and a group yields max(ups, downs) pairs.
 * 4. No rater contributes more than `maxPairsPerCaller` pairs (a pair from an up and a down counts for both
 *    raters); later pairs over the cap are `capped`. Records without a rater (written before the API recorded
 *    callers) are not capped.
 * 5. Skipped, and counted: ratings of a group with only ups or only downs (`unpaired`); pairs whose two texts are
 *    the same, and responses rated both up and down for one prompt (`identical`); pairs already emitted
 *    (`duplicates`); records that cannot make a pair: no user turn last, an empty text, an unknown rating, an
 *    answer that broke off, an answer whose record is missing (`invalid`).
 *
 * Texts compare after trimming and collapsing whitespace. Records are ordered by createdAt, then feedbackId,
 * so the output does not depend on the order they were listed in; pairs come in the order of their first record.
 *
 * Memory: the rules run on RatedAnswer summaries, which hold keys of the texts (hashes, for the workflow step),
 * never the texts: planPreferencePairs needs a few hundred bytes per record, and the texts of one pair are read
 * when that pair is written (see lib/runtime/workflow/handler.ts). buildPreferencePairs does all of it in memory,
 * for records already at hand.
 */
import type { FeedbackRecord, InteractionRecord } from '../runtime/api/contract';
import { normalizeText } from './formats';

/** One `preference` record: exactly the fields of the preference format. */
export interface PreferencePair {
  /** The conversation so far, rendered by renderPrompt. */
  readonly prompt: string;
  readonly chosen: string;
  readonly rejected: string;
}

/** Feedback records that made no pair, by reason. */
export interface PreferenceSkips {
  /** Ratings of a prompt that has only ups or only downs: nothing to compare them with. */
  readonly unpaired: number;
  /** Ratings whose chosen and rejected text would be the same (corrections equal to the response, contested responses). */
  readonly identical: number;
  /** Pairs equal to one already emitted (same prompt, chosen and rejected). */
  readonly duplicates: number;
  /** Records that cannot make a pair: the prompt does not end with a user turn, a text is empty, the rating is unknown, the answer is incomplete or missing. */
  readonly invalid: number;
  /** Earlier ratings of an answer that was rated again: only the latest counts. */
  readonly replaced: number;
  /** Pairs over a rater's cap (PreferenceOptions.maxPairsPerCaller). */
  readonly capped: number;
}

export interface PreferenceBuild {
  readonly pairs: PreferencePair[];
  readonly skipped: PreferenceSkips;
}

export interface PreferenceOptions {
  /** The most pairs one rater's feedback may make. @default DEFAULT_MAX_PAIRS_PER_CALLER */
  readonly maxPairsPerCaller?: number;
  /**
   * Interaction records by request id, for feedback records that reference their answer (version 2). @default - none
   *
   * TypeScript and JavaScript only, as InteractionRecord is.
   *
   * @jsii ignore
   */
  readonly interactions?: ReadonlyMap<string, InteractionRecord>;
}

/**
 * The default cap per rater: large enough for an application whose users all call through one principal to
 * train on a build's worth of feedback, small enough that one caller cannot make most of a dataset.
 */
export const DEFAULT_MAX_PAIRS_PER_CALLER = 1000;

/**
 * The prompt as plain text: `System: ...` (when there is one), then each turn as `User: ...` or `Assistant: ...`,
 * separated by blank lines and ending with the last user turn. Undefined when there is no user turn last.
 */
export function renderPrompt(prompt: FeedbackRecord['prompt']): string | undefined {
  const messages: readonly unknown[] = Array.isArray(prompt?.messages) ? prompt.messages : [];
  const parts: string[] = [];
  if (typeof prompt?.system === 'string' && prompt.system.trim() !== '') parts.push(`System: ${prompt.system}`);
  for (const message of messages) {
    const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
    if ((role !== 'user' && role !== 'assistant') || typeof content !== 'string' || content.trim() === '') return undefined;
    parts.push(`${role === 'user' ? 'User' : 'Assistant'}: ${content}`);
  }
  const last = messages[messages.length - 1] as { role?: unknown } | undefined;
  return last?.role === 'user' ? parts.join('\n\n') : undefined;
}

/** The texts one rating pairs: undefined where the record (or its interaction) has none usable. */
export interface AnswerTexts {
  readonly prompt?: string;
  readonly response?: string;
  readonly correction?: string;
}

/**
 * The texts of a rating: from the record itself (version 1 copies), or from its interaction (version 2). An
 * answer that broke off (`complete: false`) has no usable response.
 */
export function answerTexts(record: FeedbackRecord, interaction?: InteractionRecord): AnswerTexts {
  const source = record.prompt !== undefined || record.response !== undefined ? { prompt: record.prompt, response: record.response, complete: true }
    : interaction !== undefined ? { prompt: { system: interaction.system, messages: interaction.messages }, response: interaction.response, complete: interaction.complete !== false }
      : { prompt: undefined, response: undefined, complete: false };
  const response = source.complete && typeof source.response === 'string' && source.response.trim() !== '' ? source.response : undefined;
  const correction = typeof record.correction === 'string' && record.correction.trim() !== '' ? record.correction : undefined;
  return { prompt: renderPrompt(source.prompt), response, correction };
}

/** What the rules need of one rating: keys that are equal exactly when the (normalized) texts are. */
export interface RatedAnswer {
  readonly requestId: string;
  readonly feedbackId: string;
  readonly createdAt: string;
  readonly rating: unknown;
  /** Who rated (FeedbackRecord.caller). */
  readonly rater?: string;
  readonly promptKey?: string;
  readonly responseKey?: string;
  readonly correctionKey?: string;
}

/** A rating's summary, with `key` turning each text into its key (the text itself, or a hash of it). */
export function ratedAnswer(record: FeedbackRecord, texts: AnswerTexts, key: (text: string) => string): RatedAnswer {
  return {
    requestId: String(record.requestId), feedbackId: String(record.feedbackId), createdAt: String(record.createdAt), rating: record.rating,
    rater: typeof record.caller === 'string' ? record.caller : undefined,
    promptKey: texts.prompt === undefined ? undefined : key(texts.prompt),
    responseKey: texts.response === undefined ? undefined : key(normalizeText(texts.response)),
    correctionKey: texts.correction === undefined ? undefined : key(normalizeText(texts.correction)),
  };
}

/**
 * A pair to write: its prompt and rejected text from `rejected`'s answer, its chosen text from `chosen`'s.
 *
 * TypeScript and JavaScript only (generic over the answer type): the workflow's handler plans with it.
 *
 * @jsii ignore
 */
export interface PlannedPair<A extends RatedAnswer = RatedAnswer> {
  readonly chosen: A;
  /** Which text of `chosen` is chosen: its correction, or (an up-rated answer) its response. */
  readonly chosenText: 'correction' | 'response';
  readonly rejected: A;
}

/**
 * The pairs and the skip counts of a plan. TypeScript and JavaScript only (generic over the answer type).
 *
 * @jsii ignore
 */
export interface PreferencePlan<A extends RatedAnswer = RatedAnswer> {
  readonly pairs: readonly PlannedPair<A>[];
  readonly skipped: PreferenceSkips;
}

/** The pairs the rules make of these ratings, in output order; see the rules at the top of this file. */
export function planPreferencePairs<A extends RatedAnswer>(answers: Iterable<A>, options: Pick<PreferenceOptions, 'maxPairsPerCaller'> = {}): PreferencePlan<A> {
  const cap = options.maxPairsPerCaller ?? DEFAULT_MAX_PAIRS_PER_CALLER;
  const sorted = [...answers].sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.feedbackId, b.feedbackId));
  const skipped = { unpaired: 0, identical: 0, duplicates: 0, invalid: 0, replaced: 0, capped: 0 };

  const latest = new Map<string, A>();
  for (const answer of sorted) {
    if (latest.has(answer.requestId)) skipped.replaced += 1;
    latest.set(answer.requestId, answer);
  }
  const kept = sorted.filter((a) => latest.get(a.requestId) === a);

  const candidates: { at: number; pair: PlannedPair<A> }[] = [];
  const groups = new Map<string, Group<A>>();
  kept.forEach((answer, at) => {
    if (answer.promptKey === undefined || answer.responseKey === undefined || (answer.correctionKey === undefined && answer.rating !== 'up' && answer.rating !== 'down')) {
      skipped.invalid += 1;
    } else if (answer.correctionKey !== undefined) {
      if (answer.correctionKey === answer.responseKey) skipped.identical += 1;
      else candidates.push({ at, pair: { chosen: answer, chosenText: 'correction', rejected: answer } });
    } else {
      let group = groups.get(answer.promptKey);
      if (group === undefined) {
        group = { ups: new Map(), downs: new Map() };
        groups.set(answer.promptKey, group);
      }
      const side = answer.rating === 'up' ? group.ups : group.downs;
      const seen = side.get(answer.responseKey);
      if (seen) seen.ratings += 1;
      else side.set(answer.responseKey, { answer, at, ratings: 1 });
    }
  });

  for (const group of groups.values()) {
    for (const key of [...group.ups.keys()]) {
      const down = group.downs.get(key);
      if (down === undefined) continue;
      skipped.identical += group.ups.get(key)!.ratings + down.ratings;
      group.ups.delete(key);
      group.downs.delete(key);
    }
    const ups = [...group.ups.values()];
    const downs = [...group.downs.values()];
    if (ups.length === 0 || downs.length === 0) {
      skipped.unpaired += [...ups, ...downs].reduce((sum, r) => sum + r.ratings, 0);
      continue;
    }
    for (let i = 0; i < Math.max(ups.length, downs.length); i++) {
      const up = ups[i % ups.length];
      const down = downs[i % downs.length];
      candidates.push({ at: Math.min(up.at, down.at), pair: { chosen: up.answer, chosenText: 'response', rejected: down.answer } });
    }
  }

  const emitted = new Set<string>();
  const perRater = new Map<string, number>();
  const pairs: PlannedPair<A>[] = [];
  for (const { pair } of candidates.sort((a, b) => a.at - b.at)) {
    const chosenKey = pair.chosenText === 'correction' ? pair.chosen.correctionKey : pair.chosen.responseKey;
    const key = JSON.stringify([pair.rejected.promptKey, chosenKey, pair.rejected.responseKey]);
    if (emitted.has(key)) {
      skipped.duplicates += 1;
      continue;
    }
    const raters = [...new Set([pair.chosen.rater, pair.rejected.rater])].filter((r): r is string => r !== undefined);
    if (raters.some((r) => (perRater.get(r) ?? 0) >= cap)) {
      skipped.capped += 1;
      continue;
    }
    for (const r of raters) perRater.set(r, (perRater.get(r) ?? 0) + 1);
    emitted.add(key);
    pairs.push(pair);
  }
  return { pairs, skipped };
}

/** The pair's texts, from the texts of its answers. */
export function resolvePair(pair: PlannedPair, chosen: AnswerTexts, rejected: AnswerTexts): PreferencePair {
  return {
    prompt: rejected.prompt!,
    chosen: (pair.chosenText === 'correction' ? chosen.correction : chosen.response)!,
    rejected: rejected.response!,
  };
}

/** Pairs from feedback records already in memory; see the rules at the top of this file. */
export function buildPreferencePairs(records: Iterable<FeedbackRecord>, options: PreferenceOptions = {}): PreferenceBuild {
  const texts = new Map<RatedAnswer, AnswerTexts>();
  const answers: RatedAnswer[] = [];
  for (const record of records) {
    const t = answerTexts(record, options.interactions?.get(record.requestId));
    const answer = ratedAnswer(record, t, (text) => text);
    texts.set(answer, t);
    answers.push(answer);
  }
  const plan = planPreferencePairs(answers, options);
  return { pairs: plan.pairs.map((p) => resolvePair(p, texts.get(p.chosen)!, texts.get(p.rejected)!)), skipped: plan.skipped };
}

/** One pair as a JSONL line, ending in \n: exactly the preference fields. */
export function toJsonlLine({ prompt, chosen, rejected }: PreferencePair): string {
  return `${JSON.stringify({ prompt, chosen, rejected })}\n`;
}

/** Pairs as JSONL: one `{"prompt", "chosen", "rejected"}` object a line, each line ending in \n. */
export function toJsonl(pairs: Iterable<PreferencePair>): string {
  let out = '';
  for (const pair of pairs) out += toJsonlLine(pair);
  return out;
}

interface Rated<A> { readonly answer: A; readonly at: number; ratings: number }
interface Group<A> { readonly ups: Map<string, Rated<A>>; readonly downs: Map<string, Rated<A>> }

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
