/**
 * `npm run simulate -- --env Staging [--method dpo] [--from-feedback] [--scenario gate-fail] [--json]`: runs an
 * environment's fine-tuning workflow offline, exactly as synthesized from bin/environments.ts, and prints the
 * state trace and the outcome. The state machine runs under aws-local-stepfunctions; the kit's Lambda steps run
 * as their deployed bundles against a local S3 stand-in; SageMaker, Bedrock and SNS are answered by stand-ins
 * that behave as their API references describe. No AWS credentials, no network.
 * `--scenario all` runs every scenario the environment's backend has. Exit codes: 0 every run ended as its
 * scenario expects; 1 a run did not (or the environment has no workflow); 2 bad usage.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { resolveLocalPaths, stageIdOf } from '../bin/app';
import { environments } from '../bin/environments';
import { assertValidEnvironments, type EnvironmentConfig } from '../lib/config';
import { GenAiLifecycleStage } from '../lib/stage';
import { EXIT_OK, EXIT_USAGE, type Io, json, optionLines, optionProblems, problemReport, runScript, str, type OptionSpec } from './lib/cli';
import { DeployedStage } from './lib/simulation/assembly';
import { fineTuningWorkflow, SCENARIOS, type SimulationResult, simulateFineTuning } from './lib/simulation/fine-tuning';
import { SIMULATION_CONTEXT } from './lib/simulation/stage';
import { startS3 } from './lib/standins';

export { EXIT_OK, EXIT_USAGE };
export const EXIT_FAILED = 1;

const OPTIONS: Record<string, OptionSpec> = {
  env: { type: 'string', help: 'the stage to simulate: Dev, Staging, Prod (or an environment name, e.g. staging)' },
  config: { type: 'string', help: 'FILE: your environment definitions (.json: one or a list; .js or, under tsx, .ts: exporting environments); paths in them are relative to the working directory (default: this repository\'s bin/environments.ts)' },
  scenario: { type: 'string', help: `what happens: ${SCENARIOS.map((s) => s.name).join(', ')}, or all (default pass)` },
  method: { type: 'string', help: 'SageMaker backend: the method to run (default the workflow\'s first)' },
  'from-feedback': { type: 'boolean', help: 'DPO on preference pairs built from feedback records (the from-feedback scenario)' },
  json: { type: 'boolean', help: 'print one JSON document: every run with its trace, calls and notifications' },
  help: { type: 'boolean', help: 'show this help' },
};

const HELP = [
  'Usage: npm run simulate -- --env STAGE [--config FILE] [--scenario NAME|all] [--method METHOD] [--from-feedback] [--json]',
  '',
  'Runs the environment\'s fine-tuning workflow offline, as synthesized, against local stand-ins of S3,',
  'SageMaker, Bedrock and SNS, and prints each state entered and the outcome.',
  '',
  ...optionLines(OPTIONS),
  '',
  'Scenarios:',
  ...SCENARIOS.map((s) => `  ${s.name.padEnd(20)} ${s.summary} (${s.backends.join(', ')})`),
].join('\n');

export interface Deps {
  /** @default the environments of bin/environments.ts */
  readonly environments?: readonly EnvironmentConfig[];
}

export async function main(argv: readonly string[], io: Io, deps: Deps = {}): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: Object.fromEntries(Object.entries(OPTIONS).map(([k, o]) => [k, { type: o.type }])), strict: false, allowPositionals: true }));
  } catch (error) {
    io.stderr(problemReport('simulate', [(error as Error).message], 'npm run simulate -- --help'));
    return EXIT_USAGE;
  }
  if (values.help === true) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  const problems = optionProblems(OPTIONS, values, positionals, undefined, (w) => `--env ${w}`);
  const configFile = str(values.config);
  const envs = deps.environments ?? (configFile === undefined ? environments : loadEnvironments(configFile, problems));
  const root = configFile === undefined ? path.join(__dirname, '..') : process.cwd();
  const wanted = str(values.env);
  const config = envs.find((e) => stageIdOf(e.name) === wanted || e.name === wanted);
  if (wanted === undefined) problems.push(`--env is missing: name a stage, one of ${envs.map((e) => stageIdOf(e.name)).join(', ')}.`);
  else if (!config && envs.length > 0) problems.push(`--env is "${wanted}": not an environment of ${configFile ?? 'bin/environments.ts'}; use one of ${envs.map((e) => stageIdOf(e.name)).join(', ')}.`);
  const scenarioName = values['from-feedback'] === true ? 'from-feedback' : str(values.scenario) ?? 'pass';
  if (values['from-feedback'] === true && values.scenario !== undefined && values.scenario !== 'from-feedback') problems.push('--from-feedback is the from-feedback scenario: give it or --scenario, not both.');
  if (scenarioName !== 'all' && !SCENARIOS.some((s) => s.name === scenarioName)) problems.push(`--scenario is "${scenarioName}": use one of ${SCENARIOS.map((s) => s.name).join(', ')}, or all.`);
  if (problems.length > 0) {
    io.stderr(problemReport('simulate', problems, 'npm run simulate -- --help'));
    return EXIT_USAGE;
  }

  const stage = synthesized(config!, root);
  const stageId = stage.id;
  const workflow = fineTuningWorkflow(stage);
  if (!workflow) {
    io.stderr(`simulate: ${stageId} has no fine-tuning workflow; give its environment an adaptation section.`);
    return EXIT_FAILED;
  }
  const method = str(values.method);
  if (method !== undefined && workflow.backend === 'sagemaker' && !workflow.methods.includes(method)) {
    io.stderr(problemReport('simulate', [`--method is "${method}": ${stageId}'s workflow was built for ${workflow.methods.join(', ')}.`], 'npm run simulate -- --help'));
    return EXIT_USAGE;
  }
  const chosen = scenarioName === 'all'
    ? SCENARIOS.filter((s) => s.backends.includes(workflow.backend) && (s.requires !== 'spot' || workflow.spot))
    : SCENARIOS.filter((s) => s.name === scenarioName);
  const s3 = await startS3();
  const results: SimulationResult[] = [];
  try {
    for (const s of chosen) {
      s3.objects.clear();
      results.push(await simulateFineTuning(stage, { scenario: s, method, s3 }));
    }
  } catch (error) {
    io.stderr(`simulate: ${(error as Error).message}`);
    return EXIT_FAILED;
  } finally {
    await s3.close();
  }
  if (values.json === true) {
    io.stdout(json({ stage: stageId, backend: workflow.backend, methods: workflow.methods, runs: results }));
  } else {
    for (const r of results) io.stdout(describe(r));
  }
  return results.every((r) => r.asExpected) ? EXIT_OK : EXIT_FAILED;
}

const synthesizedStages = new Map<string, DeployedStage>();

/** The environment's stage as `cdk synth` writes it (without the policy checks, which change no definition); once per process. */
function synthesized(config: EnvironmentConfig, root: string): DeployedStage {
  const cacheKey = JSON.stringify([config, root]);
  let stage = synthesizedStages.get(cacheKey);
  if (!stage) {
    const stageId = stageIdOf(config.name);
    const app = new App({ context: SIMULATION_CONTEXT, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'genai-simulate-')) });
    const { envs: resolved } = resolveLocalPaths(assertValidEnvironments([config]), root);
    new GenAiLifecycleStage(app, stageId, { config: resolved[0], policyChecks: false });
    stage = DeployedStage.fromAssembly(app.synth(), stageId);
    synthesizedStages.set(cacheKey, stage);
  }
  return stage;
}

/** Environment definitions from a file: JSON (one or a list), or a module exporting `environments` (or a default). */
function loadEnvironments(file: string, problems: string[]): EnvironmentConfig[] {
  const resolved = path.resolve(file);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded: unknown = file.endsWith('.json') ? JSON.parse(fs.readFileSync(resolved, 'utf8')) : require(resolved);
    const found = Array.isArray(loaded) ? loaded : (loaded as { environments?: unknown; default?: unknown }).environments
      ?? (loaded as { default?: unknown }).default ?? loaded;
    const list = Array.isArray(found) ? found : [found];
    if (list.some((e) => typeof e !== 'object' || e === null || typeof (e as { name?: unknown }).name !== 'string')) {
      problems.push(`--config is "${file}": it holds no environment definitions (objects with a name); export \`environments\` or give a JSON list.`);
      return [];
    }
    return list as EnvironmentConfig[];
  } catch (error) {
    problems.push(`--config is "${file}": cannot load it (${(error as Error).message.split('\n')[0]}).`);
    return [];
  }
}

/** A run as a person reads it: the scenario, each state entered, the outcome, what was notified. */
export function describe(r: SimulationResult): string {
  const lines = [`${r.stage} ${r.stateMachine}: scenario ${r.scenario}, input ${JSON.stringify(r.input)}`];
  for (const t of r.trace) {
    if (t.event === 'entered') lines.push(`  -> ${t.state} (${t.type})`);
    else if (t.event === 'retried') lines.push(`     retried ${t.state}`);
    else if (t.event === 'failed' && t.error && t.type !== 'Fail') lines.push(`     ${t.state} raised ${t.error}`);
  }
  for (const job of r.trainingJobs) {
    const last = job.describes.at(-1) ?? {};
    lines.push(`  training job ${job.name}: ${String(last.TrainingJobStatus)} (${String(last.SecondaryStatus)})${job.resumedFrom ? `, resumed from ${job.resumedFrom}` : ''}`);
  }
  for (const n of r.notifications) lines.push(`  notified: ${n.subject ?? ''}`);
  const cause = r.cause && r.cause.length > 300 ? `${r.cause.slice(0, 300)}...` : r.cause;
  lines.push(r.status === 'SUCCEEDED' ? '  outcome: SUCCEEDED' : `  outcome: FAILED ${r.error}: ${cause}`);
  lines.push(`  ${r.asExpected ? 'as expected' : `NOT as expected: the scenario expects ${r.expected.status === 'SUCCEEDED' ? 'SUCCEEDED' : `FAILED ${r.expected.error}`}`}`);
  return lines.join('\n');
}

if (require.main === module) runScript((argv, io) => main(argv, io));
