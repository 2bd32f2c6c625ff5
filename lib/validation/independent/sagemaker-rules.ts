// SageMaker instance types checked against the enums of the SageMaker API model as the AWS SDK ships it
// (@aws-sdk/client-sagemaker; written against 3.1142.0, read 2026-12-02): each property takes the enum its
// API shape names (ProductionVariantInstanceType for endpoint variants, TrainingInstanceType for training
// jobs, ...), so an instance type that exists for one use and not another is caught too. Templates are
// looked at in CloudFormation resources and in the SageMaker tasks of Step Functions definitions.
//
// The SDK client is an optional peer dependency: 14 MB for a handful of string tables. It is loaded only
// when a template names a SageMaker instance type; without it the rule reports that it could not run.
import type * as SageMaker from '@aws-sdk/client-sagemaker';
import { type CfnResourceJson, type IDeployRule, literal, type RuleFinding, valuesAt } from '../rules/template';
import { renderDefinition } from './asl';
import { didYouMean } from '../../util/did-you-mean';

/** The SDK's enum (by export name) each instance-type property takes. */
type EnumName = 'ProductionVariantInstanceType' | 'TrainingInstanceType' | 'TransformInstanceType' | 'ProcessingInstanceType' | '_InstanceType' | 'AppInstanceType' | 'ClusterInstanceType' | 'OptimizationJobDeploymentInstanceType';

/** Property paths (`[]`: every element of a list) of instance types, per resource type, with their enum. */
const CFN_PROPERTIES: Readonly<Record<string, readonly (readonly [string, EnumName])[]>> = {
  'AWS::SageMaker::EndpointConfig': [['ProductionVariants[].InstanceType', 'ProductionVariantInstanceType'], ['ShadowProductionVariants[].InstanceType', 'ProductionVariantInstanceType']],
  'AWS::SageMaker::InferenceExperiment': [['ModelVariants[].InfrastructureConfig.RealTimeInferenceConfig.InstanceType', 'ProductionVariantInstanceType']],
  'AWS::SageMaker::NotebookInstance': [['InstanceType', '_InstanceType']],
  'AWS::SageMaker::Cluster': [['InstanceGroups[].InstanceType', 'ClusterInstanceType'], ['RestrictedInstanceGroups[].InstanceType', 'ClusterInstanceType']],
  'AWS::SageMaker::ModelPackage': [
    ['InferenceSpecification.SupportedRealtimeInferenceInstanceTypes[]', 'ProductionVariantInstanceType'],
    ['InferenceSpecification.SupportedTransformInstanceTypes[]', 'TransformInstanceType'],
    ['AdditionalInferenceSpecifications[].SupportedRealtimeInferenceInstanceTypes[]', 'ProductionVariantInstanceType'],
    ['AdditionalInferenceSpecifications[].SupportedTransformInstanceTypes[]', 'TransformInstanceType'],
    ['ValidationSpecification.ValidationProfiles[].TransformJobDefinition.TransformResources.InstanceType', 'TransformInstanceType'],
  ],
  'AWS::SageMaker::DataQualityJobDefinition': [['JobResources.ClusterConfig.InstanceType', 'ProcessingInstanceType']],
  'AWS::SageMaker::ModelBiasJobDefinition': [['JobResources.ClusterConfig.InstanceType', 'ProcessingInstanceType']],
  'AWS::SageMaker::ModelExplainabilityJobDefinition': [['JobResources.ClusterConfig.InstanceType', 'ProcessingInstanceType']],
  'AWS::SageMaker::ModelQualityJobDefinition': [['JobResources.ClusterConfig.InstanceType', 'ProcessingInstanceType']],
  'AWS::SageMaker::MonitoringSchedule': [['MonitoringScheduleConfig.MonitoringJobDefinition.MonitoringResources.ClusterConfig.InstanceType', 'ProcessingInstanceType']],
};

/** The same, for the request of each SageMaker API a Step Functions task can call. */
const API_PARAMETERS: Readonly<Record<string, readonly (readonly [string, EnumName])[]>> = {
  createtrainingjob: [['ResourceConfig.InstanceType', 'TrainingInstanceType'], ['ResourceConfig.InstanceGroups[].InstanceType', 'TrainingInstanceType']],
  createhyperparametertuningjob: [
    ['TrainingJobDefinition.ResourceConfig.InstanceType', 'TrainingInstanceType'],
    ['TrainingJobDefinitions[].ResourceConfig.InstanceType', 'TrainingInstanceType'],
    ['TrainingJobDefinition.HyperParameterTuningResourceConfig.InstanceType', 'TrainingInstanceType'],
  ],
  createtransformjob: [['TransformResources.InstanceType', 'TransformInstanceType']],
  createprocessingjob: [['ProcessingResources.ClusterConfig.InstanceType', 'ProcessingInstanceType']],
  createendpointconfig: [['ProductionVariants[].InstanceType', 'ProductionVariantInstanceType'], ['ShadowProductionVariants[].InstanceType', 'ProductionVariantInstanceType']],
  createmodelpackage: [
    ['InferenceSpecification.SupportedRealtimeInferenceInstanceTypes[]', 'ProductionVariantInstanceType'],
    ['InferenceSpecification.SupportedTransformInstanceTypes[]', 'TransformInstanceType'],
  ],
  createoptimizationjob: [['DeploymentInstanceType', 'OptimizationJobDeploymentInstanceType']],
  createnotebookinstance: [['InstanceType', '_InstanceType']],
};

/**
 * A Pass state that stages a training job's resources for a later task (`resourceConfig`, as
 * FineTuningWorkflow's plans do) holds training instance types too.
 */
const STAGED_TRAINING_CONFIG = ['resourceConfig.InstanceType', 'TrainingInstanceType'] as const;

type Enums = Pick<typeof SageMaker, EnumName>;
let enums: Enums | null | undefined;

/** The SDK's enums, or null when @aws-sdk/client-sagemaker is not installed. */
function sdkEnums(): Enums | null {
  if (enums !== undefined) return enums;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only when needed
    enums = require('@aws-sdk/client-sagemaker') as Enums;
  } catch {
    enums = null;
  }
  return enums;
}

const allowed = new Map<EnumName, ReadonlySet<string>>();
function valuesOf(name: EnumName, sdk: Enums): ReadonlySet<string> {
  let set = allowed.get(name);
  if (!set) {
    set = new Set(Object.values(sdk[name]) as string[]);
    allowed.set(name, set);
  }
  return set;
}

/** A literal instance type found in a template, with where it is and what it must be. */
export interface InstanceTypeUse {
  readonly instanceType: string;
  readonly enumName: EnumName;
  readonly location: string;
}

/** Every literal SageMaker instance type of a resource: its own properties and, for a state machine, its tasks'. */
export function instanceTypeUses(resource: CfnResourceJson): InstanceTypeUse[] {
  const uses: InstanceTypeUse[] = [];
  for (const [propertyPath, enumName] of CFN_PROPERTIES[resource.Type] ?? []) {
    for (const { location, value } of valuesAt(resource.Properties, propertyPath)) {
      const instanceType = literal(value);
      if (instanceType) uses.push({ instanceType, enumName, location });
    }
  }
  if (resource.Type === 'AWS::StepFunctions::StateMachine') {
    const rendered = renderDefinition(resource.Properties ?? {});
    if (rendered && 'definition' in rendered) uses.push(...stateMachineUses(rendered.definition));
  }
  return uses;
}

function stateMachineUses(definition: unknown): InstanceTypeUse[] {
  const uses: InstanceTypeUse[] = [];
  const visitStates = (states: unknown, where: string): void => {
    if (typeof states !== 'object' || states === null) return;
    for (const [name, state] of Object.entries(states as Record<string, Record<string, unknown>>)) {
      const at = `${where}/${name}`;
      const request = (state.Parameters ?? state.Arguments) as unknown;
      const api = state.Type === 'Task' && typeof state.Resource === 'string' ? sageMakerApi(state.Resource) : undefined;
      const paths = api ? API_PARAMETERS[api] ?? [] : state.Type === 'Pass' ? [STAGED_TRAINING_CONFIG] : [];
      for (const [requestPath, enumName] of paths) {
        for (const { location, value } of valuesAt(request, requestPath)) {
          const instanceType = literal(value);
          // JSONata expressions are evaluated at run time, like JSONPath (`InstanceType.$`) values.
          if (instanceType && !instanceType.trim().startsWith('{%')) uses.push({ instanceType, enumName, location: `${at}/${state.Parameters ? 'Parameters' : 'Arguments'}/${location}` });
        }
      }
      for (const branch of Array.isArray(state.Branches) ? state.Branches : []) visitStates((branch as Record<string, unknown>).States, `${at}/Branches`);
      for (const inner of [state.ItemProcessor, state.Iterator]) if (inner) visitStates((inner as Record<string, unknown>).States, at);
    }
  };
  visitStates((definition as { States?: unknown } | undefined)?.States, 'DefinitionString/States');
  return uses;
}

/** The SageMaker API a task resource calls (`createtrainingjob`), for optimized and SDK integrations alike. */
function sageMakerApi(resource: string): string | undefined {
  const m = /^arn:[^:]+:states:::(?:aws-sdk:)?sagemaker:([A-Za-z]+)/.exec(resource);
  return m ? m[1].toLowerCase() : undefined;
}

export const SAGEMAKER_INSTANCE_TYPE_EXISTS: IDeployRule = {
  id: 'GENAI-IV4',
  title: 'SageMaker instance type that the SageMaker API does not accept where it is used',
  fix: 'Use an instance type of the enum the AWS SDK names for that property (ProductionVariantInstanceType for endpoints, TrainingInstanceType for training jobs, ...), e.g. InstanceType constants in lib/sizing.',
  resourceTypes: [...Object.keys(CFN_PROPERTIES), 'AWS::StepFunctions::StateMachine'],
  check(ctx) {
    const uses = instanceTypeUses(ctx.resource);
    if (uses.length === 0) return [];
    const sdk = sdkEnums();
    if (!sdk) return [];
    return uses.flatMap((u): RuleFinding[] => {
      const values = valuesOf(u.enumName, sdk);
      return values.has(u.instanceType) ? [] : [{ message: `${u.instanceType} is not in the SageMaker API's ${u.enumName} enum${didYouMean(u.instanceType, values)}`, location: u.location }];
    });
  },
};

/** Whether the SDK's enums could be loaded: when not, `SAGEMAKER_INSTANCE_TYPE_EXISTS` checks nothing. */
export function sageMakerEnumsAvailable(): boolean {
  return sdkEnums() !== null;
}
