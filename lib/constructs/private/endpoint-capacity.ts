// The scaling resources of an inference endpoint: a target-tracking policy on the variant's instances, or the
// inference component (with its adapters) and a policy on its copies, which can start from zero.
import { Duration, TimeZone } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import { type CapacitySchedule, scheduleSwitches } from '../../config/capacity-schedule';
import { DatasetPrefix } from '../../config/dataset-layout';
import type { StartupTimeouts } from '../../serving';
import type { IDatasetStore } from '../dataset-store';
import { type EndpointAutoScaling, type InferenceComponentsMode, ScalingTarget } from '../endpoint-scaling';
import { adapterComponentName } from './endpoint-names';

/** Instances of the variant follow the load (by default, requests in flight per model = the batch one decodes). */
export function addVariantScaling(
  scope: Construct, endpoint: sagemaker.CfnEndpoint, variantName: string, scaling: EndpointAutoScaling, concurrency: number,
): appscaling.ScalableTarget {
  const target = new appscaling.ScalableTarget(scope, 'Scaling', {
    serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
    resourceId: `endpoint/${endpoint.endpointName}/variant/${variantName}`,
    scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    minCapacity: scaling.minInstances,
    maxCapacity: scaling.maxInstances,
  });
  target.node.addDependency(endpoint);
  const goal = scaling.target ?? ScalingTarget.concurrentRequestsPerModel(concurrency);
  target.scaleToTrackMetric('Tracking', {
    predefinedMetric: goal.metric,
    targetValue: goal.value,
    scaleInCooldown: scaling.scaleInCooldown ?? Duration.minutes(10),
    scaleOutCooldown: scaling.scaleOutCooldown ?? Duration.minutes(2),
  });
  return target;
}

/** What the inference components are placed with. */
export interface ComponentPlacement {
  readonly componentName: string;
  readonly variantName: string;
  readonly model: sagemaker.CfnModel;
  readonly role: iam.IRole;
  readonly datasets?: IDatasetStore;
  readonly tensorParallelDegree: number;
  /** Accelerators on one instance. */
  readonly devices: number;
  readonly timeouts: StartupTimeouts;
  /** Requests one copy decodes at once: the copies' scaling target. */
  readonly concurrency: number;
  /** @default 1 */
  readonly maxInstances?: number;
  /** A schedule lowers the minimum to 0 copies at times, so the copies must also start again from zero. @default false */
  readonly scheduledToZero?: boolean;
}

/** The base model's inference component, its adapters, and the scaling of its copies. */
export function addInferenceComponents(scope: Construct, endpoint: sagemaker.CfnEndpoint, ic: InferenceComponentsMode, p: ComponentPlacement): appscaling.ScalableTarget {
  const base = new sagemaker.CfnInferenceComponent(scope, 'Component', {
    inferenceComponentName: p.componentName,
    endpointName: endpoint.attrEndpointName,
    variantName: p.variantName,
    specification: {
      modelName: p.model.attrModelName,
      computeResourceRequirements: {
        numberOfAcceleratorDevicesRequired: Math.min(p.tensorParallelDegree, p.devices),
        minMemoryRequiredInMb: 1024,
      },
      startupParameters: {
        containerStartupHealthCheckTimeoutInSeconds: p.timeouts.containerStartupHealthCheckTimeoutInSeconds,
        modelDataDownloadTimeoutInSeconds: p.timeouts.modelDataDownloadTimeoutInSeconds,
      },
    },
    runtimeConfig: { copyCount: ic.initialCopies ?? 1 },
  });
  for (const [name, prefix] of Object.entries(ic.adapters ?? {})) {
    p.datasets!.grantRead(p.role, DatasetPrefix.MODELS);
    const adapter = new sagemaker.CfnInferenceComponent(scope, `Adapter${name}`, {
      inferenceComponentName: adapterComponentName(endpoint.endpointName!, name),
      endpointName: endpoint.attrEndpointName,
      specification: {
        baseInferenceComponentName: p.componentName,
        container: { artifactUrl: `s3://${p.datasets!.bucket.bucketName}/${prefix}` },
      },
    });
    adapter.node.addDependency(base);
  }
  const minCopies = ic.minCopies ?? 1;
  const maxCopies = ic.maxCopies ?? (p.maxInstances ?? 1) * Math.max(1, Math.floor(p.devices / p.tensorParallelDegree));
  const target = new appscaling.ScalableTarget(scope, 'CopyScaling', {
    serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
    resourceId: `inference-component/${p.componentName}`,
    scalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
    minCapacity: minCopies,
    maxCapacity: maxCopies,
  });
  target.node.addDependency(base);
  target.scaleToTrackMetric('Tracking', {
    predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION,
    targetValue: p.concurrency,
    scaleInCooldown: Duration.minutes(10),
    scaleOutCooldown: Duration.minutes(2),
  });
  if (minCopies === 0 || p.scheduledToZero) {
    // Target tracking cannot scale out from zero copies (there is no per-copy metric): a request that finds
    // no copy raises NoCapacityInvocationFailures, which starts one (SageMaker developer guide, "Scale an
    // endpoint to zero instances").
    target.scaleOnMetric('FromZero', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/SageMaker',
        metricName: 'NoCapacityInvocationFailures',
        dimensionsMap: { InferenceComponentName: p.componentName },
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      scalingSteps: [{ upper: 0, change: 0 }, { lower: 1, change: 1 }],
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.minutes(2),
    });
  }
  return target;
}

/** The schedule's two scheduled actions: the minimum drops when working hours end and returns when they start. */
export function addSchedule(target: appscaling.ScalableTarget, schedule: CapacitySchedule, minimum: number): void {
  const switches = scheduleSwitches(schedule);
  const timeZone = TimeZone.of(schedule.timeZone);
  target.scaleOnSchedule('OffHours', { schedule: appscaling.Schedule.expression(switches.offHours), minCapacity: schedule.offHoursMinimum, timeZone });
  target.scaleOnSchedule('WorkingHours', { schedule: appscaling.Schedule.expression(switches.workingHours), minCapacity: minimum, timeZone });
}
