// Estimate, the engine's form for every jsii language: the same numbers as estimateServing and estimateTraining,
// with absent values where those have null, and one model input at a time.
import { ModelCatalog } from '../../lib/sizing/models';
import { Precision } from '../../lib/sizing/precision';
import { estimateServing } from '../../lib/sizing/serving';
import { Estimate } from '../../lib/sizing/estimate';
import { estimateTraining, TrainingMethod, TrainingOptimizer } from '../../lib/sizing/training';
import { SizingInputError } from '../../lib/sizing/validation';

const QWEN = 'Qwen/Qwen2.5-7B-Instruct';

/** The value with every null replaced by undefined, as a jsii struct carries it. */
function withoutNulls(value: unknown): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, withoutNulls(v)]));
  return value;
}

describe('Estimate.serving', () => {
  test('gives estimateServing\'s numbers, candidates as options, without nulls', () => {
    const sized = Estimate.serving({ model: QWEN, contextTokens: 8192, concurrency: 8 });
    const e = estimateServing({ model: QWEN, contextTokens: 8192, concurrency: 8 });
    expect(sized.options.length).toBeGreaterThan(3);
    expect(sized.options).toEqual(withoutNulls(e.candidates));
    expect(sized.recommended).toEqual(withoutNulls(e.recommended));
    expect(sized.memory).toEqual(e.memory);
    expect(sized.rejected).toEqual(e.rejected);
    expect(JSON.stringify(sized)).not.toContain('null');
  });

  test('a model that fits nowhere has no recommendation and names a lighter precision', () => {
    const input = { model: 'meta-llama/Llama-3.1-405B-Instruct', contextTokens: 32768, concurrency: 32 };
    const sized = Estimate.serving(input);
    expect(sized.recommended).toBeUndefined();
    expect(sized.options).toEqual([]);
    expect(sized.lighterPrecisionThatFits).toBe(Precision.INT8);
    expect(sized.lighterPrecisionThatFits).toBe(estimateServing(input).lighterPrecisionThatFits);
  });

  test('sizes a model outside the catalog by its architecture', () => {
    const entry = ModelCatalog.DEFAULT.lookup(QWEN)!;
    if (entry.managed) throw new Error('Qwen is an open model');
    const sized = Estimate.serving({ architecture: { ...entry.architecture, id: 'acme/support-7b' } });
    expect(sized.model).toBe('acme/support-7b');
    expect(sized.memory.weightsBytes).toBe(estimateServing({ model: QWEN }).memory.weightsBytes);
  });

  test('takes exactly one of model and architecture', () => {
    const entry = ModelCatalog.DEFAULT.lookup(QWEN)!;
    if (entry.managed) throw new Error('Qwen is an open model');
    expect(() => Estimate.serving({})).toThrow(SizingInputError);
    expect(() => Estimate.serving({})).toThrow(/model is missing/);
    expect(() => Estimate.serving({ model: QWEN, architecture: entry.architecture })).toThrow(/give one, the catalog id or the architecture/);
  });

  test('reports invalid fields as the engine does', () => {
    expect(() => Estimate.serving({ model: QWEN, contextTokens: -1, concurrency: 0 })).toThrow(/2 problems/);
  });
});

describe('Estimate.training', () => {
  test('gives estimateTraining\'s numbers without nulls, with and without a token budget', () => {
    for (const tokens of [undefined, 5e7]) {
      const sized = Estimate.training({ model: QWEN, method: TrainingMethod.QLORA, tokens });
      const e = estimateTraining({ model: QWEN, method: TrainingMethod.QLORA, tokens });
      expect(sized.options).toEqual(withoutNulls(e.candidates));
      expect(sized.recommended).toEqual(withoutNulls(e.recommended));
      expect(sized.flops).toEqual(e.flops ?? undefined);
      expect(sized.memory).toEqual(e.memory);
      expect(JSON.stringify(sized)).not.toContain('null');
    }
    expect(Estimate.training({ model: QWEN, method: TrainingMethod.QLORA, tokens: 5e7 }).recommended?.usdCost).toBeGreaterThan(0);
  });

  test('passes the optimizer through, and full fine-tuning has no rank', () => {
    const full = Estimate.training({ model: QWEN, method: TrainingMethod.FULL, optimizer: TrainingOptimizer.ADAMW_8BIT });
    expect(full.loraRank).toBeUndefined();
    expect(full.memory).toEqual(estimateTraining({ model: QWEN, method: TrainingMethod.FULL, optimizer: 'adamw-8bit' }).memory);
  });
});
