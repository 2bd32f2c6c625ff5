/**
 * Weight precisions and what they cost in bytes. Bytes per parameter: fp32 4, fp16/bf16 2, fp8/int8 1,
 * int4 0.5 (djl-serving lmi/deployment_guide/instance-type-selection.md; QLoRA paper arXiv 2305.14314),
 * plus the quantization metadata and the layers a quantizer leaves at 16-bit.
 */
import { type ModelArchitecture } from './models';

/** Weight precision of a served model (a closed set). */
export enum Precision {
  FP32 = 'fp32',
  BF16 = 'bf16',
  FP16 = 'fp16',
  /** FP8 weights (vLLM `fp8`, TensorRT-LLM FP8): needs Ada or Hopper GPUs. */
  FP8 = 'fp8',
  /** 8-bit integer weights (SmoothQuant, bitsandbytes int8). */
  INT8 = 'int8',
  /** 4-bit weights: AWQ, GPTQ or NF4. */
  INT4 = 'int4',
}

export const PRECISIONS: readonly Precision[] = Object.values(Precision);

/** A precision or its string value, so configs can say `'bf16'`. */
export type PrecisionLike = Precision | `${Precision}`;

export interface PrecisionSpec {
  readonly precision: Precision;
  /** Bytes of one stored weight element. */
  readonly bytesPerElement: number;
  /** Metadata bytes (scale, zero point) per quantization group; 0 when negligible. */
  readonly metadataBytesPerGroup: number;
  /** Weights per quantization group; 0 when there are no groups. */
  readonly groupSize: number;
  /** Embeddings and lm_head stay at 16-bit (quantizers skip them). */
  readonly keepsEmbeddingsAt16Bit: boolean;
  /** Needs FP8 tensor cores (NVIDIA Ada or Hopper). */
  readonly requiresFp8Hardware: boolean;
  /** Bytes per KV cache element: 16-bit unless the weights are fp32 (vLLM kv_cache_dtype "auto"). */
  readonly kvCacheBytesPerElement: number;
}

const SPECS: Readonly<Record<Precision, PrecisionSpec>> = {
  [Precision.FP32]: spec(Precision.FP32, 4, 0, 0, false, false, 4),
  [Precision.BF16]: spec(Precision.BF16, 2, 0, 0, false, false, 2),
  [Precision.FP16]: spec(Precision.FP16, 2, 0, 0, false, false, 2),
  // Per-tensor scales (vLLM fp8): a few bytes per matrix, negligible. vLLM keeps lm_head in 16-bit.
  [Precision.FP8]: spec(Precision.FP8, 1, 0, 0, true, true, 2),
  // Per-output-channel fp16 scales: 2 bytes per row of >= 2048 weights, under 0.1%, neglected.
  [Precision.INT8]: spec(Precision.INT8, 1, 0, 0, true, false, 2),
  // AWQ/GPTQ as published (hugging-quants, TheBloke): groups of 128 weights, each with an fp16 scale (2 bytes)
  // and a 4-bit zero point packed in int32 (0.5 bytes): 0.5 + 2.5/128 = 0.51953125 bytes per weight.
  // Check (models.md): Llama-3.1-8B AWQ INT4 = 6,979,588,096 x 0.51953125 + 1,050,673,152 x 2 (fp16 embeddings
  // and lm_head) = 5,727,460,432 bytes = 5.73 GB, the published shard total.
  [Precision.INT4]: spec(Precision.INT4, 0.5, 2.5, 128, true, false, 2),
};

function spec(
  precision: Precision, bytesPerElement: number, metadataBytesPerGroup: number, groupSize: number,
  keepsEmbeddingsAt16Bit: boolean, requiresFp8Hardware: boolean, kvCacheBytesPerElement: number,
): PrecisionSpec {
  return { precision, bytesPerElement, metadataBytesPerGroup, groupSize, keepsEmbeddingsAt16Bit, requiresFp8Hardware, kvCacheBytesPerElement };
}

export function precisionSpec(precision: PrecisionLike): PrecisionSpec {
  return SPECS[precision as Precision];
}

export function isPrecision(value: unknown): value is Precision {
  return typeof value === 'string' && (PRECISIONS as readonly string[]).includes(value);
}

/** Bytes per quantized weight including its share of group metadata. */
export function bytesPerQuantizedWeight(precision: PrecisionLike): number {
  const s = precisionSpec(precision);
  return s.bytesPerElement + (s.groupSize > 0 ? s.metadataBytesPerGroup / s.groupSize : 0);
}

/** Embedding and lm_head parameters (one matrix when tied); 0 when the vocabulary or width is unknown. */
export function embeddingParameters(model: ModelArchitecture): number {
  if (model.vocabSize === undefined || model.hiddenSize === undefined) return 0;
  return model.vocabSize * model.hiddenSize * (model.tieWordEmbeddings ? 1 : 2);
}

/** Weights in memory, split into the part stored at the precision and the part kept at 16-bit. */
export interface WeightBytes {
  readonly totalBytes: number;
  readonly quantizedParameters: number;
  readonly sixteenBitParameters: number;
}

/**
 * Bytes of the weights of `parameters` parameters (the total by default; the active ones for decode reads).
 * Quantizers keep embeddings and lm_head at 16-bit; a custom model without vocabSize/hiddenSize is treated
 * as fully quantized, which understates int4/int8/fp8 memory by the embeddings' share.
 */
export function weightBytes(model: ModelArchitecture, precision: PrecisionLike, parameters = model.parameters): WeightBytes {
  const s = precisionSpec(precision);
  let sixteenBitParameters = s.keepsEmbeddingsAt16Bit ? Math.min(embeddingParameters(model), parameters) : 0;
  if (precision === Precision.FP8 && model.fp8FeedForwardOnly && model.hiddenSize !== undefined && model.intermediateSize !== undefined) {
    // Only the MLP's gate, up and down projections are fp8; attention, norms and embeddings stay 16-bit.
    const feedForward = model.layers * 3 * model.hiddenSize * model.intermediateSize * (model.experts ?? 1) * (parameters / model.parameters);
    sixteenBitParameters = Math.max(sixteenBitParameters, parameters - feedForward);
  }
  const quantizedParameters = parameters - sixteenBitParameters;
  return {
    totalBytes: quantizedParameters * bytesPerQuantizedWeight(precision) + sixteenBitParameters * 2,
    quantizedParameters,
    sixteenBitParameters,
  };
}

/** KV cache bytes per token: 2 (K and V) x layers x KV heads x head dim x bytes per element (vLLM docs). */
export function kvCacheBytesPerToken(model: ModelArchitecture, precision: PrecisionLike): number {
  return 2 * model.layers * model.kvHeads * model.headDim * precisionSpec(precision).kvCacheBytesPerElement;
}
