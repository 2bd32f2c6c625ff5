/** Pre-training feasibility: Chinchilla tokens, 6ND FLOPs, accelerator-hours at an MFU, cost and verdict. */
import { estimatePretraining, InstanceType, PretrainingVerdict, SizingInputError, validatePretrainingInput } from '../../lib/sizing';

describe('worked examples', () => {
  test('1B parameters on ml.p5.48xlarge at MFU 0.4: $667, feasible for a team', () => {
    // GIVEN D = 20 x 1e9 = 2e10 tokens; C = 6 x 1e9 x 2e10 = 1.2e20 FLOPs
    const flops = 6 * 1e9 * 20e9;
    // H100: 989 TFLOPS peak x 0.4 = 395.6 TFLOPS achieved
    const gpuHours = flops / (989e12 * 0.4) / 3600; // 84.26
    const usd = (gpuHours / 8) * 63.296; // 8 GPUs per instance: 10.53 instance-hours = $666.7
    // WHEN
    const e = estimatePretraining({ parameters: 1e9 });
    // THEN
    expect(e).toMatchObject({ params: 1e9, tokens: 20e9, flops, instanceType: 'ml.p5.48xlarge', mfu: 0.4, verdict: PretrainingVerdict.FEASIBLE_FOR_A_TEAM });
    expect(e.gpuHours).toBeCloseTo(gpuHours, 8);
    expect(e.gpuHours).toBeCloseTo(84.26, 2);
    expect(e.usdCost).toBeCloseTo(usd, 6);
    expect(e.verdictText).toBe("feasible for a team: $667 is under the kit's $10,000 threshold");
  });

  test('70B parameters: 5.88e23 FLOPs, $3.27M, not feasible', () => {
    const e = estimatePretraining({ parameters: 70e9 });
    expect(e.tokens).toBe(1.4e12);
    expect(e.flops).toBeCloseTo(6 * 70e9 * 1.4e12, -10);
    expect(e.usdCost).toBeCloseTo((5.88e23 / (989e12 * 0.4) / 3600 / 8) * 63.296, 0);
    expect(e.verdict).toBe(PretrainingVerdict.NOT_FEASIBLE);
    // 70e9 x 18 bytes = 1173.5 GiB of states over 8 x 80 GiB x 0.9 = 576 GiB per instance: 3 instances
    expect(e.minInstancesForMemory).toBe(3);
  });

  test('8B on ml.trn1.32xlarge: 16 Trainium chips at 190 TFLOPS, needs a dedicated budget', () => {
    const e = estimatePretraining({ parameters: 8e9, instanceType: InstanceType.TRN1_32XLARGE, instanceCount: 4 });
    const chipHours = (6 * 8e9 * 160e9) / (190e12 * 0.4) / 3600;
    expect(e.gpuHours).toBeCloseTo(chipHours, 6);
    expect(e.usdCost).toBeCloseTo((chipHours / 16) * 24.73, 6);
    expect(e.wallClockDays).toBeCloseTo(chipHours / 16 / 4 / 24, 8);
    expect(e.verdict).toBe(PretrainingVerdict.NEEDS_A_DEDICATED_BUDGET);
  });

  test('explicit tokens and MFU; cost halves when MFU doubles', () => {
    const at = (mfu: number) => estimatePretraining({ parameters: 1e9, tokens: 1e11, mfu });
    expect(at(0.2).tokensPerParameter).toBe(100);
    expect(at(0.2).usdCost).toBeCloseTo(2 * (at(0.4).usdCost ?? 0), 6);
  });

  test('an unpriced instance gives no cost and an unknown verdict', () => {
    const e = estimatePretraining({ parameters: 1e9, instanceType: 'ml.p5e.48xlarge' });
    expect(e).toMatchObject({ usdCost: null, verdict: PretrainingVerdict.UNKNOWN });
  });
});

describe('validation', () => {
  test.each([
    ['the parameters are missing', {}, /^parameters is missing/],
    ['the parameters are negative', { parameters: -1 }, /^parameters is -1: use a number greater than 0/],
    ['the tokens are zero', { parameters: 1e9, tokens: 0 }, /^tokens is 0/],
    ['the MFU is zero', { parameters: 1e9, mfu: 0 }, /^mfu is 0: use a fraction/],
    ['the instance count is fractional', { parameters: 1e9, instanceCount: 1.5 }, /^instanceCount is 1.5/],
    ['the instance is unknown', { parameters: 1e9, instanceType: 'ml.p9.48xlarge' }, /^instanceType is "ml.p9.48xlarge", which is not in the instance catalog/],
    ['the compute overflows: 1e300 parameters at 20 tokens each', { parameters: 1e300 }, /^The compute \(6 x parameters x tokens\) from parameters is Infinity/],
    ['the compute overflows: 1e300 tokens', { parameters: 1e9, tokens: 1e300 }, /^The compute \(6 x parameters x tokens\) from parameters, tokens is Infinity/],
    ['the instance is inference-only', { parameters: 1e9, instanceType: 'ml.inf2.48xlarge' }, /AWS Inferentia2 is built for inference; use a GPU or Trainium instance/],
  ])('fails when %s', (_name, input, pattern) => {
    const issues = validatePretrainingInput(input);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(pattern);
  });

  test('fails with every problem at once', () => {
    expect(() => estimatePretraining({ parameters: -1, mfu: 2 })).toThrow(SizingInputError);
    expect(validatePretrainingInput({ parameters: -1, mfu: 2 })).toHaveLength(2);
  });
});
