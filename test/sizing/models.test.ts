/** The model catalog: architecture facts, managed Bedrock ids, custom models and their validation. */
import { displayName, ModelCatalog, resolveArchitecture, SizingInputError, validateArchitecture, type ModelArchitecture } from '../../lib/sizing';

describe('ModelCatalog', () => {
  test('re-derives Llama-3.1-8B parameters from its config fields', () => {
    // GIVEN config.json: L 32, H 4096, I 14336, 32 q / 8 kv heads of 128, vocab 128256, untied
    const attention = 4096 * 4096 + 2 * 4096 * 1024 + 4096 * 4096; // q, k, v, o = 41,943,040
    const mlp = 3 * 4096 * 14336; // gate, up, down = 176,160,768
    const norms = 2 * 4096;
    const embeddings = 2 * 128256 * 4096; // input and lm_head
    const expected = 32 * (attention + mlp + norms) + embeddings + 4096; // + final norm
    // WHEN
    const entry = ModelCatalog.DEFAULT.lookup('meta-llama/Llama-3.1-8B-Instruct');
    // THEN
    expect(expected).toBe(8_030_261_248);
    expect(entry).toMatchObject({ managed: false, architecture: { parameters: expected, layers: 32, kvHeads: 8, headDim: 128 } });
  });

  test('holds every model of models.md, keyed by Hugging Face id', () => {
    const open = ModelCatalog.DEFAULT.all().filter((m) => !m.managed).map((m) => m.id);
    expect(open).toEqual(expect.arrayContaining([
      'meta-llama/Llama-3.2-1B-Instruct', 'meta-llama/Llama-3.2-3B-Instruct', 'meta-llama/Llama-3.1-8B-Instruct',
      'meta-llama/Llama-3.1-70B-Instruct', 'meta-llama/Llama-3.3-70B-Instruct', 'meta-llama/Llama-3.1-405B-Instruct',
      'mistralai/Mistral-7B-Instruct-v0.3', 'mistralai/Mixtral-8x7B-Instruct-v0.1', 'Qwen/Qwen2.5-7B-Instruct',
      'Qwen/Qwen2.5-14B-Instruct', 'Qwen/Qwen2.5-32B-Instruct', 'Qwen/Qwen2.5-72B-Instruct', 'google/gemma-2-9b-it',
      'google/gemma-2-27b-it', 'microsoft/Phi-3-mini-4k-instruct', 'tiiuae/falcon-7b-instruct', 'google/flan-t5-base',
      'google/flan-t5-large',
    ]));
  });

  test('every preset is a valid architecture', () => {
    for (const m of ModelCatalog.DEFAULT.all()) {
      if (!m.managed) expect([m.id, validateArchitecture(m.architecture)]).toEqual([m.id, []]);
    }
  });

  test('Mixtral is resident at 46.7B parameters but reads 12.9B per token', () => {
    const entry = ModelCatalog.DEFAULT.lookup('mistralai/Mixtral-8x7B-Instruct-v0.1');
    expect(entry).toMatchObject({ architecture: { parameters: 46_702_792_704, activeParameters: 12_879_925_248, experts: 8 } });
  });

  test('Bedrock foundation models are selectable by id and flagged as managed', () => {
    expect(ModelCatalog.DEFAULT.lookup('amazon.nova-pro-v1:0')).toEqual({ id: 'amazon.nova-pro-v1:0', managed: true, service: 'bedrock', openWeightsId: undefined });
    expect(ModelCatalog.DEFAULT.lookup('anthropic.claude-3-5-sonnet-20241022-v2:0')?.managed).toBe(true);
    expect(ModelCatalog.DEFAULT.lookup('meta.llama3-1-8b-instruct-v1:0')).toMatchObject({ managed: true, openWeightsId: 'meta-llama/Llama-3.1-8B-Instruct' });
  });

  test('withModels adds a custom model without changing the default catalog', () => {
    const custom: ModelArchitecture = { id: 'acme/tiny', parameters: 1e8, layers: 12, kvHeads: 4, headDim: 64 };
    const catalog = ModelCatalog.DEFAULT.withModels(custom);
    expect(catalog.lookup('acme/tiny')).toEqual({ id: 'acme/tiny', managed: false, architecture: custom });
    expect(ModelCatalog.DEFAULT.lookup('acme/tiny')).toBeUndefined();
  });

  test('architecture gives an open model\'s facts, and nothing for a Bedrock model or an unknown id (the form other languages have)', () => {
    const custom: ModelArchitecture = { id: 'acme/tiny', parameters: 1e8, layers: 12, kvHeads: 4, headDim: 64 };
    expect(ModelCatalog.DEFAULT.withModels(custom).architecture('acme/tiny')).toEqual(custom);
    expect(ModelCatalog.DEFAULT.architecture('meta.llama3-1-8b-instruct-v1:0')).toBeUndefined();
    expect(ModelCatalog.DEFAULT.architecture('acme/none')).toBeUndefined();
  });

  test('fails when withModels is given an invalid architecture', () => {
    expect(() => ModelCatalog.DEFAULT.withModels({ id: 'bad', parameters: 0, layers: 1, kvHeads: 1, headDim: 1 })).toThrow(SizingInputError);
  });

  test('displayName drops the organization', () => {
    expect(displayName('meta-llama/Llama-3.1-70B-Instruct')).toBe('Llama-3.1-70B-Instruct');
    expect(displayName('custom')).toBe('custom');
  });
});

describe('custom model validation', () => {
  test('fails when the required fields are missing, naming each', () => {
    expect(validateArchitecture({ id: 'x' })).toEqual([
      expect.stringMatching(/^parameters is missing/),
      expect.stringMatching(/^layers is missing/),
      expect.stringMatching(/^kvHeads is missing/),
      expect.stringMatching(/^headDim is missing/),
    ]);
  });

  test('fails when numbers are negative or fractional, with the names the caller uses', () => {
    const issues = validateArchitecture({ id: 'x', parameters: -1, layers: 2.5, kvHeads: 0, headDim: 64 }, { parameters: '--params', layers: '--layers', kvHeads: '--kv-heads' });
    expect(issues).toEqual([
      '--params is -1: use a number greater than 0 (total parameters, e.g. 7000000000).',
      '--layers is 2.5: use a whole number of at least 1 (num_hidden_layers in config.json).',
      '--kv-heads is 0: use a whole number of at least 1 (num_key_value_heads in config.json).',
    ]);
  });

  test('fails when attention heads are not a multiple of KV heads', () => {
    expect(validateArchitecture({ id: 'x', parameters: 1e9, layers: 8, kvHeads: 3, headDim: 64, attentionHeads: 8 }))
      .toEqual(['attentionHeads is 8: it must be a multiple of kvHeads (3).']);
  });

  test('fails when active parameters exceed the total', () => {
    expect(validateArchitecture({ id: 'x', parameters: 1e9, layers: 8, kvHeads: 8, headDim: 64, activeParameters: 2e9 }))
      .toEqual(['activeParameters is 2000000000: it cannot exceed parameters (1000000000).']);
  });

  test('fails when the model id is unknown, listing the known ids', () => {
    const { issues } = resolveArchitecture('acme/unknown', ModelCatalog.DEFAULT);
    expect(issues).toEqual([expect.stringContaining('model is "acme/unknown", which is not in the catalog: use one of meta-llama/Llama-3.2-1B-Instruct')]);
  });

  test('fails when a Bedrock model is to be sized, pointing at its open-weights twin', () => {
    const { issues } = resolveArchitecture('meta.llama3-1-70b-instruct-v1:0', ModelCatalog.DEFAULT);
    expect(issues).toEqual([expect.stringContaining('managed by AWS and billed per token, so it has no instance to size. To self-host instead, size meta-llama/Llama-3.1-70B-Instruct.')]);
  });

  test('fails when the model is missing', () => {
    expect(resolveArchitecture(undefined, ModelCatalog.DEFAULT).issues).toEqual([expect.stringMatching(/^model is missing: give a Hugging Face id/)]);
  });
});
