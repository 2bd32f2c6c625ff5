/**
 * Preference data from the API's feedback records (feedback/ratings/... in the dataset store): pairs of a prompt,
 * the chosen and the rejected response, written as `preference` JSONL for DPO-style alignment.
 *
 * Rules, in this order:
 * 1. A record with a correction is a pair on its own: chosen = the correction, rejected = the response.
 *    Its rating does not matter (a user who rewrites an answer prefers the rewrite).
 * 2. Records without a correction are grouped by prompt (same system and messages). In a group, the distinct
 *    up-rated responses are paired with the distinct down-rated ones, taking each side in turn, so every rated
 *    response is used and a group yields max(ups, downs) pairs.
 * 3. Skipped, and counted: ratings of a group with only ups or only downs (`unpaired`); pairs whose two texts are
 *    the same, and responses rated both up and down for one prompt (`identical`); pairs already emitted
 *    (`duplicates`); records that cannot make a pair: no user turn last, an empty text, an unknown rating (`invalid`).
 *
 * Texts compare after trimming and collapsing whitespace. Records are ordered by createdAt, then feedbackId,
 * so the output does not depend on the order they were listed in; pairs come in the order of their first record.
 * Everything is held in memory: grouping by prompt needs it, and feedback is small next to training data.
 */
import type { FeedbackRecord } from '../runtime/api/records';
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
  /** Records that cannot make a pair: the prompt does not end with a user turn, a text is empty, the rating is unknown. */
  readonly invalid: number;
}

export interface PreferenceBuild {
  readonly pairs: readonly PreferencePair[];
  readonly skipped: PreferenceSkips;
}

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

/** Pairs from feedback records; see the rules at the top of this file. */
export function buildPreferencePairs(records: Iterable<FeedbackRecord>): PreferenceBuild {
  const sorted = [...records].sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.feedbackId, b.feedbackId));
  const skipped = { unpaired: 0, identical: 0, duplicates: 0, invalid: 0 };
  const candidates: { at: number; pair: PreferencePair }[] = [];
  const groups = new Map<string, Group>();

  sorted.forEach((record, at) => {
    const prompt = renderPrompt(record.prompt);
    const response = typeof record.response === 'string' ? record.response : '';
    const correction = typeof record.correction === 'string' && record.correction.trim() !== '' ? record.correction : undefined;
    if (prompt === undefined || response.trim() === '' || (correction === undefined && record.rating !== 'up' && record.rating !== 'down')) {
      skipped.invalid += 1;
    } else if (correction !== undefined) {
      if (normalizeText(correction) === normalizeText(response)) skipped.identical += 1;
      else candidates.push({ at, pair: { prompt, chosen: correction, rejected: response } });
    } else {
      let group = groups.get(prompt);
      if (group === undefined) {
        group = { ups: new Map(), downs: new Map() };
        groups.set(prompt, group);
      }
      const side = record.rating === 'up' ? group.ups : group.downs;
      const key = normalizeText(response);
      const seen = side.get(key);
      if (seen) seen.ratings += 1;
      else side.set(key, { text: response, at, ratings: 1 });
    }
  });

  for (const [prompt, group] of groups) {
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
      candidates.push({ at: Math.min(up.at, down.at), pair: { prompt, chosen: up.text, rejected: down.text } });
    }
  }

  const emitted = new Set<string>();
  const pairs: PreferencePair[] = [];
  for (const { pair } of candidates.sort((a, b) => a.at - b.at)) {
    const key = JSON.stringify([pair.prompt, normalizeText(pair.chosen), normalizeText(pair.rejected)]);
    if (emitted.has(key)) {
      skipped.duplicates += 1;
      continue;
    }
    emitted.add(key);
    pairs.push(pair);
  }
  return { pairs, skipped };
}

/** Pairs as JSONL: one `{"prompt", "chosen", "rejected"}` object a line, each line ending in \n. */
export function toJsonl(pairs: Iterable<PreferencePair>): string {
  let out = '';
  for (const { prompt, chosen, rejected } of pairs) out += `${JSON.stringify({ prompt, chosen, rejected })}\n`;
  return out;
}

interface Rated { readonly text: string; readonly at: number; ratings: number }
interface Group { readonly ups: Map<string, Rated>; readonly downs: Map<string, Rated> }

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
