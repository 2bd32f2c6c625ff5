/**
 * The model catalog: the architecture facts the sizing engine needs, keyed by Hugging Face id, plus
 * Bedrock foundation models that are selectable by id but managed (billed per token, never sized).
 * Custom models are described with the same fields.
 */
import { BEDROCK_MODELS, OPEN_MODELS } from './model-presets';
import { IssueCollector, SizingInputError, type FieldNames, show } from './validation';

/** Architecture facts of a model, as its config.json states them. */
export interface ModelArchitecture {
  /** Hugging Face id, or a name of your own for a custom model. */
  readonly id: string;
  /** Total parameters (all experts of a mixture of experts). */
  readonly parameters: number;
  /** Layers that keep a KV cache while decoding (for an encoder-decoder model, the decoder layers). */
  readonly layers: number;
  /** Key-value heads (equal to the attention heads without grouped-query attention). */
  readonly kvHeads: number;
  /** Dimension of one attention head. */
  readonly headDim: number;
  /**
   * Attention (query) heads; tensor parallelism must divide it.
   * @default - only kvHeads constrains tensor parallelism (attention heads are a multiple of it)
   */
  readonly attentionHeads?: number;
  /** @default - estimated as sqrt(parameters / (12 x layers)) where needed (training activations, LoRA) */
  readonly hiddenSize?: number;
  /** MLP intermediate size (per expert for a mixture of experts). @default - 4 x hiddenSize */
  readonly intermediateSize?: number;
  /** @default - unknown: embeddings are not kept at 16-bit when quantizing, no logits memory in training */
  readonly vocabSize?: number;
  /** Input embeddings and lm_head share one matrix. @default false */
  readonly tieWordEmbeddings?: boolean;
  /** max_position_embeddings; longer contexts are rejected. @default - not checked */
  readonly maxContextTokens?: number;
  /** Parameters active per token (mixture of experts); decoding reads only these. @default - parameters */
  readonly activeParameters?: number;
  /** Experts per MLP (mixture of experts), for LoRA adapter sizes. @default 1 */
  readonly experts?: number;
  /** Encoder layers of an encoder-decoder model (no KV cache of their own). @default 0 */
  readonly encoderLayers?: number;
  /** Caveats shown with every estimate for this model. @default - none */
  readonly notes?: string[];
  /**
   * The serving engine refuses fp16 for this architecture (vLLM `_FLOAT16_NOT_SUPPORTED_MODELS`: gemma2), so it
   * cannot run on GPUs without bf16 (the T4).
   * @default false
   */
  readonly refusesFp16?: boolean;
  /**
   * The published fp8 checkpoint quantizes only the MLP (feed-forward) weights, keeping attention at 16-bit:
   * Meta's Llama 3.1 405B FP8 (about 454 GiB of weights rather than 382).
   * @default - fp8 quantizes every linear layer but the embeddings and lm_head
   */
  readonly fp8FeedForwardOnly?: boolean;
}

/**
 * An open-weights model: sized by the engine.
 *
 * TypeScript and JavaScript only: one of the catalog's two entry shapes (`ModelCatalog.lookup`).
 *
 * @jsii ignore
 */
export interface OpenModel {
  readonly id: string;
  readonly managed: false;
  readonly architecture: ModelArchitecture;
}

/**
 * A Bedrock foundation model: AWS runs it, so there is nothing to size.
 *
 * TypeScript and JavaScript only: one of the catalog's two entry shapes (`ModelCatalog.lookup`).
 *
 * @jsii ignore
 */
export interface ManagedModel {
  readonly id: string;
  readonly managed: true;
  readonly service: 'bedrock';
  /** The open-weights model to size when self-hosting instead. @default - none */
  readonly openWeightsId?: string;
}

export type CatalogModel = OpenModel | ManagedModel;

/** Models known by id. Immutable: `withModels` returns a new catalog. */
export class ModelCatalog {
  /** Models of reference/models.md and Bedrock ids of aws-cdk-lib 2.276.0 FoundationModelIdentifier. */
  public static readonly DEFAULT = new ModelCatalog([
    ...OPEN_MODELS.map((architecture): CatalogModel => ({ id: architecture.id, managed: false, architecture })),
    ...BEDROCK_MODELS.map(({ id, openWeightsId }): CatalogModel => ({ id, managed: true, service: 'bedrock', openWeightsId })),
  ]);

  private readonly byId: ReadonlyMap<string, CatalogModel>;

  private constructor(models: CatalogModel[]) {
    this.byId = new Map(models.map((m) => [m.id, m]));
  }

  /**
   * The entry of an id: an open model with its architecture, or a managed (Bedrock) one.
   *
   * TypeScript and JavaScript only: the entry is one of two shapes, which other languages cannot tell apart;
   * there, `architecture(id)` gives an open model's facts and `ids()` every id.
   *
   * @jsii ignore
   */
  public lookup(id: string): CatalogModel | undefined {
    return this.byId.get(id);
  }

  /**
   * Every entry.
   *
   * TypeScript and JavaScript only, as `lookup` is.
   *
   * @jsii ignore
   */
  public all(): CatalogModel[] {
    return [...this.byId.values()];
  }

  /** The facts of an open model; undefined for a managed (Bedrock) model or an id the catalog does not have. */
  public architecture(id: string): ModelArchitecture | undefined {
    const entry = this.byId.get(id);
    return entry && !entry.managed ? entry.architecture : undefined;
  }

  public ids(): string[] {
    return [...this.byId.keys()];
  }

  /** A catalog with open models of your own added (or replacing entries with the same id); validates them. */
  public withModels(...models: ModelArchitecture[]): ModelCatalog {
    const entries = models.map((architecture): CatalogModel => ({ id: architecture.id, managed: false, architecture }));
    const issues = entries.flatMap((e) => (e.managed ? [] : validateArchitecture(e.architecture)));
    if (issues.length > 0) throw new SizingInputError(issues);
    return new ModelCatalog([...this.all(), ...entries]);
  }
}

/** An input as a user may have typed it: any field missing, the model possibly a partial architecture. */
export type Unvalidated<T> = Omit<Partial<T>, 'model'> & { readonly model?: string | Partial<ModelArchitecture> };

/** The short name used in messages: `Llama-3.1-70B-Instruct` for `meta-llama/Llama-3.1-70B-Instruct`. */
export function displayName(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}

/** Problems with a custom architecture, one sentence each; empty when it is usable. */
export function validateArchitecture(arch: Partial<ModelArchitecture>, names: FieldNames = {}): string[] {
  const c = new IssueCollector(names);
  const required: readonly [keyof ModelArchitecture, string][] = [
    ['parameters', 'total parameters, e.g. 7000000000'],
    ['layers', 'num_hidden_layers in config.json'],
    ['kvHeads', 'num_key_value_heads in config.json'],
    ['headDim', 'head_dim, or hidden_size / num_attention_heads'],
  ];
  for (const [field, hint] of required) {
    if (arch[field] === undefined) c.add(`${c.name(field)} is missing: a custom model needs it (${hint}).`);
  }
  c.positive('parameters', arch.parameters, 'total parameters, e.g. 7000000000');
  c.integer('layers', arch.layers, 1, 'num_hidden_layers in config.json');
  c.integer('kvHeads', arch.kvHeads, 1, 'num_key_value_heads in config.json');
  c.integer('headDim', arch.headDim, 1, 'head_dim in config.json');
  c.integer('attentionHeads', arch.attentionHeads, 1, 'num_attention_heads in config.json');
  c.integer('hiddenSize', arch.hiddenSize, 1, 'hidden_size in config.json');
  c.integer('intermediateSize', arch.intermediateSize, 1, 'intermediate_size in config.json');
  c.integer('vocabSize', arch.vocabSize, 1, 'vocab_size in config.json');
  c.integer('maxContextTokens', arch.maxContextTokens, 1, 'max_position_embeddings in config.json');
  c.integer('experts', arch.experts, 1, 'num_local_experts in config.json');
  c.integer('encoderLayers', arch.encoderLayers, 0, 'encoder layers of an encoder-decoder model');
  c.positive('activeParameters', arch.activeParameters, 'parameters used per token');
  const { attentionHeads, kvHeads, activeParameters, parameters } = arch;
  if (isWhole(attentionHeads) && isWhole(kvHeads) && attentionHeads % kvHeads !== 0) {
    c.add(`${c.name('attentionHeads')} is ${attentionHeads}: it must be a multiple of ${c.name('kvHeads')} (${kvHeads}).`);
  }
  if (activeParameters !== undefined && parameters !== undefined && activeParameters > parameters) {
    c.add(`${c.name('activeParameters')} is ${activeParameters}: it cannot exceed ${c.name('parameters')} (${parameters}).`);
  }
  return [...c.issues];
}

/**
 * Resolves a model given by id or by architecture to an architecture, or returns the issues. A Bedrock id
 * is an issue here: managed models have no instances to size.
 */
export function resolveArchitecture(
  model: string | Partial<ModelArchitecture> | undefined,
  catalog: ModelCatalog,
  names: FieldNames = {},
): { architecture?: ModelArchitecture; issues: string[] } {
  const field = names.model ?? 'model';
  if (model === undefined || model === '') {
    return { issues: [`${field} is missing: give a Hugging Face id such as meta-llama/Llama-3.1-8B-Instruct, or ${customFields(names)}.`] };
  }
  if (typeof model !== 'string') {
    const issues = validateArchitecture(model, names);
    return issues.length > 0 ? { issues } : { architecture: model as ModelArchitecture, issues };
  }
  const entry = catalog.lookup(model);
  if (entry === undefined) {
    return { issues: [unknownModelIssue(field, model, catalog, names)] };
  }
  if (entry.managed) {
    const alternative = entry.openWeightsId ? ` To self-host instead, size ${entry.openWeightsId}.` : '';
    return { issues: [`${field} is ${show(model)}: a Bedrock foundation model, managed by AWS and billed per token, so it has no instance to size.${alternative}`] };
  }
  return { architecture: entry.architecture, issues: [] };
}

function isWhole(value: number | undefined): value is number {
  return value !== undefined && Number.isInteger(value) && value > 0;
}

function customFields(names: FieldNames): string {
  const fields = ['parameters', 'layers', 'kvHeads', 'headDim'].map((f) => names[f] ?? f);
  return `describe a custom model with ${fields.join(', ')}`;
}

function unknownModelIssue(field: string, model: string, catalog: ModelCatalog, names: FieldNames): string {
  const open = catalog.all().filter((m) => !m.managed).map((m) => m.id);
  const managed = catalog.all().filter((m) => m.managed).map((m) => m.id);
  return `${field} is ${show(model)}, which is not in the catalog: use one of ${open.join(', ')}; ` +
    `or a Bedrock id (${managed.join(', ')}); or ${customFields(names)}.`;
}
