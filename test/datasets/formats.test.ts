/** Every format's defects, one `fails when ...` row each, with the exact line and message the validator reports. */
import { checkRecord, DATASET_FORMATS, DatasetFormat, formatProblems, isDatasetFormat, validateLines } from '../../lib/datasets';

const FILE = 'data.jsonl';

/** The formatted problems of `lines` (one string each, without line breaks). */
async function problemsOf(format: DatasetFormat, lines: readonly string[]): Promise<string[]> {
  return formatProblems(await validateLines(lines, format, { file: FILE }));
}

/** A defect: the lines of the file, and each problem as `LINE: message` (a RegExp where the JSON parser words it). */
type Defect = readonly [name: string, lines: readonly string[], expected: readonly (string | RegExp)[]];

function expectProblems(actual: readonly string[], expected: readonly (string | RegExp)[]): void {
  expect(actual).toEqual(expected.map((e) => (typeof e === 'string' ? `${FILE}:${e}` : expect.stringMatching(e))));
}

const SFT_OK = '{"prompt": "Where is my order?", "completion": "It shipped yesterday."}';
const CHAT_OK = '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}';
const PREF_OK = '{"prompt": "Say hi", "chosen": "Hello!", "rejected": "Go away."}';
const PRETRAIN_OK = '{"input": "Order 1042 shipped on Monday."}';

/** A chat record with these messages (and extra top-level fields). */
const chat = (messages: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ ...extra, messages });
const user = (content: unknown) => ({ role: 'user', content });
const assistant = (content: unknown) => ({ role: 'assistant', content });

describe('format names', () => {
  test('the formats are sft, chat, preference and pretrain', () => {
    expect(DATASET_FORMATS).toEqual(['sft', 'chat', 'preference', 'pretrain']);
    expect(isDatasetFormat('chat')).toBe(true);
    expect(isDatasetFormat('CHAT')).toBe(false);
  });
});

describe('sft', () => {
  test('a clean file has no problems', async () => {
    // GIVEN two valid records and a trailing empty line
    const lines = [SFT_OK, '{"completion": "Refunds take five days.", "prompt": "How long does a refund take?"}', ''];
    // WHEN validated
    const summary = await validateLines(lines, DatasetFormat.SFT, { file: FILE });
    // THEN it is valid and counts both records
    expect(summary).toMatchObject({ valid: true, records: 2, validRecords: 2, problemCount: 0, problems: [], duplicates: 0 });
  });

  const defects: Defect[] = [
    ['a line is not JSON', [SFT_OK, '{"prompt": "a", "completion": "b"'], [/^data\.jsonl:2: not valid JSON \(.+\): write one JSON object per line$/]],
    ['a line has a key without quotes', [SFT_OK, SFT_OK, '{prompt: "a", "completion": "b"}'], [/^data\.jsonl:3: not valid JSON \(/]],
    ['a line is an array', [SFT_OK, '["Where is my order?", "It shipped."]'],
      ['2: the line is an array, not an object: write one {"prompt": "...", "completion": "..."} object per line']],
    ['a line is a string', ['"Where is my order?"'], ['1: the line is a string, not an object: write one {"prompt": "...", "completion": "..."} object per line']],
    ['a line is null', [SFT_OK, 'null'], ['2: the line is null, not an object: write one {"prompt": "...", "completion": "..."} object per line']],
    ['"prompt" is missing', [SFT_OK, '{"completion": "b"}'], ['2: "prompt" is missing']],
    ['both fields are missing', ['{}'], ['1: "prompt" is missing', '1: "completion" is missing']],
    ['"completion" is empty', [SFT_OK, '{"prompt": "a", "completion": ""}'], ['2: "completion" is empty']],
    ['"prompt" is only whitespace', [SFT_OK, '{"prompt": " \\t\\n ", "completion": "b"}'], ['2: "prompt" is empty (only whitespace)']],
    ['"prompt" is a number', [SFT_OK, '{"prompt": 42, "completion": "b"}'], ['2: "prompt" must be a string, not a number (42)']],
    ['"completion" is null', [SFT_OK, '{"prompt": "a", "completion": null}'], ['2: "completion" must be a string, not null']],
    ['"completion" is a list', [SFT_OK, '{"prompt": "a", "completion": ["b"]}'], ['2: "completion" must be a string, not an array']],
    ['"prompt" is an object', [SFT_OK, '{"prompt": {"text": "a"}, "completion": "b"}'], ['2: "prompt" must be a string, not an object']],
    ['there is an unknown field', [SFT_OK, '{"prompt": "a", "completion": "b", "label": 1}'], ['2: unknown field "label": sft records have only "prompt" and "completion"']],
    ['there are unknown fields', ['{"text": "a", "id": 7}'],
      ['1: "prompt" is missing', '1: "completion" is missing', '1: unknown fields "text", "id": sft records have only "prompt" and "completion"']],
    ['an empty line is followed by a record', [SFT_OK, '', SFT_OK], ['2: empty line: remove it (empty lines are allowed only at the end of the file)']],
    ['a whitespace-only line is followed by a record', [SFT_OK, '   ', '\t', SFT_OK],
      ['2: empty line: remove it (empty lines are allowed only at the end of the file)', '3: empty line: remove it (empty lines are allowed only at the end of the file)']],
    ['the file is empty', [], ['1: the file has no records: a dataset needs at least one JSON object line']],
    ['the file has only empty lines', ['', ''], ['2: the file has no records: a dataset needs at least one JSON object line']],
  ];
  test.each(defects)('fails when %s', async (_name, lines, expected) => {
    expectProblems(await problemsOf(DatasetFormat.SFT, lines), expected);
  });
});

describe('chat', () => {
  test('a clean file has no problems: string content, Bedrock content lists, a system prompt, the Nova form', async () => {
    // GIVEN the accepted shapes of a conversation
    const lines = [
      CHAT_OK,
      chat([user('Hi'), assistant('Hello!'), user('Where is my order?'), assistant('It shipped.')], { system: 'You are a support agent.' }),
      chat([user([{ text: 'Hi' }, { text: 'there' }]), assistant([{ text: 'Hello!' }])]),
      chat([user([{ text: 'Hi' }]), assistant([{ text: 'Hello!' }])], { schemaVersion: 'bedrock-conversation-2024', system: [{ text: 'Be brief.' }] }),
    ];
    // WHEN validated
    const summary = await validateLines(lines, DatasetFormat.CHAT, { file: FILE });
    // THEN every record is valid
    expect(summary.problems).toEqual([]);
    expect(summary).toMatchObject({ valid: true, records: 4, validRecords: 4 });
  });

  const defects: Defect[] = [
    ['a line is not JSON', [CHAT_OK, '{"messages": [}'], [/^data\.jsonl:2: not valid JSON \(/]],
    ['a line is an array', [CHAT_OK, JSON.stringify([user('Hi'), assistant('Hello')])],
      ['2: the line is an array, not an object: write one {"system": "...", "messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]} object per line']],
    ['"messages" is missing', [CHAT_OK, '{"system": "Be brief."}'], ['2: "messages" is missing']],
    ['"messages" is a string', [CHAT_OK, '{"messages": "Hi"}'], ['2: "messages" must be a list of {"role", "content"} objects, not a string']],
    ['"messages" is empty', [CHAT_OK, '{"messages": []}'], ['2: "messages" is empty: a conversation needs a "user" turn and an "assistant" answer']],
    ['a message is a string', [CHAT_OK, chat(['Hi', assistant('Hello')])], ['2: messages[0] must be a {"role", "content"} object, not a string']],
    ['a role is missing', [CHAT_OK, chat([{ content: 'Hi' }, assistant('Hello')])], ['2: messages[0].role is missing: use "user" or "assistant"']],
    ['a role is a number', [CHAT_OK, chat([{ role: 1, content: 'Hi' }, assistant('Hello')])], ['2: messages[0].role must be a string, not a number (1)']],
    ['a role is "system"', [CHAT_OK, chat([{ role: 'system', content: 'Be brief.' }, user('Hi'), assistant('Hello')])],
      ['2: messages[0].role is "system": use "user" or "assistant" (put the system prompt in the record\'s "system" field)']],
    ['a role is unknown', [CHAT_OK, chat([user('Hi'), { role: 'bot', content: 'Hello' }])], ['2: messages[1].role is "bot": use "user" or "assistant"']],
    ['the conversation starts with the assistant', [CHAT_OK, chat([assistant('Hello'), user('Hi'), assistant('Hello again')])],
      ['2: messages[0].role is "assistant": a conversation starts with "user"']],
    ['two user turns follow each other', [CHAT_OK, chat([user('Hi'), user('Anyone?'), assistant('Hello')])],
      ['2: messages[1].role is "user" after "user": roles alternate user, assistant, user, ...']],
    ['two assistant turns follow each other', [CHAT_OK, chat([user('Hi'), assistant('Hello'), assistant('Hello?')])],
      ['2: messages[2].role is "assistant" after "assistant": roles alternate user, assistant, user, ...']],
    ['the conversation ends with the user', [CHAT_OK, chat([user('Hi'), assistant('Hello'), user('Bye')])],
      ['2: the last message (messages[2]) is from "user": a conversation ends with the "assistant" answer to learn']],
    ['there is only a user turn', [CHAT_OK, chat([user('Hi')])],
      ['2: the last message (messages[0]) is from "user": a conversation ends with the "assistant" answer to learn']],
    ['a content is missing', [CHAT_OK, chat([{ role: 'user' }, assistant('Hello')])], ['2: messages[0].content is missing']],
    ['a content is empty', [CHAT_OK, chat([user('Hi'), assistant('')])], ['2: messages[1].content is empty']],
    ['a content is only whitespace', [CHAT_OK, chat([user('  \n'), assistant('Hello')])], ['2: messages[0].content is empty (only whitespace)']],
    ['a content is a number', [CHAT_OK, chat([user(7), assistant('Hello')])],
      ['2: messages[0].content must be a string or a list of {"text": "..."} blocks, not a number (7)']],
    ['a content list is empty', [CHAT_OK, chat([user([]), assistant('Hello')])], ['2: messages[0].content is an empty list: give at least one {"text": "..."} block']],
    ['a content block is a string', [CHAT_OK, chat([user(['Hi']), assistant('Hello')])], ['2: messages[0].content[0] must be a {"text": "..."} block, not a string']],
    ['a content block has no text', [CHAT_OK, chat([user([{}]), assistant('Hello')])], ['2: messages[0].content[0].text is missing']],
    ['a content block text is empty', [CHAT_OK, chat([user([{ text: 'Hi' }, { text: ' ' }]), assistant('Hello')])],
      ['2: messages[0].content[1].text is empty (only whitespace)']],
    ['a content block text is a number', [CHAT_OK, chat([user([{ text: 1 }]), assistant('Hello')])], ['2: messages[0].content[0].text must be a string, not a number (1)']],
    ['a content block is an image', [CHAT_OK, chat([user([{ image: { format: 'png' } }]), assistant('Hello')])],
      ['2: messages[0].content[0] has unknown field "image": only text blocks {"text": "..."} are supported']],
    ['a message has an unknown field', [CHAT_OK, chat([{ ...user('Hi'), name: 'ann' }, assistant('Hello')])],
      ['2: messages[0] has unknown field "name": a message has only "role" and "content"']],
    ['"system" is empty', [CHAT_OK, chat([user('Hi'), assistant('Hello')], { system: '' })], ['2: "system" is empty']],
    ['"system" is a number', [CHAT_OK, chat([user('Hi'), assistant('Hello')], { system: 3 })],
      ['2: "system" must be a string or a list of {"text": "..."} blocks, not a number (3)']],
    ['"schemaVersion" is not Bedrock\'s', [CHAT_OK, chat([user('Hi'), assistant('Hello')], { schemaVersion: 'v2' })],
      ['2: "schemaVersion" is "v2": use "bedrock-conversation-2024" or leave it out']],
    ['there is an unknown field', [CHAT_OK, chat([user('Hi'), assistant('Hello')], { id: 'c-1' })],
      ['2: unknown field "id": chat records have only "messages" and an optional "system"']],
    ['a record has several defects', [chat([assistant(''), assistant('Hello')], { prompt: 'x' })], [
      '1: messages[0].role is "assistant": a conversation starts with "user"',
      '1: messages[0].content is empty',
      '1: messages[1].role is "assistant" after "assistant": roles alternate user, assistant, user, ...',
      '1: unknown field "prompt": chat records have only "messages" and an optional "system"',
    ]],
  ];
  test.each(defects)('fails when %s', async (_name, lines, expected) => {
    expectProblems(await problemsOf(DatasetFormat.CHAT, lines), expected);
  });
});

describe('preference', () => {
  test('a clean file has no problems', async () => {
    const summary = await validateLines([PREF_OK, '{"prompt": "Refund time?", "chosen": "Five days.", "rejected": "Ask your bank."}'], DatasetFormat.PREFERENCE, { file: FILE });
    expect(summary).toMatchObject({ valid: true, records: 2, validRecords: 2, problems: [] });
  });

  const defects: Defect[] = [
    ['a line is not JSON', [PREF_OK, 'prompt,chosen,rejected'], [/^data\.jsonl:2: not valid JSON \(/]],
    ['a line is an array', [PREF_OK, '["Say hi", "Hello!", "Go away."]'],
      ['2: the line is an array, not an object: write one {"prompt": "...", "chosen": "...", "rejected": "..."} object per line']],
    ['"rejected" is missing', [PREF_OK, '{"prompt": "Say hi", "chosen": "Hello!"}'], ['2: "rejected" is missing']],
    ['"chosen" is empty', [PREF_OK, '{"prompt": "Say hi", "chosen": "", "rejected": "Go away."}'], ['2: "chosen" is empty']],
    ['"prompt" is only whitespace', [PREF_OK, '{"prompt": "   ", "chosen": "Hello!", "rejected": "Go away."}'], ['2: "prompt" is empty (only whitespace)']],
    ['"rejected" is a boolean', [PREF_OK, '{"prompt": "Say hi", "chosen": "Hello!", "rejected": false}'], ['2: "rejected" must be a string, not a boolean (false)']],
    ['"chosen" and "rejected" are identical', [PREF_OK, '{"prompt": "Say hi", "chosen": "Hello!", "rejected": "Hello!"}'],
      ['2: "chosen" and "rejected" are the same text: a preference pair needs two different responses']],
    ['"chosen" and "rejected" differ only in surrounding whitespace', [PREF_OK, PREF_OK, '{"prompt": "Say hi", "chosen": " Hello!\\n", "rejected": "Hello!"}'],
      ['3: "chosen" and "rejected" are the same text: a preference pair needs two different responses']],
    ['there is an unknown field', [PREF_OK, '{"prompt": "Say hi", "chosen": "Hello!", "rejected": "Go away.", "score": 0.9}'],
      ['2: unknown field "score": preference records have only "prompt", "chosen" and "rejected"']],
  ];
  test.each(defects)('fails when %s', async (_name, lines, expected) => {
    expectProblems(await problemsOf(DatasetFormat.PREFERENCE, lines), expected);
  });
});

describe('pretrain', () => {
  test('a clean file has no problems', async () => {
    const summary = await validateLines([PRETRAIN_OK, '{"input": "Returns are accepted within 30 days."}'], DatasetFormat.PRETRAIN, { file: FILE });
    expect(summary).toMatchObject({ valid: true, records: 2, validRecords: 2, problems: [] });
  });

  const defects: Defect[] = [
    ['a line is not JSON', [PRETRAIN_OK, 'Order 1042 shipped on Monday.'], [/^data\.jsonl:2: not valid JSON \(/]],
    ['a line is an array', [PRETRAIN_OK, '["Order 1042"]'], ['2: the line is an array, not an object: write one {"input": "..."} object per line']],
    ['"input" is missing', [PRETRAIN_OK, '{"text": "Order 1042"}'],
      ['2: "input" is missing', '2: unknown field "text": pretrain records have only "input"']],
    ['"input" is empty', [PRETRAIN_OK, '{"input": ""}'], ['2: "input" is empty']],
    ['"input" is only whitespace', [PRETRAIN_OK, '{"input": "\\t"}'], ['2: "input" is empty (only whitespace)']],
    ['"input" is a number', [PRETRAIN_OK, '{"input": 1042}'], ['2: "input" must be a string, not a number (1042)']],
    ['there is an unknown field', [PRETRAIN_OK, '{"input": "Order 1042", "meta": {}}'], ['2: unknown field "meta": pretrain records have only "input"']],
  ];
  test.each(defects)('fails when %s', async (_name, lines, expected) => {
    expectProblems(await problemsOf(DatasetFormat.PRETRAIN, lines), expected);
  });
});

describe('checkRecord', () => {
  test('reports what a valid record contributes: characters, normalized content and prompt', () => {
    // GIVEN an sft record with extra spacing
    const check = checkRecord(DatasetFormat.SFT, { prompt: '  Where is  my order? ', completion: 'Shipped.' });
    // THEN the texts are normalized for comparison and counted as written for tokens
    expect(check).toEqual({ ok: true, record: { characters: 30, content: '["Where is my order?","Shipped."]', prompt: 'Where is my order?' } });
  });

  test('a chat record\'s prompt is its user turns', () => {
    const check = checkRecord(DatasetFormat.CHAT, { system: 'S', messages: [user('Hi'), assistant('Hello'), user([{ text: 'Bye' }]), assistant('Bye!')] });
    expect(check.ok && check.record.prompt).toBe('["Hi","Bye"]');
  });
});
