/**
 * Converse API features of each Bedrock model id the kit's catalog knows (lib/sizing/model-presets.ts
 * BEDROCK_MODELS).
 *
 * Sources (read 2026-12-02):
 * - Amazon Bedrock user guide, "Supported models and model features"
 *   (docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html), table
 *   Model | Converse | ConverseStream | System prompts | Document chat | Vision | Tool use | Streaming tool use |
 *   Guardrails. Read through the search index: the English page (rows up to Claude 3.5 Sonnet v2 in full), its
 *   zh_CN and ko_KR copies (same revision: Claude 3.7 Sonnet, 3.5 Haiku, Sonnet 4, Opus 4/4.1 rows) and a zh_TW copy
 *   of an older revision (Meta Llama and Mistral rows). Translations carry the same Yes/No cells.
 * - No revision read has rows for Claude Sonnet 4.5, Claude Haiku 4.5 or Meta Llama 3.3: those rows are inferred
 *   (see `inferredFrom`) and flagged `unconfirmed`.
 * - Streaming tool use on Meta models: ConverseStream with toolConfig answers "ValidationException: This model
 *   doesn't support tool use in streaming mode" (shared/reference/compatibility-facts.md; n8n-io/n8n#14206 for
 *   us.meta.llama3-3-70b-instruct-v1:0; langchain-aws `libs/aws/langchain_aws/chat_models/bedrock_converse.py`
 *   set_disable_streaming: "All Meta Llama models" and "All Mistral models" stream only without tools).
 */
import { type SourceRef, sourced } from './source';

/** A cell of the table; `limited` is the table's "Limited. No chat support." */
export type FeatureSupport = 'yes' | 'no' | 'limited';

export interface ConverseFeatures {
  readonly converse: FeatureSupport;
  readonly converseStream: FeatureSupport;
  readonly systemPrompts: FeatureSupport;
  readonly documentChat: FeatureSupport;
  readonly vision: FeatureSupport;
  readonly toolUse: FeatureSupport;
  readonly streamingToolUse: FeatureSupport;
  readonly guardrails: FeatureSupport;
}

export type ConverseFeature = keyof ConverseFeatures;

export interface BedrockModelFacts extends SourceRef {
  /** Base model id, e.g. `meta.llama3-1-8b-instruct-v1:0`. */
  readonly modelId: string;
  /** The table row the features come from, e.g. `Meta Llama 3.1`. */
  readonly tableRow: string;
  readonly features: ConverseFeatures;
  /** `documented`: the row is in the table; `inferred`: copied from `inferredFrom`, not in any revision read. */
  readonly status: 'documented' | 'inferred';
  readonly inferredFrom?: string;
}

/** What ConverseStream answers when toolConfig is sent to a model without streaming tool use. */
export const STREAMING_TOOL_USE_ERROR = "ValidationException: This model doesn't support tool use in streaming mode";

const PAGE = 'Amazon Bedrock user guide "Supported models and model features" ' +
  '(docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html)';

// Cells in table order: Converse, ConverseStream, System prompts, Document chat, Vision, Tool use, Streaming tool use, Guardrails.
function cells(...values: readonly FeatureSupport[]): ConverseFeatures {
  if (values.length !== 8) throw new Error('A Converse feature row has 8 cells.');
  const [converse, converseStream, systemPrompts, documentChat, vision, toolUse, streamingToolUse, guardrails] = values as [
    FeatureSupport, FeatureSupport, FeatureSupport, FeatureSupport, FeatureSupport, FeatureSupport, FeatureSupport, FeatureSupport];
  return { converse, converseStream, systemPrompts, documentChat, vision, toolUse, streamingToolUse, guardrails };
}

const Y = 'yes';
const N = 'no';

/** Table rows the kit's models map to, with the copy of the page each was read in. */
const ROWS = {
  'Amazon Nova Pro': { features: cells(Y, Y, Y, Y, Y, Y, Y, Y), copy: 'English page' },
  'Amazon Nova Lite': { features: cells(Y, Y, Y, Y, Y, Y, Y, Y), copy: 'English page' },
  'Amazon Nova Micro': { features: cells(Y, Y, Y, N, N, Y, Y, Y), copy: 'English page' },
  'Amazon Titan models': { features: cells(Y, Y, N, Y, N, N, N, Y), copy: 'English page; document chat "Yes (except Titan Text Premier)"' },
  'Anthropic Claude 3 models': { features: cells(Y, Y, Y, Y, Y, Y, Y, Y), copy: 'English page' },
  'Anthropic Claude 3.5 Sonnet': { features: cells(Y, Y, Y, Y, Y, Y, Y, Y), copy: 'English page' },
  'Anthropic Claude 3.5 Sonnet v2': { features: cells(Y, Y, Y, Y, Y, Y, Y, Y), copy: 'English page' },
  'Anthropic Claude 3.7 Sonnet': { features: cells(Y, Y, Y, Y, Y, Y, Y, Y), copy: 'zh_CN and ko_KR copies (English row cut off in the index)' },
  'Anthropic Claude 3.5 Haiku': { features: cells(Y, Y, Y, Y, N, Y, Y, N), copy: 'zh_CN and ko_KR copies' },
  'Anthropic Claude Sonnet 4': { features: cells(Y, Y, Y, Y, Y, Y, Y, N), copy: 'zh_CN and ko_KR copies' },
  'Meta Llama 3.1': { features: cells(Y, Y, Y, Y, N, Y, N, Y), copy: 'zh_TW copy of an older revision' },
  'Mistral AI Instruct': { features: cells(Y, Y, N, Y, N, N, N, Y), copy: 'zh_TW copy of an older revision' },
} as const satisfies Record<string, { features: ConverseFeatures; copy: string }>;

type TableRow = keyof typeof ROWS;

function documented(modelId: string, tableRow: TableRow): BedrockModelFacts {
  return { modelId, tableRow, features: ROWS[tableRow].features, status: 'documented', ...sourced(`${PAGE}, row "${tableRow}" (${ROWS[tableRow].copy})`) };
}

function inferred(modelId: string, tableRow: string, from: TableRow, extraSource = ''): BedrockModelFacts {
  return {
    modelId, tableRow, features: ROWS[from].features, status: 'inferred', inferredFrom: from,
    ...sourced(`${PAGE}, row "${from}"${extraSource}`, `No row "${tableRow}" in the revisions read; the features of "${from}" are assumed.`),
  };
}

/** One row per Bedrock model id of the kit's catalog. */
export const BEDROCK_MODEL_FACTS: readonly BedrockModelFacts[] = [
  documented('amazon.nova-micro-v1:0', 'Amazon Nova Micro'),
  documented('amazon.nova-lite-v1:0', 'Amazon Nova Lite'),
  documented('amazon.nova-pro-v1:0', 'Amazon Nova Pro'),
  documented('amazon.titan-text-express-v1', 'Amazon Titan models'),
  documented('anthropic.claude-3-haiku-20240307-v1:0', 'Anthropic Claude 3 models'),
  documented('anthropic.claude-3-5-haiku-20241022-v1:0', 'Anthropic Claude 3.5 Haiku'),
  documented('anthropic.claude-3-5-sonnet-20240620-v1:0', 'Anthropic Claude 3.5 Sonnet'),
  documented('anthropic.claude-3-5-sonnet-20241022-v2:0', 'Anthropic Claude 3.5 Sonnet v2'),
  documented('anthropic.claude-3-7-sonnet-20250219-v1:0', 'Anthropic Claude 3.7 Sonnet'),
  documented('anthropic.claude-sonnet-4-20250514-v1:0', 'Anthropic Claude Sonnet 4'),
  inferred('anthropic.claude-sonnet-4-5-20250929-v1:0', 'Anthropic Claude Sonnet 4.5', 'Anthropic Claude Sonnet 4'),
  inferred('anthropic.claude-haiku-4-5-20251001-v1:0', 'Anthropic Claude Haiku 4.5', 'Anthropic Claude Sonnet 4'),
  documented('meta.llama3-1-8b-instruct-v1:0', 'Meta Llama 3.1'),
  documented('meta.llama3-1-70b-instruct-v1:0', 'Meta Llama 3.1'),
  documented('meta.llama3-1-405b-instruct-v1:0', 'Meta Llama 3.1'),
  inferred('meta.llama3-3-70b-instruct-v1:0', 'Meta Llama 3.3', 'Meta Llama 3.1',
    `; streaming tool use "no" observed: n8n-io/n8n#14206 ("${STREAMING_TOOL_USE_ERROR}" for us.meta.llama3-3-70b-instruct-v1:0)`),
  documented('mistral.mistral-7b-instruct-v0:2', 'Mistral AI Instruct'),
  documented('mistral.mixtral-8x7b-instruct-v0:1', 'Mistral AI Instruct'),
];

/**
 * The base model id of an id as a request may name it: a cross-Region inference profile prefix (`us.`, `eu.`,
 * `apac.`, `global.`, ...) and a context-window suffix (`:128k`) are removed.
 */
export function baseModelId(modelId: string): string {
  return modelId.replace(/^(us|us-gov|eu|apac|jp|au|ca|global)\./, '').replace(/:\d+k$/, '');
}

/** The Converse facts of a model id (base id, inference profile id or `:NNk` variant); undefined if unknown. */
export function bedrockModelFacts(modelId: string): BedrockModelFacts | undefined {
  const base = baseModelId(modelId);
  return BEDROCK_MODEL_FACTS.find((m) => m.modelId === base);
}

/** Whether a model supports a Converse feature; undefined for an unknown model. */
export function converseFeature(modelId: string, feature: ConverseFeature): FeatureSupport | undefined {
  return bedrockModelFacts(modelId)?.features[feature];
}
