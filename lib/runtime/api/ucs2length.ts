// String length in Unicode code points, as JSON Schema's minLength / maxLength count it (a surrogate pair is
// one character). The precompiled validators call it, in place of Ajv's runtime module, so that the handler
// bundle carries no Ajv at all.

/** Code points in `text`; an unpaired surrogate counts as one. */
export function ucs2length(text: string): number {
  const length = text.length;
  let count = 0;
  let at = 0;
  while (at < length) {
    count++;
    const unit = text.charCodeAt(at++);
    if (unit >= 0xd800 && unit <= 0xdbff && at < length && (text.charCodeAt(at) & 0xfc00) === 0xdc00) at++;
  }
  return count;
}
