/**
 * Amazon Bedrock model customization (CreateModelCustomizationJob) facts as sourced data, and the check that
 * turns an environment asking to customize a base model where Bedrock cannot into a `cdk synth` error.
 *
 * Every row names the Amazon Bedrock User Guide pages it was read from (all read 2026-12-02):
 *
 * - Regions and customization model ids:
 *   - "Customize a model with fine-tuning in Amazon Bedrock" (current edition,
 *     https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-fine-tuning.html): Nova 2 Lite, Nova Lite,
 *     Nova Micro, Nova Pro (us-east-1); Claude 3 Haiku, Llama 3.1 8B/70B, Llama 3.2 1B/3B/11B/90B, Llama 3.3 70B
 *     (us-west-2). This edition has no continued pre-training table and no Titan Text rows.
 *   - "Supported models and Regions for fine-tuning and continued pre-training" (earlier edition,
 *     https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-supported.html): Titan Text G1 - Express
 *     (amazon.titan-text-express-v1:0:8k) and Lite (amazon.titan-text-lite-v1:0:4k), fine-tuning and continued
 *     pre-training, us-east-1 and us-west-2. The Titan rows are `unconfirmed`: the current edition no longer lists
 *     them, so whether Bedrock still offers them could not be confirmed.
 * - Hyperparameters ("Custom model hyperparameters" section):
 *   - "Amazon Titan text model customization hyperparameters" (cm-hp-titan-text; the Lite/Express table was cut off
 *     in the English copy and read in AWS's ja_JP, zh_CN, zh_TW and ko_KR editions, which agree).
 *   - "Amazon Nova Understanding model customization hyperparameters" (cm-hp-nova-mm).
 *   - "Anthropic Claude 3 model customization hyperparameters" (cm-hp-anth-claude-3).
 *   - "Meta Llama 3.1 model customization hyperparameters" (cm-hp-meta-llama31).
 *   - "Meta Llama 3.2 model customization hyperparameters" (cm-hp-meta-llama32; the English copy was not in the
 *     store, read in AWS's pt_BR, it_IT, de_DE and id_ID editions, which agree).
 *   Where a page has no Type column (Llama 3.x, Claude 3), counts (epochs, batch size, patience) are taken as whole
 *   numbers. No hyperparameter page was found for Nova 2 Lite or Llama 3.3 70B: their ranges are `unconfirmed` and
 *   not checked.
 * - Training data formats:
 *   - "Prepare your training datasets for fine-tuning and continued pre-training" (model-customization-prepare):
 *     Titan Text Express/Lite/Premier, Cohere Command/Light and Llama 3.1 8B/70B are non-conversational
 *     (prompt/completion); Claude 3 and Llama 3.2 1B/3B/11B/90B take the Converse messages format.
 *   - "Prepare data for fine-tuning text-to-text models" (preparing-text-data): the prompt/completion and the
 *     Converse (`bedrock-conversation-2024`) shapes; Claude 3 Haiku takes single-turn conversations only.
 *   - "Supervised fine-tuning on Amazon Nova 2.0" (nova-2-sft-data-prep): Nova 2.0 uses "the same Converse API
 *     format as Amazon Nova 1.0". Llama 3.3 70B is on no format list read: its format is `unconfirmed`, not checked.
 *   - The continued pre-training record shape (`input`) was not re-read in this pass; it is not checked.
 * - Base (foundation) model ids: "Amazon Titan Text models" (titan-text-models: amazon.titan-text-express-v1,
 *   amazon.titan-text-lite-v1) and "Supported Regions and models for model copy" (amazon.nova-*-v1:0).
 * - Metrics files: "Analyze the results of a model customization job" (model-customization-analyze; the column
 *   list was cut off in the English copy and read in AWS's ja_JP edition).
 * - Cohere Command and Command Light are not catalogued: the current fine-tuning table does not list them, and
 *   Cohere's "Fine-tuning Cohere Models on Amazon Bedrock" (docs.cohere.com) says its fine-tuning feature "was
 *   deprecated on September 15, 2025". Asking for them is reported as retired.
 *
 * Not covered: image and embedding models (Nova Canvas, Titan Image Generator, Titan Multimodal Embeddings), Titan
 * Text Premier (on no region table read), and distillation or reinforcement fine-tuning pairings (other pages).
 */
import { DatasetFormat } from '../datasets/formats';
import { didYouMean, showValue as show } from '../util/did-you-mean';
import { Token } from 'aws-cdk-lib';

/** The customizationType values CreateModelCustomizationJob accepts. */
export type BedrockCustomizationType = 'FINE_TUNING' | 'CONTINUED_PRE_TRAINING' | 'DISTILLATION' | 'REINFORCEMENT_FINE_TUNING';

/** Training record shapes: prompt/completion, Converse messages, or unlabelled `input` text (continued pre-training). */
export type BedrockTrainingDataFormat = 'prompt-completion' | 'messages' | 'input';

/** Every customizationType value, as the API spells it. */
export const BEDROCK_CUSTOMIZATION_TYPES: readonly BedrockCustomizationType[] = ['FINE_TUNING', 'CONTINUED_PRE_TRAINING', 'DISTILLATION', 'REINFORCEMENT_FINE_TUNING'];

/** One hyperparameter of CreateModelCustomizationJob (values are sent as strings). */
export interface HyperParameterRange {
  /** The API name, e.g. `epochCount`. */
  readonly name: string;
  readonly min?: number;
  readonly max?: number;
  readonly default?: number;
  /** The value must be a whole number. */
  readonly integer?: boolean;
  /** String values accepted besides (or instead of) a number. */
  readonly allowed?: readonly string[];
}

/** Which fields of a row could not be confirmed in a primary source; checks skip these fields. */
export type UnconfirmedField = 'baseModelId' | 'regions' | 'trainingDataFormat' | 'hyperParameters';

/** One base model Bedrock can customize. */
export interface BedrockCustomizationModel {
  /** The foundation model id users know, e.g. meta.llama3-1-8b-instruct-v1:0. */
  readonly baseModelId: string;
  /** The id CreateModelCustomizationJob takes as baseModelIdentifier, e.g. meta.llama3-1-8b-instruct-v1:0:128k. */
  readonly customizationModelId: string;
  /** The model's name as the user guide writes it. */
  readonly name: string;
  /** The regions where Bedrock customizes this model (single-region model support). */
  readonly regions: readonly string[];
  readonly customizationTypes: readonly BedrockCustomizationType[];
  /** The fine-tuning record shape ('input' is continued pre-training). */
  readonly trainingDataFormat: BedrockTrainingDataFormat;
  readonly hyperParameters: readonly HyperParameterRange[];
  /** The user guide page titles this row was read from, `; `-separated. */
  readonly source: string;
  /** The page per fact, for messages. */
  readonly sources: { readonly regions: string; readonly hyperParameters: string; readonly trainingDataFormat: string };
  /** When the pages were read (ISO date). */
  readonly read: string;
  /** Some of this row is not confirmed in a primary source (see `unconfirmedFields` and `note`). */
  readonly unconfirmed?: boolean;
  /** The fields not confirmed; the check does not enforce them. */
  readonly unconfirmedFields?: readonly UnconfirmedField[];
  /** What is unconfirmed and why. */
  readonly note?: string;
}

const READ = '2026-12-02';

const PAGE_FINE_TUNING = 'Customize a model with fine-tuning in Amazon Bedrock';
const PAGE_SUPPORTED_EARLIER = 'Supported models and Regions for fine-tuning and continued pre-training (earlier edition)';
const PAGE_PREPARE = 'Prepare your training datasets for fine-tuning and continued pre-training';
const PAGE_PREPARE_TEXT = 'Prepare data for fine-tuning text-to-text models';
const PAGE_NOVA2_SFT = 'Supervised fine-tuning on Amazon Nova 2.0';
const PAGE_HP_TITAN = 'Amazon Titan text model customization hyperparameters';
const PAGE_HP_NOVA = 'Amazon Nova Understanding model customization hyperparameters';
const PAGE_HP_CLAUDE3 = 'Anthropic Claude 3 model customization hyperparameters';
const PAGE_HP_LLAMA31 = 'Meta Llama 3.1 model customization hyperparameters';
const PAGE_HP_LLAMA32 = 'Meta Llama 3.2 model customization hyperparameters';
const PAGE_ANALYZE = 'Analyze the results of a model customization job';
const NO_HP_PAGE = '(no hyperparameter page found)';
const NO_FORMAT_PAGE = '(on no training-data format list read)';

/** Titan Text G1 - Express and Lite (PAGE_HP_TITAN, second table). */
const TITAN_TEXT_HP: readonly HyperParameterRange[] = [
  { name: 'epochCount', min: 1, max: 10, default: 5, integer: true },
  { name: 'batchSize', min: 1, max: 64, default: 1, integer: true },
  { name: 'learningRate', min: 0, max: 1, default: 1e-5 },
  { name: 'learningRateWarmupSteps', min: 0, max: 250, default: 5, integer: true },
];

/** Nova Micro, Lite and Pro (PAGE_HP_NOVA): three hyperparameters, no batch size. */
const NOVA_HP: readonly HyperParameterRange[] = [
  { name: 'epochCount', min: 1, max: 5, default: 2, integer: true },
  { name: 'learningRate', min: 1e-6, max: 1e-4, default: 1e-5 },
  { name: 'learningRateWarmupSteps', min: 0, max: 100, default: 10, integer: true },
];

/** Claude 3 (PAGE_HP_CLAUDE3). */
const CLAUDE3_HP: readonly HyperParameterRange[] = [
  { name: 'epochCount', min: 1, max: 10, default: 2, integer: true },
  { name: 'batchSize', min: 4, max: 256, default: 32, integer: true },
  { name: 'learningRateMultiplier', min: 0.1, max: 2, default: 1 },
  { name: 'earlyStoppingThreshold', min: 0, max: 0.1, default: 0.001 },
  { name: 'earlyStoppingPatience', min: 1, max: 10, default: 2, integer: true },
];

/** Llama 3.1 8B/70B (PAGE_HP_LLAMA31) and Llama 3.2 1B/3B/11B/90B (PAGE_HP_LLAMA32): the same three rows. */
const LLAMA3_HP: readonly HyperParameterRange[] = [
  { name: 'epochCount', min: 1, max: 10, default: 5, integer: true },
  { name: 'batchSize', min: 1, max: 1, default: 1, integer: true },
  { name: 'learningRate', min: 5e-6, max: 0.1, default: 1e-4 },
];

interface RowSpec {
  readonly baseModelId: string;
  readonly customizationModelId: string;
  readonly name: string;
  readonly regions: readonly string[];
  readonly customizationTypes: readonly BedrockCustomizationType[];
  readonly trainingDataFormat: BedrockTrainingDataFormat;
  readonly hyperParameters: readonly HyperParameterRange[];
  readonly sources: BedrockCustomizationModel['sources'];
  readonly unconfirmedFields?: readonly UnconfirmedField[];
  readonly unconfirmed?: boolean;
  readonly note?: string;
}

function row(spec: RowSpec): BedrockCustomizationModel {
  const titles = [...new Set([spec.sources.regions, spec.sources.hyperParameters, spec.sources.trainingDataFormat])].filter((t) => !t.startsWith('('));
  const unconfirmed = spec.unconfirmed === true || (spec.unconfirmedFields?.length ?? 0) > 0;
  return Object.freeze({
    ...spec,
    source: titles.join('; '),
    read: READ,
    ...(unconfirmed ? { unconfirmed: true } : {}),
  });
}

const TITAN_NOTE = `listed (fine-tuning and continued pre-training, us-east-1 and us-west-2) in the earlier edition of "${PAGE_SUPPORTED_EARLIER.replace(' (earlier edition)', '')}", absent from the current "${PAGE_FINE_TUNING}": whether Bedrock still customizes it is unconfirmed`;

const NOVA_SOURCES = { regions: PAGE_FINE_TUNING, hyperParameters: PAGE_HP_NOVA, trainingDataFormat: PAGE_NOVA2_SFT } as const;
const LLAMA31_SOURCES = { regions: PAGE_FINE_TUNING, hyperParameters: PAGE_HP_LLAMA31, trainingDataFormat: PAGE_PREPARE } as const;
const LLAMA32_SOURCES = { regions: PAGE_FINE_TUNING, hyperParameters: PAGE_HP_LLAMA32, trainingDataFormat: PAGE_PREPARE } as const;

/** The base models Bedrock customizes, as read from the user guide (see the header for the pages). */
export const BEDROCK_CUSTOMIZATION_MODELS: readonly BedrockCustomizationModel[] = Object.freeze([
  row({
    baseModelId: 'amazon.titan-text-express-v1', customizationModelId: 'amazon.titan-text-express-v1:0:8k', name: 'Amazon Titan Text G1 - Express',
    regions: ['us-east-1', 'us-west-2'], customizationTypes: ['FINE_TUNING', 'CONTINUED_PRE_TRAINING'], trainingDataFormat: 'prompt-completion',
    hyperParameters: TITAN_TEXT_HP, sources: { regions: PAGE_SUPPORTED_EARLIER, hyperParameters: PAGE_HP_TITAN, trainingDataFormat: PAGE_PREPARE },
    unconfirmed: true, note: TITAN_NOTE,
  }),
  row({
    baseModelId: 'amazon.titan-text-lite-v1', customizationModelId: 'amazon.titan-text-lite-v1:0:4k', name: 'Amazon Titan Text G1 - Lite',
    regions: ['us-east-1', 'us-west-2'], customizationTypes: ['FINE_TUNING', 'CONTINUED_PRE_TRAINING'], trainingDataFormat: 'prompt-completion',
    hyperParameters: TITAN_TEXT_HP, sources: { regions: PAGE_SUPPORTED_EARLIER, hyperParameters: PAGE_HP_TITAN, trainingDataFormat: PAGE_PREPARE },
    unconfirmed: true, note: TITAN_NOTE,
  }),
  row({
    baseModelId: 'amazon.nova-micro-v1:0', customizationModelId: 'amazon.nova-micro-v1:0:128k', name: 'Amazon Nova Micro',
    regions: ['us-east-1'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'messages', hyperParameters: NOVA_HP, sources: NOVA_SOURCES,
  }),
  row({
    baseModelId: 'amazon.nova-lite-v1:0', customizationModelId: 'amazon.nova-lite-v1:0:300k', name: 'Amazon Nova Lite',
    regions: ['us-east-1'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'messages', hyperParameters: NOVA_HP, sources: NOVA_SOURCES,
  }),
  row({
    baseModelId: 'amazon.nova-pro-v1:0', customizationModelId: 'amazon.nova-pro-v1:0:300k', name: 'Amazon Nova Pro',
    regions: ['us-east-1'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'messages', hyperParameters: NOVA_HP, sources: NOVA_SOURCES,
  }),
  row({
    baseModelId: 'amazon.nova-2-lite-v1:0', customizationModelId: 'amazon.nova-2-lite-v1:0:256k', name: 'Amazon Nova 2 Lite',
    regions: ['us-east-1'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'messages', hyperParameters: [],
    sources: { regions: PAGE_FINE_TUNING, hyperParameters: NO_HP_PAGE, trainingDataFormat: PAGE_NOVA2_SFT },
    unconfirmedFields: ['baseModelId', 'hyperParameters'],
    note: 'no hyperparameter page was found, so ranges are not checked; the base id is the customization id without its ":256k" context suffix',
  }),
  row({
    baseModelId: 'anthropic.claude-3-haiku-20240307-v1:0', customizationModelId: 'anthropic.claude-3-haiku-20240307-v1:0:200k', name: 'Anthropic Claude 3 Haiku',
    regions: ['us-west-2'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'messages', hyperParameters: CLAUDE3_HP,
    sources: { regions: PAGE_FINE_TUNING, hyperParameters: PAGE_HP_CLAUDE3, trainingDataFormat: PAGE_PREPARE_TEXT },
    note: 'single-turn conversations only',
  }),
  row({
    baseModelId: 'meta.llama3-1-8b-instruct-v1:0', customizationModelId: 'meta.llama3-1-8b-instruct-v1:0:128k', name: 'Meta Llama 3.1 8B Instruct',
    regions: ['us-west-2'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'prompt-completion', hyperParameters: LLAMA3_HP, sources: LLAMA31_SOURCES,
  }),
  row({
    baseModelId: 'meta.llama3-1-70b-instruct-v1:0', customizationModelId: 'meta.llama3-1-70b-instruct-v1:0:128k', name: 'Meta Llama 3.1 70B Instruct',
    regions: ['us-west-2'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'prompt-completion', hyperParameters: LLAMA3_HP, sources: LLAMA31_SOURCES,
  }),
  row({
    baseModelId: 'meta.llama3-2-1b-instruct-v1:0', customizationModelId: 'meta.llama3-2-1b-instruct-v1:0:128k', name: 'Meta Llama 3.2 1B Instruct',
    regions: ['us-west-2'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'messages', hyperParameters: LLAMA3_HP, sources: LLAMA32_SOURCES,
  }),
  row({
    baseModelId: 'meta.llama3-2-3b-instruct-v1:0', customizationModelId: 'meta.llama3-2-3b-instruct-v1:0:128k', name: 'Meta Llama 3.2 3B Instruct',
    regions: ['us-west-2'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'messages', hyperParameters: LLAMA3_HP, sources: LLAMA32_SOURCES,
  }),
  row({
    baseModelId: 'meta.llama3-2-11b-instruct-v1:0', customizationModelId: 'meta.llama3-2-11b-instruct-v1:0:128k', name: 'Meta Llama 3.2 11B Instruct',
    regions: ['us-west-2'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'messages', hyperParameters: LLAMA3_HP, sources: LLAMA32_SOURCES,
    note: 'vision model: text and image records in the Converse format',
  }),
  row({
    baseModelId: 'meta.llama3-2-90b-instruct-v1:0', customizationModelId: 'meta.llama3-2-90b-instruct-v1:0:128k', name: 'Meta Llama 3.2 90B Instruct',
    regions: ['us-west-2'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'messages', hyperParameters: LLAMA3_HP, sources: LLAMA32_SOURCES,
    note: 'vision model: text and image records in the Converse format',
  }),
  row({
    baseModelId: 'meta.llama3-3-70b-instruct-v1:0', customizationModelId: 'meta.llama3-3-70b-instruct-v1:0:128k', name: 'Meta Llama 3.3 70B Instruct',
    regions: ['us-west-2'], customizationTypes: ['FINE_TUNING'], trainingDataFormat: 'messages', hyperParameters: [],
    sources: { regions: PAGE_FINE_TUNING, hyperParameters: NO_HP_PAGE, trainingDataFormat: NO_FORMAT_PAGE },
    unconfirmedFields: ['trainingDataFormat', 'hyperParameters'],
    note: 'only the region table lists it: the training data format and the hyperparameter ranges are unconfirmed and not checked',
  }),
]);

/** Base models whose Bedrock customization was retired, with why (checked before "not in the catalog"). */
export const BEDROCK_CUSTOMIZATION_RETIRED: Readonly<Record<string, string>> = Object.freeze({
  'cohere.command-text-v14': 'Cohere Command: Cohere\'s fine-tuning "was deprecated on September 15, 2025" ("Fine-tuning Cohere Models on Amazon Bedrock", docs.cohere.com, read 2026-12-02) and the current fine-tuning table no longer lists it',
  'cohere.command-light-text-v14': 'Cohere Command Light: Cohere\'s fine-tuning "was deprecated on September 15, 2025" ("Fine-tuning Cohere Models on Amazon Bedrock", docs.cohere.com, read 2026-12-02) and the current fine-tuning table no longer lists it',
});

/**
 * The columns of `validation_metrics.csv` in a job's output (`validation_artifacts/post_fine_tuning_validation/`):
 * the training file's columns with validation_loss in place of training_loss. Source: "Analyze the results of a
 * model customization job" (read 2026-12-02, ja_JP edition).
 */
export const BEDROCK_CUSTOMIZATION_VALIDATION_METRICS_COLUMNS = ['step_number', 'epoch_number', 'validation_loss', 'perplexity'] as const;

/** The columns of `training_artifacts/step_wise_training_metrics.csv`; same source as the validation columns. */
export const BEDROCK_CUSTOMIZATION_TRAINING_METRICS_COLUMNS = ['step_number', 'epoch_number', 'training_loss', 'perplexity'] as const;

/** The page the metrics columns were read from. */
export const BEDROCK_CUSTOMIZATION_METRICS_SOURCE = PAGE_ANALYZE;

const BY_ID: ReadonlyMap<string, BedrockCustomizationModel> = new Map(
  BEDROCK_CUSTOMIZATION_MODELS.flatMap((m) => [[m.baseModelId, m], [m.customizationModelId, m]] as const),
);

/** `arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-1-8b-instruct-v1:0` -> the model id; ids unchanged. */
function stripArn(id: string): string {
  const at = id.indexOf(':foundation-model/');
  return id.startsWith('arn:') && at >= 0 ? id.slice(at + ':foundation-model/'.length) : id;
}

/** The kit's dataset formats of each Bedrock training data format (the record shape the validator checks). */
const DATASET_FORMATS: Readonly<Record<BedrockTrainingDataFormat, DatasetFormat>> = { 'prompt-completion': DatasetFormat.SFT, 'messages': DatasetFormat.CHAT, 'input': DatasetFormat.PRETRAIN };

/** The dataset format Bedrock customizes this model with, in the kit's names; undefined for a model not in the catalog. */
export function bedrockDatasetFormat(baseModelId: string): DatasetFormat | undefined {
  const model = findCustomizationModel(baseModelId);
  return model ? datasetFormatOf(model) : undefined;
}

/** The dataset format of a catalog row, in the kit's names. */
export function datasetFormatOf(model: BedrockCustomizationModel): DatasetFormat {
  return DATASET_FORMATS[model.trainingDataFormat];
}

/** The catalog row for a base model id or a customization model id (or a foundation-model ARN of either). */
export function findCustomizationModel(id: string): BedrockCustomizationModel | undefined {
  return BY_ID.get(stripArn(id.trim()));
}

/** The id to send to Bedrock as baseModelIdentifier: the catalog's customization id; unresolved tokens unchanged. */
export function customizationModelIdentifier(baseModelId: string): string {
  if (Token.isUnresolved(baseModelId)) return baseModelId;
  const model = findCustomizationModel(baseModelId);
  if (!model) {
    throw new Error(`"${baseModelId}" is not a Bedrock model the customization catalog knows; known: ${catalogIds()}`);
  }
  return model.customizationModelId;
}

/** What `checkBedrockCustomization` looks at. */
export interface BedrockCustomizationRequest {
  readonly baseModelId: string;
  readonly region: string;
  /** @default 'FINE_TUNING' */
  readonly customizationType?: string;
  /** As sent to CreateModelCustomizationJob: names to string values. */
  readonly hyperParameters?: Readonly<Record<string, string>>;
  /** 'prompt-completion' | 'messages' | 'input', or the kit's dataset format names 'sft' | 'chat' | 'pretrain'. */
  readonly trainingDataFormat?: string;
}

const FORMAT_ALIASES: Readonly<Record<string, BedrockTrainingDataFormat>> = {
  'prompt-completion': 'prompt-completion', sft: 'prompt-completion',
  messages: 'messages', chat: 'messages', conversation: 'messages',
  input: 'input', pretrain: 'input',
};

const FORMAT_WORDS: Readonly<Record<BedrockTrainingDataFormat, string>> = {
  'prompt-completion': 'prompt/completion records ({"prompt": ..., "completion": ...}, the "sft" dataset format)',
  messages: 'Converse messages records ({"schemaVersion": "bedrock-conversation-2024", "messages": [...]}, the "chat" dataset format)',
  input: 'unlabelled {"input": ...} records (the "pretrain" dataset format)',
};

/**
 * Every problem with a Bedrock customization request, at once: each names the field path (`adaptation.baseModel`,
 * `adaptation.hyperParameters.epochCount`, ...), the value, what is allowed, the source page and what to do.
 * An unresolved CDK token region is not checked. Empty when the request is fine.
 */
export function checkBedrockCustomization(input: BedrockCustomizationRequest, field = 'adaptation'): string[] {
  const problems: string[] = [];
  const add = (path: string, value: unknown, message: string, fix: string): void => {
    problems.push(`${path}: ${show(value)} ${message}. Fix: ${fix}`);
  };
  const modelPath = `${field}.baseModel`;
  const { baseModelId, region } = input;

  const type = input.customizationType ?? 'FINE_TUNING';
  const knownType = (BEDROCK_CUSTOMIZATION_TYPES as readonly string[]).includes(type);
  if (!knownType) {
    add(`${field}.customizationType`, input.customizationType, `is not a customization type; allowed: ${BEDROCK_CUSTOMIZATION_TYPES.join(', ')}`, `use one of them${nearest(type, BEDROCK_CUSTOMIZATION_TYPES)}`);
  }

  if (Token.isUnresolved(baseModelId)) return problems;
  const model = findCustomizationModel(baseModelId);
  if (!model) {
    const retired = BEDROCK_CUSTOMIZATION_RETIRED[stripArn(baseModelId.trim()).replace(/:\d+:\d+k$/, '')];
    if (retired) {
      add(modelPath, baseModelId, `can no longer be customized on Bedrock: ${retired}`, `choose one of: ${catalogIds()}`);
    } else {
      add(modelPath, baseModelId, `is not a base model the Bedrock customization catalog knows; known base ids (customization ids): ${catalogIds()}`, `use one of them${nearest(baseModelId, BEDROCK_CUSTOMIZATION_MODELS.flatMap((m) => [m.baseModelId, m.customizationModelId]))}`);
    }
    return problems;
  }
  const cite = (page: string): string => (page.startsWith('(') ? page : `source: "${page}", read ${model.read}`);
  const caveat = model.unconfirmed && model.note ? `; note: ${model.note}` : '';

  if (knownType && !model.customizationTypes.includes(type as BedrockCustomizationType)) {
    add(`${field}.customizationType`, type, `is not a customization Bedrock offers for ${model.name}; recorded: ${model.customizationTypes.join(', ')} (${cite(model.sources.regions)})`, `use ${model.customizationTypes.join(' or ')}, or choose a model that supports ${type}: ${idsWhere((m) => m.customizationTypes.includes(type as BedrockCustomizationType)) || '(none in the catalog)'}`);
  }

  if (!Token.isUnresolved(region) && !skips(model, 'regions') && !model.regions.includes(region)) {
    const here = idsWhere((m) => m.regions.includes(region));
    const others = here === '' ? `no catalogued model is customizable in ${region}` : `or choose one of the models customizable in ${region}: ${here}`;
    add(modelPath, baseModelId, `cannot be customized in ${region}: Bedrock customizes ${model.name} only in ${model.regions.join(', ')}, as customization model id "${model.customizationModelId}" (${cite(model.sources.regions)}${caveat})`, `deploy this environment to ${model.regions.join(' or ')}, ${here === '' ? `as ${others}` : others}`);
  }

  if (input.trainingDataFormat !== undefined && type === 'FINE_TUNING' && !skips(model, 'trainingDataFormat')) {
    const format = FORMAT_ALIASES[input.trainingDataFormat];
    const path = `${field}.trainingDataFormat`;
    if (format === undefined) {
      add(path, input.trainingDataFormat, `is not a training data format; allowed: ${Object.keys(FORMAT_ALIASES).join(', ')}`, `use "${model.trainingDataFormat}" for ${model.name}`);
    } else if (format !== model.trainingDataFormat) {
      const same = idsWhere((m) => m.trainingDataFormat === format && !skips(m, 'trainingDataFormat') && m.customizationTypes.includes('FINE_TUNING'));
      add(path, input.trainingDataFormat, `is not what ${model.name} fine-tunes on: it takes ${FORMAT_WORDS[model.trainingDataFormat]}, not ${FORMAT_WORDS[format]} (${cite(model.sources.trainingDataFormat)})`, `convert the dataset to ${model.trainingDataFormat}${same === '' ? '' : `, or choose a model that takes ${format}: ${same}`}`);
    }
  }

  if (input.hyperParameters !== undefined && !skips(model, 'hyperParameters')) {
    const names = model.hyperParameters.map((h) => h.name);
    for (const [name, value] of Object.entries(input.hyperParameters)) {
      const path = `${field}.hyperParameters.${name}`;
      const range = model.hyperParameters.find((h) => h.name === name);
      if (!range) {
        add(path, value, `is not a hyperparameter of ${model.name}; allowed: ${names.join(', ')} (${cite(model.sources.hyperParameters)})`, `remove it or correct the spelling${nearest(name, names)}`);
        continue;
      }
      const problem = rangeProblem(range, value);
      if (problem) add(path, value, `${problem} for ${model.name} (${cite(model.sources.hyperParameters)})`, rangeFix(range));
    }
  }
  return problems;
}

function skips(model: BedrockCustomizationModel, f: UnconfirmedField): boolean {
  return model.unconfirmedFields?.includes(f) ?? false;
}

/** Why a string value breaks a range, or undefined. */
function rangeProblem(range: HyperParameterRange, value: string): string | undefined {
  if (range.allowed?.includes(value)) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return `is not a number${range.allowed ? ` or one of ${range.allowed.map((a) => `"${a}"`).join(', ')}` : ''}; allowed: ${describe(range)}`;
  if (range.integer && !Number.isInteger(n)) return `is not a whole number; allowed: ${describe(range)}`;
  if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) return `is outside the allowed range; allowed: ${describe(range)}`;
  return undefined;
}

function describe(range: HyperParameterRange): string {
  const kind = range.integer ? 'a whole number' : 'a number';
  const span = range.min !== undefined && range.max !== undefined
    ? (range.min === range.max ? `exactly ${fmt(range.min)}` : `${kind} from ${fmt(range.min)} to ${fmt(range.max)}`)
    : range.min !== undefined ? `${kind} of at least ${fmt(range.min)}` : range.max !== undefined ? `${kind} up to ${fmt(range.max)}` : kind;
  return `${span}${range.default !== undefined ? ` (default ${fmt(range.default)})` : ''}`;
}

function rangeFix(range: HyperParameterRange): string {
  return `use ${describe(range).replace(/ \(default .*\)$/, '')}${range.default !== undefined ? `, or leave it out for the default ${fmt(range.default)}` : ''}`;
}

/** 1e-4 as "1e-4", 0.1 as "0.1". */
function fmt(n: number): string {
  return n !== 0 && Math.abs(n) < 1e-3 ? n.toExponential() : String(n);
}

function catalogIds(): string {
  return BEDROCK_CUSTOMIZATION_MODELS.map((m) => `${m.baseModelId} (${m.customizationModelId})`).join(', ');
}

function idsWhere(pred: (m: BedrockCustomizationModel) => boolean): string {
  return BEDROCK_CUSTOMIZATION_MODELS.filter(pred).map((m) => m.baseModelId).join(', ');
}

/** ` (did you mean "us-east-1"?)` when a close candidate exists. */
function nearest(value: string, candidates: readonly string[]): string {
  return didYouMean(value, candidates, { tolerance: 1 / 4, quote: true });
}
