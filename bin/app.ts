// The CDK app: validates every environment definition, then creates one Stage per environment.
// This file is the only place that reads the file system for the kit; constructs get typed props.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError, validateEnvironments, type ConfigProblem, type EnvironmentConfig } from '../lib/config';
import { DATASET_PREFIXES, type DatasetPrefix } from '../lib/config/dataset-layout';
import { PropsError } from '../lib/constructs/private/problems';
import { GenAiLifecycleStage } from '../lib/stage';
import { environments } from './environments';

const projectRoot = path.resolve(__dirname, '..');

/** `prod-eu` -> `ProdEu`: the stage id users pass to `cdk deploy 'ProdEu/*'`. */
export function stageIdOf(name: string): string {
  return name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/** Resolves paths in the definitions against the project root and checks that they exist. */
export function resolveLocalPaths(envs: readonly EnvironmentConfig[], root: string): { envs: EnvironmentConfig[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const resolved = envs.map((env) => {
    const seed = env.datasets?.seed;
    if (!seed) return env;
    const source = path.resolve(root, seed.source);
    if (!fs.existsSync(source) || !fs.statSync(source).isDirectory()) {
      problems.push({ path: `${env.name}.datasets.seed.source`, value: seed.source, message: `is not a folder (looked for ${source})`, fix: 'create the folder or correct the path; it is relative to the project root' });
    } else if (seed.prefix === undefined) {
      // Without a prefix the folder mirrors the store: each entry must be one of its prefixes.
      for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
        if (!entry.isDirectory() || !DATASET_PREFIXES.includes(`${entry.name}/` as DatasetPrefix)) {
          problems.push({ path: `${env.name}.datasets.seed.source`, value: seed.source, message: `holds ${entry.name}${entry.isDirectory() ? '/' : ''}, which is not a folder named after a prefix of the store (${DATASET_PREFIXES.join(', ')})`, fix: 'move it into one of those folders, or give seed.prefix to upload the folder to one prefix' });
        }
      }
      if (env.adaptation?.trigger && fs.existsSync(path.join(source, 'train'))) {
        problems.push({ path: `${env.name}.datasets.seed.source`, value: seed.source, message: 'seeds train/, where adaptation.trigger starts a fine-tuning run for every new file: each deploy that copies the seed would start runs', fix: 'seed train/ data elsewhere (e.g. raw/), or drop adaptation.trigger' });
      }
    }
    return { ...env, datasets: { ...env.datasets, seed: { ...seed, source } } };
  });
  return { envs: resolved, problems };
}

/**
 * Context that takes precedence over the CLI's: the CDK CLI asks apps to write policy findings to a report
 * and only fails for the stacks it was told to select, so a bare `cdk synth` (which selects no stage stacks)
 * would pass with findings. The kit fails synthesis itself, whatever the selection.
 */
export const STRICT_SYNTH_CONTEXT = { '@aws-cdk/core:failSynthOnValidationErrors': true } as const;

/** Builds the app for the given definitions; throws a ConfigError listing every problem. */
export function buildApp(envs: readonly EnvironmentConfig[], app = new App({ postCliContext: STRICT_SYNTH_CONTEXT })): App {
  const problems = validateEnvironments(envs);
  const local = resolveLocalPaths(envs, projectRoot);
  problems.push(...local.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  for (const config of local.envs) {
    new GenAiLifecycleStage(app, stageIdOf(config.name), { config });
  }
  return app;
}

/**
 * Synthesizes the app and returns the process exit code. A config mistake or a policy finding is the
 * user's to fix: it prints the list (the validation report is printed above it by CDK), not a stack trace.
 */
export function main(envs: readonly EnvironmentConfig[], app?: App): number {
  try {
    buildApp(envs, app).synth();
    return 0;
  } catch (err) {
    const validationFailed = err instanceof Error && err.name === 'ValidationFailed';
    if (!(err instanceof ConfigError) && !(err instanceof PropsError) && !validationFailed) throw err;
    // The policy report is already on stderr; repeat only its last line (where the full report is).
    const message = (err as Error).message;
    console.error(validationFailed ? message.slice(message.lastIndexOf('Validation failed')) : message);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(environments);
}
