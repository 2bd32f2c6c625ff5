/**
 * What a GPU serving engine keeps for itself inside its memory budget (vLLM gpu_memory_utilization, 0.9 by
 * default), before weights and KV cache get the rest. vLLM sizes the KV cache from what is left after a profiling
 * run, so each term below is memory the weights and the KV cache cannot have. Sources (read 2026-12-02, as
 * recorded in shared/reference/compatibility-facts.md):
 * - the profiling run's activation peak: about 1.26 GiB for Llama-3-8B at 8192 batched tokens
 *   (vllm-project/vllm PR #10511); it grows with the batched tokens and the widths a token passes through (the
 *   hidden size and, split over tensor-parallel shards, the MLP's intermediate size);
 * - CUDA graphs: up to about 2.4 GiB seen (vllm-project/vllm issue #7553), none in eager mode;
 * - CUDA context and NCCL buffers: 0.5-1 GiB per GPU; the upper figure when shards talk over NCCL.
 * Neuron devices have none of these (their models are compiled ahead of time).
 */
import type { ModelArchitecture } from './models';
import { BYTES_PER_GIB } from './units';

/** vLLM PR #10511: the measured peak and the model and batch it was measured with (Llama-3-8B). */
export const ACTIVATION_PEAK_REFERENCE = { bytes: 1.26 * BYTES_PER_GIB, batchedTokens: 8192, hiddenSize: 4096, intermediateSize: 14336 } as const;
/** Tokens one scheduler step processes during profiling (vLLM max_num_batched_tokens of the reference measurement). */
export const DEFAULT_BATCHED_TOKENS = 8192;
/** vLLM issue #7553: CUDA graph memory, per GPU. */
export const CUDA_GRAPH_BYTES = 2.4 * BYTES_PER_GIB;
/** CUDA context per GPU, and NCCL buffers on top when the model is sharded. */
export const CUDA_CONTEXT_BYTES = 0.5 * BYTES_PER_GIB;
export const NCCL_BUFFER_BYTES = 0.5 * BYTES_PER_GIB;

/** The engine's own memory on one GPU, by term. */
export interface EngineReserve {
  readonly activationPeakBytes: number;
  readonly cudaGraphBytes: number;
  readonly contextBytes: number;
  readonly totalBytes: number;
}

export interface EngineReserveOptions {
  /** Tensor-parallel shards the model is split over. */
  readonly tensorParallelDegree: number;
  /** @default 8192 */
  readonly batchedTokens?: number;
  /** No CUDA graphs (vLLM --enforce-eager). @default false */
  readonly eager?: boolean;
}

/**
 * The engine's reserve on each GPU of a model copy. The activation peak scales linearly with the batched tokens
 * and with the per-shard width of a token's activations (hidden + 2 x intermediate / TP: the MLP's gate and up
 * projections are split over the shards), from the reference measurement.
 */
export function engineReservePerGpu(model: ModelArchitecture, options: EngineReserveOptions): EngineReserve {
  const tp = options.tensorParallelDegree;
  const ref = ACTIVATION_PEAK_REFERENCE;
  const hidden = model.hiddenSize ?? Math.round(Math.sqrt(model.parameters / (12 * (model.layers + (model.encoderLayers ?? 0)))));
  const intermediate = (model.intermediateSize ?? 4 * hidden) * Math.min(model.experts ?? 1, 2);
  const width = (hidden + (2 * intermediate) / tp) / (ref.hiddenSize + 2 * ref.intermediateSize);
  const activationPeakBytes = ref.bytes * ((options.batchedTokens ?? DEFAULT_BATCHED_TOKENS) / ref.batchedTokens) * width;
  const cudaGraphBytes = options.eager ? 0 : CUDA_GRAPH_BYTES;
  const contextBytes = CUDA_CONTEXT_BYTES + (tp > 1 ? NCCL_BUFFER_BYTES : 0);
  return { activationPeakBytes, cudaGraphBytes, contextBytes, totalBytes: activationPeakBytes + cudaGraphBytes + contextBytes };
}
