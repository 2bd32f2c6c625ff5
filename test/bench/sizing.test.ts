/** The independent fit check of the sizing benchmark (bench/fit-check.ts), one case per rule, and its presets file. */
import { InstanceCatalog, type InstanceSpec } from '../../lib/sizing/instances';
import { ModelCatalog, type ModelArchitecture } from '../../lib/sizing/models';
import { activationGiB, checkFit, CUDA_VISIBLE_MIB, GPU_MEMORY_UTILIZATION, largestDegree, NEURON_COMPILE } from '../../bench/fit-check';
import { loadPresets, summarize, type BenchRow } from '../../bench/sizing';

const GIB = 2 ** 30;

function model(id: string): ModelArchitecture {
  const entry = ModelCatalog.DEFAULT.lookup(id);
  if (entry === undefined || entry.managed) throw new Error(`${id} is not an open catalog model`);
  return entry.architecture;
}

function instance(type: string): InstanceSpec {
  return InstanceCatalog.DEFAULT.get(type);
}

const LLAMA_8B = model('meta-llama/Llama-3.1-8B-Instruct');

describe('fit check', () => {
  test('T4: sized with the 15360 MiB CUDA sees, not the 16384 MiB of the EC2 API', () => {
    const v = checkFit({ model: model('meta-llama/Llama-3.2-1B-Instruct'), precision: 'bf16', contextTokens: 4096, concurrency: 1, instance: instance('ml.g4dn.xlarge') });
    expect(CUDA_VISIBLE_MIB.T4).toBe(15360);
    expect(v.numbers?.visibleGiBPerShard).toBe(15);
    expect(v.numbers?.budgetGiBPerShard).toBeCloseTo(15 * GPU_MEMORY_UTILIZATION, 10); // 13.5 GiB
    // T4 has no bf16: the server runs fp16, the same memory.
    expect(v.servedPrecision).toBe('fp16');
    expect(v.verdict).toBe('safe');
  });

  test('gemma2 on a T4 is unsafe: bf16 falls back to fp16, which vLLM refuses for gemma2', () => {
    const gemma = model('google/gemma-2-9b-it');
    const input = { model: gemma, precision: 'bf16' as const, contextTokens: 8192, concurrency: 1 };
    // 4x T4 hold the 17.2 GiB of weights at TP 4, so memory is not the reason.
    const t4 = checkFit({ ...input, instance: instance('ml.g4dn.12xlarge') });
    expect(t4.verdict).toBe('unsafe');
    expect(t4.servedPrecision).toBe('fp16');
    expect(t4.reasons.join(' ')).toMatch(/refuses gemma2 in fp16/);
    expect(t4.numbers?.freeGiBPerShard).toBeGreaterThan(0);
    // The same model on 4x A10G (bf16) is fine.
    expect(checkFit({ ...input, instance: instance('ml.g5.12xlarge') }).verdict).toBe('safe');
  });

  test('Neuron compile: host memory under 2x the bf16 weights, or at the ratio an 8B compile was killed, is unsafe', () => {
    const base = { precision: 'bf16' as const, contextTokens: 4096, concurrency: 1 };
    // Llama-3.1-8B: 14.96 GiB at bf16; 2x = 29.9 GiB < 32 GiB, but nki-samples #87 saw this very compile killed
    // on the 32 GiB trn1.2xlarge: 32 / 14.96 = 2.14.
    expect(NEURON_COMPILE.observedFactor).toBeCloseTo(2.139, 3);
    const trn = checkFit({ ...base, model: LLAMA_8B, instance: instance('ml.trn1.2xlarge') });
    expect(trn.verdict).toBe('unsafe');
    expect(trn.reasons.join(' ')).toMatch(/nki-samples #87/);
    // Mistral-7B: 13.5 GiB at bf16, 27 GiB to compile; ml.inf2.xlarge has 16 GiB of host memory.
    const inf2 = checkFit({ ...base, model: model('mistralai/Mistral-7B-Instruct-v0.3'), instance: instance('ml.inf2.xlarge') });
    expect(inf2.verdict).toBe('unsafe');
    expect(inf2.reasons.join(' ')).toMatch(/host memory 16 GiB < 2 x 13.5 GiB/);
    // The same on ml.inf2.8xlarge (128 GiB of host memory) compiles.
    expect(checkFit({ ...base, model: model('mistralai/Mistral-7B-Instruct-v0.3'), instance: instance('ml.inf2.8xlarge') }).verdict).toBe('safe');
    // No quantization on Neuron.
    const fp8 = checkFit({ ...base, precision: 'fp8', model: LLAMA_8B, instance: instance('ml.inf2.8xlarge') });
    expect(fp8.verdict).toBe('unsafe');
    expect(fp8.reasons.join(' ')).toMatch(/no quantization on Neuron/);
  });

  test('tensor parallelism must divide the KV heads', () => {
    const qwen = model('Qwen/Qwen2.5-7B-Instruct'); // 28 attention heads, 4 KV heads
    const input = { model: qwen, precision: 'bf16' as const, contextTokens: 4096, concurrency: 1, instance: instance('ml.g5.48xlarge') };
    const tp8 = checkFit({ ...input, tensorParallelDegree: 8 });
    expect(tp8.verdict).toBe('unsafe');
    expect(tp8.reasons.join(' ')).toMatch(/degree 8 does not divide the 4 KV heads/);
    // By default the largest degree that divides them: 4 of the 8 GPUs.
    expect(largestDegree(qwen, 8)).toBe(4);
    expect(checkFit(input)).toMatchObject({ verdict: 'safe', numbers: { tensorParallelDegree: 4 } });
    // Falcon-7B has one KV head (multi-query): TP 1 only.
    const falcon = model('tiiuae/falcon-7b-instruct');
    expect(checkFit({ ...input, model: falcon, instance: instance('ml.g5.12xlarge'), tensorParallelDegree: 2 }).verdict).toBe('unsafe');
  });

  test('the serving reserves turn a fit with room on paper into a tight one', () => {
    // Llama-3.1-8B at bf16, 4096 tokens, 1 sequence, on one A10G (ml.g5.xlarge):
    //   budget  = 23028 MiB x 0.9 = 20.24 GiB
    //   weights = 8,030,261,248 x 2 = 14.96 GiB; KV = 131,072 x 4096 = 0.50 GiB -> 15.46 GiB, 23.6% free on paper
    //   reserves: activations 1.26 (the Llama-3-8B reference, 8192 batched tokens) + CUDA graphs 2.4 + context 0.5
    //   free    = 20.24 - 15.46 - 4.16 = 0.62 GiB = 3.1% of the budget < 5%: tight
    const v = checkFit({ model: LLAMA_8B, precision: 'bf16', contextTokens: 4096, concurrency: 1, instance: instance('ml.g5.xlarge') });
    const budget = (23028 * 2 ** 20 * 0.9) / GIB;
    const onPaper = (8_030_261_248 * 2 + 131_072 * 4096) / GIB;
    expect((budget - onPaper) / budget).toBeGreaterThan(0.2);
    expect(v.numbers?.activationGiB).toBeCloseTo(1.26, 10);
    expect(v.numbers?.cudaGraphsGiB).toBe(2.4);
    expect(v.numbers?.cudaContextGiB).toBe(0.5);
    expect(v.numbers?.freeGiBPerShard).toBeCloseTo(budget - onPaper - 1.26 - 2.4 - 0.5, 10);
    expect(v.numbers?.freeFraction).toBeCloseTo(0.031, 3);
    expect(v.verdict).toBe('tight');
    // Without CUDA graphs (enforce eager) the same case has room.
    expect(checkFit({ model: LLAMA_8B, precision: 'bf16', contextTokens: 4096, concurrency: 1, instance: instance('ml.g5.xlarge'), cudaGraphs: false }).verdict).toBe('safe');
  });

  test('the activation peak scales with batched tokens and width, the intermediate part split over TP', () => {
    expect(activationGiB(LLAMA_8B, 8192, 1)).toBeCloseTo(1.26, 10);
    expect(activationGiB(LLAMA_8B, 16384, 1)).toBeCloseTo(2.52, 10);
    expect(activationGiB(LLAMA_8B, 4096, 2)).toBeCloseTo((1.26 * (4096 + 14336 / 2)) / (4096 + 14336), 10);
  });
});

describe('presets file', () => {
  const file = loadPresets();

  test('parses, names its source, and every preset names an open catalog model and a known instance', () => {
    expect(file.header).toMatchObject({ read: '2026-12-02' });
    expect(file.header.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(file.header.source).toContain('awslabs/generative-ai-cdk-constructs');
    expect(file.presets.length).toBeGreaterThan(0);
    for (const p of file.presets) {
      const entry = ModelCatalog.DEFAULT.lookup(p.catalogModel);
      expect(entry?.managed).toBe(false);
      expect(InstanceCatalog.DEFAULT.lookup(p.defaultInstanceType)).toBeDefined();
    }
    const matched = new Set(file.presets.map((p) => p.jumpStartModelId));
    expect(file.out.filter((o) => matched.has(o.jumpStartModelId))).toEqual([]);
  });
});

describe('summary', () => {
  const row = (priceRatio: number | null, verdict: 'safe' | 'unsafe' | null): BenchRow => ({
    model: 'm', jumpStartModelId: 'j', precision: 'bf16', concurrency: 1, contextTokens: 4096, contextAssumed: false,
    presetInstance: 'ml.g5.2xlarge', presetUsdPerHour: 1, kitInstance: verdict === null ? null : 'ml.g6.xlarge', kitTensorParallelDegree: 1,
    kitUsdPerHour: priceRatio, priceRatio,
    kitVerdict: verdict === null ? null : { verdict, instanceType: 'ml.g6.xlarge', servedPrecision: 'bf16', reasons: [], numbers: null },
    presetVerdict: null, notes: [],
  });

  test('counts unsafe picks and averages the ratio over rows with both prices', () => {
    const s = summarize([row(0.5, 'safe'), row(0.7, 'unsafe'), row(null, 'safe'), row(null, null)]);
    expect(s).toMatchObject({ rows: 4, unsafe: 1, noRecommendation: 1, pricedRows: 2, met: false });
    expect(s.meanPriceRatio).toBeCloseTo(0.6, 10);
    expect(summarize([row(0.5, 'safe'), row(0.9, 'safe')]).met).toBe(true);
    expect(summarize([row(0.9, 'safe')]).met).toBe(false);
    expect(summarize([row(null, 'safe')]).met).toBe(false);
  });
});
