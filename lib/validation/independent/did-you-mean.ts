// The closest of a list of names to a misspelt one, for messages that say what was probably meant.

/** ` (did you mean X?)` for the closest candidate, or '' when none is close enough to be a typo. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const lower = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (!best || d < best.distance) best = { name: c, distance: d };
  }
  return best && best.distance <= Math.max(2, Math.floor(lower.length / 8)) ? ` (did you mean ${best.name}?)` : '';
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
