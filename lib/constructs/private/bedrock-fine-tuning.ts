// The Bedrock backend of the fine-tuning workflow: the customization role, a model customization job polled
// until it ends (its response's optional members checked before they are read), the gate on its validation
// loss, and the custom model tagged with its approval.
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { checkBedrockCustomization, datasetFormatOf, customizationModelIdentifier, findCustomizationModel } from '../../bedrock/customization-catalog';
import { DatasetPrefix } from '../../config/dataset-layout';
import { type BedrockFineTuningOptions, type FineTuningBackendBindOptions, type FineTuningBackendCheckOptions, type FineTuningBackendConfig, ModelApproval } from '../fine-tuning-backend';
import { justify } from './justifications';
import { grantKeyVia } from './kms';
import { failurePath, gateChoice, gatedPaths, stepsTask, successPath, validateStep, withDefaults } from './workflow-states';

/** What is wrong with a Bedrock backend: the model and its customization settings in the region, the keys, the gate. */
export function bedrockProblems(scope: Construct, options: BedrockFineTuningOptions, check: FineTuningBackendCheckOptions): string[] {
  const problems = checkBedrockCustomization({
    baseModelId: options.baseModelId, region: Stack.of(scope).region, customizationType: options.customizationType, hyperParameters: options.hyperParameters,
  }, 'backend');
  if (!check.defaultKeys?.validationKey) {
    problems.push('The Bedrock backend gates on validation loss, but defaultKeys.validationKey is not set: give the key of a validation split under validation/ (executions may still name their own).');
  }
  if (check.gate.minImprovement) problems.push('gate.minImprovement compares with the base model, which the Bedrock backend does not evaluate; use thresholds on validation_loss.');
  return problems;
}

/** The role Bedrock assumes for this account's customization jobs: the training and validation splits, models/, the custom model key. */
export function createCustomizationRole(scope: Construct, bind: FineTuningBackendBindOptions): iam.IRole {
  const stack = Stack.of(scope);
  const role = bind.jobRole ?? new iam.Role(scope, 'CustomizationRole', {
    // Bedrock assumes it for this account's customization jobs only (Bedrock user guide, "Create a service role for model customization").
    assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'bedrock', resource: 'model-customization-job', resourceName: '*' }) },
      },
    }),
    description: `Bedrock model customization jobs of ${scope.node.path}`,
  });
  for (const prefix of [DatasetPrefix.TRAIN, DatasetPrefix.VALIDATION]) bind.datasets.grantRead(role, prefix);
  bind.datasets.grantReadWrite(role, DatasetPrefix.MODELS);
  grantCustomModelKey(role, bind.datasets.encryptionKey.keyArn, stack.region, scope);
  return role;
}

/** The states of a Bedrock run: format check, validation, the customization job and its polling, metrics, gate, tagging. */
export function bedrockDefinition(scope: Construct, options: BedrockFineTuningOptions, bind: FineTuningBackendBindOptions, jobRole: iam.IRole): sfn.IChainable {
  const stack = Stack.of(scope);
  const bucketName = bind.datasets.bucket.bucketName;
  const failure = failurePath(scope, bind.topic);
  const catchAll = (state: sfn.TaskStateBase) => state.addCatch(failure, { errors: ['States.ALL'], resultPath: '$.error' });
  const outputUri = `s3://${bucketName}/${DatasetPrefix.MODELS}bedrock/`;

  const validate = validateStep(scope, bind.steps, bucketName, ['train', 'validation']);
  catchAll(validate);
  // Bedrock takes one record shape per base model (prompt/completion or Converse messages): an execution
  // asking for another format fails before any job is created.
  const model = findCustomizationModel(options.baseModelId);
  const formats = model ? [datasetFormatOf(model)] : [];
  const checkFormat = new sfn.Choice(scope, 'CheckFormat');
  const wrongFormat = new sfn.Pass(scope, 'FormatNotSupported', {
    parameters: { Error: 'FormatNotSupported', 'Cause.$': `States.Format('Format {} is not what ${options.baseModelId} is customized with on Bedrock (${formats.join(' or ') || 'unknown'}).', $.format)` },
    resultPath: '$.error',
  });
  wrongFormat.next(failure);
  const baseModelId = Token.isUnresolved(options.baseModelId) || !model ? options.baseModelId : customizationModelIdentifier(options.baseModelId);
  const create = new tasks.CallAwsService(scope, 'Train', {
    service: 'bedrock',
    action: 'createModelCustomizationJob',
    parameters: {
      JobName: sfn.JsonPath.format('{}-train', sfn.JsonPath.executionName),
      CustomModelName: sfn.JsonPath.format('{}-model', sfn.JsonPath.executionName),
      RoleArn: jobRole.roleArn,
      BaseModelIdentifier: stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: baseModelId }),
      CustomizationType: options.customizationType ?? 'FINE_TUNING',
      TrainingDataConfig: { S3Uri: sfn.JsonPath.format(`s3://${bucketName}/{}`, sfn.JsonPath.stringAt('$.trainKey')) },
      ValidationDataConfig: { Validators: [{ S3Uri: sfn.JsonPath.format(`s3://${bucketName}/{}`, sfn.JsonPath.stringAt('$.validationKey')) }] },
      OutputDataConfig: { S3Uri: outputUri },
      HyperParameters: options.hyperParameters ?? {},
      CustomModelKmsKeyId: bind.datasets.encryptionKey.keyArn,
    },
    iamResources: [
      stack.formatArn({ service: 'bedrock', resource: 'model-customization-job', resourceName: '*' }),
      stack.formatArn({ service: 'bedrock', resource: 'custom-model', resourceName: '*' }),
      stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: baseModelId }),
    ],
    resultSelector: { 'JobArn.$': '$.JobArn' },
    resultPath: '$.train',
  });
  catchAll(create);
  const wait = new sfn.Wait(scope, 'WaitForJob', { time: sfn.WaitTime.duration(Duration.minutes(5)) });
  const describe = new tasks.CallAwsService(scope, 'DescribeJob', {
    service: 'bedrock',
    action: 'getModelCustomizationJob',
    parameters: { JobIdentifier: sfn.JsonPath.stringAt('$.train.JobArn') },
    iamResources: [stack.formatArn({ service: 'bedrock', resource: 'model-customization-job', resourceName: '*' })],
    // The whole response: outputModelArn, failureMessage and endTime are optional members, absent while the job
    // runs (a ResultSelector naming them would end the execution in States.Runtime, which no Catch takes).
    resultPath: '$.job',
  });
  describe.addRetry({ errors: ['Bedrock.ThrottlingException'], interval: Duration.seconds(30), maxAttempts: 5, backoffRate: 2 });
  catchAll(describe);
  const jobFailed = new sfn.Pass(scope, 'JobFailed', {
    parameters: { Error: 'CustomizationFailed', 'Cause.$': "States.Format('Customization job {} failed: {}', $.train.JobArn, $.job.FailureMessage)" },
    resultPath: '$.error',
  }).next(failure);
  const jobEnded = new sfn.Pass(scope, 'JobEnded', {
    parameters: { Error: 'CustomizationFailed', 'Cause.$': "States.Format('Customization job {} ended {} without a custom model.', $.train.JobArn, $.job.Status)" },
    resultPath: '$.error',
  }).next(failure);
  const loadMetrics = stepsTask(scope, 'LoadMetrics', bind.steps, { action: 'bedrock-metrics', bucket: bucketName, outputUri, 'jobArn.$': '$.train.JobArn' }, '$.metrics');
  catchAll(loadMetrics);

  const register = new tasks.CallAwsService(scope, 'Register', {
    service: 'bedrock',
    action: 'tagResource',
    parameters: {
      ResourceARN: sfn.JsonPath.stringAt('$.job.OutputModelArn'),
      Tags: [{ Key: 'approval', Value: bind.approval === ModelApproval.AUTOMATIC ? 'Approved' : 'PendingManualApproval' }, { Key: 'gate', Value: 'passed' }],
    },
    iamResources: [stack.formatArn({ service: 'bedrock', resource: 'custom-model', resourceName: '*' })],
    resultPath: sfn.JsonPath.DISCARD,
  });
  catchAll(register);

  const gate = gateChoice(scope, gatedPaths(bind.gate), register.next(successPath(scope, bind.topic, bind.approval)), failure);
  // Status is optional in the response too: a response without it is polled again.
  const status = (value: string) => sfn.Condition.and(sfn.Condition.isPresent('$.job.Status'), sfn.Condition.stringEquals('$.job.Status', value));
  const poll = new sfn.Choice(scope, 'JobDone')
    .when(sfn.Condition.and(status('Completed'), sfn.Condition.isPresent('$.job.OutputModelArn')), loadMetrics.next(gate))
    .when(sfn.Condition.and(status('Failed'), sfn.Condition.isPresent('$.job.FailureMessage')), jobFailed)
    .when(sfn.Condition.or(status('Completed'), status('Failed'), status('Stopped')), jobEnded)
    .otherwise(wait);
  checkFormat
    .when(sfn.Condition.stringEquals('$.format', formats[0] ?? 'sft'), validate)
    .otherwise(wrongFormat);
  validate.next(create).next(wait).next(describe).next(poll);
  return withDefaults(scope, bind.defaultKeys, checkFormat);
}

/** Passing exactly the job role to Bedrock, and the custom model key as the identity that creates the job needs it. */
export function grantCustomizationStateMachine(scope: Construct, role: iam.IRole, bind: FineTuningBackendBindOptions, config: FineTuningBackendConfig): void {
  const stack = Stack.of(scope);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [config.jobRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } } }));
  // The identity that creates a job with CustomModelKmsKeyId needs these on the key (Bedrock user guide,
  // "Encryption of custom models"); Bedrock makes the grant for its own use, through Bedrock only.
  grantCustomModelKey(role, bind.datasets.encryptionKey.keyArn, stack.region, scope);
  justify(role, {
    kind: 'wildcard-resources',
    resources: [
      stack.formatArn({ service: 'bedrock', resource: 'model-customization-job', resourceName: '*' }),
      stack.formatArn({ service: 'bedrock', resource: 'custom-model', resourceName: '*' }),
    ],
    reason: 'Each execution creates its own customization job and custom model, named from the execution at run time.',
  });
}

/** kms:Decrypt, GenerateDataKey, DescribeKey and CreateGrant on the custom model's key, used through Bedrock. */
function grantCustomModelKey(grantee: iam.IGrantable, keyArn: string, region: string, scope: Construct): void {
  const viaBedrock = { 'kms:ViaService': `bedrock.${region}.amazonaws.com` };
  grantKeyVia(grantee, keyArn, 'bedrock', ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], scope);
  iam.Grant.addToPrincipal({ grantee, actions: ['kms:CreateGrant'], resourceArns: [keyArn], conditions: { StringEquals: viaBedrock, Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
}
