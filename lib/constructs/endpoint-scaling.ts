// How an endpoint's capacity follows its load: instances of the variant under a target-tracking policy, or
// model copies on a managed pool of instances (inference components, with LoRA adapters).
import type { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';

/** What the autoscaling policy tracks. */
export class ScalingTarget {
  /** Invocations per instance per minute (SageMakerVariantInvocationsPerInstance). */
  static invocationsPerInstance(perMinute: number): ScalingTarget {
    return new ScalingTarget(appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE, perMinute);
  }

  /** Requests in flight per model copy, at high resolution (SageMakerVariantConcurrentRequestsPerModelHighResolution). */
  static concurrentRequestsPerModel(requests: number): ScalingTarget {
    return new ScalingTarget(appscaling.PredefinedMetric.SAGEMAKER_VARIANT_CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION, requests);
  }

  private constructor(readonly metric: appscaling.PredefinedMetric, readonly value: number) {}
}

export interface EndpointAutoScaling {
  /** Instances at the least. */
  readonly minInstances: number;
  /** Instances at the most. */
  readonly maxInstances: number;
  /** @default - concurrent requests per model = the batch one instance decodes */
  readonly target?: ScalingTarget;
  /** @default Duration.minutes(10): LLM instances take minutes to load, so scale in slowly */
  readonly scaleInCooldown?: Duration;
  /** @default Duration.minutes(2) */
  readonly scaleOutCooldown?: Duration;
}

/** Inference components: the model as copies on a managed pool of instances, plus LoRA adapters. */
export interface InferenceComponentsMode {
  /** @default 1 */
  readonly initialCopies?: number;
  /** Copies at the least; 0 lets the model scale to zero when idle. @default 1 */
  readonly minCopies?: number;
  /** @default - as many as maxInstances hold */
  readonly maxCopies?: number;
  /** LoRA adapters served on top of the base model: name -> key prefix in the dataset store. @default - none */
  readonly adapters?: Readonly<Record<string, string>>;
}
