/** The "does not fit" message constructs fail synth with. */
import { assessInstance, checkInstanceFits, checkServingFit, estimateServing, InstanceType, Precision } from '../../lib/sizing';

const SCOPE = { model: 'meta-llama/Llama-3.1-70B-Instruct', precision: Precision.BF16, contextTokens: 8192, concurrency: 4 } as const;

describe('checkInstanceFits', () => {
  const estimate = estimateServing(SCOPE);

  test('explains a too-small instance with the numbers and the cheapest that fits', () => {
    expect(checkInstanceFits(estimate, InstanceType.G5_2XLARGE)).toBe(
      'Llama-3.1-70B-Instruct at bf16 needs 157.1 GiB (weights 131.4, KV cache 10.0, reserve 10%); ml.g5.2xlarge: needs 141.4 GiB of weights and KV cache; ' +
      '1x A10G has 22.5 GiB (14.8 usable at 0.90, after the engine\'s 5.4 GiB per GPU (activations 2.5, CUDA graphs 2.4, context 0.5)). Cheapest that fits: ml.inf2.48xlarge (TP 16).');
  });

  test('explains an instance that would hold it without the headroom the kit asks', () => {
    expect(checkInstanceFits(estimate, 'ml.g6e.12xlarge')).toBe(
      'Llama-3.1-70B-Instruct at bf16 needs 157.1 GiB (weights 131.4, KV cache 10.0, reserve 10%); ml.g6e.12xlarge holds it with only ' +
      '3.5 GiB (2.1%) of the 162.0 GiB budget free; the kit asks 5% for what the estimate cannot see. Cheapest that fits: ml.inf2.48xlarge (TP 16).');
  });

  test('explains an unsupported precision', () => {
    expect(checkServingFit({ model: 'meta-llama/Llama-3.1-8B-Instruct', precision: 'int4', instanceType: 'ml.inf2.8xlarge' })).toBe(
      'Llama-3.1-8B-Instruct at int4 needs 6.5 GiB (weights 5.3, KV cache 0.5, reserve 10%); ml.inf2.8xlarge has 32.0 GiB, ' +
      'but the kit\'s Neuron containers serve no quantization (optimum-neuron compiles at the checkpoint\'s 16-bit dtype); int4 needs a GPU. Cheapest that fits: ml.g4dn.xlarge (TP 1).');
  });

  test('returns undefined when the instance holds the model', () => {
    expect(checkInstanceFits(estimate, 'ml.inf2.48xlarge')).toBeUndefined();
    expect(checkInstanceFits(estimate, InstanceType.P5_48XLARGE)).toBeUndefined();
  });

  test('does not judge an instance the catalog does not know; assessInstance says so', () => {
    expect(checkInstanceFits(estimate, 'ml.g7.2xlarge')).toBeUndefined();
    expect(assessInstance(estimate, 'ml.g7.2xlarge')).toMatchObject({ status: 'unknown-instance', message: expect.stringMatching(/^ml.g7.2xlarge is not in the instance catalog/) });
  });

  test('assessInstance returns the candidate when it fits', () => {
    expect(assessInstance(estimate, 'ml.p4d.24xlarge')).toMatchObject({ status: 'fits', candidate: { tensorParallelDegree: 8 } });
  });

  test('when nothing fits, suggests a lighter precision', () => {
    expect(checkServingFit({ model: 'meta-llama/Llama-3.1-405B-Instruct', precision: 'fp32', instanceType: 'ml.p5.48xlarge' }))
      .toMatch(/; ml.p5.48xlarge: needs 1515\.9 GiB of weights and KV cache; 8x H100 have 637\.2 GiB .*\. No single instance in the catalog can hold Llama-3.1-405B-Instruct at fp32 .*lower the precision to bf16/);
  });

  test('fails when the scope is invalid, with the construct\'s prop names', () => {
    expect(() => checkServingFit({ ...SCOPE, concurrency: -1, instanceType: 'ml.g5.2xlarge' }, { concurrency: 'expectedConcurrency' }))
      .toThrow(/expectedConcurrency is -1/);
  });
});
