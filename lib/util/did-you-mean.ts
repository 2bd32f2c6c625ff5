// The closest of a list of names to a misspelt one, for messages that say what was probably meant, and the
// short form of a bad value that such messages quote. Pure: config validation, catalogs and validators share it.

export interface DidYouMeanOptions {
  /**
   * The largest edit distance still taken for a typo, as a share of the name's length (at least 2 edits).
   * @default 1/8
   */
  readonly tolerance?: number;
  /**
   * Quote the suggestion: ` (did you mean "us-east-1"?)`.
   * @default false
   */
  readonly quote?: boolean;
}

/** ` (did you mean X?)` for the closest candidate, or '' when none is close enough to be a typo. */
export function didYouMean(name: string, candidates: Iterable<string>, options: DidYouMeanOptions = {}): string {
  const lower = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (!best || d < best.distance) best = { name: c, distance: d };
  }
  const limit = Math.max(2, Math.floor(lower.length * (options.tolerance ?? 1 / 8)));
  if (!best || best.distance > limit) return '';
  return options.quote ? ` (did you mean "${best.name}"?)` : ` (did you mean ${best.name}?)`;
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[b.length];
}

/** A value as a message quotes it: JSON, cut at 80 characters; `(missing)` for undefined. */
export function showValue(v: unknown): string {
  if (v === undefined) return '(missing)';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
