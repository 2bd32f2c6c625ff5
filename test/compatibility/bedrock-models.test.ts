/** Bedrock Converse features: one sourced row per catalog model id, Llama 3.1 tool use, id normalization. */
import { BEDROCK_MODEL_FACTS, READ_DATE, STREAMING_TOOL_USE_ERROR, baseModelId, bedrockModelFacts, converseFeature } from '../../lib/compatibility';
import { BEDROCK_MODELS } from '../../lib/sizing/model-presets';

describe('Bedrock model rows', () => {
  test('exactly one row per Bedrock model of the kit catalog', () => {
    expect(BEDROCK_MODEL_FACTS.map((m) => m.modelId).sort()).toEqual(BEDROCK_MODELS.map((m) => m.id).sort());
  });

  test('every row is sourced; inferred rows say so', () => {
    for (const m of BEDROCK_MODEL_FACTS) {
      expect(m.source).toContain('Supported models and model features');
      expect(m.read).toBe(READ_DATE);
      expect(Object.values(m.features)).toHaveLength(8);
      if (m.status === 'inferred') {
        expect(m.inferredFrom).toBeDefined();
        expect(m.unconfirmed).toMatch(/No row/);
      } else {
        expect(m.unconfirmed).toBeUndefined();
      }
    }
    expect(BEDROCK_MODEL_FACTS.filter((m) => m.status === 'inferred').map((m) => m.tableRow)).toEqual([
      'Anthropic Claude Sonnet 4.5', 'Anthropic Claude Haiku 4.5', 'Meta Llama 3.3',
    ]);
  });

  test('Meta Llama 3.1: tool use yes, streaming tool use no', () => {
    for (const id of ['meta.llama3-1-8b-instruct-v1:0', 'meta.llama3-1-70b-instruct-v1:0', 'meta.llama3-1-405b-instruct-v1:0']) {
      expect(converseFeature(id, 'toolUse')).toBe('yes');
      expect(converseFeature(id, 'streamingToolUse')).toBe('no');
      expect(converseFeature(id, 'converseStream')).toBe('yes');
    }
    expect(STREAMING_TOOL_USE_ERROR).toBe("ValidationException: This model doesn't support tool use in streaming mode");
    expect(bedrockModelFacts('meta.llama3-3-70b-instruct-v1:0')?.source).toContain('n8n-io/n8n#14206');
  });

  test('no model without tool use claims streaming tool use', () => {
    for (const m of BEDROCK_MODEL_FACTS) if (m.features.toolUse === 'no') expect(m.features.streamingToolUse).toBe('no');
  });

  test('selected cells', () => {
    expect(bedrockModelFacts('amazon.titan-text-express-v1')?.features).toMatchObject({ systemPrompts: 'no', toolUse: 'no', guardrails: 'yes' });
    expect(bedrockModelFacts('amazon.nova-micro-v1:0')?.features).toMatchObject({ vision: 'no', documentChat: 'no', streamingToolUse: 'yes' });
    expect(bedrockModelFacts('mistral.mixtral-8x7b-instruct-v0:1')?.features).toMatchObject({ systemPrompts: 'no', toolUse: 'no' });
    expect(bedrockModelFacts('anthropic.claude-3-5-haiku-20241022-v1:0')?.features).toMatchObject({ vision: 'no', guardrails: 'no' });
  });

  test('inference profile ids and context-window suffixes resolve to the base model', () => {
    expect(baseModelId('us.meta.llama3-1-8b-instruct-v1:0')).toBe('meta.llama3-1-8b-instruct-v1:0');
    expect(baseModelId('meta.llama3-1-8b-instruct-v1:0:128k')).toBe('meta.llama3-1-8b-instruct-v1:0');
    expect(bedrockModelFacts('global.anthropic.claude-sonnet-4-5-20250929-v1:0')?.tableRow).toBe('Anthropic Claude Sonnet 4.5');
    expect(bedrockModelFacts('cohere.command-r-v1:0')).toBeUndefined();
    expect(converseFeature('cohere.command-r-v1:0', 'toolUse')).toBeUndefined();
  });
});
