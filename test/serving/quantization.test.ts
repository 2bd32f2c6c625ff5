/** Typed quantization: the precision each is sized at and whether the checkpoint arrives quantized. */
import { Precision } from '../../lib/sizing';
import { Quantization, QuantizationMethod } from '../../lib/serving';

describe('Quantization', () => {
  test.each([
    [Quantization.NONE, QuantizationMethod.NONE, false, Precision.BF16, 'none'],
    [Quantization.FP8, QuantizationMethod.FP8, false, Precision.FP8, 'FP8 (quantized at load)'],
    [Quantization.INT8_SMOOTHQUANT, QuantizationMethod.INT8_SMOOTHQUANT, false, Precision.INT8, 'INT8 SmoothQuant (quantized at compile)'],
    [Quantization.awq(), QuantizationMethod.AWQ, true, Precision.INT4, 'AWQ (pre-quantized)'],
    [Quantization.awq({ preQuantized: false }), QuantizationMethod.AWQ, false, Precision.INT4, 'AWQ (quantized at load/compile)'],
    [Quantization.GPTQ, QuantizationMethod.GPTQ, true, Precision.INT4, 'GPTQ (pre-quantized)'],
    [Quantization.BITSANDBYTES_INT8, QuantizationMethod.BITSANDBYTES_INT8, false, Precision.INT8, 'bitsandbytes int8 (quantized at load)'],
    [Quantization.BITSANDBYTES_NF4, QuantizationMethod.BITSANDBYTES_NF4, false, Precision.INT4, 'bitsandbytes NF4 (quantized at load)'],
  ])('%s', (quantization, method, preQuantized, precision, label) => {
    expect(quantization).toMatchObject({ method, preQuantized, precision });
    expect(String(quantization)).toBe(label);
  });

  test('awq() defaults to a pre-quantized checkpoint and returns the same value each time', () => {
    expect(Quantization.awq()).toBe(Quantization.awq({ preQuantized: true }));
    expect(Quantization.awq({})).toBe(Quantization.awq());
    expect(Quantization.awq({ preQuantized: false })).not.toBe(Quantization.awq());
  });
});
