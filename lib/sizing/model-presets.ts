/**
 * Architecture facts of common open models and the Bedrock ids the catalog knows. Open-model values are
 * from each model's config.json as collected in reference/models.md (read 2026-08; sources there:
 * mlc-ai/mlc-llm model_preset.py, meta-llama/llama-models sku_list.py, Hugging Face config.json copies);
 * every parameter total was re-derived from the config fields. Bedrock ids are from aws-cdk-lib 2.276.0
 * `aws-bedrock` FoundationModelIdentifier.
 */
import { type ModelArchitecture } from './models';

const LLAMA_3_1_70B = {
  parameters: 70_553_706_496, layers: 80, hiddenSize: 8192, intermediateSize: 28672, attentionHeads: 64, kvHeads: 8,
  headDim: 128, maxContextTokens: 131072, vocabSize: 128256, tieWordEmbeddings: false,
} as const;

export const OPEN_MODELS: readonly ModelArchitecture[] = [
  {
    id: 'meta-llama/Llama-3.2-1B-Instruct', parameters: 1_235_814_400, layers: 16, hiddenSize: 2048, intermediateSize: 8192,
    attentionHeads: 32, kvHeads: 8, headDim: 64, maxContextTokens: 131072, vocabSize: 128256, tieWordEmbeddings: true,
  },
  {
    id: 'meta-llama/Llama-3.2-3B-Instruct', parameters: 3_212_749_824, layers: 28, hiddenSize: 3072, intermediateSize: 8192,
    attentionHeads: 24, kvHeads: 8, headDim: 128, maxContextTokens: 131072, vocabSize: 128256, tieWordEmbeddings: true,
  },
  {
    id: 'meta-llama/Llama-3.1-8B-Instruct', parameters: 8_030_261_248, layers: 32, hiddenSize: 4096, intermediateSize: 14336,
    attentionHeads: 32, kvHeads: 8, headDim: 128, maxContextTokens: 131072, vocabSize: 128256, tieWordEmbeddings: false,
  },
  { id: 'meta-llama/Llama-3.1-70B-Instruct', ...LLAMA_3_1_70B },
  // Llama 3.3 70B shares the 3.1 70B architecture (models.md).
  { id: 'meta-llama/Llama-3.3-70B-Instruct', ...LLAMA_3_1_70B },
  {
    id: 'meta-llama/Llama-3.1-405B-Instruct', parameters: 405_853_388_800, layers: 126, hiddenSize: 16384, intermediateSize: 53248,
    attentionHeads: 128, kvHeads: 8, headDim: 128, maxContextTokens: 131072, vocabSize: 128256, tieWordEmbeddings: false,
    // meta-llama/Llama-3.1-405B-Instruct-FP8 quantizes the feed-forward layers only (issue "Sizing you can trust", ⚠ model card as quoted).
    fp8FeedForwardOnly: true,
  },
  {
    id: 'mistralai/Mistral-7B-Instruct-v0.3', parameters: 7_248_023_552, layers: 32, hiddenSize: 4096, intermediateSize: 14336,
    attentionHeads: 32, kvHeads: 8, headDim: 128, maxContextTokens: 32768, vocabSize: 32768, tieWordEmbeddings: false,
  },
  {
    id: 'mistralai/Mixtral-8x7B-Instruct-v0.1', parameters: 46_702_792_704, activeParameters: 12_879_925_248, experts: 8,
    layers: 32, hiddenSize: 4096, intermediateSize: 14336, attentionHeads: 32, kvHeads: 8, headDim: 128,
    maxContextTokens: 32768, vocabSize: 32000, tieWordEmbeddings: false,
    notes: ['Mixture of experts: all 46.7B parameters stay resident; decoding reads only the 12.9B active ones.'],
  },
  ...[
    { id: 'Qwen/Qwen2.5-7B-Instruct', parameters: 7_615_616_512, layers: 28, hiddenSize: 3584, intermediateSize: 18944, attentionHeads: 28, kvHeads: 4 },
    { id: 'Qwen/Qwen2.5-14B-Instruct', parameters: 14_770_033_664, layers: 48, hiddenSize: 5120, intermediateSize: 13824, attentionHeads: 40, kvHeads: 8 },
    { id: 'Qwen/Qwen2.5-32B-Instruct', parameters: 32_763_876_352, layers: 64, hiddenSize: 5120, intermediateSize: 27648, attentionHeads: 40, kvHeads: 8 },
    { id: 'Qwen/Qwen2.5-72B-Instruct', parameters: 72_706_203_648, layers: 80, hiddenSize: 8192, intermediateSize: 29568, attentionHeads: 64, kvHeads: 8 },
  ].map((qwen) => ({
    ...qwen, headDim: 128, maxContextTokens: 32768, vocabSize: 152064, tieWordEmbeddings: false,
    // Model cards advertise 131,072 tokens; config.json says 32,768 and longer needs YaRN rope scaling.
    notes: ['Context above 32,768 tokens needs YaRN rope scaling: describe it as a custom model with a larger maxContextTokens.'],
  })),
  {
    id: 'google/gemma-2-9b-it', parameters: 9_241_705_984, layers: 42, hiddenSize: 3584, intermediateSize: 14336,
    attentionHeads: 16, kvHeads: 8, headDim: 256, maxContextTokens: 8192, vocabSize: 256000, tieWordEmbeddings: true,
    notes: ['Gemma 2 alternates 4,096-token sliding-window and global layers: the KV cache estimate is high beyond 4K tokens.'],
    refusesFp16: true,
  },
  {
    id: 'google/gemma-2-27b-it', parameters: 27_227_128_320, layers: 46, hiddenSize: 4608, intermediateSize: 36864,
    attentionHeads: 32, kvHeads: 16, headDim: 128, maxContextTokens: 8192, vocabSize: 256000, tieWordEmbeddings: true,
    notes: ['Gemma 2 alternates 4,096-token sliding-window and global layers: the KV cache estimate is high beyond 4K tokens.'],
    refusesFp16: true,
  },
  {
    id: 'microsoft/Phi-3-mini-4k-instruct', parameters: 3_821_079_552, layers: 32, hiddenSize: 3072, intermediateSize: 8192,
    attentionHeads: 32, kvHeads: 32, headDim: 96, maxContextTokens: 4096, vocabSize: 32064, tieWordEmbeddings: false,
  },
  {
    // ⚠ intermediate size, tied embeddings and context length were not read directly (models.md marks them "?"),
    // so the context length is left unchecked.
    id: 'tiiuae/falcon-7b-instruct', parameters: 6_921_720_704, layers: 32, hiddenSize: 4544, intermediateSize: 18176,
    attentionHeads: 71, kvHeads: 1, headDim: 64, vocabSize: 65024, tieWordEmbeddings: true,
    notes: ['Multi-query attention with 71 heads: tensor parallelism is limited to 1.'],
  },
  {
    // Encoder-decoder: the KV cache belongs to the 12 decoder layers. Relative positions: no hard context limit.
    id: 'google/flan-t5-base', parameters: 247_577_856, layers: 12, encoderLayers: 12, hiddenSize: 768, intermediateSize: 2048,
    attentionHeads: 12, kvHeads: 12, headDim: 64, vocabSize: 32128, tieWordEmbeddings: false,
    notes: ['Trained on 512-token inputs (relative positions): longer inputs work but quality drops.'],
  },
  {
    id: 'google/flan-t5-large', parameters: 783_150_080, layers: 24, encoderLayers: 24, hiddenSize: 1024, intermediateSize: 2816,
    attentionHeads: 16, kvHeads: 16, headDim: 64, vocabSize: 32128, tieWordEmbeddings: false,
    notes: ['Trained on 512-token inputs (relative positions): longer inputs work but quality drops.'],
  },
];

/** Bedrock foundation models: selectable, never sized. */
export const BEDROCK_MODELS: readonly { readonly id: string; readonly openWeightsId?: string }[] = [
  { id: 'amazon.nova-micro-v1:0' },
  { id: 'amazon.nova-lite-v1:0' },
  { id: 'amazon.nova-pro-v1:0' },
  { id: 'amazon.titan-text-express-v1' },
  { id: 'anthropic.claude-3-haiku-20240307-v1:0' },
  { id: 'anthropic.claude-3-5-haiku-20241022-v1:0' },
  { id: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
  { id: 'anthropic.claude-3-5-sonnet-20241022-v2:0' },
  { id: 'anthropic.claude-3-7-sonnet-20250219-v1:0' },
  { id: 'anthropic.claude-sonnet-4-20250514-v1:0' },
  { id: 'anthropic.claude-sonnet-4-5-20250929-v1:0' },
  { id: 'anthropic.claude-haiku-4-5-20251001-v1:0' },
  { id: 'meta.llama3-1-8b-instruct-v1:0', openWeightsId: 'meta-llama/Llama-3.1-8B-Instruct' },
  { id: 'meta.llama3-1-70b-instruct-v1:0', openWeightsId: 'meta-llama/Llama-3.1-70B-Instruct' },
  { id: 'meta.llama3-1-405b-instruct-v1:0', openWeightsId: 'meta-llama/Llama-3.1-405B-Instruct' },
  { id: 'meta.llama3-3-70b-instruct-v1:0', openWeightsId: 'meta-llama/Llama-3.3-70B-Instruct' },
  { id: 'mistral.mistral-7b-instruct-v0:2' },
  { id: 'mistral.mixtral-8x7b-instruct-v0:1', openWeightsId: 'mistralai/Mixtral-8x7B-Instruct-v0.1' },
];
