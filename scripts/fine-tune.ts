/**
 * `npm run fine-tune -- <start|watch> [options]`: starts the kit's fine-tuning workflow (a Step Functions state machine,
 * the `FineTuningStateMachineArn` output of the `<Env>-Adaptation` stack) and watches an execution of it. `start` checks
 * the method, dataset format and dataset keys before anything is called, then starts an execution and prints its ARN;
 * `watch` polls the execution, its current state and its SageMaker training and evaluation jobs (`<execution>-train`,
 * `<execution>-eval`), printing every transition with the execution's elapsed time on stderr and, at the end, the
 * metrics, the registered model package and its approval status; `--json` prints one JSON document on stdout instead.
 * Exit codes: 0 started (or, when watching, SUCCEEDED); 1 the call failed, the execution FAILED, TIMED_OUT or was
 * ABORTED, or --timeout passed first; 2 bad usage, with every problem listed at once.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { clockOf, describeError, EXIT_OK, EXIT_USAGE, json, optionProblems, parseCommand, runScript, type Values } from './lib/cli';
import { COMMANDS, commandUsage, defaultExecutionName, fail, startOptions, usage, watchOptions } from './lib/fine-tune/input';
import { outcomeOf } from './lib/fine-tune/report';
import { EXIT_FAILED, type Context, type Deps, type Execution, type Io, type StartReport, type Watched } from './lib/fine-tune/types';
import { watchExecution } from './lib/fine-tune/watch';

export { HEARTBEAT_SECONDS } from './lib/poller';
export { outcomeOf, summary } from './lib/fine-tune/report';
export {
  DEFAULT_POLL_SECONDS, EXIT_FAILED, FORMATS, MAX_CAUSE_CHARACTERS, MAX_EXECUTION_NAME_LENGTH, METHODS, WORKFLOW_STATES,
  type Deps, type FineTuningInput, type Format, type Io, type JobReport, type Method, type StartReport, type WatchReport,
} from './lib/fine-tune/types';
export { EXIT_OK, EXIT_USAGE };

/** Runs `fine-tune` with `argv` (the arguments after the script's name) and returns its exit code. */
export async function main(argv: readonly string[], io: Io, deps: Deps = {}): Promise<number> {
  const parsed = parseCommand('fine-tune', argv, COMMANDS, io, usage, commandUsage);
  if ('exit' in parsed) return parsed.exit;
  const { command, values, positionals } = parsed;
  const spec = COMMANDS[command];
  const problems = optionProblems(spec.options, values, positionals, command);
  const ctx: Context = {
    io,
    ...clockOf(deps),
    sfn: deps.createSfnClient ?? ((region) => new SFNClient({ region })),
    sagemaker: deps.createSageMakerClient ?? ((region) => new SageMakerClient({ region })),
    asJson: values.json === true,
  };
  return command === 'start' ? start(ctx, values, problems) : watch(ctx, values, problems);
}

async function start(ctx: Context, values: Values, problems: string[]): Promise<number> {
  const options = startOptions(values, problems);
  if (options === undefined) return fail('start', problems, ctx.io);
  const { stateMachine, region, input } = options;
  const name = options.name ?? defaultExecutionName(input.method, ctx.now());
  const report = (fields: Partial<StartReport>): StartReport => ({
    executionArn: null, executionName: name, stateMachineArn: stateMachine.arn, startDate: null, input, error: null, ...fields,
  });

  let executionArn: string;
  let startDate: Date | undefined;
  try {
    const started = await ctx.sfn(region).send(new StartExecutionCommand({ stateMachineArn: stateMachine.arn, name, input: JSON.stringify(input) }));
    executionArn = started.executionArn ?? `arn:aws:states:${region}:${stateMachine.account}:execution:${stateMachine.name}:${name}`;
    startDate = started.startDate;
  } catch (error) {
    const message = `StartExecution failed: ${describeError(error)}${startHint(error, name)}`;
    ctx.io.stderr(`fine-tune start: ${message}`);
    if (ctx.asJson) ctx.io.stdout(json(report({ error: message, ...(values.watch === true ? { watch: null } : {}) })));
    return EXIT_FAILED;
  }
  const started = report({ executionArn, startDate: startDate?.toISOString() ?? null });
  ctx.io.stderr(`Started execution ${name} of ${stateMachine.name}: ${executionArn}\nInput: ${JSON.stringify(input)}`);
  if (values.watch !== true) {
    ctx.io.stderr(`Watch it with \`npm run fine-tune -- watch --execution ${executionArn}\`.`);
    ctx.io.stdout(ctx.asJson ? json(started) : executionArn);
    return EXIT_OK;
  }
  const execution: Execution = { arn: executionArn, name, stateMachineName: stateMachine.name, region, account: stateMachine.account };
  const watched = await watchExecution(ctx, execution, { ...options.wait, startDate });
  if (ctx.asJson) ctx.io.stdout(json({ ...started, watch: watched.report }));
  else printResult(ctx, watched);
  return watched.code;
}

function startHint(error: unknown, name: string): string {
  switch (error instanceof Error ? error.name : '') {
    case 'ExecutionAlreadyExists':
      return `. An execution named ${name} already exists for this state machine: choose another --name, or drop --name for a generated one.`;
    case 'StateMachineDoesNotExist':
      return '. Check --state-machine: the FineTuningStateMachineArn output of the <Env>-Adaptation stack, in that stack\'s region.';
    case 'AccessDeniedException':
      return '. The caller needs states:StartExecution on the state machine.';
    case 'ExecutionLimitExceeded':
      return '. Too many executions are running: wait for some to end.';
    default:
      return '.';
  }
}

async function watch(ctx: Context, values: Values, problems: string[]): Promise<number> {
  const options = watchOptions(values, problems);
  if (options === undefined) return fail('watch', problems, ctx.io);
  const watched = await watchExecution(ctx, options.execution, options.wait);
  if (ctx.asJson) ctx.io.stdout(json(watched.report));
  else printResult(ctx, watched);
  return watched.code;
}

/** Without --json, stdout gets what was registered (the model package's ARN, or the Bedrock custom model's), so `PKG=$(npm run -s fine-tune -- watch ...)` captures it. */
function printResult(ctx: Context, watched: Watched): void {
  // What was registered: the model package (SageMaker backend) or the custom model (Bedrock backend).
  const outcome = watched.report.output ? outcomeOf(watched.report.output) : {};
  const registered = outcome.modelPackageArn ?? outcome.customModelArn;
  if (watched.code === EXIT_OK && registered !== undefined) ctx.io.stdout(registered);
}

if (require.main === module) runScript(main);
