// `npm run bench:sizing`: the kit's serving recommendation (estimateServing) for every catalog model that has a
// JumpStart preset (bench/data/jumpstart-presets.json), at bf16 and at the preset's precision, for 1 and 4
// concurrent sequences, at the preset's context. Prints the preset's instance and the kit's, their prices
// (the kit's InstanceCatalog), the ratio kit / preset, and an independent fit verdict of both instances
// (bench/fit-check.ts). Goal: no unsafe recommendation, mean price ratio at most 0.8.
// Exit code 0 (a benchmark) unless --check: then 1 when a pick is unsafe or the mean ratio exceeds 0.8.
// --json prints the rows and the summary as JSON instead of Markdown.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONTEXT_TOKENS, estimateServing } from '../lib/sizing/serving';
import { InstanceCatalog, type InstanceSpec } from '../lib/sizing/instances';
import { displayName, ModelCatalog, type ModelArchitecture } from '../lib/sizing/models';
import { checkFit, type FitPrecision, type FitVerdict, type Verdict } from './fit-check';

export const PRESETS_PATH = path.join(__dirname, 'data', 'jumpstart-presets.json');
export const TARGETS = { unsafe: 0, meanPriceRatio: 0.8 } as const;
export const CONCURRENCIES = [1, 4] as const;
/** Context for a preset whose spec states none: the kit's default (DEFAULT_CONTEXT_TOKENS), flagged in the output. */
export const ASSUMED_CONTEXT_TOKENS = DEFAULT_CONTEXT_TOKENS;

export interface Preset {
  readonly jumpStartModelId: string;
  readonly version: string;
  readonly catalogModel: string;
  readonly precision: FitPrecision;
  readonly quantization: string | null;
  readonly defaultInstanceType: string;
  readonly contextTokens: number | null;
  readonly contextBasis: string;
  readonly tensorParallelDegree: number | null;
  readonly enforceEager: boolean;
}

export interface PresetsFile {
  readonly header: { readonly source: string; readonly commit: string; readonly read: string };
  readonly presets: readonly Preset[];
  readonly out: readonly { readonly jumpStartModelId: string; readonly reason: string }[];
}

const PRECISIONS: readonly string[] = ['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4'];

/** Reads and checks the presets file: every preset must name an open model of the catalog. */
export function loadPresets(file = PRESETS_PATH, models = ModelCatalog.DEFAULT): PresetsFile {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as PresetsFile;
  const problems: string[] = [];
  if (typeof data.header?.source !== 'string' || !/^[0-9a-f]{40}$/.test(data.header?.commit ?? '') || typeof data.header?.read !== 'string') {
    problems.push('header must have source, a 40-hex commit and read');
  }
  for (const p of data.presets ?? []) {
    const entry = models.lookup(p.catalogModel);
    if (entry === undefined || entry.managed) problems.push(`${p.jumpStartModelId}: ${p.catalogModel} is not an open model of the catalog`);
    if (!PRECISIONS.includes(p.precision)) problems.push(`${p.jumpStartModelId}: precision ${p.precision}`);
    if (typeof p.defaultInstanceType !== 'string' || !p.defaultInstanceType.startsWith('ml.')) problems.push(`${p.jumpStartModelId}: defaultInstanceType`);
    if (p.contextTokens !== null && !(Number.isInteger(p.contextTokens) && p.contextTokens > 0)) problems.push(`${p.jumpStartModelId}: contextTokens`);
  }
  if (!Array.isArray(data.presets) || data.presets.length === 0) problems.push('no presets');
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  return data;
}

export interface BenchRow {
  readonly model: string;
  readonly jumpStartModelId: string;
  readonly precision: FitPrecision;
  readonly concurrency: number;
  readonly contextTokens: number;
  /** The spec states no context: ASSUMED_CONTEXT_TOKENS was used. */
  readonly contextAssumed: boolean;
  readonly presetInstance: string;
  readonly presetUsdPerHour: number | null;
  readonly kitInstance: string | null;
  readonly kitTensorParallelDegree: number | null;
  readonly kitUsdPerHour: number | null;
  /** kit / preset; null when either is unpriced or the kit recommends nothing. */
  readonly priceRatio: number | null;
  readonly kitVerdict: FitVerdict | null;
  readonly presetVerdict: FitVerdict | null;
  /** Why the kit recommends nothing, or why a price or verdict is missing. */
  readonly notes: readonly string[];
}

export interface BenchSummary {
  readonly rows: number;
  readonly unsafe: number;
  readonly tight: number;
  readonly noRecommendation: number;
  readonly contextAssumedRows: number;
  readonly pricedRows: number;
  readonly meanPriceRatio: number | null;
  readonly targets: typeof TARGETS;
  readonly met: boolean;
}

export interface BenchOptions {
  readonly instances?: InstanceCatalog;
  readonly models?: ModelCatalog;
}

function verdictOf(
  model: ModelArchitecture, precision: FitPrecision, contextTokens: number, concurrency: number,
  spec: InstanceSpec | undefined, tensorParallelDegree: number | undefined, cudaGraphs: boolean,
): FitVerdict | null {
  return spec === undefined ? null : checkFit({ model, precision, contextTokens, concurrency, instance: spec, tensorParallelDegree, cudaGraphs });
}

export function benchRows(presets: readonly Preset[], options: BenchOptions = {}): BenchRow[] {
  const instances = options.instances ?? InstanceCatalog.DEFAULT;
  const models = options.models ?? ModelCatalog.DEFAULT;
  const rows: BenchRow[] = [];
  for (const preset of presets) {
    const entry = models.lookup(preset.catalogModel);
    if (entry === undefined || entry.managed) throw new Error(`${preset.catalogModel} is not an open model of the catalog`);
    const model = entry.architecture;
    const precisions: FitPrecision[] = preset.precision === 'bf16' ? ['bf16'] : ['bf16', preset.precision];
    const contextTokens = preset.contextTokens ?? ASSUMED_CONTEXT_TOKENS;
    const presetSpec = instances.lookup(preset.defaultInstanceType);
    for (const precision of precisions) {
      for (const concurrency of CONCURRENCIES) {
        const notes: string[] = [];
        if (presetSpec === undefined) notes.push(`${preset.defaultInstanceType} is not in the kit's instance catalog`);
        let kit: { instanceType: string; tensorParallelDegree: number; usdPerHour: number | null } | null = null;
        try {
          const estimate = estimateServing({ model: preset.catalogModel, precision, contextTokens, concurrency, instances, models });
          kit = estimate.recommended;
          if (kit === null) notes.push(`the kit recommends no instance: ${estimate.advice[0] ?? 'nothing fits'}`);
        } catch (error) {
          notes.push(`the kit rejects the input: ${(error as Error).message}`);
        }
        const kitSpec = kit === null ? undefined : instances.lookup(kit.instanceType);
        const presetUsdPerHour = presetSpec?.usdPerHour ?? null;
        const kitUsdPerHour = kitSpec?.usdPerHour ?? null;
        if (presetSpec !== undefined && presetUsdPerHour === null) notes.push(`${preset.defaultInstanceType} has no price: ratio left out`);
        if (kit !== null && kitUsdPerHour === null) notes.push(`${kit.instanceType} has no price: ratio left out`);
        rows.push({
          model: preset.catalogModel,
          jumpStartModelId: preset.jumpStartModelId,
          precision,
          concurrency,
          contextTokens,
          contextAssumed: preset.contextTokens === null,
          presetInstance: preset.defaultInstanceType,
          presetUsdPerHour,
          kitInstance: kit?.instanceType ?? null,
          kitTensorParallelDegree: kit?.tensorParallelDegree ?? null,
          kitUsdPerHour,
          priceRatio: presetUsdPerHour !== null && kitUsdPerHour !== null ? kitUsdPerHour / presetUsdPerHour : null,
          // The kit deploys at the degree it reports; CUDA graphs assumed on.
          kitVerdict: verdictOf(model, precision, contextTokens, concurrency, kitSpec, kit?.tensorParallelDegree, true),
          // The preset at its stated degree (SM_NUM_GPUS ...) and with its enforce-eager setting.
          presetVerdict: verdictOf(model, precision, contextTokens, concurrency, presetSpec, preset.tensorParallelDegree ?? undefined, !preset.enforceEager),
          notes,
        });
      }
    }
  }
  return rows;
}

export function summarize(rows: readonly BenchRow[]): BenchSummary {
  const ratios = rows.map((r) => r.priceRatio).filter((r): r is number => r !== null);
  const meanPriceRatio = ratios.length === 0 ? null : ratios.reduce((a, b) => a + b, 0) / ratios.length;
  const count = (v: Verdict) => rows.filter((r) => r.kitVerdict?.verdict === v).length;
  const unsafe = count('unsafe');
  return {
    rows: rows.length,
    unsafe,
    tight: count('tight'),
    noRecommendation: rows.filter((r) => r.kitInstance === null).length,
    contextAssumedRows: rows.filter((r) => r.contextAssumed).length,
    pricedRows: ratios.length,
    meanPriceRatio,
    targets: TARGETS,
    met: unsafe <= TARGETS.unsafe && meanPriceRatio !== null && meanPriceRatio <= TARGETS.meanPriceRatio,
  };
}

const usd = (x: number | null) => (x === null ? 'unpriced' : x.toFixed(3));

function verdictCell(v: FitVerdict | null): string {
  if (v === null) return 'n/a';
  const free = v.numbers ? ` (${(v.numbers.freeFraction * 100).toFixed(0)}% free)` : '';
  return `${v.verdict}${v.verdict === 'unsafe' || v.numbers === null ? '' : free}`;
}

export function renderMarkdown(file: PresetsFile, rows: readonly BenchRow[], summary: BenchSummary): string {
  const lines = [
    `# Kit recommendations against JumpStart presets`,
    '',
    `Presets: ${file.presets.length} from ${file.header.source} at ${file.header.commit} (read ${file.header.read}); ${file.out.length} near misses left out.`,
    `Context marked * is not stated by the preset: the kit's default ${ASSUMED_CONTEXT_TOKENS} is used.`,
    '',
    '| model | precision | concurrency | context | preset instance | kit instance | preset USD/h | kit USD/h | ratio | kit pick | preset |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${displayName(r.model)} | ${r.precision} | ${r.concurrency} | ${r.contextTokens}${r.contextAssumed ? '*' : ''} | ` +
      `${r.presetInstance} | ${r.kitInstance === null ? 'none' : `${r.kitInstance} (TP ${r.kitTensorParallelDegree})`} | ` +
      `${usd(r.presetUsdPerHour)} | ${r.kitInstance === null ? '-' : usd(r.kitUsdPerHour)} | ${r.priceRatio === null ? '-' : r.priceRatio.toFixed(2)} | ` +
      `${verdictCell(r.kitVerdict)} | ${verdictCell(r.presetVerdict)} |`),
    '',
  ];
  const unsafe = rows.filter((r) => r.kitVerdict?.verdict === 'unsafe');
  if (unsafe.length > 0) {
    lines.push('## Unsafe picks of the kit', '');
    for (const r of unsafe) {
      lines.push(`- ${displayName(r.model)} ${r.precision} x${r.concurrency} @ ${r.contextTokens} on ${r.kitInstance}: ${r.kitVerdict?.reasons.join('; ')}`);
    }
    lines.push('');
  }
  const noted = rows.filter((r) => r.notes.length > 0);
  if (noted.length > 0) {
    lines.push('## Notes', '');
    for (const r of noted) lines.push(`- ${displayName(r.model)} ${r.precision} x${r.concurrency}: ${r.notes.join('; ')}`);
    lines.push('');
  }
  lines.push(
    '## Summary',
    '',
    `- rows: ${summary.rows} (${summary.contextAssumedRows} at an assumed context)`,
    `- unsafe recommendations of the kit: ${summary.unsafe} (target ${TARGETS.unsafe}); tight: ${summary.tight}; no recommendation: ${summary.noRecommendation}`,
    `- mean price ratio kit / preset: ${summary.meanPriceRatio === null ? 'n/a' : summary.meanPriceRatio.toFixed(3)} over ${summary.pricedRows} rows with both prices (target <= ${TARGETS.meanPriceRatio})`,
    `- goal met: ${summary.met ? 'yes' : 'no'}`,
  );
  return `${lines.join('\n')}\n`;
}

function main(): number {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, check: { type: 'boolean', default: false } } });
  const file = loadPresets();
  const rows = benchRows(file.presets);
  const summary = summarize(rows);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ source: file.header, assumedContextTokens: ASSUMED_CONTEXT_TOKENS, rows, summary }, null, 2)}\n`);
  } else {
    process.stdout.write(renderMarkdown(file, rows, summary));
  }
  return values.check && !summary.met ? 1 : 0;
}

if (require.main === module) process.exitCode = main();
