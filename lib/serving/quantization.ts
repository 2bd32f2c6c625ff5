/**
 * Typed quantization choices, independent of the container: each says whether the weights arrive already
 * quantized and the precision the sizing engine sizes them at. settings.ts translates a choice into each
 * container's own setting and rejects the combinations a container or accelerator cannot run.
 */
import { Precision } from '../sizing/precision';

/** The quantization methods the kit knows (a closed set). */
export enum QuantizationMethod {
  NONE = 'none',
  FP8 = 'fp8',
  INT8_SMOOTHQUANT = 'int8-smoothquant',
  AWQ = 'awq',
  GPTQ = 'gptq',
  BITSANDBYTES_INT8 = 'bitsandbytes-int8',
  BITSANDBYTES_NF4 = 'bitsandbytes-nf4',
}

/** How AWQ weights arrive. */
export interface AwqOptions {
  /**
   * The weights are an AWQ checkpoint (e.g. hugging-quants/...-AWQ-INT4); false: full-precision weights that the
   * server quantizes at load/compile (TensorRT-LLM only).
   * @default true
   */
  readonly preQuantized?: boolean;
}

/** How the served weights are quantized. */
export class Quantization {
  /** Unquantized 16-bit weights: bf16, or fp16 on GPUs without bf16 (T4). */
  public static readonly NONE = new Quantization(QuantizationMethod.NONE, false, Precision.BF16, 'none');
  /** Quantize to fp8 at load; needs FP8 tensor cores (Ada or Hopper: g6, g6e, p5, p5e, p5en). */
  public static readonly FP8 = new Quantization(QuantizationMethod.FP8, false, Precision.FP8, 'FP8 (quantized at load)');
  /** INT8 SmoothQuant, applied when TensorRT-LLM compiles the engine from full-precision weights. */
  public static readonly INT8_SMOOTHQUANT = new Quantization(QuantizationMethod.INT8_SMOOTHQUANT, false, Precision.INT8, 'INT8 SmoothQuant (quantized at compile)');
  /** A pre-quantized GPTQ int4 checkpoint. */
  public static readonly GPTQ = new Quantization(QuantizationMethod.GPTQ, true, Precision.INT4, 'GPTQ (pre-quantized)');
  /** bitsandbytes LLM.int8(), quantized at load. */
  public static readonly BITSANDBYTES_INT8 = new Quantization(QuantizationMethod.BITSANDBYTES_INT8, false, Precision.INT8, 'bitsandbytes int8 (quantized at load)');
  /** bitsandbytes 4-bit NF4 (QLoRA's data type), quantized at load. */
  public static readonly BITSANDBYTES_NF4 = new Quantization(QuantizationMethod.BITSANDBYTES_NF4, false, Precision.INT4, 'bitsandbytes NF4 (quantized at load)');

  private static readonly AWQ_PRE_QUANTIZED = new Quantization(QuantizationMethod.AWQ, true, Precision.INT4, 'AWQ (pre-quantized)');
  private static readonly AWQ_AT_COMPILE = new Quantization(QuantizationMethod.AWQ, false, Precision.INT4, 'AWQ (quantized at load/compile)');

  /**
   * AWQ int4. `preQuantized` (default true): the weights are an AWQ checkpoint (e.g. hugging-quants/...-AWQ-INT4);
   * false: full-precision weights that the server quantizes at load/compile (TensorRT-LLM only).
   */
  public static awq(options: AwqOptions = {}): Quantization {
    return options.preQuantized === false ? Quantization.AWQ_AT_COMPILE : Quantization.AWQ_PRE_QUANTIZED;
  }

  private constructor(
    public readonly method: QuantizationMethod,
    /** The checkpoint is already quantized (the server only loads it); false = the server quantizes full-precision weights. */
    public readonly preQuantized: boolean,
    /** The precision the sizing engine sizes the weights at. */
    public readonly precision: Precision,
    private readonly label: string,
  ) {}

  /** e.g. `AWQ (pre-quantized)`. */
  public toString(): string {
    return this.label;
  }
}
