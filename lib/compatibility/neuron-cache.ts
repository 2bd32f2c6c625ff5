/**
 * optimum-neuron's pre-compiled model cache (the `aws-neuron/optimum-neuron-cache` Hub repository): how `serve`
 * matches a request against it, the entries that could be sourced, and what compiling without a cache entry costs.
 *
 * Sources (read 2026-12-02):
 * - huggingface/optimum-neuron@v0.4.5 (abf5985828e5): `optimum/neuron/cache/hub_cache.py` (`hub_registry_path`,
 *   `get_hub_cached_entries`, `select_hub_cached_entries`), `optimum/commands/neuron/serve.py` (cached-entry
 *   selection, "No cached version found", `--allow_non_cached_model`), `optimum/neuron/vllm/model_loader.py` (same
 *   rule inside vLLM), `docker/vllm/Dockerfile` (the SM_ON_ entrypoint), `pyproject.toml` (neuronx-cc 2.21.33363.0),
 *   `docs/source/guides/cache_system.mdx`, `docs/source/guides/vllm_plugin.mdx`,
 *   `notebooks/sagemaker/deploy-mixtral-8x7b.ipynb` (an `optimum-cli neuron cache lookup` output).
 * - The cache's own lists (`inference-cache-config/*.json` and the `0_REGISTRY` folders on the Hugging Face Hub)
 *   could not be read: the only entries recorded here are the two the Mixtral notebook prints, and they were
 *   compiled with neuronx-cc 2.16.372.0, not the 2.21.33363.0 the kit's image pins, so they do not apply to it.
 * - Compile host memory: aws-neuron/nki-samples#87 and aws-neuron/aws-neuron-sdk#1222 (Llama-3.1-8B-Instruct
 *   compilation "Killed" on a trn1.2xlarge with 32 GB of host memory).
 */
import { type SourceRef, sourced } from './source';

/** A cached compilation: the shape it was compiled for. */
export interface NeuronCacheEntry extends SourceRef {
  readonly modelId: string;
  readonly batchSize: number;
  readonly sequenceLength: number;
  /** `tp_degree` (`num_cores` in older entries): NeuronCores the model is sharded over. */
  readonly tensorParallelDegree: number;
  /** `torch_dtype` (`auto_cast_type` in older entries). */
  readonly dtype: 'bf16' | 'fp16' | 'fp32';
  /** `target` of the entry (e.g. `inf2`, `trn1`); undefined where the printed entry has none. */
  readonly instanceType?: string;
  /** neuronx-cc version the entry was compiled with: the Hub registry is keyed by it. */
  readonly compilerVersion: string;
  readonly checkpointRevision?: string;
}

const MIXTRAL_NOTEBOOK = 'huggingface/optimum-neuron@v0.4.5 notebooks/sagemaker/deploy-mixtral-8x7b.ipynb ' +
  '("optimum-cli neuron cache lookup" output, "2 entrie(s) found in cache")';

function mixtral(batchSize: number): NeuronCacheEntry {
  return {
    modelId: 'mistralai/Mixtral-8x7B-Instruct-v0.1', batchSize, sequenceLength: 4096, tensorParallelDegree: 24, dtype: 'bf16',
    compilerVersion: '2.16.372.0+4a9b2326', checkpointRevision: '41bd4c9e7e4fb318ca40e721131d4933966c2cc1',
    ...sourced(MIXTRAL_NOTEBOOK, 'A printed example from an older release (neuronx-cc 2.16), not a read of the Hub registry; ' +
      'the notebook deploys it on ml.inf2.48xlarge (24 NeuronCores) but the entry prints no target.'),
  };
}

/** Every cache entry that could be sourced (none for the kit's neuronx-cc 2.21.33363.0). */
export const NEURON_CACHE_ENTRIES: readonly NeuronCacheEntry[] = [mixtral(1), mixtral(4)];

/** The neuronx-cc version the kit's Neuron image (optimum-neuron 0.4.5) pins: only entries compiled with it apply. */
export const KIT_NEURONX_CC_VERSION = '2.21.33363.0';

/** How optimum-neuron 0.4.5 decides whether a hub model can be served without compiling. */
export const NEURON_CACHE_RULE = {
  /** Entry fields compared for equality; a field the request leaves unset matches any value. */
  exactMatchFields: ['target (instance type)', 'batch_size', 'sequence_length', 'tp_degree', 'torch_dtype'] as const,
  /** The registry searched: the Hub folder whose name starts with `neuronxcc-<pinned version>`, then the model's arch digest. */
  registry: 'aws-neuron/optimum-neuron-cache, folder neuronxcc-<neuronx-cc version>*/0_REGISTRY/<arch digest>/ (CUSTOM_CACHE_REPO overrides the repo)',
  /** `serve` also drops entries whose tp_degree exceeds the NeuronCores of the host. */
  fitsHost: 'tp_degree <= available NeuronCores',
  /** When several match, serve takes the largest (tp_degree, batch_size, sequence_length). */
  preference: 'largest tp_degree, then batch_size, then sequence_length',
  /** Raised when nothing matches and non-cached models are not allowed. */
  error: 'ValueError: No cached version found for <model id> instance type <type>, batch size = <b>, sequence length = <s>, tp = <tp>, dtype = <dtype>',
  /**
   * How to allow compiling at startup instead: `--allow_non_cached_model` (serve) or
   * model_loader_extra_config=allow_non_cached_model (vLLM). In the SageMaker image every SM_ON_<NAME> variable
   * becomes `--<name>` followed by its value when not empty, so the flag is SM_ON_ALLOW_NON_CACHED_MODEL set to an
   * empty string. Defaults when compiling: batch size 1, sequence length 2048, all NeuronCores, bf16.
   */
  allowCompile: 'SM_ON_ALLOW_NON_CACHED_MODEL="" (becomes --allow_non_cached_model)',
  ...sourced('huggingface/optimum-neuron@v0.4.5 optimum/neuron/cache/hub_cache.py (select_hub_cached_entries, hub_registry_path), ' +
    'optimum/commands/neuron/serve.py, optimum/neuron/vllm/model_loader.py, docker/vllm/Dockerfile (entrypoint.sh), ' +
    'docs/source/guides/cache_system.mdx ("Your exact configuration must match the cached parameters, including compiler version and model revision")'),
} as const;

/** A serving request, in the terms `select_hub_cached_entries` compares. */
export interface NeuronCacheQuery {
  readonly modelId: string;
  readonly instanceType?: string;
  readonly batchSize?: number;
  readonly sequenceLength?: number;
  readonly tensorParallelDegree?: number;
  readonly dtype?: NeuronCacheEntry['dtype'];
  /** Only entries compiled with this neuronx-cc version (prefix match). @default KIT_NEURONX_CC_VERSION */
  readonly compilerVersion?: string;
  /** NeuronCores of the host: entries needing more are dropped. */
  readonly availableCores?: number;
}

/** The sourced entries `serve` would accept for a query (exact match on every field the query sets). */
export function matchingCacheEntries(query: NeuronCacheQuery, entries: readonly NeuronCacheEntry[] = NEURON_CACHE_ENTRIES): readonly NeuronCacheEntry[] {
  const compiler = query.compilerVersion ?? KIT_NEURONX_CC_VERSION;
  return entries.filter((e) => e.modelId === query.modelId
    && e.compilerVersion.startsWith(compiler)
    && (query.instanceType === undefined || e.instanceType === query.instanceType)
    && (query.batchSize === undefined || e.batchSize === query.batchSize)
    && (query.sequenceLength === undefined || e.sequenceLength === query.sequenceLength)
    && (query.tensorParallelDegree === undefined || e.tensorParallelDegree === query.tensorParallelDegree)
    && (query.dtype === undefined || e.dtype === query.dtype)
    && (query.availableCores === undefined || e.tensorParallelDegree <= query.availableCores));
}

/** A compile run and the host memory it had. */
export interface NeuronCompileMemoryFact extends SourceRef {
  readonly modelId: string;
  readonly instanceType: string;
  readonly hostMemoryGiB: number;
  readonly outcome: 'killed' | 'succeeded';
  readonly compilerVersion?: string;
}

export const NEURON_COMPILE_MEMORY_FACTS: readonly NeuronCompileMemoryFact[] = [
  {
    modelId: 'meta-llama/Llama-3.1-8B-Instruct', instanceType: 'trn1.2xlarge', hostMemoryGiB: 32, outcome: 'killed',
    compilerVersion: '2.20.9961.0+0acef03a',
    ...sourced('aws-neuron/nki-samples#87 ("Compilation of Llama-3.1-8B-Instruct fails on trn1.2xlarge": "Killed" during HLO ' +
      'generation, tp 1, batch 2, seq 64, bf16); aws-neuron/aws-neuron-sdk#1222 (same run, NeuronX Compiler 2.20.9961.0)',
      'Neuronx-distributed-inference inference_demo, not optimum-neuron; the issue says 32GB (sizing-facts: 32 GiB host memory).'),
  },
];
