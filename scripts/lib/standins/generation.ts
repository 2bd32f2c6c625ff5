// The simulated model shared by the Bedrock and SageMaker stand-ins: which tokens to answer, which requests fail,
// and setTimeout-based pacing of the tokens (first at ttftMs after the request arrived, then one every 1/tps s).
import { performance } from 'node:perf_hooks';
import type { Reply } from './server';
import type { FailureKind, FailureRule, GenerationBehaviour } from './types';

const DEFAULT_TOKENS: readonly string[] = ['Hello', ' there', '.'];

/** A validated behaviour, in the units the servers use. */
export interface Generation {
  readonly ttftMs: number;
  /** Milliseconds between tokens after the first; 0 = all at once. */
  readonly intervalMs: number;
  readonly tokens: GenerationBehaviour['tokens'];
  readonly failures: readonly FailureRule[];
}

/**
 * Checks a behaviour and reports every problem at once, with the caller's own findings (moreProblems) appended.
 */
export function resolveGeneration(b: GenerationBehaviour = {}, moreProblems: readonly string[] = []): Generation {
  const problems: string[] = [];
  const ttftMs = b.ttftMs ?? 0;
  const tps = b.tokensPerSecond ?? 0;
  if (!Number.isFinite(ttftMs) || ttftMs < 0) problems.push(`ttftMs must be a finite number >= 0, got ${ttftMs}`);
  if (!Number.isFinite(tps) || tps < 0) problems.push(`tokensPerSecond must be a finite number >= 0 (0 = all at once), got ${tps}`);
  if (Array.isArray(b.tokens) && b.tokens.length === 0) problems.push('tokens must not be empty: a model answers at least one token');
  problems.push(...failureProblems(b.failures), ...moreProblems);
  if (problems.length > 0) throw invalidBehaviour(problems);
  return { ttftMs, intervalMs: tps > 0 ? 1000 / tps : 0, tokens: b.tokens, failures: b.failures ?? [] };
}

/** What is wrong with failure rules, one message per bad rule. */
export function failureProblems(failures: readonly FailureRule[] = []): string[] {
  const problems: string[] = [];
  for (const f of failures) {
    if (f.requests !== 'all' && !f.requests.every((n) => Number.isInteger(n) && n >= 1)) {
      problems.push(`failures '${f.kind}': requests must be 1-based integers or 'all', got ${JSON.stringify(f.requests)}`);
    }
  }
  return problems;
}

/** The error a stand-in throws for an invalid behaviour, naming every problem. */
export function invalidBehaviour(problems: readonly string[]): Error {
  return new Error(`Invalid stand-in behaviour: ${problems.join('; ')}.`);
}

/** The failure planned for the seq-th request, if any; the first matching rule wins. */
export function failureFor(g: Pick<Generation, 'failures'>, seq: number): FailureKind | undefined {
  for (const f of g.failures) {
    if (f.requests === 'all' || f.requests.includes(seq)) return f.kind;
  }
  return undefined;
}

/** The answer's tokens for a request whose last user turn says lastUserText. */
export function tokensFor(g: Generation, lastUserText: string): readonly string[] {
  const t = g.tokens;
  if (t === undefined) return DEFAULT_TOKENS;
  if (typeof t === 'function') {
    const out = t(lastUserText);
    // Thrown errors reach the caller as a 500 InternalServerException naming the problem.
    if (out.length === 0) throw new Error(`tokens() returned no tokens for ${JSON.stringify(lastUserText)}; a model answers at least one`);
    return out;
  }
  return t;
}

/** Whitespace-separated words: the stand-ins' stand-in for a tokenizer. */
export function countWords(s: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13) || c === 160;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

/** When a non-streaming answer is ready: once the last token would have been generated. */
export function completionDelayMs(g: Generation, tokenCount: number, receivedAt: number): number {
  return Math.max(0, receivedAt + g.ttftMs + (tokenCount - 1) * g.intervalMs - performance.now());
}

/**
 * Calls emit(i) for i = 0..count-1, token i being due at receivedAt + ttftMs + i * intervalMs, then finish().
 * Tokens already due are written in one corked batch. Stops when the client goes away or emit ends the response
 * (a mid-stream failure). Timers are never early: a wake-up before the due time waits again.
 */
export function paceTokens(
  res: Reply,
  g: Generation,
  receivedAt: number,
  count: number,
  emit: (i: number) => void,
  finish: () => void,
): void {
  let i = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const stop = () => {
    closed = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  res.once('close', stop);
  const step = () => {
    timer = undefined;
    res.cork();
    try {
      while (!res.writableEnded && !closed) {
        if (i >= count) {
          res.off('close', stop);
          finish();
          return;
        }
        const wait = receivedAt + g.ttftMs + i * g.intervalMs - performance.now();
        if (wait > 0) {
          timer = setTimeout(step, Math.ceil(wait));
          return;
        }
        emit(i++);
      }
    } finally {
      res.uncork();
    }
  };
  step();
}

/** Delays fn by ms unless the response closes first (0 ms runs it at once). */
export function after(res: Reply, ms: number, fn: () => void): void {
  if (ms <= 0) {
    fn();
    return;
  }
  const timer = setTimeout(() => {
    res.off('close', cancel);
    fn();
  }, Math.ceil(ms));
  const cancel = () => clearTimeout(timer);
  res.once('close', cancel);
}
