// The states every fine-tuning backend's workflow shares: calls to the steps function, input defaults,
// dataset validation, the gate on the evaluation metrics, and the success and failure notifications.
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { FineTuningGate } from '../../config/environment';
import type { FineTuningDefaultKeys } from '../fine-tuning-backend';

/** A metric the gate compares, by its path in the execution state. */
export interface GatedPath {
  readonly path: string;
  readonly bound: 'min' | 'max';
  readonly value: number;
}

/** The gate's thresholds and least improvements, as paths in the state the Gate choice reads. */
export function gatedPaths(gate: FineTuningGate): GatedPath[] {
  const out: GatedPath[] = [];
  for (const [metric, t] of Object.entries(gate.thresholds)) {
    if (t.min !== undefined) out.push({ path: `$.metrics.tuned.${metric}`, bound: 'min', value: t.min });
    if (t.max !== undefined) out.push({ path: `$.metrics.tuned.${metric}`, bound: 'max', value: t.max });
  }
  for (const [metric, value] of Object.entries(gate.minImprovement ?? {})) out.push({ path: `$.metrics.improvement.${metric}`, bound: 'min', value });
  return out;
}

/**
 * A job name unique to each attempt: `<execution>-<kind>-<8 hex>`. A retried task evaluates its Parameters
 * again, so a retry after a create whose answer was lost does not collide with the job it already made
 * (training job names are unique in an account and region, forever).
 */
export function jobName(kind: string): string {
  return `States.Format('{}-${kind}-{}', $$.Execution.Name, States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 0))`;
}

/** A call to the workflow's steps function, retried on Lambda's service errors and throttling. */
export function stepsTask(scope: Construct, id: string, steps: lambda.IFunction, payload: Record<string, unknown>, resultPath: string): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: steps,
    payload: sfn.TaskInput.fromObject(payload),
    payloadResponseOnly: true,
    resultPath,
    // Replaced by the retry below, which also covers throttling of the function.
    retryOnServiceExceptions: false,
  });
  task.addRetry({ errors: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.ClientExecutionTimeoutException', 'Lambda.TooManyRequestsException'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });
  return task;
}

/** Failure path: notify with the error and cause, then fail with them. */
export function failurePath(scope: Construct, topic: sns.ITopic): sfn.IChainable {
  const notify = new tasks.SnsPublish(scope, 'NotifyFailure', {
    topic,
    subject: 'Fine-tuning run failed',
    message: sfn.TaskInput.fromObject({ execution: sfn.JsonPath.executionName, error: sfn.JsonPath.stringAt('$.error.Error'), cause: sfn.JsonPath.stringAt('$.error.Cause') }),
    resultPath: sfn.JsonPath.DISCARD,
  });
  return notify.next(new sfn.Fail(scope, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' }));
}

/** Validates the execution's dataset splits with the steps function; `required` names the splits that must exist. */
export function validateStep(scope: Construct, steps: lambda.IFunction, bucketName: string, required: string[]): tasks.LambdaInvoke {
  return stepsTask(scope, 'ValidateDataset', steps, {
    action: 'validate',
    bucket: bucketName,
    format: sfn.JsonPath.stringAt('$.format'),
    keys: { train: sfn.JsonPath.stringAt('$.trainKey'), validation: sfn.JsonPath.stringAt('$.validationKey'), test: sfn.JsonPath.stringAt('$.testKey') },
    required,
  }, '$.validation');
}

/** The first states: fill in default keys, so later states can read every key, then merge the input over them. */
export function withDefaults(scope: Construct, defaultKeys: FineTuningDefaultKeys | undefined, next: sfn.IChainable): sfn.IChainable {
  const defaults = new sfn.Pass(scope, 'Defaults', {
    parameters: { validationKey: defaultKeys?.validationKey ?? '', testKey: defaultKeys?.testKey ?? '', fromFeedback: false },
    resultPath: '$.defaults',
  });
  const applyDefaults = new sfn.Pass(scope, 'ApplyDefaults', { parameters: { 'input.$': 'States.JsonMerge($.defaults, $, false)' }, outputPath: '$.input' });
  return defaults.next(applyDefaults).next(next);
}

/** Passes the model when every gated metric meets its threshold; otherwise fails, naming the rule and the metrics. */
export function gateChoice(scope: Construct, gated: GatedPath[], pass: sfn.IChainable, failure: sfn.IChainable): sfn.Choice {
  const conditions = gated.map((g) => (g.bound === 'min' ? sfn.Condition.numberGreaterThanEquals(g.path, g.value) : sfn.Condition.numberLessThanEquals(g.path, g.value)));
  const rejected = new sfn.Pass(scope, 'GateRejected', {
    parameters: { Error: 'GateRejected', 'Cause.$': "States.Format('The tuned model missed the gate ({}); metrics: {}', $.gateRule, States.JsonToString($.metrics))" },
    resultPath: '$.error',
  });
  const describe = new sfn.Pass(scope, 'DescribeGate', { result: sfn.Result.fromString(gated.map((g) => `${g.path.replace('$.metrics.', '')} ${g.bound === 'min' ? '>=' : '<='} ${g.value}`).join(' and ')), resultPath: '$.gateRule' });
  describe.next(rejected).next(failure);
  return new sfn.Choice(scope, 'Gate', { comment: 'Passes the model when every metric meets its threshold' })
    .when(conditions.length === 1 ? conditions[0] : sfn.Condition.and(...conditions), pass)
    .otherwise(describe);
}

/** Success path: notify with the metrics and the approval, then succeed. */
export function successPath(scope: Construct, topic: sns.ITopic, approval: string): sfn.IChainable {
  return new tasks.SnsPublish(scope, 'NotifySuccess', {
    topic,
    subject: 'Fine-tuning run passed the gate',
    message: sfn.TaskInput.fromObject({ execution: sfn.JsonPath.executionName, metrics: sfn.JsonPath.objectAt('$.metrics'), approval }),
    resultPath: sfn.JsonPath.DISCARD,
  }).next(new sfn.Succeed(scope, 'Done'));
}
