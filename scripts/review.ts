/**
 * `npm run review -- [options]`: what the synthesized environments deploy, for a pull request comment:
 * accelerator capacity and cost, what is billed per use, IAM statements, policy findings and, with --base, what
 * the change adds, removes and replaces. Synthesizes every environment (or reads --assembly) and prints Markdown, or one JSON
 * document with --json. Exit codes: 0 printed; 1 synthesis failed (the report, when one could be written,
 * shows the open findings); 2 bad usage, with every problem listed at once.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { buildApp, stageIdOf, STRICT_SYNTH_CONTEXT } from '../bin/app';
import { environments } from '../bin/environments';
import { ConfigError } from '../lib/config';
import { PropsError } from '../lib/constructs/private/problems';
import {
  AssemblyError, buildReview, priceLookup, priceTableProblems, readCloudAssembly, renderMarkdown, type AssemblyReader, type CloudAssembly,
} from './lib/review';
import { BEDROCK_TOKEN_PRICES, type PriceTable, type TokenPrice } from '../lib/sizing';
import { isRecord, optionLines, optionProblems, problemReport, readJsonFile, str, strings, type OptionSpec, type Io as Writers, runScript } from './lib/cli';
import { readPriceTable } from './lib/prices';

/** Each writer adds a newline to the text. */
export interface Io extends Writers {
  /** Reads --prices and --token-prices. @default fs.readFileSync as UTF-8 */
  readonly readFile?: (path: string) => string;
  /** Synthesizes the shipped environments when --assembly is absent. @default synthesizeEnvironments */
  readonly synthesize?: () => Synthesis;
}

/** A synthesis into a folder; `error` when it failed after writing the assembly (open policy findings). */
export interface Synthesis {
  readonly directory: string;
  readonly error?: Error;
}

export const EXIT_OK = 0;
export const EXIT_SYNTH_FAILED = 1;
export const EXIT_USAGE = 2;

const OPTIONS: Record<string, OptionSpec> = {
  assembly: { type: 'string', help: 'DIR: a cloud assembly to review, e.g. cdk.out (default: synthesize every environment)' },
  base: { type: 'string', help: 'DIR: the base branch\'s cloud assembly, to show what the change adds, removes and replaces' },
  prices: { type: 'string', help: 'FILE.json: {"ml.TYPE": USD, ...} or {"source": "...", "usdPerHour": {...}}' },
  'token-prices': { type: 'string', help: 'FILE.json: Bedrock prices, {"source": "...", "usdPerMillionTokens": {"MODEL_ID": {"input": USD, "output": USD}}}' },
  traffic: {
    type: 'string', multiple: true,
    help: 'ENV=REQUESTS: requests a month per environment, e.g. dev=100000,prod=5000000 (default: peak rate × 176 h)',
  },
  json: { type: 'boolean', help: 'print one JSON document instead of Markdown' },
  help: { type: 'boolean', help: 'show this help' },
};

const projectRoot = resolve(__dirname, '..');

export function main(argv: readonly string[], io: Io): number {
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true });
  if (values.help === true) {
    io.stdout(usage());
    return EXIT_OK;
  }
  const problems = optionProblems(OPTIONS, values, positionals, undefined, (word) => `--assembly ${word}`);
  const assemblyDir = str(values.assembly);
  const baseDir = str(values.base);
  const head = assemblyDir === undefined ? undefined : readAssembly('assembly', assemblyDir, problems);
  const base = baseDir === undefined ? undefined : readAssembly('base', baseDir, problems);
  const pricesFile = str(values.prices);
  const prices = pricesFile === undefined ? undefined : readPriceFile(pricesFile, problems, io);
  // Without --assembly the review synthesizes bin/environments.ts: its stage ids are the names to check.
  const known = assemblyDir === undefined ? environments.map((e) => stageIdOf(e.name)) : head?.environments.map((e) => e.name);
  const traffic = readTraffic(strings(values.traffic), known, problems);
  const tokenPricesFile = str(values['token-prices']);
  const tokenPrices = tokenPricesFile === undefined ? undefined : readTokenPrices(tokenPricesFile, problems, io);
  if (problems.length > 0) {
    io.stderr(problemReport('review', problems, 'npm run review -- --help'));
    return EXIT_USAGE;
  }

  let assembly = head;
  let synthesisError: Error | undefined;
  if (assembly === undefined) {
    let synthesis: Synthesis;
    try {
      synthesis = (io.synthesize ?? synthesizeEnvironments)();
    } catch (error) {
      if (!(error instanceof ConfigError) && !(error instanceof PropsError)) throw error;
      io.stderr(`review: synthesis failed, nothing to review:\n${error.message}`);
      return EXIT_SYNTH_FAILED;
    }
    try {
      assembly = readCloudAssembly(reader(synthesis.directory));
    } finally {
      if (io.synthesize === undefined) rmSync(synthesis.directory, { recursive: true, force: true });
    }
    synthesisError = synthesis.error;
  }

  const review = buildReview(assembly, { prices: priceLookup(prices), base, traffic, tokenPrices });
  io.stdout(values.json === true ? json(review) : renderMarkdown(review));
  if (synthesisError) {
    io.stderr(`review: synthesis failed (${synthesisError.message.split('\n').pop()}); the report lists the open findings.`);
    return EXIT_SYNTH_FAILED;
  }
  return EXIT_OK;
}

/**
 * Synthesizes the environments of bin/environments.ts as `cdk synth` does (cdk.json's context, the kit's strict
 * synthesis) into a new temporary folder. A failed policy check still leaves an assembly with its report.
 */
export function synthesizeEnvironments(): Synthesis {
  const { context } = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const directory = mkdtempSync(join(tmpdir(), 'genai-review-'));
  // The CLI asks for construct paths in template metadata; the review names principals and replacements by them.
  const app = new App({ context: { ...context, 'aws:cdk:enable-path-metadata': true }, postCliContext: STRICT_SYNTH_CONTEXT, outdir: directory });
  try {
    buildApp(environments, app).synth();
    return { directory };
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationFailed' && existsSync(join(directory, 'manifest.json'))) return { directory, error };
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

/** Reads the files of the assembly in `dir`; a missing file is undefined. */
function reader(dir: string): AssemblyReader {
  return (relativePath) => {
    const file = join(dir, relativePath);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
}

function readAssembly(option: string, dir: string, problems: string[]): CloudAssembly | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    problems.push(`--${option} is "${dir}": not a folder; pass the folder \`npx cdk synth\` writes (cdk.out)${option === 'assembly' ? ', or leave --assembly out to synthesize' : ''}.`);
    return undefined;
  }
  if (!existsSync(join(dir, 'manifest.json'))) {
    problems.push(`--${option} is "${dir}": not a cloud assembly (no manifest.json); pass the folder \`npx cdk synth\` writes (cdk.out).`);
    return undefined;
  }
  try {
    const assembly = readCloudAssembly(reader(dir));
    if (assembly.environments.length === 0) problems.push(`--${option} is "${dir}": it holds no stacks; synthesize the app into it first.`);
    return assembly;
  } catch (error) {
    if (!(error instanceof AssemblyError)) throw error;
    problems.push(`--${option} is "${dir}": cannot read it: ${error.problems.join('; ')}.`);
    return undefined;
  }
}

/**
 * `--token-prices`: the user's Bedrock prices per million tokens by model id, over the sourced table (a model
 * the table lacks may be priced too). Every problem of the file is reported.
 */
function readTokenPrices(path: string, problems: string[], io: Io): Record<string, TokenPrice> | undefined {
  const data = readJsonFile('token-prices', path, problems, io.readFile);
  if (data === undefined) return undefined;
  const table = isRecord(data) ? data.usdPerMillionTokens : undefined;
  if (!isRecord(data) || !isRecord(table)) {
    problems.push(`--token-prices is "${path}": not {"source": "...", "usdPerMillionTokens": {"MODEL_ID": {"input": USD, "output": USD}}}.`);
    return undefined;
  }
  const source = typeof data.source === 'string' && data.source.trim() !== '' ? data.source : `your --token-prices file ${path}`;
  const before = problems.length;
  const prices: Record<string, TokenPrice> = { ...BEDROCK_TOKEN_PRICES };
  for (const [model, price] of Object.entries(table)) {
    const input = isRecord(price) ? price.input : undefined;
    const output = isRecord(price) ? price.output : undefined;
    if (typeof input !== 'number' || !(input >= 0) || typeof output !== 'number' || !(output >= 0)) {
      problems.push(`--token-prices is "${path}": ${model} is ${JSON.stringify(price)}; give {"input": USD, "output": USD} per million tokens, 0 or more.`);
      continue;
    }
    prices[model] = { inputUsdPerMillion: input, outputUsdPerMillion: output, source, read: 'given with --token-prices' };
  }
  return problems.length > before ? undefined : prices;
}

/** As `npm run estimate` reads it; the review also prices types the instance catalog does not know. */
function readPriceFile(path: string, problems: string[], io: Io): PriceTable | undefined {
  const prices = readPriceTable(path, problems, io.readFile);
  if (prices === undefined) return undefined;
  const issues = priceTableProblems(prices);
  problems.push(...issues.map((issue) => `--prices is "${path}": ${issue}`));
  return issues.length > 0 ? undefined : prices;
}

/**
 * `--traffic ENV=REQUESTS[,ENV=REQUESTS]`, repeatable: requests a month by environment name as the assembly spells
 * it (`dev` names `Dev`; case and dashes do not matter). `known` undefined: the assembly could not be read, so
 * names are not checked.
 */
function readTraffic(entries: readonly string[], known: readonly string[] | undefined, problems: string[]): Record<string, number> | undefined {
  if (entries.length === 0) return undefined;
  const key = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
  const traffic: Record<string, number> = {};
  for (const entry of entries.flatMap((e) => e.split(',')).map((e) => e.trim()).filter((e) => e !== '')) {
    const at = entry.indexOf('=');
    const name = entry.slice(0, at).trim();
    const raw = entry.slice(at + 1).trim();
    const requests = Number(raw.replace(/_/g, ''));
    const env = known?.find((k) => key(k) === key(name)) ?? name;
    if (at <= 0) {
      problems.push(`--traffic is "${entry}": use ENV=REQUESTS (requests a month), e.g. --traffic dev=100000.`);
      continue;
    }
    const unknown = known !== undefined && !known.some((k) => key(k) === key(name));
    const invalid = raw === '' || !Number.isFinite(requests) || requests <= 0;
    if (unknown) problems.push(`--traffic names "${name}": not an environment here; use one of ${known.join(', ')}.`);
    if (invalid) problems.push(`--traffic is "${entry}": "${raw}" is not a positive number of requests a month.`);
    if (unknown || invalid) continue;
    if (Object.hasOwn(traffic, env)) problems.push(`--traffic gives ${env} twice: keep one.`);
    else traffic[env] = requests;
  }
  return traffic;
}

/** JSON with numbers rounded to 4 decimals: more digits would be noise. */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e4) / 1e4 : v), 2);
}

function usage(): string {
  return [
    'Usage: npm run review -- [options]',
    '',
    'Reviews what the environments deploy: resources, accelerator capacity and monthly cost, what is billed per use',
    '(Bedrock tokens, Lambda, API Gateway: per request, per hour at peak, a month at an assumed traffic), IAM statements',
    '(wildcards flagged), policy findings and acknowledgements; with --base, what the change adds, removes and replaces.',
    '',
    ...optionLines(OPTIONS),
    '',
    'Examples:',
    '  npm run review                                        # synthesize every environment, print Markdown',
    '  npx cdk synth --quiet && npm run -s review -- --assembly cdk.out > review.md',
    '  npm run review -- --assembly cdk.out --base base.out --json',
    '  npm run review -- --traffic dev=100000,prod=5000000   # per-use cost at these requests a month',
    '',
    'Exit codes: 0 printed; 1 synthesis failed (open findings are in the report); 2 bad usage.',
  ].join('\n');
}

if (require.main === module) runScript(main);
