// What every SageMaker endpoint offers, created here or imported: invoke grants (the endpoint and its
// inference component) and the metrics SageMaker publishes for its production variant or component.
import { Duration, type IResource, Resource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';

/** An endpoint created elsewhere. */
export interface InferenceEndpointAttributes {
  readonly endpointName: string;
  /** The inference component to invoke, when the endpoint hosts components. @default - none */
  readonly inferenceComponentName?: string;
  /** The production variant its metrics are published under. @default 'AllTraffic' (the variant InferenceEndpoint creates) */
  readonly variantName?: string;
}

/** An invocable SageMaker endpoint. */
export interface IInferenceEndpoint extends IResource {
  readonly endpointName: string;
  readonly endpointArn: string;
  /** The production variant that serves the model: the `VariantName` dimension of its metrics. */
  readonly variantName: string;
  /**
   * The inference component that serves the model, when the endpoint hosts components: InvokeEndpoint then
   * needs it as InferenceComponentName (SageMaker API reference, InvokeEndpoint).
   */
  readonly inferenceComponentName?: string;
  /** InvokeEndpoint and InvokeEndpointWithResponseStream on this endpoint. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** Invocations (AWS/SageMaker). */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Requests the container answered with 5xx (AWS/SageMaker). */
  metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Requests rejected with 4xx (AWS/SageMaker). */
  metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Time the container took to answer, in microseconds (AWS/SageMaker). */
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** SageMaker's own overhead per request, in microseconds (AWS/SageMaker). */
  metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** GPU memory in use, percent summed over GPUs (/aws/sagemaker/Endpoints). */
  metricGpuMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** GPU compute in use, percent summed over GPUs (/aws/sagemaker/Endpoints). */
  metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Instance memory in use, percent (0-100, /aws/sagemaker/Endpoints). */
  metricHostMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Instance disk in use, percent (0-100, /aws/sagemaker/Endpoints). */
  metricDiskUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * Instances reporting: the number of CPUUtilization samples per minute (/aws/sagemaker/Endpoints), one per
   * instance; SageMaker publishes no instance count metric.
   */
  metricInstancesReporting(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * GPU compute of the model's copies, percent of what each copy reserved (0-100,
   * /aws/sagemaker/InferenceComponents GPUUtilizationNormalized). Needs inference components.
   */
  metricComponentGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** GPU memory of the model's copies, percent of what each reserved (0-100). Needs inference components. */
  metricComponentGpuMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * Copies reporting: the number of CPUUtilizationNormalized samples per minute (/aws/sagemaker/InferenceComponents),
   * one per copy; SageMaker publishes no copy count metric. Needs inference components.
   */
  metricCopiesReporting(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** What an endpoint created here and an imported one share: invoke grants and metrics. */
export abstract class EndpointBase extends Resource implements IInferenceEndpoint {
  abstract readonly endpointName: string;
  abstract readonly endpointArn: string;
  abstract readonly variantName: string;
  readonly inferenceComponentName?: string;

  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
      resourceArns: [
        this.endpointArn,
        ...(this.inferenceComponentName ? [stack.formatArn({ service: 'sagemaker', resource: 'inference-component', resourceName: this.inferenceComponentName })] : []),
      ],
    });
  }

  /** Invocations (AWS/SageMaker). */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', 'Invocations', 'Sum', props);
  }

  /** Requests the container answered with 5xx (AWS/SageMaker). */
  metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', 'Invocation5XXErrors', 'Sum', props);
  }

  /** Requests rejected with 4xx (AWS/SageMaker). */
  metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', 'Invocation4XXErrors', 'Sum', props);
  }

  /** Time the container took to answer, in microseconds (AWS/SageMaker). */
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', 'ModelLatency', 'Average', props);
  }

  /** SageMaker's own overhead per request, in microseconds (AWS/SageMaker). */
  metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', 'OverheadLatency', 'Average', props);
  }

  /** GPU memory in use, percent summed over GPUs (/aws/sagemaker/Endpoints). */
  metricGpuMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'GPUMemoryUtilization', 'Average', props);
  }

  /** GPU compute in use, percent summed over GPUs (/aws/sagemaker/Endpoints). */
  metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'GPUUtilization', 'Average', props);
  }

  /** Instance memory in use, percent (0-100, /aws/sagemaker/Endpoints). */
  metricHostMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Average', props);
  }

  /** Instance disk in use, percent (0-100, /aws/sagemaker/Endpoints). */
  metricDiskUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'DiskUtilization', 'Average', props);
  }

  metricInstancesReporting(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'CPUUtilization', 'SampleCount', { period: Duration.minutes(1), ...props });
  }

  metricComponentGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.componentMetric('GPUUtilizationNormalized', 'Average', props);
  }

  metricComponentGpuMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.componentMetric('GPUMemoryUtilizationNormalized', 'Average', props);
  }

  metricCopiesReporting(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.componentMetric('CPUUtilizationNormalized', 'SampleCount', { period: Duration.minutes(1), ...props });
  }

  /**
   * Invocation metrics (AWS/SageMaker) are published per variant, or, on an endpoint with inference components,
   * per component under InferenceComponentName ("Amazon SageMaker AI metrics in Amazon CloudWatch",
   * SageMaker developer guide, read 2026-12-03); instance metrics (/aws/sagemaker/Endpoints) per variant always.
   */
  private variantMetric(namespace: string, metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const perComponent = namespace === 'AWS/SageMaker' && this.inferenceComponentName !== undefined;
    return new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap: perComponent ? { InferenceComponentName: this.inferenceComponentName! } : { EndpointName: this.endpointName, VariantName: this.variantName },
      statistic,
      ...props,
    });
  }

  /** Per-copy utilization of the model's inference component (/aws/sagemaker/InferenceComponents). */
  private componentMetric(metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (this.inferenceComponentName === undefined) {
      throw new Error(`${this.node.path}: ${metricName} is published per inference component, and this endpoint hosts none; use metricGpuUtilization or metricGpuMemoryUtilization.`);
    }
    return new cloudwatch.Metric({
      namespace: '/aws/sagemaker/InferenceComponents', metricName, dimensionsMap: { InferenceComponentName: this.inferenceComponentName }, statistic, ...props,
    });
  }
}
