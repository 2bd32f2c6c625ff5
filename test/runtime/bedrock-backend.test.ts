// BedrockBackend's tool rounds against a mocked Bedrock Runtime client: which models get ToolResultBlock.status,
// the assistant message repeated block for block, and turns Bedrock could not parse.
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { BedrockBackend, type ToolBox } from '../../lib/runtime/api/backends';
import { CALCULATOR_TOOL, runCalculatorTool } from '../../lib/runtime/api/calculator';
import { ApiError } from '../../lib/runtime/api/errors';

const tools: ToolBox = { specs: [CALCULATOR_TOOL], run: (_name, input) => runCalculatorTool(input), maxRounds: 3 };
const request = { messages: [{ role: 'user' as const, content: 'What is 6 * 7?' }], maxTokens: 100 };
const mock = mockClient(BedrockRuntimeClient);
const backend = (modelId: string) => new BedrockBackend(new BedrockRuntimeClient({ region: 'us-east-1' }), { modelId, displayName: modelId, tools });
const usage = { inputTokens: 1, outputTokens: 1, totalTokens: 2 };

const toolTurn = (expression: string) => ({
  output: { message: { role: 'assistant' as const, content: [{ text: 'Let me compute.' }, { toolUse: { toolUseId: 't1', name: 'calculator', input: { expression } } }] } },
  stopReason: 'tool_use' as const, usage, metrics: { latencyMs: 1 },
});
const answer = { output: { message: { role: 'assistant' as const, content: [{ text: '42' }] } }, stopReason: 'end_turn' as const, usage, metrics: { latencyMs: 1 } };

beforeEach(() => mock.reset());

describe('tool results', () => {
  test.each([
    ['anthropic.claude-3-5-haiku-20241022-v1:0', true],
    ['us.anthropic.claude-sonnet-4-20250514-v1:0', true],
    ['amazon.nova-pro-v1:0', true],
    ['meta.llama3-1-8b-instruct-v1:0', false],
    ['mistral.mistral-large-2407-v1:0', false],
  ])('%s: status sent only where documented (%s)', async (modelId, withStatus) => {
    mock.on(ConverseCommand).resolvesOnce(toolTurn('1 / 0')).resolvesOnce(answer);
    await backend(modelId).generate(request, new AbortController().signal);
    const second = mock.commandCalls(ConverseCommand)[1].args[0].input;
    const result = second.messages!.at(-1)!.content![0].toolResult!;
    expect(result.toolUseId).toBe('t1');
    expect(result.content![0].text).toMatch(/^error: division by zero/);
    expect('status' in result).toBe(withStatus);
    // The assistant turn goes back exactly as the model produced it.
    expect(second.messages![1]).toEqual(toolTurn('1 / 0').output.message);
  });
});

test.each(['malformed_tool_use', 'malformed_model_output'] as const)('a turn that ends %s is a 502, not an answer', async (stopReason) => {
  mock.on(ConverseCommand).resolves({ ...answer, stopReason });
  const error = await backend('amazon.nova-pro-v1:0').generate(request, new AbortController().signal).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status: 502, code: 'model_error' });
  expect((error as Error).message).toContain(stopReason);
});

test('streaming: the assistant message is repeated in block order, text after a tool call included', async () => {
  const events: ConverseStreamOutput[] = [
    { messageStart: { role: 'assistant' } },
    { contentBlockStart: { contentBlockIndex: 0, start: { toolUse: { toolUseId: 't1', name: 'calculator' } } } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { toolUse: { input: '{"expression":' } } } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { toolUse: { input: '"6 * 7"}' } } } },
    { contentBlockStop: { contentBlockIndex: 0 } },
    { contentBlockDelta: { contentBlockIndex: 1, delta: { text: 'Computing' } } },
    { contentBlockDelta: { contentBlockIndex: 1, delta: { text: ' now.' } } },
    { contentBlockStop: { contentBlockIndex: 1 } },
    { messageStop: { stopReason: 'tool_use' } },
    { metadata: { usage, metrics: { latencyMs: 1 } } },
  ];
  const final: ConverseStreamOutput[] = [
    { contentBlockDelta: { contentBlockIndex: 0, delta: { text: '42' } } },
    { messageStop: { stopReason: 'end_turn' } },
  ];
  const stream = (list: ConverseStreamOutput[]) => ({ stream: (async function* () { yield* list; })() });
  mock.on(ConverseStreamCommand).resolvesOnce(stream(events) as never).resolvesOnce(stream(final) as never);
  const tokens: string[] = [];
  const result = await backend('amazon.nova-pro-v1:0').stream(request, new AbortController().signal, (t) => tokens.push(t));
  expect(tokens).toEqual(['Computing', ' now.', '42']);
  expect(result).toMatchObject({ toolCalls: 1, stopReason: 'end_turn' });
  const second = mock.commandCalls(ConverseStreamCommand)[1].args[0].input;
  expect(second.messages![1].content).toEqual([
    { toolUse: { toolUseId: 't1', name: 'calculator', input: { expression: '6 * 7' } } },
    { text: 'Computing now.' },
  ]);
  expect(second.messages![2].content![0].toolResult).toMatchObject({ toolUseId: 't1', status: 'success', content: [{ json: { value: '42' } }] });
});
