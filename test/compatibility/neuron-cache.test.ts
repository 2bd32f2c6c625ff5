/** Neuron cache: the matching rule, the sourced entries (none for the kit's compiler), the compile-memory fact. */
import {
  IMAGE_FACTS, KIT_NEURONX_CC_VERSION, NEURON_CACHE_ENTRIES, NEURON_CACHE_RULE, NEURON_COMPILE_MEMORY_FACTS, READ_DATE, matchingCacheEntries,
} from '../../lib/compatibility';

const MIXTRAL = 'mistralai/Mixtral-8x7B-Instruct-v0.1';

describe('Neuron cache facts', () => {
  test('every row is sourced', () => {
    for (const row of [...NEURON_CACHE_ENTRIES, ...NEURON_COMPILE_MEMORY_FACTS, NEURON_CACHE_RULE]) {
      expect(row.source).toMatch(/optimum-neuron|nki-samples/);
      expect(row.read).toBe(READ_DATE);
    }
    for (const e of NEURON_CACHE_ENTRIES) expect(e.unconfirmed).toBeDefined();
  });

  test('the kit compiler is the one the Neuron image pins', () => {
    const neuron = IMAGE_FACTS.find((i) => i.accelerator === 'neuron')!;
    expect(neuron.neuron!.neuronxCc).toBe(KIT_NEURONX_CC_VERSION);
    expect(NEURON_CACHE_ENTRIES.every((e) => !e.compilerVersion.startsWith(KIT_NEURONX_CC_VERSION))).toBe(true);
  });

  test('the rule matches exactly on every field a request sets', () => {
    expect(NEURON_CACHE_RULE.exactMatchFields).toEqual(['target (instance type)', 'batch_size', 'sequence_length', 'tp_degree', 'torch_dtype']);
    expect(NEURON_CACHE_RULE.error).toMatch(/^ValueError: No cached version found for/);
    const old = { modelId: MIXTRAL, compilerVersion: '2.16.372.0' };
    expect(matchingCacheEntries({ ...old, batchSize: 4, sequenceLength: 4096, tensorParallelDegree: 24 })).toHaveLength(1);
    expect(matchingCacheEntries({ ...old, batchSize: 2 })).toHaveLength(0);
    expect(matchingCacheEntries({ ...old, sequenceLength: 8192 })).toHaveLength(0);
    expect(matchingCacheEntries({ ...old, dtype: 'fp16' })).toHaveLength(0);
    expect(matchingCacheEntries({ ...old, availableCores: 8 })).toHaveLength(0);
    expect(matchingCacheEntries(old)).toHaveLength(2);
  });

  test('with the kit compiler nothing sourced matches: serve would raise unless compiling is allowed', () => {
    expect(matchingCacheEntries({ modelId: MIXTRAL, batchSize: 1 })).toEqual([]);
    expect(NEURON_CACHE_RULE.allowCompile).toContain('SM_ON_ALLOW_NON_CACHED_MODEL');
  });

  test('an 8B compile was killed on a 32 GiB trn1.2xlarge', () => {
    expect(NEURON_COMPILE_MEMORY_FACTS).toEqual([expect.objectContaining({
      modelId: 'meta-llama/Llama-3.1-8B-Instruct', instanceType: 'trn1.2xlarge', hostMemoryGiB: 32, outcome: 'killed',
    })]);
    expect(NEURON_COMPILE_MEMORY_FACTS[0].source).toContain('aws-neuron/nki-samples#87');
  });
});
