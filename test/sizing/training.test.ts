/** Fine-tuning estimates: worked examples with the arithmetic written out, invariants, and every validation. */
import {
  activationBytes, BYTES_PER_GIB, estimateTraining, loraParameters, ModelCatalog, NF4_BYTES_PER_WEIGHT, SizingInputError,
  TrainingMethod, validateTrainingInput, type ModelArchitecture, type TrainingMethodLike,
} from '../../lib/sizing';

const LLAMA_8B_ID = 'meta-llama/Llama-3.1-8B-Instruct';
const N = 8_030_261_248;
const LLAMA_8B = (() => {
  const entry = ModelCatalog.DEFAULT.lookup(LLAMA_8B_ID);
  if (entry === undefined || entry.managed) throw new Error('missing');
  return entry.architecture;
})();

describe('memory', () => {
  test('full fine-tuning of Llama-3.1-8B: 18 bytes/param = 144,544,702,464 bytes = 134.62 GiB of states', () => {
    const e = estimateTraining({ model: LLAMA_8B_ID, method: TrainingMethod.FULL });
    expect(e.memory.weightsGiB * BYTES_PER_GIB).toBe(N * 6); // fp32 master + bf16 copy
    expect(e.memory.gradientsGiB * BYTES_PER_GIB).toBe(N * 4);
    expect(e.memory.optimizerStatesGiB * BYTES_PER_GIB).toBe(N * 8); // AdamW m and v in fp32
    expect(e.memory.statesGiB).toBeCloseTo((N * 18) / BYTES_PER_GIB, 10);
    expect(e.memory.statesGiB).toBeCloseTo(134.62, 2);
  });

  test('the course rule of thumb is shown alongside: 8.03B x 24 GB = 192.7 GB (decimal)', () => {
    expect(estimateTraining({ model: LLAMA_8B_ID, method: 'full' }).memory.ruleOfThumbGB).toBeCloseTo((N * 24) / 1e9, 10);
  });

  test('LoRA r=16 on q/k/v/o/gate/up/down of Llama-3.1-8B trains 41,943,040 parameters', () => {
    // r x (d_in + d_out) per matrix: q 4096+4096, k 4096+1024, v 4096+1024, o 4096+4096, gate/up/down 4096+14336 each
    const perLayer = 16 * ((4096 + 4096) + 2 * (4096 + 1024) + (4096 + 4096) + 3 * (4096 + 14336));
    expect(perLayer * 32).toBe(41_943_040);
    expect(loraParameters(LLAMA_8B, 16)).toBe(41_943_040);
  });

  test('LoRA keeps the base frozen at bf16; adapters hold fp32 weights (4), fp32 gradients (4) and AdamW states (8)', () => {
    const e = estimateTraining({ model: LLAMA_8B_ID, method: TrainingMethod.LORA });
    const adapters = 41_943_040;
    expect(e.memory.trainableParameters).toBe(adapters);
    // peft keeps adapter weights in fp32 and autocast computes in bf16 without a stored copy: 16 bytes, not 18.
    expect(e.memory.weightsGiB * BYTES_PER_GIB).toBe(N * 2 + adapters * 4);
    expect(e.memory.statesGiB * BYTES_PER_GIB).toBeCloseTo(N * 2 + adapters * 16, 0);
    // bitsandbytes' 8-bit AdamW keeps 2 bytes of state per parameter instead of 8.
    const eightBit = estimateTraining({ model: LLAMA_8B_ID, method: TrainingMethod.LORA, optimizer: 'adamw-8bit' });
    expect(eightBit.memory.optimizerStatesGiB * BYTES_PER_GIB).toBeCloseTo(adapters * 2, 0);
  });

  test('the QLoRA paper\'s LLaMA-65B (r=64, paged 8-bit AdamW) fits one 48 GB GPU at full use, as the paper reports', () => {
    const llama65: ModelArchitecture = { id: 'llama-65b', parameters: 65.2e9, layers: 80, hiddenSize: 8192, intermediateSize: 22016, attentionHeads: 64, kvHeads: 64, headDim: 128, vocabSize: 32000 };
    const e = estimateTraining({ model: llama65, method: TrainingMethod.QLORA, loraRank: 64, sequenceLength: 512, optimizer: 'paged-adamw-8bit', mergeAdapter: false });
    // 48 GB = 44.7 GiB; the estimate stays under it (the kit's own default of 0.9 utilization and 5% margin is stricter).
    expect(e.memory.totalGiB).toBeLessThan(48e9 / BYTES_PER_GIB);
  });

  test('QLoRA holds the base in NF4 (0.5 + 1/64 + 4/16384 bytes/weight) with embeddings at 16-bit', () => {
    const embeddings = 128_256 * 4096 * 2;
    const base = (N - embeddings) * (0.5 + 1 / 64 + 4 / (64 * 256)) + embeddings * 2;
    const e = estimateTraining({ model: LLAMA_8B_ID, method: TrainingMethod.QLORA });
    expect(NF4_BYTES_PER_WEIGHT).toBeCloseTo(0.515869, 6);
    expect(e.memory.weightsGiB * BYTES_PER_GIB).toBeCloseTo(base + 41_943_040 * 4, 0);
  });

  test('activations with checkpointing: 2sbh per layer + one layer of 34sbh + fp32 logits', () => {
    const sbh = 2048 * 1 * 4096;
    const expected = 32 * 2 * sbh + 34 * sbh + 2048 * 128_256 * 4;
    expect(activationBytes(LLAMA_8B, 2048, 1, true)).toBe(expected);
    expect(activationBytes(LLAMA_8B, 2048, 1, false)).toBe(32 * 34 * sbh + 2048 * 128_256 * 4);
  });

  test('a custom model without hidden size estimates it as sqrt(N / 12L)', () => {
    const custom: ModelArchitecture = { id: 'c', parameters: 12 * 10 * 1000 ** 2, layers: 10, kvHeads: 8, headDim: 64 };
    expect(activationBytes(custom, 100, 1, false)).toBe(10 * 34 * 100 * 1000);
  });

  test.each(ModelCatalog.DEFAULT.all().filter((m) => !m.managed).map((m) => m.id))('QLoRA < LoRA < full in memory (%s)', (model) => {
    const total = (method: TrainingMethodLike) => estimateTraining({ model, method }).memory.totalGiB;
    expect(total('qlora')).toBeLessThan(total('lora'));
    expect(total('lora')).toBeLessThan(total('full'));
  });

  test('longer sequences never need less memory', () => {
    const total = (sequenceLength: number) => estimateTraining({ model: LLAMA_8B_ID, method: 'lora', sequenceLength }).memory.totalGiB;
    expect(total(4096)).toBeGreaterThan(total(2048));
    expect(total(2048)).toBeGreaterThan(total(512));
  });
});

describe('instances, time and cost', () => {
  test('cost of a QLoRA run: 4 x N x tokens x epochs / (peak x MFU) on the chosen instance', () => {
    // GIVEN 50M tokens x 3 epochs; adapters skip the frozen weights' gradients: 4N FLOPs per token
    const flops = 4 * N * 50e6 * 3; // 4.82e18
    const e = estimateTraining({ model: LLAMA_8B_ID, method: 'qlora', tokens: 50e6, epochs: 3 });
    expect(e.flops).toBe(flops);
    // WHEN on ml.g6e.xlarge: 1x L40S at 362 TFLOPS, MFU 0.4, $2.61/h
    const hours = flops / (362e12 * 0.4) / 3600; // 9.24 h
    // THEN
    expect(e.candidates.find((c) => c.instanceType === 'ml.g6e.xlarge')).toMatchObject({ instanceCount: 1, hours: expect.closeTo(hours, 6), usdCost: expect.closeTo(hours * 2.61, 6) });
    expect(e.recommended?.instanceType).toBe('ml.g6e.xlarge');
  });

  test('the recommendation is the cheapest run when tokens are given, the cheapest hour otherwise', () => {
    const withTokens = estimateTraining({ model: LLAMA_8B_ID, method: 'lora', tokens: 1e8 });
    const costs = withTokens.candidates.map((c) => c.usdCost).filter((c): c is number => c !== null);
    expect(withTokens.recommended?.usdCost).toBe(Math.min(...costs));
    const perHour = estimateTraining({ model: LLAMA_8B_ID, method: 'lora' });
    const prices = perHour.candidates.map((c) => c.usdPerHour).filter((c): c is number => c !== null);
    expect(perHour.recommended?.usdPerHour).toBe(Math.min(...prices));
    expect(perHour.recommended?.hours).toBeNull();
  });

  test('full fine-tuning of 70B spans several instances, the fewest that hold the sharded states', () => {
    const e = estimateTraining({ model: 'meta-llama/Llama-3.1-70B-Instruct', method: 'full', tokens: 1e9 });
    const best = e.recommended;
    expect(best?.instanceCount).toBeGreaterThan(1);
    for (const c of e.candidates) {
      expect(c.perDeviceGiB).toBeLessThanOrEqual(c.usablePerDeviceGiB);
      // one instance fewer would not hold the states
      const perInstance = c.devices / c.instanceCount;
      expect(e.memory.statesGiB / ((c.instanceCount - 1) * perInstance) + e.memory.activationsGiB).toBeGreaterThan(c.usablePerDeviceGiB);
    }
    expect(e.advice[0]).toMatch(/spans \d+ instances: data parallel with ZeRO-3/);
  });

  test('host memory: merging a 7.6B adapter needs the 16-bit base, a 2 GB shard and the process on the host; 16 GiB hosts cannot', () => {
    const e = estimateTraining({ model: 'Qwen/Qwen2.5-7B-Instruct', method: 'qlora' });
    // 15.23 GB of weights + 2 GB shard + 4 GiB process = 20.05 GiB; 16 GiB x 0.9 = 14.4 usable.
    expect(e.memory.hostGiB).toBeCloseTo((2 * 7_615_616_512 + 2e9) / 2 ** 30 + 4, 2);
    expect(e.rejected.find((r) => r.instanceType === 'ml.g6.xlarge')?.reason).toMatch(/host memory/);
    expect(e.recommended?.instanceType).toMatch(/\.2xlarge$/);
    expect(estimateTraining({ model: 'Qwen/Qwen2.5-7B-Instruct', method: 'full' }).memory.hostGiB).toBeCloseTo(4, 5);
  });

  test('rejects Inferentia, QLoRA on Trainium, activations too large, and more instances than allowed', () => {
    const e = estimateTraining({ model: LLAMA_8B_ID, method: 'qlora', sequenceLength: 131072, maxInstances: 2 });
    const reason = (type: string) => e.rejected.find((r) => r.instanceType === type)?.reason;
    expect(reason('ml.inf2.xlarge')).toBe('AWS Inferentia2 is built for inference: train on GPUs or Trainium');
    expect(reason('ml.trn1.2xlarge')).toBe('QLoRA needs bitsandbytes 4-bit kernels, which run on NVIDIA GPUs only');
    expect(reason('ml.g4dn.xlarge')).toMatch(/^the job needs \d+\.\d GiB of host memory \(merging the adapter into the 16-bit base on the CPU\), ml\.g4dn\.xlarge has 16 GiB \(14\.4 usable\)$/);
    const unmerged = estimateTraining({ model: LLAMA_8B_ID, method: 'qlora', sequenceLength: 131072, maxInstances: 2, mergeAdapter: false });
    expect(unmerged.rejected.find((r) => r.instanceType === 'ml.g4dn.xlarge')?.reason).toMatch(/^activations alone take \d+\.\d GiB per GPU; one T4 gives 13.5 GiB usable: shorten the sequences or the micro-batch$/);
    const full = estimateTraining({ model: 'meta-llama/Llama-3.1-70B-Instruct', method: 'full', maxInstances: 2 });
    expect(full.rejected.find((r) => r.instanceType === 'ml.p4de.24xlarge')?.reason).toMatch(/^needs \d+ instances .*; the limit is 2$/);
  });

  test('no run across instances without EFA: 8B full fine-tuning is not spread over 13 ml.g4dn.xlarge', () => {
    const e = estimateTraining({ model: LLAMA_8B_ID, method: 'full' });
    expect(e.rejected.find((r) => r.instanceType === 'ml.g4dn.xlarge')?.reason).toMatch(/^needs \d+ instances .* needs EFA networking, which ml\.g4dn\.xlarge lacks/);
    for (const c of e.candidates) if (c.instanceCount > 1) expect(['ml.p4d.24xlarge', 'ml.p4de.24xlarge', 'ml.p5.48xlarge', 'ml.p5e.48xlarge', 'ml.p5en.48xlarge', 'ml.trn1.32xlarge']).toContain(c.instanceType);
  });

  test('never 0% headroom: a device keeps 5% of its usable memory free', () => {
    const e = estimateTraining({ model: 'meta-llama/Llama-3.1-70B-Instruct', method: 'lora' });
    for (const c of e.candidates) expect(c.perDeviceGiB).toBeLessThanOrEqual(c.usablePerDeviceGiB * 0.95 + 1e-9);
  });
});

describe('validation', () => {
  const base = { model: LLAMA_8B_ID, method: 'lora' as const };
  test.each([
    ['the method is missing', { model: LLAMA_8B_ID }, /^method is missing: use one of full, lora, qlora/],
    ['the method is unknown', { ...base, method: 'dora' as TrainingMethodLike }, /^method is "dora": use one of full, lora, qlora/],
    ['the model is unknown', { ...base, model: 'acme/x' }, /^model is "acme\/x", which is not in the catalog/],
    ['tokens are negative', { ...base, tokens: -1 }, /^tokens is -1: use a number greater than 0/],
    ['epochs are zero', { ...base, epochs: 0 }, /^epochs is 0/],
    ['the sequence length is fractional', { ...base, sequenceLength: 100.5 }, /^sequenceLength is 100.5: use a whole number/],
    ['the micro-batch is zero', { ...base, microBatchSize: 0 }, /^microBatchSize is 0/],
    ['the LoRA rank is zero', { ...base, loraRank: 0 }, /^loraRank is 0/],
    ['the MFU is above 1', { ...base, mfu: 1.2 }, /^mfu is 1.2: use a fraction/],
    ['the memory utilization is zero', { ...base, memoryUtilization: 0 }, /^memoryUtilization is 0/],
    ['the instance limit is zero', { ...base, maxInstances: 0 }, /^maxInstances is 0/],
    ['the compute overflows: 1e300 tokens', { ...base, tokens: 1e300 }, /^The compute from tokens, epochs is Infinity, beyond any estimate/],
    ['tokens are infinite', { ...base, tokens: Infinity }, /^tokens is Infinity: use a number greater than 0/],
  ])('fails when %s', (_name, input, pattern) => {
    const issues = validateTrainingInput(input);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(pattern);
  });

  test('fails with every problem at once', () => {
    expect(() => estimateTraining({ model: 'acme/x', method: 'dora' as TrainingMethodLike, tokens: -1 })).toThrow(SizingInputError);
    expect(validateTrainingInput({ model: 'acme/x', method: 'dora' as TrainingMethodLike, tokens: -1 })).toHaveLength(3);
  });
});
