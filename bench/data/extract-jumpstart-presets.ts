// Rebuilds bench/data/jumpstart-presets.json from the JumpStart model specs embedded in
// awslabs/generative-ai-cdk-constructs (a zlib raw-deflated JSON, as Buffer.toJSON(), generated from the
// us-east-1 JumpStart specs by code-generation/generate-jumpstart-models.ts). Copies only what the specs state.
//
//   git -C <mirror> show <commit>:src/patterns/gen-ai/aws-model-deployment-sagemaker/jumpstart-models.json > /tmp/js.json
//   npx tsx bench/data/extract-jumpstart-presets.ts --specs /tmp/js.json --commit <commit> > bench/data/jumpstart-presets.json
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import * as zlib from 'node:zlib';

export const SOURCE_REPO = 'awslabs/generative-ai-cdk-constructs';
export const SOURCE_PATH = 'src/patterns/gen-ai/aws-model-deployment-sagemaker/jumpstart-models.json';

type Env = Readonly<Record<string, string | number | boolean>>;

interface Spec {
  readonly modelId: string;
  readonly version: string;
  readonly defaultInstanceType: string;
  readonly instanceTypes: readonly string[];
  readonly environment?: Env;
  readonly instanceAliases?: readonly { readonly region: string; readonly aliases: Readonly<Record<string, string>> }[];
  readonly instanceVariants?: readonly { readonly instanceType: string; readonly imageUri?: string; readonly environment?: Env }[];
}

/**
 * JumpStart ids matched to catalog models (lib/sizing/model-presets.ts). The specs serve from /opt/ml/model
 * (no Hub id), so the match is by the JumpStart id's family, version, size and variant.
 */
const MATCHES: Readonly<Record<string, { readonly catalogModel: string; readonly precision: 'bf16' | 'fp8'; readonly precisionBasis: string }>> = {
  'meta-textgeneration-llama-3-2-1b-instruct': sixteen('meta-llama/Llama-3.2-1B-Instruct'),
  'meta-textgeneration-llama-3-2-3b-instruct': sixteen('meta-llama/Llama-3.2-3B-Instruct'),
  'meta-textgeneration-llama-3-1-8b-instruct': sixteen('meta-llama/Llama-3.1-8B-Instruct'),
  'meta-textgeneration-llama-3-1-70b-instruct': sixteen('meta-llama/Llama-3.1-70B-Instruct'),
  'meta-textgeneration-llama-3-3-70b-instruct': sixteen('meta-llama/Llama-3.3-70B-Instruct'),
  'meta-textgeneration-llama-3-1-405b-instruct-fp8': {
    catalogModel: 'meta-llama/Llama-3.1-405B-Instruct', precision: 'fp8', precisionBasis: 'the JumpStart id names the FP8 checkpoint',
  },
  'huggingface-llm-mistral-7b-instruct-v3': sixteen('mistralai/Mistral-7B-Instruct-v0.3'),
  'huggingface-llm-mixtral-8x7b-instruct': sixteen('mistralai/Mixtral-8x7B-Instruct-v0.1'),
  'huggingface-llm-qwen2-5-7b-instruct': sixteen('Qwen/Qwen2.5-7B-Instruct'),
  'huggingface-llm-qwen2-5-14b-instruct': sixteen('Qwen/Qwen2.5-14B-Instruct'),
  'huggingface-llm-qwen2-5-32b-instruct': sixteen('Qwen/Qwen2.5-32B-Instruct'),
  'huggingface-llm-qwen2-5-72b-instruct': sixteen('Qwen/Qwen2.5-72B-Instruct'),
  'huggingface-llm-gemma-2-9b-instruct': sixteen('google/gemma-2-9b-it'),
  'huggingface-llm-gemma-2-27b-instruct': sixteen('google/gemma-2-27b-it'),
  'huggingface-llm-phi-3-mini-4k-instruct': sixteen('microsoft/Phi-3-mini-4k-instruct'),
  'huggingface-llm-falcon-7b-instruct-bf16': {
    catalogModel: 'tiiuae/falcon-7b-instruct', precision: 'bf16', precisionBasis: 'the JumpStart id says bf16; no quantization variable',
  },
  'huggingface-text2text-flan-t5-base': sixteen('google/flan-t5-base'),
  'huggingface-text2text-flan-t5-large': sixteen('google/flan-t5-large'),
};

function sixteen(catalogModel: string) {
  return { catalogModel, precision: 'bf16' as const, precisionBasis: 'no quantization variable in the spec: the 16-bit checkpoint (bf16 and fp16 weigh the same)' };
}

/** Near misses in the catalog's families, left out, with why. */
const OUT: Readonly<Record<string, string>> = {
  'meta-textgeneration-llama-3-2-1b': 'base (pre-trained) checkpoint; the catalog lists the Instruct model',
  'meta-textgeneration-llama-3-2-3b': 'base (pre-trained) checkpoint; the catalog lists the Instruct model',
  'meta-textgeneration-llama-3-1-8b': 'base (pre-trained) checkpoint; the catalog lists the Instruct model',
  'meta-textgeneration-llama-3-1-70b': 'base (pre-trained) checkpoint; the catalog lists the Instruct model',
  'meta-textgeneration-llama-3-1-405b-fp8': 'base (pre-trained) checkpoint; the catalog lists the Instruct model',
  'meta-textgeneration-llama-3-8b-instruct': 'Llama 3 (not 3.1): not in the catalog',
  'meta-textgeneration-llama-3-70b-instruct': 'Llama 3 (not 3.1): not in the catalog',
  'meta-textgeneration-llama-guard-3-8b': 'Llama Guard classifier fine-tune: not the catalog model',
  'meta-textgeneration-llama-guard-3-1b': 'Llama Guard classifier fine-tune: not the catalog model',
  'deepseek-llm-r1-distill-llama-8b': 'DeepSeek-R1 distillation (other weights) of a Llama base: not the catalog model',
  'deepseek-llm-r1-distill-llama-70b': 'DeepSeek-R1 distillation (other weights) of a Llama base: not the catalog model',
  'deepseek-llm-r1-distill-qwen-7b': 'DeepSeek-R1 distillation (other weights) of a Qwen2.5 base: not the catalog model',
  'deepseek-llm-r1-distill-qwen-14b': 'DeepSeek-R1 distillation (other weights) of a Qwen2.5 base: not the catalog model',
  'deepseek-llm-r1-distill-qwen-32b': 'DeepSeek-R1 distillation (other weights) of a Qwen2.5 base: not the catalog model',
  'huggingface-llm-mistral-7b-instruct': 'ambiguous Mistral 7B Instruct version (the catalog has v0.3, matched by huggingface-llm-mistral-7b-instruct-v3)',
  'huggingface-llm-mistral-7b-v3': 'base (pre-trained) checkpoint; the catalog lists the Instruct model',
  'huggingface-llm-mistral-7b': 'base (pre-trained) checkpoint of an unstated version',
  'huggingface-llm-mixtral-8x7b': 'base (pre-trained) checkpoint; the catalog lists the Instruct model',
  'huggingface-llm-mixtral-8x7b-instruct-gptq': 'precision ambiguous: HF_MODEL_QUANTIZE=gptq, but the bit width is not in the spec (weights are in the prepacked artifact)',
  'huggingface-llm-qwen2-5-coder-7b-instruct': 'Qwen2.5-Coder: not the catalog model',
  'huggingface-llm-qwen2-5-coder-32b-instruct': 'Qwen2.5-Coder: not the catalog model',
  'huggingface-llm-gemma-2-9b': 'base (pre-trained) checkpoint; the catalog lists the instruction-tuned model',
  'huggingface-llm-gemma-2-27b': 'base (pre-trained) checkpoint; the catalog lists the instruction-tuned model',
  'huggingface-llm-gemma-2-2b-instruct': 'size not in the catalog',
  'huggingface-llm-phi-3-mini-128k-instruct': 'the 128k variant (other rope scaling): the catalog has the 4k model',
  'huggingface-llm-phi-3-5-mini-instruct': 'Phi-3.5: not in the catalog',
  'huggingface-llm-falcon-7b-bf16': 'base (pre-trained) checkpoint; the catalog lists the instruct model',
  'huggingface-textgeneration-falcon-7b-instruct-bf16': 'duplicate of huggingface-llm-falcon-7b-instruct-bf16 (legacy text-generation container, no context stated); the TGI preset is kept',
  'huggingface-text2text-flan-t5-small': 'size not in the catalog',
  'huggingface-text2text-flan-t5-xl': 'size not in the catalog',
  'huggingface-text2text-flan-t5-xxl': 'size not in the catalog',
  'huggingface-text2text-flan-t5-base-samsum': 'fine-tune of flan-t5-base (SAMSum): not the catalog model',
};

/** Keys that say how the model is served, copied as the spec resolves them for the default instance. */
const SERVING_KEYS = /^(MAX_TOTAL_TOKENS|MAX_INPUT_LENGTH|MAX_INPUT_TOKENS|MAX_BATCH_PREFILL_TOKENS|MAX_BATCH_TOTAL_TOKENS|SM_NUM_GPUS|NUM_SHARD|TENSOR_PARALLEL_DEGREE|HF_MODEL_QUANTIZE|CUDA_GRAPHS|NEURON_RT_NUM_CORES|OPTION_.*)$/;

function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Base environment, then the family variant ("g5"), then the exact type variant ("ml.g5.2xlarge"). */
function resolvedEnvironment(spec: Spec, instanceType: string): Record<string, string> {
  const family = instanceType.split('.')[1];
  const variants = spec.instanceVariants ?? [];
  const layers = [spec.environment, variants.find((v) => v.instanceType === family)?.environment, variants.find((v) => v.instanceType === instanceType)?.environment];
  const env: Record<string, string> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer ?? {})) env[k] = String(v);
  }
  return env;
}

function container(spec: Spec, instanceType: string): string | null {
  const family = instanceType.split('.')[1];
  const variants = spec.instanceVariants ?? [];
  const ref = variants.find((v) => v.instanceType === instanceType)?.imageUri ?? variants.find((v) => v.instanceType === family)?.imageUri;
  const aliases = spec.instanceAliases?.find((a) => a.region === 'us-east-1')?.aliases ?? {};
  const uri = ref?.startsWith('$') ? aliases[ref.slice(1)] : ref;
  return uri ? uri.slice(uri.indexOf('/') + 1) : null;
}

/** CUDA graphs off: OPTION_ENFORCE_EAGER=true for LMI (TGI ignores OPTION_*), CUDA_GRAPHS=0 for TGI. */
function cudaGraphs(env: Record<string, string>, image: string | null): { enforceEager: boolean; enforceEagerBasis: string } {
  const tgi = image?.includes('-tgi') ?? false;
  if (env.CUDA_GRAPHS === '0') return { enforceEager: true, enforceEagerBasis: 'CUDA_GRAPHS=0' };
  if (!tgi && env.OPTION_ENFORCE_EAGER === 'true') return { enforceEager: true, enforceEagerBasis: 'OPTION_ENFORCE_EAGER=true (LMI)' };
  const ignored = tgi && env.OPTION_ENFORCE_EAGER === 'true' ? ' (OPTION_ENFORCE_EAGER is set, but a TGI container does not read it)' : '';
  return { enforceEager: false, enforceEagerBasis: `CUDA graphs not disabled${ignored}` };
}

function toNumber(value: string | undefined): number | null {
  return value === undefined || !/^\d+$/.test(value) ? null : Number(value);
}

export function extract(specs: Readonly<Record<string, Spec>>, commit: string, read: string) {
  const latest = new Map<string, Spec>();
  for (const spec of Object.values(specs)) {
    const seen = latest.get(spec.modelId);
    if (seen === undefined || compareVersions(spec.version, seen.version) > 0) latest.set(spec.modelId, spec);
  }
  const presets = Object.entries(MATCHES).map(([jumpStartModelId, match]) => {
    const spec = latest.get(jumpStartModelId);
    if (spec === undefined) throw new Error(`${jumpStartModelId} is not in the specs`);
    const instanceType = spec.defaultInstanceType;
    const env = resolvedEnvironment(spec, instanceType);
    const contextKey = ['MAX_TOTAL_TOKENS', 'OPTION_MAX_MODEL_LEN'].find((k) => env[k] !== undefined);
    const tpKey = ['SM_NUM_GPUS', 'NUM_SHARD', 'OPTION_TENSOR_PARALLEL_DEGREE', 'TENSOR_PARALLEL_DEGREE'].find((k) => toNumber(env[k]) !== null);
    const quantize = env.HF_MODEL_QUANTIZE ?? env.OPTION_QUANTIZE ?? null;
    const image = container(spec, instanceType);
    return {
      jumpStartModelId,
      version: spec.version,
      catalogModel: match.catalogModel,
      precision: match.precision,
      quantization: quantize,
      precisionBasis: match.precisionBasis,
      defaultInstanceType: instanceType,
      contextTokens: contextKey ? toNumber(env[contextKey]) : null,
      contextBasis: contextKey
        ? `${contextKey}=${env[contextKey]} in the spec environment for ${instanceType}`
        : 'not stated in the spec (no MAX_TOTAL_TOKENS or OPTION_MAX_MODEL_LEN; the prepacked artifact may set it)',
      tensorParallelDegree: tpKey ? toNumber(env[tpKey]) : null,
      tensorParallelBasis: tpKey ? `${tpKey}=${env[tpKey]}` : 'not stated',
      ...cudaGraphs(env, image),
      container: image,
      supportedInstanceTypes: [...spec.instanceTypes].sort(),
      servingEnvironment: Object.fromEntries(Object.entries(env).filter(([k]) => SERVING_KEYS.test(k)).sort(([a], [b]) => a.localeCompare(b))),
    };
  });
  const out = Object.entries(OUT).map(([jumpStartModelId, reason]) => {
    const spec = latest.get(jumpStartModelId);
    if (spec === undefined) throw new Error(`${jumpStartModelId} is not in the specs`);
    return { jumpStartModelId, version: spec.version, reason };
  });
  return {
    header: {
      source: `${SOURCE_REPO}:${SOURCE_PATH} (zlib raw-deflated JSON of the us-east-1 JumpStart model specs, ` +
        'generated by code-generation/generate-jumpstart-models.ts; newest version of each JumpStart model id; ' +
        'environment = base, then instance-family variant, then instance-type variant)',
      commit,
      read,
    },
    presets,
    out,
  };
}

function main(): void {
  const { values } = parseArgs({ options: { specs: { type: 'string' }, commit: { type: 'string' }, read: { type: 'string', default: '2026-12-02' } } });
  if (!values.specs || !values.commit) throw new Error('usage: --specs <jumpstart-models.json> --commit <sha> [--read YYYY-MM-DD]');
  const raw = JSON.parse(fs.readFileSync(values.specs, 'utf8')) as { data: number[] };
  const specs = JSON.parse(zlib.inflateRawSync(Buffer.from(raw.data)).toString('utf8')) as Record<string, Spec>;
  process.stdout.write(`${JSON.stringify(extract(specs, values.commit, values.read), null, 2)}\n`);
}

if (process.argv[1]?.endsWith('extract-jumpstart-presets.ts')) main();
