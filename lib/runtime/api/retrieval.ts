// Retrieval augmentation: passages from a Bedrock knowledge base (knowledge-base.ts) placed in the system
// prompt with numbered sources, and returned to the caller as citations. Pure: no SDK client is loaded here.

export interface Passage {
  readonly text: string;
  /** Where the passage comes from (the document's S3 URI). */
  readonly document: string;
  readonly score: number;
}

export interface Citation {
  /** The passage's number in the prompt ([1], [2], ...). */
  readonly index: number;
  readonly document: string;
  readonly score: number;
}

/** Where a prompt template's system message places the passages itself: `{{sources}}`. */
const SOURCES = /\{\{\s*sources\s*\}\}/;

// A replacer function, so a `$` in a passage is never read as a replacement pattern.
const fillSources = (text: string, sources: string) => text.replace(new RegExp(SOURCES, 'g'), () => sources);

/** The grounding template used when the system message has no `{{sources}}` of its own; appended to it. */
export const DEFAULT_GROUNDING = 'Answer from the sources below when they are relevant, citing them as [n]. If they do not contain the answer, say so rather than guess.\n\nSources:\n{{sources}}';

/** What `{{sources}}` becomes when nothing was retrieved (retrieval off, or no passage found or kept). */
export const NO_SOURCES = '(no sources were found for this request)';

/**
 * The system prompt with the passages as numbered sources the model is asked to cite: in place of the
 * system message's `{{sources}}` when a prompt template has one, otherwise through {@link DEFAULT_GROUNDING}.
 */
export function augmentSystem(system: string | undefined, passages: readonly Passage[]): string | undefined {
  const sources = passages.map((p, i) => `[${i + 1}] (${p.document})\n${p.text}`).join('\n\n');
  if (system !== undefined && SOURCES.test(system)) return fillSources(system, sources || NO_SOURCES);
  if (passages.length === 0) return system;
  const grounding = fillSources(DEFAULT_GROUNDING, sources);
  return `${system ? `${system}\n\n` : ''}${grounding}`;
}

export function citationsOf(passages: readonly Passage[]): Citation[] {
  return passages.map((p, i) => ({ index: i + 1, document: p.document, score: p.score }));
}
