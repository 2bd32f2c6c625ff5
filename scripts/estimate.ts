/**
 * `npm run estimate -- <command> [options]`: the sizing engine from a terminal. Prints a table for a person,
 * or one JSON document with --json. Exit codes: 0 done; 1 estimated, but nothing (or not the requested
 * instance) holds the model; 2 bad usage, with every problem listed at once.
 */
import {
  assessInstance, TRAINING_OPTIMIZERS, type TrainingOptimizerLike, DEFAULT_CONTEXT_TOKENS, DEFAULT_LORA_RANK, DEFAULT_MAX_INSTANCES, DEFAULT_MEMORY_UTILIZATION, DEFAULT_MFU,
  DEFAULT_SEQUENCE_LENGTH, estimatePretraining, estimateServing, estimateTraining, formatInstances, formatModels, formatPretraining,
  formatServing, formatTraining, InstanceCatalog, ModelCatalog, PRECISIONS, SizingInputError, TRAINING_METHODS,
  validatePretrainingInput, validateServingInput, validateServingOptions, validateTrainingInput, validateTrainingOptions,
  type FieldNames, type ManagedModel, type ModelArchitecture, type PrecisionLike, type PriceTable, type TrainingMethodLike,
} from '../lib/sizing';
import { optionLines, parseCommand, optionProblems, problemReport, str, strings, type Io as Writers, type OptionSpec, type Values, runScript } from './lib/cli';
import { readPriceTable } from './lib/prices';

/** Each writer adds a newline to the text. */
export interface Io extends Writers {
  /** @default fs.readFileSync as UTF-8 */
  readonly readFile?: (path: string) => string;
}

export const EXIT_OK = 0;
export const EXIT_DOES_NOT_FIT = 1;
export const EXIT_USAGE = 2;

const COMMON: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print one JSON document instead of a table' },
  price: { type: 'string', multiple: true, help: 'ml.TYPE=USD: override one hourly price (repeatable)' },
  prices: { type: 'string', help: 'FILE.json: {"ml.TYPE": USD, ...} or {"source": "...", "usdPerHour": {...}}' },
  help: { type: 'boolean', help: 'show this help' },
};
const MODEL: Record<string, OptionSpec> = {
  model: { type: 'string', help: 'Hugging Face id from the catalog (see `models`)' },
  params: { type: 'string', help: 'custom model: total parameters (7e9, 7B)' },
  layers: { type: 'string', help: 'custom model: layers' },
  'kv-heads': { type: 'string', help: 'custom model: key-value heads' },
  'head-dim': { type: 'string', help: 'custom model: head dimension' },
  heads: { type: 'string', help: 'custom model: attention heads (optional)' },
  hidden: { type: 'string', help: 'custom model: hidden size (optional)' },
  intermediate: { type: 'string', help: 'custom model: MLP intermediate size (optional; default 4 x hidden)' },
  vocab: { type: 'string', help: 'custom model: vocabulary size (optional)' },
};
const COMMANDS: Record<string, { readonly summary: string; readonly options: Record<string, OptionSpec> }> = {
  serve: {
    summary: 'memory, the instances that hold a model, the cheapest, and cost per token',
    options: {
      ...MODEL,
      precision: { type: 'string', help: `${PRECISIONS.join('|')} (default bf16; int4 = AWQ/GPTQ/NF4)` },
      context: { type: 'string', help: `tokens per sequence, input plus output (default ${DEFAULT_CONTEXT_TOKENS})` },
      concurrency: { type: 'string', help: 'sequences decoded at once (default 1)' },
      instance: { type: 'string', help: 'ml.TYPE: check this instance; exit 1 when it cannot hold the model' },
      utilization: { type: 'string', help: `share of accelerator memory the server uses (default ${DEFAULT_MEMORY_UTILIZATION})` },
      ...COMMON,
    },
  },
  train: {
    summary: 'memory of full fine-tuning, LoRA or QLoRA, the cheapest instance(s), and the cost of a run',
    options: {
      ...MODEL,
      method: { type: 'string', help: `${TRAINING_METHODS.join('|')} (required)` },
      tokens: { type: 'string', help: 'training tokens per epoch (50M, 5e7); without it instances rank by price per hour' },
      epochs: { type: 'string', help: 'passes over the data (default 1)' },
      'seq-len': { type: 'string', help: `tokens per training sequence (default ${DEFAULT_SEQUENCE_LENGTH})` },
      'micro-batch': { type: 'string', help: 'sequences per device per step (default 1)' },
      'lora-rank': { type: 'string', help: `LoRA rank (default ${DEFAULT_LORA_RANK})` },
      'no-checkpointing': { type: 'boolean', help: 'keep all activations (no gradient checkpointing)' },
      mfu: { type: 'string', help: `model FLOPS utilization (default ${DEFAULT_MFU})` },
      'max-instances': { type: 'string', help: `most instances for one run (default ${DEFAULT_MAX_INSTANCES})` },
      optimizer: { type: 'string', help: `${TRAINING_OPTIMIZERS.join('|')} (default adamw: the kit's training scripts)` },
      ...COMMON,
    },
  },
  pretrain: {
    summary: 'compute-optimal tokens, FLOPs, GPU-hours, cost and a verdict for training from scratch',
    options: {
      params: { type: 'string', help: 'model parameters (1B, 1e9); or --model for a catalog model\'s size' },
      model: { type: 'string', help: 'Hugging Face id from the catalog, instead of --params' },
      tokens: { type: 'string', help: 'training tokens (default 20 x params, Chinchilla)' },
      instance: { type: 'string', help: 'ml.TYPE (default ml.p5.48xlarge)' },
      mfu: { type: 'string', help: `model FLOPS utilization (default ${DEFAULT_MFU})` },
      'instance-count': { type: 'string', help: 'instances training together, for wall-clock time (default 1)' },
      ...COMMON,
    },
  },
  models: { summary: 'list the model catalog', options: { json: COMMON.json, help: COMMON.help } },
  instances: { summary: 'list the instance catalog with prices', options: { ...COMMON } },
};

/** Engine field names as the CLI spells them, so messages name the option the user typed. */
const NAMES: FieldNames = {
  model: '--model', parameters: '--params', layers: '--layers', kvHeads: '--kv-heads', headDim: '--head-dim',
  attentionHeads: '--heads', hiddenSize: '--hidden', intermediateSize: '--intermediate', vocabSize: '--vocab', precision: '--precision', contextTokens: '--context',
  concurrency: '--concurrency', memoryUtilization: '--utilization', method: '--method', tokens: '--tokens', epochs: '--epochs',
  sequenceLength: '--seq-len', microBatchSize: '--micro-batch', loraRank: '--lora-rank', mfu: '--mfu',
  maxInstances: '--max-instances', instanceType: '--instance', instanceCount: '--instance-count',
};

/** Collects usage problems so they are all reported together. */
class Problems {
  public readonly list: string[] = [];
  public add(...issues: string[]): void {
    this.list.push(...issues);
  }
}

export function main(argv: readonly string[], io: Io): number {
  const parsed = parseCommand('estimate', argv, COMMANDS, io, usage, commandUsage);
  if ('exit' in parsed) return parsed.exit;
  const { command, values, positionals } = parsed;
  const spec = COMMANDS[command];
  const problems = new Problems();
  problems.add(...optionProblems(spec.options, values, positionals, command, (word) => `--model ${word}`));
  try {
    switch (command) {
      case 'serve': return serve(values, problems, io);
      case 'train': return train(values, problems, io);
      case 'pretrain': return pretrain(values, problems, io);
      case 'models': return listing(problems, io, values.json === true, () => ModelCatalog.DEFAULT.all(), () => formatModels(ModelCatalog.DEFAULT));
      default: {
        const catalog = instanceCatalog(values, problems, io);
        return listing(problems, io, values.json === true, () => catalog.all(), () => formatInstances(catalog));
      }
    }
  } catch (error) {
    if (error instanceof SizingInputError) return fail(command, [...problems.list, ...error.issues], io);
    throw error;
  }
}

function serve(values: Values, problems: Problems, io: Io): number {
  const instances = instanceCatalog(values, problems, io);
  const model = modelOption(values, problems);
  const input = {
    model, instances,
    precision: str(values.precision) as PrecisionLike | undefined,
    contextTokens: num(values, 'context', problems),
    concurrency: num(values, 'concurrency', problems),
    memoryUtilization: num(values, 'utilization', problems),
  };
  const requested = str(values.instance);
  if (requested !== undefined && instances.lookup(requested) === undefined) problems.add(instances.unknownTypeIssue('--instance', requested));
  const managed = managedModel(model);
  if (managed) {
    problems.add(...engineIssues(validateServingOptions(input, NAMES), values));
    if (problems.list.length > 0) return fail('serve', problems.list, io);
    return printManaged(managed, values, io);
  }
  problems.add(...engineIssues(validateServingInput(input, NAMES), values));
  if (problems.list.length > 0) return fail('serve', problems.list, io);

  const estimate = estimateServing({ ...input, model: model as string | ModelArchitecture });
  const assessment = requested === undefined ? undefined : assessInstance(estimate, requested);
  if (values.json === true) {
    io.stdout(json({ command: 'serve', ...estimate, ...(assessment ? { requested: { instanceType: requested, ...assessment } } : {}) }));
  } else {
    const lines = [formatServing(estimate)];
    if (assessment?.status === 'fits') {
      const c = assessment.candidate;
      lines.push('', `Requested ${requested}: fits with TP ${c.tensorParallelDegree} (${c.usableGiB.toFixed(1)} GiB usable, ${c.headroomGiB.toFixed(1)} GiB to spare).`);
    } else if (assessment) {
      lines.push('', `Requested ${requested}: does not fit. ${assessment.message}`);
    }
    io.stdout(lines.join('\n'));
  }
  return estimate.recommended === null || (assessment !== undefined && assessment.status !== 'fits') ? EXIT_DOES_NOT_FIT : EXIT_OK;
}

function train(values: Values, problems: Problems, io: Io): number {
  const instances = instanceCatalog(values, problems, io);
  const model = modelOption(values, problems);
  const input = {
    model, instances,
    method: str(values.method) as TrainingMethodLike,
    tokens: num(values, 'tokens', problems, true),
    epochs: num(values, 'epochs', problems),
    sequenceLength: num(values, 'seq-len', problems),
    microBatchSize: num(values, 'micro-batch', problems),
    loraRank: num(values, 'lora-rank', problems),
    gradientCheckpointing: values['no-checkpointing'] === true ? false : undefined,
    mfu: num(values, 'mfu', problems),
    maxInstances: num(values, 'max-instances', problems),
    optimizer: str(values.optimizer) as TrainingOptimizerLike | undefined,
  };
  const managed = managedModel(model);
  if (managed) {
    problems.add(...engineIssues(validateTrainingOptions(input, NAMES), values));
    if (problems.list.length > 0) return fail('train', problems.list, io);
    return printManaged(managed, values, io);
  }
  problems.add(...engineIssues(validateTrainingInput(input, NAMES), values));
  if (problems.list.length > 0) return fail('train', problems.list, io);
  const estimate = estimateTraining({ ...input, model: model as string | ModelArchitecture });
  io.stdout(values.json === true ? json({ command: 'train', ...estimate }) : formatTraining(estimate));
  return estimate.recommended === null ? EXIT_DOES_NOT_FIT : EXIT_OK;
}

function pretrain(values: Values, problems: Problems, io: Io): number {
  const instances = instanceCatalog(values, problems, io);
  let parameters = num(values, 'params', problems, true);
  const id = str(values.model);
  if (id !== undefined) {
    const entry = ModelCatalog.DEFAULT.lookup(id);
    if (values.params !== undefined) problems.add('--model and --params both give the size: keep one.');
    else if (entry === undefined || entry.managed) problems.add(`--model is "${id}": use an open-weights model of the catalog (see \`models\`), or --params.`);
    else parameters = entry.architecture.parameters;
  }
  const input = {
    parameters, instances,
    tokens: num(values, 'tokens', problems, true),
    instanceType: str(values.instance),
    mfu: num(values, 'mfu', problems),
    instanceCount: num(values, 'instance-count', problems),
  };
  const given = id === undefined ? values : { ...values, params: id };
  problems.add(...engineIssues(validatePretrainingInput(input, NAMES), given));
  if (problems.list.length > 0 || parameters === undefined) return fail('pretrain', problems.list, io);
  const estimate = estimatePretraining({ ...input, parameters });
  io.stdout(values.json === true ? json({ command: 'pretrain', ...estimate }) : formatPretraining(estimate));
  return EXIT_OK;
}

function listing(problems: Problems, io: Io, asJson: boolean, data: () => unknown, table: () => string): number {
  if (problems.list.length > 0) return fail('list', problems.list, io);
  io.stdout(asJson ? json(data()) : table());
  return EXIT_OK;
}

/** The model of --model, or a custom architecture from --params/--layers/--kv-heads/--head-dim. */
function modelOption(values: Values, problems: Problems): string | Partial<ModelArchitecture> | undefined {
  const id = str(values.model);
  const customGiven = Object.values(CUSTOM_OPTIONS).some((option) => values[option] !== undefined);
  if (id !== undefined) {
    if (customGiven) problems.add('--model and custom model options (--params, --layers, --kv-heads, --head-dim, ...) were both given: keep one.');
    return id;
  }
  if (!customGiven) return undefined;
  const fields = Object.entries(CUSTOM_OPTIONS)
    .map(([field, option]) => [field, num(values, option, problems, option === 'params')] as const)
    .filter(([, value]) => value !== undefined);
  const custom: Partial<ModelArchitecture> = Object.fromEntries(fields);
  const size = custom.parameters === undefined ? '' : ` (${(custom.parameters / 1e9).toFixed(1)}B parameters)`;
  return { id: `custom${size}`, ...custom };
}

/** Custom model fields and the options that give them. */
const CUSTOM_OPTIONS = {
  parameters: 'params', layers: 'layers', kvHeads: 'kv-heads', headDim: 'head-dim',
  attentionHeads: 'heads', hiddenSize: 'hidden', intermediateSize: 'intermediate', vocabSize: 'vocab',
} as const;

/**
 * Engine issues, less "--x is missing" for options that were given: those failed to parse and are
 * already reported.
 */
function engineIssues(issues: readonly string[], values: Values): string[] {
  return issues.filter((issue) => !/^--[a-z-]+ is missing/.test(issue) || values[issue.slice(2, issue.indexOf(' '))] === undefined);
}

function managedModel(model: string | Partial<ModelArchitecture> | undefined): ManagedModel | undefined {
  if (typeof model !== 'string') return undefined;
  const entry = ModelCatalog.DEFAULT.lookup(model);
  return entry?.managed ? entry : undefined;
}

function printManaged(model: ManagedModel, values: Values, io: Io): number {
  if (values.json === true) {
    io.stdout(json({ model: model.id, managed: true, service: model.service, openWeightsId: model.openWeightsId ?? null, recommended: null }));
  } else {
    const selfHost = model.openWeightsId ? `\nTo self-host instead: npm run estimate -- serve --model ${model.openWeightsId}` : '';
    io.stdout(`${model.id} is a Bedrock foundation model: AWS runs it and bills per token, so there is no instance to size.${selfHost}`);
  }
  return EXIT_OK;
}

/** The default catalog with --prices (a file) and then --price (single types) applied. */
function instanceCatalog(values: Values, problems: Problems, io: Io): InstanceCatalog {
  let catalog = InstanceCatalog.DEFAULT;
  const file = str(values.prices);
  if (file !== undefined) {
    const table = readPriceTable(file, problems.list, io.readFile);
    if (table) catalog = withPrices(catalog, table, problems);
  }
  const overrides: Record<string, number> = {};
  for (const entry of strings(values.price)) {
    const match = /^(ml\.[a-z0-9-]+\.[a-z0-9]+)=(.+)$/.exec(entry);
    const usd = match ? Number(match[2]) : NaN;
    if (!match || Number.isNaN(usd)) problems.add(`--price is "${entry}": use ml.TYPE=USD, e.g. --price ml.g5.2xlarge=1.52.`);
    else if (catalog.lookup(match[1]) === undefined) problems.add(`--price names ${match[1]}, which is not in the instance catalog: use one of ${catalog.types().join(', ')}.`);
    else overrides[match[1]] = usd;
  }
  return Object.keys(overrides).length === 0 ? catalog : withPrices(catalog, { source: '--price on the command line', usdPerHour: overrides }, problems);
}

function withPrices(catalog: InstanceCatalog, table: PriceTable, problems: Problems): InstanceCatalog {
  try {
    return catalog.withPrices(table);
  } catch (error) {
    if (!(error instanceof SizingInputError)) throw error;
    problems.add(...error.issues);
    return catalog;
  }
}

const SUFFIXES: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, t: 1e12 };

/**
 * A number option, or undefined when absent or unparseable (reported). Range checks belong to the engine,
 * which names the option through NAMES. `suffixes` allows 7B, 1.4T, 50M (decimal, for sizes and token counts).
 */
function num(values: Values, option: string, problems: Problems, suffixes = false): number | undefined {
  const raw = str(values[option]);
  if (raw === undefined) return undefined;
  const text = raw.replace(/[_,]/g, '').trim();
  const suffix = suffixes ? SUFFIXES[text.slice(-1).toLowerCase()] : undefined;
  const value = suffix === undefined ? Number(text) : Number(text.slice(0, -1)) * suffix;
  if (text === '' || Number.isNaN(value)) {
    problems.add(`--${option} is "${raw}": use a number${suffixes ? ' (suffixes K, M, B, T allowed, e.g. 7B)' : ''}.`);
    return undefined;
  }
  return value;
}

function fail(command: string, issues: readonly string[], io: Io): number {
  io.stderr(problemReport(`estimate ${command}`, issues, `npm run estimate -- ${command === 'list' ? '' : `${command} `}--help`));
  return EXIT_USAGE;
}

/** JSON with estimates rounded to 4 decimals: more digits would be noise. */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e4) / 1e4 : v), 2);
}

function usage(): string {
  return [
    'Usage: npm run estimate -- <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    '',
    'Examples:',
    '  npm run estimate -- serve --model meta-llama/Llama-3.1-70B-Instruct --precision bf16 --context 8192 --concurrency 4',
    '  npm run estimate -- train --model meta-llama/Llama-3.1-8B-Instruct --method qlora --tokens 50M --epochs 3',
    '  npm run estimate -- pretrain --params 1B --mfu 0.4',
    '',
    'Run `npm run estimate -- <command> --help` for its options. Exit codes: 0 ok; 1 nothing (or not --instance) holds the model; 2 bad usage.',
  ].join('\n');
}

function commandUsage(command: string): string {
  const { summary, options } = COMMANDS[command];
  const custom = command === 'serve' || command === 'train'
    ? ['', 'A model is --model <id>, or a custom one: --params, --layers, --kv-heads and --head-dim (--heads, --hidden, --vocab optional).'] : [];
  return [`Usage: npm run estimate -- ${command} [options]`, '', summary, '', ...optionLines(options), ...custom].join('\n');
}

if (require.main === module) runScript(main);
