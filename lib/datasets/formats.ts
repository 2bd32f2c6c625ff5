/**
 * The JSONL record formats a dataset can take, and the check of one parsed record against its format.
 * Pure and dependency-free: the validator (validate.ts), the CLI and a Lambda all use it.
 *
 * - sft:        {"prompt": "...", "completion": "..."}
 * - chat:       {"system"?: "...", "messages": [{"role": "user", "content": "..."}, {"role": "assistant", ...}, ...]}
 *               (the Bedrock conversation fine-tuning shape; `content` may also be Bedrock's [{"text": "..."}] list,
 *               and the Nova form's "schemaVersion": "bedrock-conversation-2024" and "system": [{"text": "..."}] are accepted)
 * - preference: {"prompt": "...", "chosen": "...", "rejected": "..."}
 * - pretrain:   {"input": "..."}
 */

/** The dataset formats: a closed set, one record shape each. */
export enum DatasetFormat {
  /** Supervised fine-tuning: a prompt and the completion to learn. */
  SFT = 'sft',
  /** Multi-turn conversations in the Bedrock conversation shape. */
  CHAT = 'chat',
  /** Preference pairs for DPO-style alignment: a prompt, the chosen and the rejected response. */
  PREFERENCE = 'preference',
  /** Unlabelled text for continued pre-training. */
  PRETRAIN = 'pretrain',
}

/** Every format, in a stable order. */
export const DATASET_FORMATS: readonly DatasetFormat[] = Object.values(DatasetFormat);

export function isDatasetFormat(value: string): value is DatasetFormat {
  return (DATASET_FORMATS as readonly string[]).includes(value);
}

/** The schemaVersion of Bedrock's Nova conversation format, the only one accepted. */
export const BEDROCK_CONVERSATION_SCHEMA = 'bedrock-conversation-2024';

/** What a record that passed its format's checks contributes to a file's summary. */
export interface CheckedRecord {
  /** Characters of every text of the record, for the token estimate. */
  readonly characters: number;
  /** The record's text, normalized (trimmed, whitespace runs collapsed) and canonical: equal for duplicates. */
  readonly content: string;
  /** The prompt side, normalized: the prompt, the input, or a conversation's user turns. Equal for train/test overlap. */
  readonly prompt: string;
}

/** The outcome of checking one record: what it contributes, or every problem with it (never both). */
export type RecordCheck =
  | { readonly ok: true; readonly record: CheckedRecord }
  | { readonly ok: false; readonly problems: readonly string[] };

/** A one-line example of each format's record, for messages. */
export const RECORD_SHAPES: Readonly<Record<DatasetFormat, string>> = {
  [DatasetFormat.SFT]: '{"prompt": "...", "completion": "..."}',
  [DatasetFormat.CHAT]: '{"system": "...", "messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}',
  [DatasetFormat.PREFERENCE]: '{"prompt": "...", "chosen": "...", "rejected": "..."}',
  [DatasetFormat.PRETRAIN]: '{"input": "..."}',
};

/** The top-level fields each format allows. */
const FIELDS: Readonly<Record<DatasetFormat, readonly string[]>> = {
  [DatasetFormat.SFT]: ['prompt', 'completion'],
  [DatasetFormat.CHAT]: ['system', 'messages', 'schemaVersion'],
  [DatasetFormat.PREFERENCE]: ['prompt', 'chosen', 'rejected'],
  [DatasetFormat.PRETRAIN]: ['input'],
};

const FIELD_LISTS: Readonly<Record<DatasetFormat, string>> = {
  [DatasetFormat.SFT]: '"prompt" and "completion"',
  [DatasetFormat.CHAT]: '"messages" and an optional "system"',
  [DatasetFormat.PREFERENCE]: '"prompt", "chosen" and "rejected"',
  [DatasetFormat.PRETRAIN]: '"input"',
};

/** Checks one parsed JSON value against `format`, collecting every problem of the record. */
export function checkRecord(format: DatasetFormat, value: unknown): RecordCheck {
  if (!isObject(value)) {
    return { ok: false, problems: [`the line is ${describe(value)}, not an object: write one ${RECORD_SHAPES[format]} object per line`] };
  }
  const problems: string[] = [];
  let record: CheckedRecord | undefined;
  switch (format) {
    case DatasetFormat.SFT: {
      const prompt = text(value, 'prompt', problems);
      const completion = text(value, 'completion', problems);
      if (prompt !== undefined && completion !== undefined) record = plain([prompt, completion], prompt);
      break;
    }
    case DatasetFormat.PREFERENCE: {
      const prompt = text(value, 'prompt', problems);
      const chosen = text(value, 'chosen', problems);
      const rejected = text(value, 'rejected', problems);
      if (chosen !== undefined && rejected !== undefined && chosen.trim() === rejected.trim()) {
        problems.push('"chosen" and "rejected" are the same text: a preference pair needs two different responses');
      }
      if (prompt !== undefined && chosen !== undefined && rejected !== undefined) record = plain([prompt, chosen, rejected], prompt);
      break;
    }
    case DatasetFormat.PRETRAIN: {
      const input = text(value, 'input', problems);
      if (input !== undefined) record = plain([input], input);
      break;
    }
    case DatasetFormat.CHAT:
      record = checkChat(value, problems);
      break;
  }
  const unknown = Object.keys(value).filter((key) => !FIELDS[format].includes(key));
  if (unknown.length > 0) {
    problems.push(`unknown field${unknown.length === 1 ? '' : 's'} ${quoteAll(unknown)}: ${format} records have only ${FIELD_LISTS[format]}`);
  }
  return problems.length > 0 || record === undefined ? { ok: false, problems } : { ok: true, record };
}

/** Trims and collapses whitespace runs, so that spacing alone never makes two texts different. */
export function normalizeText(value: string): string {
  const trimmed = value.trim();
  // Testing first spares the replace (and its copy) for the common text that is already normal.
  return NEEDS_COLLAPSE.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
}

/** Whitespace other than single spaces. */
const NEEDS_COLLAPSE = /\s\s|[^\S ]/;

function plain(texts: readonly string[], prompt: string): CheckedRecord {
  return {
    characters: texts.reduce((sum, t) => sum + t.length, 0),
    content: JSON.stringify(texts.map(normalizeText)),
    prompt: normalizeText(prompt),
  };
}

function checkChat(value: Record<string, unknown>, problems: string[]): CheckedRecord | undefined {
  const before = problems.length;
  if ('schemaVersion' in value && value.schemaVersion !== BEDROCK_CONVERSATION_SCHEMA) {
    problems.push(`"schemaVersion" is ${JSON.stringify(value.schemaVersion)}: use "${BEDROCK_CONVERSATION_SCHEMA}" or leave it out`);
  }
  const system = 'system' in value ? content(value.system, '"system"', problems) : undefined;
  const messages = value.messages;
  if (messages === undefined) {
    problems.push('"messages" is missing');
    return undefined;
  }
  if (!Array.isArray(messages)) {
    problems.push(`"messages" must be a list of {"role", "content"} objects, not ${describe(messages)}`);
    return undefined;
  }
  if (messages.length === 0) {
    problems.push('"messages" is empty: a conversation needs a "user" turn and an "assistant" answer');
    return undefined;
  }
  const turns: { role: string; text: string }[] = [];
  let previous: string | undefined;
  messages.forEach((message: unknown, i) => {
    const at = `messages[${i}]`;
    if (!isObject(message)) {
      problems.push(`${at} must be a {"role", "content"} object, not ${describe(message)}`);
      previous = undefined;
      return;
    }
    const role = roleOf(message, at, i, previous, problems);
    const body = 'content' in message ? content(message.content, `${at}.content`, problems) : undefined;
    if (!('content' in message)) problems.push(`${at}.content is missing`);
    const extra = Object.keys(message).filter((key) => key !== 'role' && key !== 'content');
    if (extra.length > 0) problems.push(`${at} has unknown field${extra.length === 1 ? '' : 's'} ${quoteAll(extra)}: a message has only "role" and "content"`);
    previous = role;
    if (role !== undefined && body !== undefined) turns.push({ role, text: body });
  });
  if (previous === 'user') problems.push(`the last message (messages[${messages.length - 1}]) is from "user": a conversation ends with the "assistant" answer to learn`);
  if (problems.length > before) return undefined;

  const texts = [system ?? '', ...turns.map((t) => t.text)];
  return {
    characters: texts.reduce((sum, t) => sum + t.length, 0),
    content: JSON.stringify([normalizeText(system ?? ''), ...turns.map((t) => [t.role, normalizeText(t.text)])]),
    prompt: JSON.stringify(turns.filter((t) => t.role === 'user').map((t) => normalizeText(t.text))),
  };
}

/** The role of message `i`, checked for value and order; undefined when it is not a valid role. */
function roleOf(message: Record<string, unknown>, at: string, i: number, previous: string | undefined, problems: string[]): string | undefined {
  const role = message.role;
  if (role === undefined) {
    problems.push(`${at}.role is missing: use "user" or "assistant"`);
    return undefined;
  }
  if (typeof role !== 'string') {
    problems.push(`${at}.role must be a string, not ${describe(role)}`);
    return undefined;
  }
  if (role !== 'user' && role !== 'assistant') {
    const hint = role === 'system' ? ' (put the system prompt in the record\'s "system" field)' : '';
    problems.push(`${at}.role is ${JSON.stringify(role)}: use "user" or "assistant"${hint}`);
    return undefined;
  }
  if (i === 0 && role !== 'user') problems.push(`${at}.role is "assistant": a conversation starts with "user"`);
  else if (previous === role) problems.push(`${at}.role is "${role}" after "${role}": roles alternate user, assistant, user, ...`);
  return role;
}

/** Message content or system prompt: a non-empty string, or Bedrock's [{"text": "..."}] list with every text non-empty. */
function content(value: unknown, at: string, problems: string[]): string | undefined {
  if (typeof value === 'string') return nonBlank(value, at, problems);
  if (!Array.isArray(value)) {
    problems.push(`${at} must be a string or a list of {"text": "..."} blocks, not ${describe(value)}`);
    return undefined;
  }
  if (value.length === 0) {
    problems.push(`${at} is an empty list: give at least one {"text": "..."} block`);
    return undefined;
  }
  const texts: (string | undefined)[] = value.map((block: unknown, j) => {
    const blockAt = `${at}[${j}]`;
    if (!isObject(block)) {
      problems.push(`${blockAt} must be a {"text": "..."} block, not ${describe(block)}`);
      return undefined;
    }
    const extra = Object.keys(block).filter((key) => key !== 'text');
    if (extra.length > 0) problems.push(`${blockAt} has unknown field${extra.length === 1 ? '' : 's'} ${quoteAll(extra)}: only text blocks {"text": "..."} are supported`);
    if (!('text' in block)) {
      if (extra.length === 0) problems.push(`${blockAt}.text is missing`);
      return undefined;
    }
    if (typeof block.text !== 'string') {
      problems.push(`${blockAt}.text must be a string, not ${describe(block.text)}`);
      return undefined;
    }
    return nonBlank(block.text, `${blockAt}.text`, problems);
  });
  return texts.every((t) => t !== undefined) ? texts.join('\n') : undefined;
}

/** A required top-level string field, checked present, a string and not blank. */
function text(record: Record<string, unknown>, field: string, problems: string[]): string | undefined {
  if (!(field in record)) {
    problems.push(`"${field}" is missing`);
    return undefined;
  }
  const value = record[field];
  if (typeof value !== 'string') {
    problems.push(`"${field}" must be a string, not ${describe(value)}`);
    return undefined;
  }
  return nonBlank(value, `"${field}"`, problems);
}

function nonBlank(value: string, at: string, problems: string[]): string | undefined {
  if (value.trim() !== '') return value;
  problems.push(value === '' ? `${at} is empty` : `${at} is empty (only whitespace)`);
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a JSON value reads in a message: "a number (42)", "an array", "null". */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': return 'a string';
    case 'number': return `a number (${value})`;
    case 'boolean': return `a boolean (${value})`;
    case 'object': return 'an object';
    default: return typeof value;
  }
}

function quoteAll(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}
