// The CDK app: validates every environment definition, then creates one Stage per environment.
// This file is the only place that reads the file system for the kit; constructs get typed props.
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError, resolveLocalPaths, validateEnvironments, type EnvironmentConfig } from '../lib/config';

export { resolveLocalPaths };
import { PropsError } from '../lib/constructs/private/problems';
import { GenAiLifecycleStage } from '../lib/stage';
import { environments } from './environments';

const projectRoot = path.resolve(__dirname, '..');

/** `prod-eu` -> `ProdEu`: the stage id users pass to `cdk deploy 'ProdEu/*'`. */
export function stageIdOf(name: string): string {
  return name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
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
