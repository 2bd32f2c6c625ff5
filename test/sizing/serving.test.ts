/** Serving estimates: worked examples with the arithmetic written out, invariants, and every validation. */
import {
  BYTES_PER_GIB, estimateServing, InstanceCatalog, Precision, RejectionCode, SizingInputError, tensorParallelDegrees,
  validateServingInput, type ModelArchitecture, type ServingEstimate,
} from '../../lib/sizing';

const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';
const LLAMA_70B = 'meta-llama/Llama-3.1-70B-Instruct';

describe('worked examples', () => {
  test('Llama-3.1-8B at bf16, 8,192 tokens: weights 14.96 GiB, KV 1.00 GiB', () => {
    // GIVEN weights = 8,030,261,248 x 2 bytes; KV = 131,072 bytes/token x 8,192 tokens x 1 sequence
    const weights = 8_030_261_248 * 2;
    const kv = 131_072 * 8_192;
    // WHEN
    const e = estimateServing({ model: LLAMA_8B, precision: Precision.BF16, contextTokens: 8192 });
    // THEN
    expect(e.memory.weightsBytes).toBe(weights);
    expect(e.memory.kvCacheBytes).toBe(kv);
    expect(e.memory.weightsGiB).toBeCloseTo(14.96, 2);
    expect(e.memory.kvCacheGiB).toBe(1);
    // total = (14.96 + 1.00) / 0.9 = 17.73 GiB; reserve = total - weights - KV
    expect(e.memory.totalGiB).toBeCloseTo((weights + kv) / 0.9 / BYTES_PER_GIB, 10);
    expect(e.memory.totalGiB).toBeCloseTo(17.73, 2);
    expect(e.memory.reserveGiB).toBeCloseTo(e.memory.totalGiB - e.memory.weightsGiB - e.memory.kvCacheGiB, 10);
    // 15.96 GiB must be usable. ml.g4dn.xlarge ($0.74): CUDA sees 15360 MiB = 15 GiB; x 0.9 = 13.5, less the engine's
    // 4.2 GiB (activation peak 1.26 GiB at 8,192 batched tokens, CUDA graphs 2.4, context 0.5) = 9.3: too small.
    expect(e.rejected.find((r) => r.instanceType === 'ml.g4dn.xlarge')?.usableGiB).toBeCloseTo(15 * 0.9 - (1.26 + 2.4 + 0.5), 1);
    // ml.inf2.xlarge ($0.99) holds it in device memory, but a Neuron compile of 16 GB of weights needs more host
    // memory than its 16 GiB (an 8B compile was killed with 32 GiB); ml.inf2.8xlarge (128 GiB) is the cheapest.
    expect(e.rejected.find((r) => r.instanceType === 'ml.inf2.xlarge')).toMatchObject({ code: RejectionCode.INSUFFICIENT_HOST_MEMORY });
    expect(e.recommended).toMatchObject({ instanceType: 'ml.inf2.8xlarge', tensorParallelDegree: 2, usdPerHour: 2.36 });
    // On GPUs: an L4 or A10G leaves under 5% of its budget free (22.5 GiB x 0.9 - 4.2 = 16.0 usable for 15.96);
    // the cheapest with headroom is ml.g6e.xlarge (L40S).
    expect(e.rejected.find((r) => r.instanceType === 'ml.g6.xlarge')?.code).toBe(RejectionCode.INSUFFICIENT_HEADROOM);
    expect(e.candidates.find((c) => c.acceleratorKind === 'gpu')).toMatchObject({ instanceType: 'ml.g6e.xlarge', tensorParallelDegree: 1, usdPerHour: 2.61 });
  });

  test('Llama-3.1-70B at bf16, 8,192 tokens x 4: 141.4 GiB of weights and KV; 4x L40S leave too little headroom, 8x hold it', () => {
    // GIVEN weights = 70,553,706,496 x 2 = 141,107,412,992 bytes = 131.42 GiB
    //       KV = 2 x 80 layers x 8 heads x 128 x 2 bytes = 327,680 bytes/token x 8,192 x 4 = 10.00 GiB
    const weights = 70_553_706_496 * 2;
    const kv = 327_680 * 8192 * 4;
    // WHEN
    const e = estimateServing({ model: LLAMA_70B, precision: 'bf16', contextTokens: 8192, concurrency: 4 });
    // THEN
    expect(e.memory.weightsGiB).toBeCloseTo(131.42, 2);
    expect(e.memory.kvCacheGiB).toBe(10);
    expect(e.memory.totalGiB).toBeCloseTo((weights + kv) / 0.9 / BYTES_PER_GIB, 10); // 157.13
    // ml.g6e.12xlarge: 4 x 46068 MiB (CUDA) = 179.95 GiB x 0.9 = 161.96, less 4 x the engine's reserve per GPU
    // (activations, CUDA graphs 2.4, context and NCCL 1.0) = 144.8 usable: 3.4 GiB free, 2.1% of the budget.
    expect(e.rejected.find((r) => r.instanceType === 'ml.g6e.12xlarge')?.code).toBe(RejectionCode.INSUFFICIENT_HEADROOM);
    // ml.g6e.48xlarge spans 8 GPUs (TP 8 divides 64 and 8 heads).
    const g6e = e.candidates.find((c) => c.instanceType === 'ml.g6e.48xlarge')!;
    expect(g6e).toMatchObject({ tensorParallelDegree: 8, usdPerHour: 37.66 });
    const reserve = g6e.engineReservePerShardGiB;
    expect(g6e.usableGiB).toBeCloseTo((8 * 46068 * 2 ** 20 * 0.9) / BYTES_PER_GIB - 8 * (reserve.activationPeak + reserve.cudaGraphs + reserve.context), 6);
    expect(reserve.cudaGraphs).toBeCloseTo(2.4, 6);
    expect(reserve.context).toBeCloseTo(1, 6); // CUDA context and NCCL: sharded
    // Cheaper: ml.inf2.48xlarge, whose copy spans 16 of its 24 NeuronCores (16 divides the 64 attention heads and
    // replicates the 8 KV heads); ml.inf2.24xlarge's 8 cores that divide the heads hold 115 GiB, too little.
    expect(e.recommended).toMatchObject({ instanceType: 'ml.inf2.48xlarge', acceleratorKind: 'neuron', tensorParallelDegree: 16, usdPerHour: 15.58 });
  });

  test('decode bound: bandwidth x TP / bytes read per step, x concurrency; USD per million at that bound', () => {
    // GIVEN on ml.g6e.48xlarge: 8 x 864 GB/s. A step reads the weights less the input embedding table
    // (128,256 x 8,192 x 2 bytes, looked up rather than read) plus 4 full-context KV caches.
    const bandwidth = 8 * 864e9;
    const stepBytes = 70_553_706_496 * 2 - 128_256 * 8192 * 2 + 4 * 327_680 * 8192; // 149,743,484,928
    const perStream = bandwidth / stepBytes; // 46.16 tokens/s
    const aggregate = perStream * 4; // 184.64 tokens/s
    const usdPerMillion = (37.66 / (aggregate * 3600)) * 1e6; // $56.66
    // WHEN
    const best = estimateServing({ model: LLAMA_70B, contextTokens: 8192, concurrency: 4 }).candidates.find((c) => c.instanceType === 'ml.g6e.48xlarge');
    // THEN
    expect(best?.decodeTokensPerSecondPerStreamUpperBound).toBeCloseTo(perStream, 6);
    expect(best?.decodeTokensPerSecondUpperBound).toBeCloseTo(aggregate, 6);
    expect(best?.usdPerMillionTokens).toBeCloseTo(usdPerMillion, 6);
    expect(usdPerMillion).toBeCloseTo(56.66, 2);
    // What to expect: half the bound on GPUs (vLLM on A10G measured 0.5-0.82 of it).
    expect(best?.expectedDecodeTokensPerSecond).toBeCloseTo(aggregate * 0.5, 6);
    expect(best?.expectedUsdPerMillionTokens).toBeCloseTo(usdPerMillion / 0.5, 6);
  });

  test('the facts sheet example: a 35B model at fp16 (70 GB) on one H100 decodes at most ~48 tokens/s', () => {
    const custom: ModelArchitecture = { id: 'dense-35b', parameters: 35e9, layers: 60, kvHeads: 8, headDim: 128 };
    // 70 GB do not fit one H100 with headroom (79.6 GiB seen by CUDA); the bandwidth arithmetic is the point, so the
    // test's single GPU has an H200's memory and an H100's bandwidth.
    const p5 = InstanceCatalog.DEFAULT.get('ml.p5.48xlarge');
    const catalog = new InstanceCatalog([{ ...p5, instanceType: 'one-h100', acceleratorCount: 1, accelerator: { ...p5.accelerator, memoryPerDeviceMiB: 143771 } }]);
    const e = estimateServing({ model: custom, precision: Precision.FP16, contextTokens: 1, instances: catalog });
    // 3.35e12 / (70e9 + one token of KV) = 47.86
    expect(e.recommended?.decodeTokensPerSecondUpperBound).toBeCloseTo(3.35e12 / (70e9 + 2 * 60 * 8 * 128 * 2), 6);
    expect(e.recommended?.decodeTokensPerSecondUpperBound).toBeCloseTo(47.9, 1);
  });

  test('Mixtral holds all 46.7B parameters but decode reads only the 12.9B active ones', () => {
    const e = estimateServing({ model: 'mistralai/Mixtral-8x7B-Instruct-v0.1', precision: 'bf16', contextTokens: 4096 });
    expect(e.memory.weightsBytes).toBe(46_702_792_704 * 2);
    expect(e.memory.decodeWeightBytesReadPerStep).toBe(12_879_925_248 * 2 - 32_000 * 4096 * 2);
  });

  test('a rejected instance says why in numbers', () => {
    const e = estimateServing({ model: LLAMA_70B, contextTokens: 8192, concurrency: 4 });
    expect(e.rejected.find((r) => r.instanceType === 'ml.g5.2xlarge')).toMatchObject({
      code: RejectionCode.INSUFFICIENT_MEMORY,
      reason: 'needs 141.4 GiB of weights and KV cache; 1x A10G has 22.5 GiB (14.8 usable at 0.90, after the engine\'s 5.4 GiB per GPU (activations 2.5, CUDA graphs 2.4, context 0.5))',
    });
    expect(e.rejected.find((r) => r.instanceType === 'ml.g5.12xlarge')?.reason).toBe('needs 141.4 GiB of weights and KV cache; 4x A10G have 90.0 GiB (63.9 usable at 0.90, after the engine\'s 4.3 GiB per GPU (activations 0.9, CUDA graphs 2.4, context 1.0))');
  });

  test('on GPUs tensor parallelism must divide the head counts; on Neuron a copy spans every NeuronCore, replicating KV heads', () => {
    const e = estimateServing({ model: LLAMA_70B, contextTokens: 8192, concurrency: 4 });
    // 16 NeuronCores for 8 KV heads: each core keeps one KV head, so the KV cache is held twice over. 24 cores
    // would not divide the 64 attention heads.
    const inf2 = e.candidates.find((c) => c.instanceType === 'ml.inf2.48xlarge')!;
    expect(inf2.tensorParallelDegree).toBe(16);
    expect(inf2.usableGiB - inf2.headroomGiB).toBeCloseTo(131.42 + 10 * 2, 1);
    expect(tensorParallelDegrees(InstanceCatalog.DEFAULT.get('ml.inf2.48xlarge'), e.architecture)).toEqual([1, 2, 4, 8, 16]);
    // A GPU copy of Llama-3.1-70B spans at most 8 GPUs (64 attention and 8 KV heads).
    expect(tensorParallelDegrees(InstanceCatalog.DEFAULT.get('ml.g5.48xlarge'), e.architecture)).toEqual([1, 2, 4, 8]);
    const falcon = estimateServing({ model: 'tiiuae/falcon-7b-instruct', contextTokens: 2048 }).architecture;
    expect(tensorParallelDegrees(InstanceCatalog.DEFAULT.get('ml.g5.48xlarge'), falcon)).toEqual([1]);
  });

  test('falcon-7b (71 heads, 1 KV head) cannot be sharded on GPUs: TP 1 only', () => {
    const e = estimateServing({ model: 'tiiuae/falcon-7b-instruct', contextTokens: 2048 });
    expect(e.candidates.filter((c) => c.acceleratorKind === 'gpu').every((c) => c.tensorParallelDegree === 1)).toBe(true);
  });

  test('a Neuron candidate counts NeuronCores: Llama-3.1-8B on ml.inf2.8xlarge uses TP 2 (one chip, two cores)', () => {
    const e = estimateServing({ model: LLAMA_8B, contextTokens: 4096 });
    expect(e.candidates.find((c) => c.instanceType === 'ml.inf2.8xlarge')).toMatchObject({ tensorParallelDegree: 2, acceleratorKind: 'neuron' });
  });

  test('Neuron serves 16-bit only: the kit\'s containers have no Neuron quantization', () => {
    const e = estimateServing({ model: LLAMA_8B, precision: Precision.INT4, contextTokens: 4096 });
    expect(e.rejected.find((r) => r.instanceType === 'ml.inf2.8xlarge')).toMatchObject({ code: RejectionCode.PRECISION_UNSUPPORTED, reason: expect.stringMatching(/serve no quantization/) });
  });

  test('gemma2 cannot run on a T4: no bf16 there, and vLLM refuses fp16 for it', () => {
    const e = estimateServing({ model: 'google/gemma-2-9b-it', contextTokens: 4096, precision: Precision.INT4 });
    expect(e.rejected.find((r) => r.instanceType === 'ml.g4dn.12xlarge')).toMatchObject({ code: RejectionCode.PRECISION_UNSUPPORTED, reason: expect.stringMatching(/refuses fp16/) });
  });

  test('Llama 3.1 405B FP8 keeps attention at 16-bit: about 449 GiB of weights, not 382', () => {
    const e = estimateServing({ model: 'meta-llama/Llama-3.1-405B-Instruct', precision: Precision.FP8, contextTokens: 8192 });
    const feedForward = 126 * 3 * 16384 * 53248;
    expect(e.memory.weightsBytes).toBe(feedForward + (405_853_388_800 - feedForward) * 2);
    expect(e.memory.weightsGiB).toBeCloseTo(448.8, 1);
  });

  test('a candidate below 5% headroom is not recommended, with the numbers', () => {
    const e = estimateServing({ model: 'Qwen/Qwen2.5-7B-Instruct', contextTokens: 7168, concurrency: 4 });
    const g6 = e.rejected.find((r) => r.instanceType === 'ml.g6.xlarge');
    expect(g6?.code).toBe(RejectionCode.INSUFFICIENT_HEADROOM);
    expect(g6?.reason).toMatch(/^holds it with only \d+\.\d GiB \(\d+\.\d%\) of the 20\.2 GiB budget free; the kit asks 5%/);
    expect(e.advice.join(' ')).toMatch(/Not recommended for lack of headroom .*ml\.g6\.xlarge/);
    for (const c of e.candidates) expect(c.headroomFraction).toBeGreaterThanOrEqual(0.05);
  });

  test('a multi-GPU candidate shards over all GPUs and lists every degree that fits', () => {
    const e = estimateServing({ model: LLAMA_8B, contextTokens: 4096 });
    expect(e.candidates.find((c) => c.instanceType === 'ml.g5.48xlarge')).toMatchObject({ tensorParallelDegree: 8, fittingTensorParallelDegrees: [1, 2, 4, 8] });
  });

  test('fp8 runs on Ada and Hopper, and weight-only (Marlin) on Ampere and Turing: sized the same', () => {
    const e = estimateServing({ model: LLAMA_8B, precision: Precision.FP8 });
    expect(e.candidates.map((c) => c.instanceType)).toEqual(expect.arrayContaining(['ml.g5.2xlarge', 'ml.g6.xlarge', 'ml.g6e.xlarge', 'ml.p5.48xlarge', 'ml.g4dn.12xlarge']));
    expect(e.rejected.find((r) => r.instanceType === 'ml.g4dn.xlarge')?.code).not.toBe(RejectionCode.PRECISION_UNSUPPORTED);
  });

  test('when nothing fits: recommended is null and the advice names a lighter precision that would', () => {
    const e = estimateServing({ model: 'meta-llama/Llama-3.1-405B-Instruct', precision: Precision.FP32 });
    expect(e.recommended).toBeNull();
    expect(e.candidates).toEqual([]);
    expect(e.lighterPrecisionThatFits).toBe(Precision.BF16);
    expect(e.advice[0]).toMatch(/^No single instance in the catalog can hold Llama-3.1-405B-Instruct at fp32 .*: lower the precision to bf16/);
  });

  test('unpriced instances fit but are ranked last; a price override can make them the recommendation', () => {
    // GIVEN 405B at bf16 fits only the H200 instances, which have no default price
    const unpriced = estimateServing({ model: 'meta-llama/Llama-3.1-405B-Instruct', precision: 'bf16' });
    expect(unpriced.recommended).toMatchObject({ instanceType: 'ml.p5e.48xlarge', usdPerHour: null, usdPerMillionTokens: null });
    expect(unpriced.advice).toContain('No fitting instance has a known price: pass prices (InstanceCatalog.withPrices, or --price) to rank them.');
    // WHEN ml.p5en gets a price
    const instances = InstanceCatalog.DEFAULT.withPrices({ source: 'test', usdPerHour: { 'ml.p5en.48xlarge': 90 } });
    // THEN it is recommended
    expect(estimateServing({ model: 'meta-llama/Llama-3.1-405B-Instruct', precision: 'bf16', instances }).recommended).toMatchObject({ instanceType: 'ml.p5en.48xlarge', usdPerHour: 90 });
  });
});

describe('invariants', () => {
  const models = [LLAMA_8B, LLAMA_70B, 'Qwen/Qwen2.5-7B-Instruct', 'google/gemma-2-27b-it', 'mistralai/Mixtral-8x7B-Instruct-v0.1'];
  const precisions = [Precision.BF16, Precision.FP8, Precision.INT8, Precision.INT4];

  test.each(models)('more context or concurrency never needs less memory (%s)', (model) => {
    let last = 0;
    for (const contextTokens of [512, 1024, 2048, 4096, 8192]) {
      for (const concurrency of [1, 2, 8]) {
        const total = estimateServing({ model, contextTokens, concurrency }).memory.totalGiB;
        expect(total).toBeGreaterThanOrEqual(concurrency === 1 ? last : 0);
        if (concurrency === 1) last = total;
      }
    }
    expect(estimateServing({ model, contextTokens: 4096, concurrency: 2 }).memory.totalGiB)
      .toBeGreaterThan(estimateServing({ model, contextTokens: 4096, concurrency: 1 }).memory.totalGiB);
  });

  test.each(models)('int4 < int8 < bf16 in memory (%s)', (model) => {
    const total = (precision: Precision) => estimateServing({ model, precision, contextTokens: 4096 }).memory.totalGiB;
    expect(total(Precision.INT4)).toBeLessThan(total(Precision.INT8));
    expect(total(Precision.INT8)).toBeLessThan(total(Precision.BF16));
  });

  const all: ServingEstimate[] = models.flatMap((model) => precisions.map((precision) => estimateServing({ model, precision, contextTokens: 8192, concurrency: 4 })));

  test('the recommendation is the cheapest candidate', () => {
    for (const e of all) {
      const priced = e.candidates.filter((c) => c.usdPerHour !== null);
      if (priced.length === 0) continue;
      expect(e.recommended?.usdPerHour).toBe(Math.min(...priced.map((c) => c.usdPerHour as number)));
      expect(e.recommended).toBe(e.candidates[0]);
    }
  });

  test('every instance is either a candidate or rejected, never both', () => {
    for (const e of all) {
      const names = [...e.candidates.map((c) => c.instanceType), ...e.rejected.map((r) => r.instanceType)];
      expect(names.sort()).toEqual([...InstanceCatalog.DEFAULT.types()].sort());
    }
  });

  test('every candidate holds weights and KV cache, with a degree that divides the head counts and fits the instance', () => {
    for (const e of all) {
      for (const c of e.candidates) {
        expect(c.usableGiB).toBeGreaterThanOrEqual(e.memory.weightsGiB + e.memory.kvCacheGiB);
        if (c.acceleratorKind === 'gpu') {
          expect(e.architecture.kvHeads % c.tensorParallelDegree).toBe(0);
          expect((e.architecture.attentionHeads ?? 0) % c.tensorParallelDegree).toBe(0);
        }
        expect(tensorParallelDegrees(InstanceCatalog.DEFAULT.get(c.instanceType), e.architecture)).toContain(c.tensorParallelDegree);
      }
    }
  });

  test('a larger memory utilization never rejects an instance that a smaller one accepts', () => {
    const fits = (memoryUtilization: number) => estimateServing({ model: LLAMA_70B, contextTokens: 8192, concurrency: 4, memoryUtilization }).candidates.length;
    expect(fits(0.95)).toBeGreaterThanOrEqual(fits(0.9));
    expect(fits(0.9)).toBeGreaterThanOrEqual(fits(0.8));
  });
});

describe('validation', () => {
  const expectIssues = (input: Parameters<typeof validateServingInput>[0], ...patterns: RegExp[]) => {
    const issues = validateServingInput(input);
    expect(issues).toHaveLength(patterns.length);
    patterns.forEach((p, i) => expect(issues[i]).toMatch(p));
  };

  test('fails when the model is unknown', () => expectIssues({ model: 'acme/nope' }, /^model is "acme\/nope", which is not in the catalog/));
  test('fails when the model is missing', () => expectIssues({}, /^model is missing/));
  test('fails when the model is a Bedrock model', () => expectIssues({ model: 'amazon.nova-pro-v1:0' }, /Bedrock foundation model, managed by AWS/));
  test('fails when the precision is unknown, listing the allowed ones', () =>
    expectIssues({ model: LLAMA_8B, precision: 'int3' as Precision }, /^precision is "int3": use one of fp32, bf16, fp16, fp8, int8, int4/));
  test('fails when the context is negative', () => expectIssues({ model: LLAMA_8B, contextTokens: -1 }, /^contextTokens is -1: use a whole number of at least 1/));
  test('fails when the context is fractional', () => expectIssues({ model: LLAMA_8B, contextTokens: 10.5 }, /^contextTokens is 10.5/));
  test('fails when the context exceeds the model maximum', () =>
    expectIssues({ model: 'Qwen/Qwen2.5-7B-Instruct', contextTokens: 65536 }, /^contextTokens is 65536: Qwen\/Qwen2.5-7B-Instruct supports at most 32768 tokens/));
  test('fails when the concurrency is zero', () => expectIssues({ model: LLAMA_8B, concurrency: 0 }, /^concurrency is 0: use a whole number of at least 1/));
  test('fails when the memory utilization is above 1', () => expectIssues({ model: LLAMA_8B, memoryUtilization: 1.5 }, /^memoryUtilization is 1.5: use a fraction greater than 0 and at most 1/));
  test('fails when a custom model is incomplete', () => expectIssues({ model: { id: 'x', parameters: 1e9 } }, /^layers is missing/, /^kvHeads is missing/, /^headDim is missing/));

  test('fails with every problem at once, in the caller\'s names', () => {
    const run = () => estimateServing({ model: 'acme/nope', precision: 'x' as Precision, contextTokens: -5, concurrency: 0 }, { contextTokens: 'maxInputTokens + maxOutputTokens' });
    expect(run).toThrow(SizingInputError);
    try {
      run();
    } catch (error) {
      expect((error as SizingInputError).issues).toHaveLength(4);
      expect((error as SizingInputError).message).toMatch(/^Invalid sizing input \(4 problems\):\n {2}- model is "acme\/nope"/);
      expect((error as SizingInputError).issues[2]).toMatch(/^maxInputTokens \+ maxOutputTokens is -5/);
    }
  });
});
