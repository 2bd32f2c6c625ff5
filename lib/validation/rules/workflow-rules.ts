// Deploy-failure rules for training jobs started by state machines (the fine-tuning workflow, or any other
// definition that calls sagemaker:createTrainingJob) and for Bedrock guardrails.
import { checkDlcImage } from './endpoint-rules';
import { TRAINING_INSTANCE_TYPES } from './instance-types';
import { type IDeployRule, literal, type RuleFinding, stateMachineDefinition, trainingJobStates } from './template';

const STATE_MACHINE = 'AWS::StepFunctions::StateMachine';

/** Resource configs a definition's training states use: inline, or set by Pass states as `resourceConfig`. */
function resourceConfigs(definition: NonNullable<ReturnType<typeof stateMachineDefinition>>): { where: string; config: Record<string, unknown> }[] {
  const out: { where: string; config: Record<string, unknown> }[] = [];
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    const params = state.Parameters as Record<string, unknown> | undefined;
    if (params?.ResourceConfig && typeof params.ResourceConfig === 'object') out.push({ where: name, config: params.ResourceConfig as Record<string, unknown> });
    if (state.Type === 'Pass' && params?.resourceConfig && typeof params.resourceConfig === 'object') out.push({ where: name, config: params.resourceConfig as Record<string, unknown> });
  }
  return out;
}

export const SPOT_WAIT_COVERS_RUNTIME: IDeployRule = {
  id: 'GENAI-TR1',
  title: 'Managed spot training whose maximum wait is shorter than its maximum runtime',
  fix: 'Set MaxWaitTimeInSeconds >= MaxRuntimeInSeconds (FineTuningWorkflow: maxWait >= maxRuntime), or turn spot off.',
  resourceTypes: [STATE_MACHINE],
  check(ctx) {
    const definition = stateMachineDefinition(ctx.resource);
    if (!definition) return [];
    return trainingJobStates(definition).flatMap(({ name, parameters }): RuleFinding[] => {
      if (parameters.EnableManagedSpotTraining !== true) return [];
      const stop = (parameters.StoppingCondition ?? {}) as Record<string, unknown>;
      const runtime = Number(stop.MaxRuntimeInSeconds);
      const wait = Number(stop.MaxWaitTimeInSeconds);
      // CreateTrainingJob: "MaxWaitTimeInSeconds must be equal to or greater than MaxRuntimeInSeconds".
      return !(wait >= runtime) ? [{ message: `state ${name}: MaxWaitTimeInSeconds ${Number.isNaN(wait) ? 'is missing' : wait} but MaxRuntimeInSeconds is ${runtime}`, location: `DefinitionString/States/${name}` }] : [];
    });
  },
};

export const TRAINING_INSTANCE_EXISTS: IDeployRule = {
  id: 'GENAI-TR2',
  title: 'Training instance type that does not exist',
  fix: 'Use an instance type SageMaker training offers.',
  resourceTypes: [STATE_MACHINE],
  check(ctx) {
    const definition = stateMachineDefinition(ctx.resource);
    if (!definition) return [];
    return resourceConfigs(definition).flatMap(({ where, config }) => {
      const type = literal(config.InstanceType);
      return type && !TRAINING_INSTANCE_TYPES.has(type) ? [{ message: `state ${where}: ${type} is not a SageMaker training instance type`, location: `DefinitionString/States/${where}` }] : [];
    });
  },
};

export const TRAINING_IMAGE_REGION: IDeployRule = {
  id: 'GENAI-TR3',
  title: 'Training image from the wrong Deep Learning Containers account or region',
  fix: 'Use the registry of the stack\'s region (FineTuningWorkflow resolves it).',
  resourceTypes: [STATE_MACHINE],
  check(ctx) {
    const definition = stateMachineDefinition(ctx.resource);
    if (!definition) return [];
    return trainingJobStates(definition).flatMap(({ name, parameters }) =>
      checkDlcImage(literal((parameters.AlgorithmSpecification as Record<string, unknown> | undefined)?.TrainingImage), ctx.region, `DefinitionString/States/${name}`));
  },
};

export const GUARDRAIL_CUSTOMER_KEY: IDeployRule = {
  id: 'GENAI-BR1',
  title: 'Bedrock guardrail without a customer-managed KMS key',
  fix: 'Set KmsKeyArn (GenerativeApi creates its guardrail with the API\'s key).',
  resourceTypes: ['AWS::Bedrock::Guardrail'],
  check(ctx) {
    return ctx.resource.Properties?.KmsKeyArn === undefined ? [{ message: 'prompts and answers it inspects are encrypted with an AWS owned key', location: 'KmsKeyArn' }] : [];
  },
};

export const WORKFLOW_RULES: readonly IDeployRule[] = [SPOT_WAIT_COVERS_RUNTIME, TRAINING_INSTANCE_EXISTS, TRAINING_IMAGE_REGION, GUARDRAIL_CUSTOMER_KEY];
