// CloudFormation intrinsic functions in synthesized templates, for validators that judge literal values:
// which values are intrinsics (left unjudged), and JSON documents that CloudFormation assembles from
// strings and tokens (state machine definitions, policy documents given as text), rebuilt as JSON with
// each token replaced by a marker that the caller swaps for a placeholder of the right shape.

/** An intrinsic function or reference: `{ Ref }`, `{ "Fn::..." }`; its value is known only at deploy time. */
export function isIntrinsic(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** A token of a document built by Fn::Join or Fn::Sub. */
export interface DocumentToken {
  /** The intrinsic (or `${Name}` of an Fn::Sub) the token stands for. */
  readonly source: unknown;
  /** The pseudo parameter it references (`AWS::Partition`, ...), if that is all it is. */
  readonly pseudo?: string;
  /** The token sits inside a JSON string; otherwise it stands for a whole JSON value (a number, say). */
  readonly inString: boolean;
}

/** A document rebuilt from its parts, tokens replaced by the markers `tokens` maps. */
export interface TokenizedDocument {
  readonly text: string;
  readonly tokens: ReadonlyMap<string, DocumentToken>;
}

const MARKER = /@@TOKEN(\d+)@@/g;

/** The document text of a string, an Fn::Join or an Fn::Sub; undefined for anything else. */
export function tokenizeDocument(value: unknown, substitutions: Record<string, unknown> = {}): TokenizedDocument | undefined {
  const parts = documentParts(value, substitutions);
  if (!parts) return undefined;
  const tokens = new Map<string, DocumentToken>();
  let text = '';
  let inString = false;
  for (const part of parts) {
    if (typeof part === 'string') {
      inString = quoteStateAfter(part, inString);
      text += part;
      continue;
    }
    const marker = `@@TOKEN${tokens.size}@@`;
    tokens.set(marker, { source: part, pseudo: pseudoOf(part), inString });
    // A token outside a string stands for a whole value: quoted, so the text stays JSON.
    text += inString ? marker : `"${marker}"`;
  }
  return { text, tokens };
}

/**
 * Replaces every marker in the parsed document: `replace` gives the text for a token inside a string,
 * `value` the JSON value for a token that stood for a whole value.
 */
export function resolveMarkers(
  document: unknown,
  tokens: ReadonlyMap<string, DocumentToken>,
  replace: (token: DocumentToken, whole: boolean, key: string | undefined) => string,
  value: (token: DocumentToken, key: string | undefined) => unknown,
): unknown {
  const visit = (node: unknown, key: string | undefined): unknown => {
    if (typeof node === 'string') {
      const only = tokens.get(node);
      if (only && !only.inString) return value(only, key);
      const whole = only !== undefined;
      return node.replace(MARKER, (m) => replace(tokens.get(m)!, whole, key));
    }
    if (Array.isArray(node)) return node.map((n) => visit(n, key));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k.replace(MARKER, (m) => replace(tokens.get(m)!, false, undefined)), visit(v, k)]));
    }
    return node;
  };
  return visit(document, undefined);
}

/** Values a pseudo parameter takes in a placeholder: real-looking, so format checks (ARNs) pass. */
export const PSEUDO_PLACEHOLDERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '111122223333',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'placeholder-stack',
  'AWS::StackId': 'arn:aws:cloudformation:us-east-1:111122223333:stack/placeholder-stack/00000000-0000-0000-0000-000000000000',
};

function pseudoOf(part: unknown): string | undefined {
  const ref = (part as { Ref?: unknown }).Ref;
  return typeof ref === 'string' && ref.startsWith('AWS::') ? ref : undefined;
}

function documentParts(value: unknown, substitutions: Record<string, unknown>): unknown[] | undefined {
  if (typeof value === 'string') return subParts(value, substitutions);
  if (typeof value !== 'object' || value === null) return undefined;
  const join = joinOf(value);
  if (join) return flattenJoin(join);
  const sub = (value as Record<string, unknown>)['Fn::Sub'];
  if (typeof sub === 'string') return subParts(sub, {}, true);
  if (Array.isArray(sub) && typeof sub[0] === 'string') return subParts(sub[0], (sub[1] ?? {}) as Record<string, unknown>, true);
  return undefined;
}

function joinOf(value: unknown): [string, unknown[]] | undefined {
  const join = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['Fn::Join'] : undefined;
  return Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1]) ? (join as [string, unknown[]]) : undefined;
}

/** The parts of an Fn::Join; a join nested in it (`arn:` + partition, say) is spliced in, so its pseudo parameters stay visible. */
function flattenJoin([delimiter, items]: [string, unknown[]]): unknown[] {
  return items.flatMap((item, i) => {
    const inner = joinOf(item);
    const parts = inner ? flattenJoin(inner) : [item];
    return i === 0 || delimiter === '' ? parts : [delimiter, ...parts];
  });
}

/**
 * The parts of an Fn::Sub string (or of a definition with DefinitionSubstitutions): `${Name}` variables
 * become tokens. In a plain string only the substitutions' names are variables; `${!Literal}` stays text.
 */
function subParts(text: string, variables: Record<string, unknown>, everyVariable = false): unknown[] {
  const parts: unknown[] = [];
  let last = 0;
  for (const m of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
    const name = m[1];
    if (!everyVariable && !(name in variables)) continue;
    parts.push(text.slice(last, m.index));
    parts.push(name in variables ? variables[name] : name.includes('.') ? { 'Fn::GetAtt': name.split('.') } : { Ref: name });
    last = m.index! + m[0].length;
  }
  parts.push(text.slice(last));
  return parts.filter((p) => p !== '');
}

/** Whether the text ends inside a JSON string, given whether it started inside one. */
function quoteStateAfter(text: string, inString: boolean): boolean {
  let inside = inString;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inside && c === '\\') i++;
    else if (c === '"') inside = !inside;
  }
  return inside;
}
