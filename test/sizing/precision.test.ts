/** Weight and KV cache bytes per precision: worked examples against published figures, and the ordering invariant. */
import {
  bytesPerQuantizedWeight, BYTES_PER_GIB, kvCacheBytesPerToken, ModelCatalog, Precision, PRECISIONS, weightBytes,
  type ModelArchitecture,
} from '../../lib/sizing';

const model = (id: string): ModelArchitecture => {
  const entry = ModelCatalog.DEFAULT.lookup(id);
  if (entry === undefined || entry.managed) throw new Error(`no open model ${id}`);
  return entry.architecture;
};
const LLAMA_8B = model('meta-llama/Llama-3.1-8B-Instruct');

describe('weight bytes', () => {
  test('Llama-3.1-8B at bf16 is 8,030,261,248 x 2 bytes = 14.96 GiB', () => {
    // GIVEN / WHEN
    const bytes = weightBytes(LLAMA_8B, Precision.BF16).totalBytes;
    // THEN
    expect(bytes).toBe(8_030_261_248 * 2);
    expect(bytes / BYTES_PER_GIB).toBeCloseTo(14.96, 2);
  });

  test('Llama-3.1-8B at fp32 is 8,030,261,248 x 4 bytes = 29.92 GiB (the course: ~4 GB per 1B parameters)', () => {
    expect(weightBytes(LLAMA_8B, Precision.FP32).totalBytes).toBe(8_030_261_248 * 4);
  });

  test('int4 matches the published AWQ checkpoint: 5.73 GB for Llama-3.1-8B', () => {
    // GIVEN embeddings and lm_head stay fp16: 128,256 x 4,096 x 2 (untied) = 1,050,673,152 parameters
    const sixteenBit = 128_256 * 4_096 * 2;
    const quantized = 8_030_261_248 - sixteenBit; // 6,979,588,096
    // Each group of 128 weights carries an fp16 scale (2 bytes) and a packed 4-bit zero point (0.5 bytes)
    const perWeight = 0.5 + 2.5 / 128; // 0.51953125
    // WHEN
    const w = weightBytes(LLAMA_8B, Precision.INT4);
    // THEN
    expect(bytesPerQuantizedWeight(Precision.INT4)).toBe(perWeight);
    expect(w.sixteenBitParameters).toBe(sixteenBit);
    expect(w.quantizedParameters).toBe(quantized);
    expect(w.totalBytes).toBe(quantized * perWeight + sixteenBit * 2); // 5,727,460,432 bytes
    expect(w.totalBytes / 1e9).toBeCloseTo(5.73, 2);
  });

  test('fp8 and int8 keep embeddings at 16-bit: 6,979,588,096 x 1 + 1,050,673,152 x 2 bytes', () => {
    const expected = 6_979_588_096 * 1 + 1_050_673_152 * 2;
    expect(weightBytes(LLAMA_8B, Precision.FP8).totalBytes).toBe(expected);
    expect(weightBytes(LLAMA_8B, Precision.INT8).totalBytes).toBe(expected);
  });

  test('tied embeddings count once: Llama-3.2-1B keeps 128,256 x 2,048 parameters at 16-bit', () => {
    expect(weightBytes(model('meta-llama/Llama-3.2-1B-Instruct'), Precision.INT4).sixteenBitParameters).toBe(128_256 * 2_048);
  });

  test('a custom model without vocabulary is fully quantized', () => {
    const custom: ModelArchitecture = { id: 'custom', parameters: 1e9, layers: 16, kvHeads: 8, headDim: 64 };
    expect(weightBytes(custom, Precision.INT8).totalBytes).toBe(1e9);
  });

  test.each(ModelCatalog.DEFAULT.all().filter((m) => !m.managed).map((m) => m.id))('int4 < int8 < bf16 < fp32 for %s', (id) => {
    const bytes = (p: Precision) => weightBytes(model(id), p).totalBytes;
    expect(bytes(Precision.INT4)).toBeLessThan(bytes(Precision.INT8));
    expect(bytes(Precision.INT8)).toBeLessThan(bytes(Precision.BF16));
    expect(bytes(Precision.BF16)).toBeLessThan(bytes(Precision.FP32));
    expect(bytes(Precision.FP16)).toBe(bytes(Precision.BF16));
  });
});

describe('KV cache bytes per token = 2 x layers x KV heads x head dim x bytes', () => {
  test.each([
    ['meta-llama/Llama-3.1-8B-Instruct', 2 * 32 * 8 * 128 * 2, 131_072],
    ['meta-llama/Llama-3.1-70B-Instruct', 2 * 80 * 8 * 128 * 2, 327_680],
    ['google/gemma-2-9b-it', 2 * 42 * 8 * 256 * 2, 336 * 1024],
    ['tiiuae/falcon-7b-instruct', 2 * 32 * 1 * 64 * 2, 8 * 1024],
    ['google/flan-t5-base', 2 * 12 * 12 * 64 * 2, 36 * 1024],
  ])('%s: %d bytes (models.md: %d)', (id, arithmetic, published) => {
    expect(kvCacheBytesPerToken(model(id), Precision.BF16)).toBe(arithmetic);
    expect(arithmetic).toBe(published);
  });

  test('quantized weights keep a 16-bit KV cache; fp32 weights a 32-bit one', () => {
    expect(kvCacheBytesPerToken(LLAMA_8B, Precision.INT4)).toBe(131_072);
    expect(kvCacheBytesPerToken(LLAMA_8B, Precision.FP32)).toBe(2 * 131_072);
  });

  test('every precision has a spec', () => {
    expect(PRECISIONS).toEqual(['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4']);
  });
});
