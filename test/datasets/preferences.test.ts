/** Preference pairs from the API's feedback records: corrections, up/down pairs, what is skipped, and that the output validates. */
import { buildPreferencePairs, DatasetFormat, renderPrompt, toJsonl, validateLines, type PreferencePair } from '../../lib/datasets';
import type { FeedbackRecord, InteractionRecord } from '../../lib/runtime/api/records';

let sequence = 0;

/** A feedback record as RecordStore.putFeedback writes it; `at` orders records by createdAt. */
function feedback(rating: 'up' | 'down', response: string, options: { correction?: string; user?: string; system?: string; at?: number } = {}): FeedbackRecord {
  sequence += 1;
  const { correction, user = 'Where is my order?', system, at = sequence } = options;
  return {
    feedbackId: `f-${String(sequence).padStart(4, '0')}`,
    requestId: `20261129-r${sequence}`,
    createdAt: new Date(Date.UTC(2026, 10, 29, 0, 0, at)).toISOString(),
    rating,
    correction,
    model: 'anthropic.claude-3-haiku',
    prompt: { system, messages: [{ role: 'user', content: user }] },
    response,
    preference: correction !== undefined ? { chosen: correction, rejected: response } : rating === 'up' ? { chosen: response } : { rejected: response },
  };
}

const PROMPT = 'User: Where is my order?';

describe('renderPrompt', () => {
  test('renders the system prompt and every turn, ending with the last user turn', () => {
    // GIVEN a multi-turn prompt with a system prompt
    const prompt = {
      system: 'You are a support agent.',
      messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello! How can I help?' }, { role: 'user', content: 'Where is my order?' }] as const,
    };
    // THEN it reads as plain labelled turns separated by blank lines
    expect(renderPrompt(prompt)).toBe('System: You are a support agent.\n\nUser: Hi\n\nAssistant: Hello! How can I help?\n\nUser: Where is my order?');
  });

  test('leaves out an absent or blank system prompt', () => {
    expect(renderPrompt({ system: ' ', messages: [{ role: 'user', content: 'Hi' }] })).toBe('User: Hi');
  });

  test.each([
    ['there are no messages', { messages: [] }],
    ['the last turn is the assistant\'s', { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] }],
    ['a turn is empty', { messages: [{ role: 'user', content: ' ' }] }],
  ] as const)('fails when %s', (_name, prompt) => {
    expect(renderPrompt(prompt as unknown as FeedbackRecord['prompt'])).toBeUndefined();
  });
});

describe('buildPreferencePairs', () => {
  test('a correction makes a pair on its own: chosen is the correction, rejected the response', () => {
    // GIVEN a thumbs-down with a correction
    const records = [feedback('down', 'It is lost.', { correction: 'Order 1042 shipped yesterday.' })];
    // WHEN built
    const { pairs, skipped } = buildPreferencePairs(records);
    // THEN one pair, nothing skipped
    expect(pairs).toEqual([{ prompt: PROMPT, chosen: 'Order 1042 shipped yesterday.', rejected: 'It is lost.' }]);
    expect(skipped).toEqual({ unpaired: 0, identical: 0, duplicates: 0, invalid: 0, replaced: 0, capped: 0 });
  });

  test('an up and a different down for the same prompt make a pair', () => {
    const records = [feedback('down', 'No idea.'), feedback('up', 'It shipped yesterday.')];
    expect(buildPreferencePairs(records).pairs).toEqual([{ prompt: PROMPT, chosen: 'It shipped yesterday.', rejected: 'No idea.' }]);
  });

  test('the same prompt means the same system prompt and messages', () => {
    // GIVEN an up and a down whose system prompts differ
    const records = [feedback('up', 'Shipped.', { system: 'Be brief.' }), feedback('down', 'No idea.', { system: 'Be chatty.' })];
    // THEN they are different prompts, each without a counterpart
    expect(buildPreferencePairs(records)).toEqual({ pairs: [], skipped: { unpaired: 2, identical: 0, duplicates: 0, invalid: 0, replaced: 0, capped: 0 } });
  });

  test('every rated response is used: a prompt with 1 up and 3 downs makes 3 pairs', () => {
    const records = [feedback('up', 'Shipped.'), feedback('down', 'No idea.'), feedback('down', 'Lost.'), feedback('down', 'Ask later.')];
    expect(buildPreferencePairs(records).pairs.map((p) => [p.chosen, p.rejected])).toEqual([['Shipped.', 'No idea.'], ['Shipped.', 'Lost.'], ['Shipped.', 'Ask later.']]);
  });

  test('fails when ups or downs have no counterpart: counted as unpaired', () => {
    const records = [feedback('up', 'Shipped.'), feedback('up', 'On its way.'), feedback('down', 'No.', { user: 'Refund?' })];
    expect(buildPreferencePairs(records)).toEqual({ pairs: [], skipped: { unpaired: 3, identical: 0, duplicates: 0, invalid: 0, replaced: 0, capped: 0 } });
  });

  test('fails when a correction equals the response (after trimming): counted as identical', () => {
    const records = [feedback('down', 'Shipped.', { correction: '  Shipped.\n' })];
    expect(buildPreferencePairs(records)).toEqual({ pairs: [], skipped: { unpaired: 0, identical: 1, duplicates: 0, invalid: 0, replaced: 0, capped: 0 } });
  });

  test('fails when one response is rated both up and down: its ratings are identical, the others still pair', () => {
    const records = [feedback('up', 'Shipped.'), feedback('down', 'Shipped. '), feedback('up', 'On its way.'), feedback('down', 'Lost.')];
    const { pairs, skipped } = buildPreferencePairs(records);
    expect(pairs.map((p) => [p.chosen, p.rejected])).toEqual([['On its way.', 'Lost.']]);
    expect(skipped).toEqual({ unpaired: 0, identical: 2, duplicates: 0, invalid: 0, replaced: 0, capped: 0 });
  });

  test('repeated ratings of one response count once; a repeated correction pair is a duplicate', () => {
    const records = [
      feedback('up', 'Shipped.'), feedback('up', 'Shipped.'), feedback('down', 'Lost.'),
      feedback('down', 'No.', { user: 'Refund?', correction: 'Five days.' }), feedback('down', 'No.', { user: 'Refund?', correction: 'Five  days.' }),
    ];
    const { pairs, skipped } = buildPreferencePairs(records);
    expect(pairs.map((p) => [p.chosen, p.rejected])).toEqual([['Shipped.', 'Lost.'], ['Five days.', 'No.']]);
    expect(skipped).toEqual({ unpaired: 0, identical: 0, duplicates: 1, invalid: 0, replaced: 0, capped: 0 });
  });

  test.each([
    ['the prompt ends with the assistant', { prompt: { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] } }],
    ['the response is empty', { response: ' ' }],
    ['the rating is unknown', { rating: 'meh' }],
  ] as const)('fails when %s: counted as invalid', (_name, change) => {
    const record = { ...feedback('down', 'Lost.'), ...change } as unknown as FeedbackRecord;
    expect(buildPreferencePairs([record, feedback('up', 'Shipped.')]).skipped).toEqual({ unpaired: 1, identical: 0, duplicates: 0, invalid: 1, replaced: 0, capped: 0 });
  });

  test('the order follows createdAt, not the order records were listed in', () => {
    // GIVEN the same records in two orders
    const records = [
      feedback('up', 'Shipped.', { at: 5 }), feedback('down', 'Lost.', { at: 1 }),
      feedback('down', 'No.', { user: 'Refund?', correction: 'Five days.', at: 3 }),
    ];
    // WHEN built from each
    const forward = buildPreferencePairs(records);
    const backward = buildPreferencePairs([...records].reverse());
    // THEN the output is the same, ordered by each pair's first record
    expect(backward).toEqual(forward);
    expect(forward.pairs.map((p) => p.chosen)).toEqual(['Shipped.', 'Five days.']);
  });

  test('every pair it emits passes the preference validator', async () => {
    // GIVEN a mix of corrections, ups and downs over several prompts, with a system prompt and multi-line texts
    const records = [
      feedback('down', 'Lost.', { correction: 'Order 1042 shipped\non Monday.', system: 'Be precise.' }),
      feedback('up', 'Five days.', { user: 'Refund?' }), feedback('down', '  Ask your bank.', { user: 'Refund?' }), feedback('down', 'Never.', { user: 'Refund?' }),
      feedback('up', 'Yes, "30 countries".', { user: 'Do you ship abroad?' }), feedback('down', 'No\tidea', { user: 'Do you ship abroad?' }),
      feedback('up', 'Alone.', { user: 'Unpaired?' }),
    ];
    const { pairs } = buildPreferencePairs(records);
    // WHEN written as JSONL and validated
    const jsonl = toJsonl(pairs);
    const summary = await validateLines(jsonl.split('\n'), DatasetFormat.PREFERENCE, { file: 'preferences.jsonl' });
    // THEN every line is a valid preference record
    expect(pairs).toHaveLength(4);
    expect(summary.problems).toEqual([]);
    expect(summary).toMatchObject({ valid: true, records: 4, validRecords: 4 });
  });
});

describe('buildPreferencePairs against poisoning', () => {
  test('only the latest rating of an answer counts: 300 corrections of one answer make one pair', () => {
    // GIVEN 300 records (as older deployments stored them, one per post) for one request id
    const records = Array.from({ length: 300 }, (_, i) => ({ ...feedback('down', 'It is lost.', { correction: `Buy elsewhere, take ${i}.`, at: i }), requestId: '20261129-poisoned' }));
    // WHEN built, in any order
    const { pairs, skipped } = buildPreferencePairs([...records].reverse());
    // THEN one pair, from the latest
    expect(pairs).toEqual([{ prompt: PROMPT, chosen: 'Buy elsewhere, take 299.', rejected: 'It is lost.' }]);
    expect(skipped).toEqual({ unpaired: 0, identical: 0, duplicates: 0, invalid: 0, replaced: 299, capped: 0 });
  });

  test('no rater makes more than maxPairsPerCaller pairs; records without a rater are not capped', () => {
    const byRater = (rater: string | undefined, n: number) => Array.from({ length: n }, (_, i) => ({ ...feedback('down', `Answer ${rater}-${i}.`, { correction: `Better ${rater}-${i}.`, user: `Question ${rater}-${i}?` }), caller: rater }));
    const { pairs, skipped } = buildPreferencePairs([...byRater('iam:a', 5), ...byRater('iam:b', 2), ...byRater(undefined, 4)], { maxPairsPerCaller: 3 });
    expect(pairs).toHaveLength(3 + 2 + 4);
    expect(skipped.capped).toBe(2);
  });

  test('an up/down pair counts for both raters', () => {
    const up = { ...feedback('up', 'Shipped.'), caller: 'iam:a' };
    const down = { ...feedback('down', 'Lost.'), caller: 'iam:b' };
    const other = { ...feedback('down', 'Other.', { correction: 'Better.', user: 'Else?' }), caller: 'iam:b' };
    expect(buildPreferencePairs([up, down, other], { maxPairsPerCaller: 1 }).skipped.capped).toBe(1);
  });
});

describe('buildPreferencePairs with version 2 records', () => {
  const interaction = (requestId: string, response: string, extra: Partial<InteractionRecord> = {}): InteractionRecord => ({
    requestId, createdAt: '2026-11-29T00:00:00Z', model: 'm', messages: [{ role: 'user', content: 'Where is my order?' }], response,
    stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1 }, complete: true, ...extra,
  });
  const rating = (requestId: string, r: 'up' | 'down', correction?: string): FeedbackRecord => ({
    version: 2, feedbackId: `f-${requestId}`, requestId, createdAt: `2026-11-29T00:00:0${requestId.slice(-1)}Z`, rating: r, correction, model: 'm', caller: 'iam:x',
  });

  test('take the prompt and the response from their interaction', () => {
    const interactions = new Map([['r1', interaction('r1', 'It is lost.')], ['r2', interaction('r2', 'Shipped.')], ['r3', interaction('r3', 'No idea.')]]);
    const { pairs } = buildPreferencePairs([rating('r1', 'down', 'Shipped yesterday.'), rating('r2', 'up'), rating('r3', 'down')], { interactions });
    expect(pairs).toEqual([
      { prompt: PROMPT, chosen: 'Shipped yesterday.', rejected: 'It is lost.' },
      { prompt: PROMPT, chosen: 'Shipped.', rejected: 'No idea.' },
    ]);
  });

  test('fails when the answer broke off or its interaction is missing: counted as invalid', () => {
    const interactions = new Map([['r1', interaction('r1', 'It is', { complete: false, error: 'model_error' })]]);
    const { pairs, skipped } = buildPreferencePairs([rating('r1', 'down', 'Shipped.'), rating('r2', 'down', 'Shipped.')], { interactions });
    expect(pairs).toEqual([]);
    expect(skipped.invalid).toBe(2);
  });
});

describe('toJsonl', () => {
  test('writes one object a line, each ending in a newline, with only the preference fields', () => {
    const pairs: PreferencePair[] = [{ prompt: 'User: a', chosen: 'b', rejected: 'c' }];
    const extra = { ...pairs[0], note: 'dropped' } as PreferencePair;
    expect(toJsonl([...pairs, extra])).toBe('{"prompt":"User: a","chosen":"b","rejected":"c"}\n{"prompt":"User: a","chosen":"b","rejected":"c"}\n');
  });

  test('writes nothing for no pairs', () => {
    expect(toJsonl([])).toBe('');
  });
});
