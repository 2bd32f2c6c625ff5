// Reads the shell commands the documentation shows: splits a block into commands the way bash would (quotes,
// line continuations, comments, operators, command substitution), and finds the kit's tool invocations in them,
// `npm run [-s] <tool> -- ARGS` and `npx genai-lifecycle-cdk <tool> ARGS`, so they can be checked or run.

export type Token = { readonly kind: 'word'; readonly value: string; readonly start: number; readonly end: number } | { readonly kind: 'op'; readonly value: string; readonly start: number; readonly end: number };

// Longest first, so `&&` is not read as two `&`.
const OPERATORS = ['<<<', '2>&1', '&>', '2>', '>>', '&&', '||', '$(', '|', ';', '&', '>', '<', '(', ')'];
const REDIRECTS = new Set(['<<<', '2>', '>>', '>', '<', '&>']);

/** Words and operators of shell source; `$VAR` stays as written. Quotes are removed from words. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\' && source[i + 1] === '\n') { i += 2; continue; }
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '\n') { tokens.push({ kind: 'op', value: ';', start: i, end: i + 1 }); i++; continue; }
    if (c === '#') { while (i < source.length && source[i] !== '\n') i++; continue; }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) { tokens.push({ kind: 'op', value: op, start: i, end: i + op.length }); i += op.length; continue; }
    const start = i;
    let value = '';
    while (i < source.length && !' \t\n'.includes(source[i]) && !OPERATORS.some((o) => o !== '2>' && o !== '2>&1' && source.startsWith(o, i))) {
      const ch = source[i];
      if (ch === '\\') {
        if (source[i + 1] !== '\n') value += source[i + 1] ?? '';
        i += 2;
      } else if (ch === "'") {
        const close = source.indexOf("'", i + 1);
        if (close < 0) throw new Error(`an unclosed ' at ${i}`);
        value += source.slice(i + 1, close);
        i = close + 1;
      } else if (ch === '"') {
        i++;
        while (i < source.length && source[i] !== '"') {
          if (source.startsWith('$(', i)) {
            const close = substitutionEnd(source, i + 2);
            value += source.slice(i, close);
            i = close;
            continue;
          }
          if (source[i] === '\\' && '"\\$`\n'.includes(source[i + 1])) i++;
          value += source[i++];
        }
        if (i >= source.length) throw new Error(`an unclosed " at ${start}`);
        i++;
      } else {
        value += ch;
        i++;
      }
    }
    tokens.push({ kind: 'word', value, start, end: i });
  }
  return tokens;
}

/** Where a `$(` that opened before `from` closes: after its `)`, with quotes and nested `$(` inside skipped. */
function substitutionEnd(source: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < source.length && depth > 0) {
    const c = source[i];
    if (c === "'") i = source.indexOf("'", i + 1) + 1 || source.length;
    else if (c === '"') {
      i++;
      while (i < source.length && source[i] !== '"') {
        if (source.startsWith('$(', i)) i = substitutionEnd(source, i + 2);
        else i += source[i] === '\\' ? 2 : 1;
      }
      i++;
    } else if (source.startsWith('$(', i)) { depth++; i += 2; }
    else if (c === '(') { depth++; i++; }
    else if (c === ')') { depth--; i++; }
    else i += c === '\\' ? 2 : 1;
  }
  return i;
}

/** One simple command: its words (assignments and redirections left out) and where it stops in the source. */
export interface Command {
  readonly words: readonly string[];
  /** The operator after it (`|`, `&&`, `;`, ...), or undefined at the end. */
  readonly then?: Token;
  /** Whether its stdout goes somewhere other than the terminal: a pipe, a file, or a `$(...)` that captures it. */
  readonly captured: boolean;
}

/** The simple commands of shell source, in order; a command substitution's command is one of them. */
export function commands(source: string): Command[] {
  const result: Command[] = [];
  let words: string[] = [];
  let redirect = false;
  let toFile = false;
  // Open `$(`: the commands inside have their output captured.
  let substitutions = 0;
  for (const token of tokenize(source)) {
    if (token.kind === 'word') {
      if (redirect) redirect = false;
      else if (!(words.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(token.value))) words.push(token.value);
      continue;
    }
    if (REDIRECTS.has(token.value)) {
      redirect = true;
      if (token.value === '>' || token.value === '>>' || token.value === '&>') toFile = true;
      continue;
    }
    if (token.value === '2>&1') continue;
    if (words.length > 0) result.push({ words, then: token, captured: toFile || token.value === '|' || substitutions > 0 });
    if (token.value === '$(') substitutions++;
    else if (token.value === ')' && substitutions > 0) substitutions--;
    words = [];
    toFile = false;
  }
  if (words.length > 0) result.push({ words, captured: toFile || substitutions > 0 });
  return result;
}

/** A run of one of the kit's tools, or of another script of package.json. */
export interface Invocation {
  /** The tool, or the npm script, by name. */
  readonly name: string;
  /** The arguments the tool gets (after `--` for npm run). */
  readonly args: readonly string[];
  /** `npm run -s`: npm prints no banner. */
  readonly silent: boolean;
  /** How it was written. */
  readonly form: 'npm run' | 'npx';
}

/** The invocation a command's words make, if they run a script of this package. */
export function invocation(words: readonly string[]): Invocation | undefined {
  if (words[0] === 'npx' && words[1] === 'genai-lifecycle-cdk') return { name: words[2] ?? '', args: words.slice(3), silent: false, form: 'npx' };
  if (words[0] !== 'npm' || (words[1] !== 'run' && words[1] !== 'run-script')) return undefined;
  let at = 2;
  let silent = false;
  while (words[at] === '-s' || words[at] === '--silent') { silent = true; at++; }
  const name = words[at] ?? '';
  const rest = words.slice(at + 1);
  const dashes = rest.indexOf('--');
  return { name, args: dashes < 0 ? rest : rest.slice(dashes + 1), silent, form: 'npm run' };
}

/**
 * The words of a command written in prose, where placeholders such as `<id>`, `[--json]` or `sft|chat` stand for
 * values: split on whitespace only, with brackets and a surrounding `$(...)` dropped.
 */
export function proseWords(text: string): string[] {
  return text.replace(/\$\(/g, ' ').split(/\s+/).map((w) => w.replace(/^[[(]+/, '').replace(/[\]),]+$/, '')).filter((w) => w !== '');
}

/** The invocations in a command written in prose: each `npm run`/`npx genai-lifecycle-cdk` up to `|`, `&&` or `;`. */
export function proseInvocations(text: string): Invocation[] {
  const words = proseWords(text);
  const found: Invocation[] = [];
  for (let i = 0; i < words.length; i++) {
    if (!(words[i] === 'npm' && words[i + 1] === 'run') && !(words[i] === 'npx' && words[i + 1] === 'genai-lifecycle-cdk')) continue;
    let end = i + 2;
    while (end < words.length && !['|', '&&', ';', '||', '>', 'npm', 'npx'].includes(words[end])) end++;
    const call = invocation(words.slice(i, end));
    if (call) found.push(call);
    i = end - 1;
  }
  return found;
}
