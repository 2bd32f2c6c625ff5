import { augmentSystem, citationsOf, DEFAULT_GROUNDING, NO_SOURCES, type Passage } from '../../lib/runtime/api/retrieval';

const passages: Passage[] = [
  { text: 'Returns are accepted within 30 days.', document: 's3://b/documents/returns.md', score: 0.82 },
  { text: 'Refunds cost $5 and take $& days.', document: 's3://b/documents/refunds.md', score: 0.61 },
];
const numbered = '[1] (s3://b/documents/returns.md)\nReturns are accepted within 30 days.\n\n[2] (s3://b/documents/refunds.md)\nRefunds cost $5 and take $& days.';

describe('augmentSystem', () => {
  test('appends the default grounding template, numbered sources and all, after the system message', () => {
    expect(augmentSystem('You are a support agent.', passages)).toBe(`You are a support agent.\n\n${DEFAULT_GROUNDING.replace('{{sources}}', () => numbered)}`);
    expect(augmentSystem(undefined, passages)).toBe(DEFAULT_GROUNDING.replace('{{sources}}', () => numbered));
  });

  test('a template system message with {{sources}} places the passages itself, every occurrence, $ kept literally', () => {
    expect(augmentSystem('Use only these:\n{{ sources }}\nEnd of sources. Again: {{sources}}', passages))
      .toBe(`Use only these:\n${numbered}\nEnd of sources. Again: ${numbered}`);
  });

  test('without passages the system message is left alone, and a {{sources}} placeholder says none were found', () => {
    expect(augmentSystem('Plain.', [])).toBe('Plain.');
    expect(augmentSystem(undefined, [])).toBeUndefined();
    expect(augmentSystem('Sources: {{sources}}', [])).toBe(`Sources: ${NO_SOURCES}`);
  });
});

test('citations number the passages as the prompt does', () => {
  expect(citationsOf(passages)).toEqual([
    { index: 1, document: 's3://b/documents/returns.md', score: 0.82 },
    { index: 2, document: 's3://b/documents/refunds.md', score: 0.61 },
  ]);
});
