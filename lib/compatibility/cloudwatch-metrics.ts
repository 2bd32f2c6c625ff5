/**
 * The CloudWatch metrics the lifecycle's AWS resources publish, by namespace: their names, the dimension sets
 * they are published under, and what a value means. A dashboard or alarm names only metrics in this table;
 * tests hold every synthesized dashboard to it.
 */
import type { SourceRef } from './source';

/** The date the tables below were read. */
const READ = '2026-12-03';

/**
 * What a metric's values are: `count`s add up (Sum is the total; percentiles mean nothing), `gauge`s are
 * measurements (averages, percentiles, extremes, and SampleCount; their Sum means nothing).
 */
export type MetricKind = 'count' | 'gauge';

/** One published metric. */
export interface PublishedMetric {
  readonly name: string;
  readonly kind: MetricKind;
  /** Each dimension set the metric is published under (a series exists for each). */
  readonly dimensionSets: readonly (readonly string[])[];
  /** What a value is, with its unit. */
  readonly meaning: string;
}

/** A namespace and its metrics, with where they were read. */
export interface MetricNamespace extends SourceRef {
  readonly namespace: string;
  readonly metrics: readonly PublishedMetric[];
}

const VARIANT = ['EndpointName', 'VariantName'] as const;
const COMPONENT = ['InferenceComponentName'] as const;

const SAGEMAKER_PAGE = '"Amazon SageMaker AI metrics in Amazon CloudWatch", SageMaker developer guide (docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html)';

export const CLOUDWATCH_METRICS: readonly MetricNamespace[] = [
  {
    namespace: 'AWS/SageMaker',
    source: `${SAGEMAKER_PAGE}: endpoint invocation metrics, dimensions EndpointName, VariantName and InferenceComponentName; "Scale an endpoint to zero instances" (NoCapacityInvocationFailures)`,
    read: READ,
    metrics: [
      { kind: 'count', name: 'Invocations', dimensionSets: [VARIANT, COMPONENT], meaning: 'requests sent to the model (Sum)' },
      { kind: 'count', name: 'Invocation4XXErrors', dimensionSets: [VARIANT, COMPONENT], meaning: 'requests answered 4xx (Sum; Average is the rate)' },
      { kind: 'count', name: 'Invocation5XXErrors', dimensionSets: [VARIANT, COMPONENT], meaning: 'requests answered 5xx (Sum; Average is the rate)' },
      { kind: 'gauge', name: 'ModelLatency', dimensionSets: [VARIANT, COMPONENT], meaning: 'time the container took to answer, microseconds' },
      { kind: 'gauge', name: 'OverheadLatency', dimensionSets: [VARIANT, COMPONENT], meaning: 'SageMaker\'s own time per request, microseconds' },
      { kind: 'count', name: 'NoCapacityInvocationFailures', dimensionSets: [COMPONENT], meaning: 'requests that found no copy of the component (Sum)' },
    ],
  },
  {
    namespace: '/aws/sagemaker/Endpoints',
    source: `${SAGEMAKER_PAGE}: endpoint instance metrics; GPUUtilization and GPUMemoryUtilization range 0 to 100 times the GPUs, CPUUtilization 0 to 100 times the vCPUs`,
    read: READ,
    metrics: [
      { kind: 'gauge', name: 'CPUUtilization', dimensionSets: [VARIANT], meaning: 'CPU in use, percent summed over vCPUs; one sample per instance a minute' },
      { kind: 'gauge', name: 'GPUUtilization', dimensionSets: [VARIANT], meaning: 'GPU compute in use, percent summed over GPUs' },
      { kind: 'gauge', name: 'GPUMemoryUtilization', dimensionSets: [VARIANT], meaning: 'GPU memory in use, percent summed over GPUs' },
      { kind: 'gauge', name: 'MemoryUtilization', dimensionSets: [VARIANT], meaning: 'instance memory in use, percent' },
      { kind: 'gauge', name: 'DiskUtilization', dimensionSets: [VARIANT], meaning: 'instance disk in use, percent' },
    ],
  },
  {
    namespace: '/aws/sagemaker/InferenceComponents',
    source: `${SAGEMAKER_PAGE}: inference component metrics, reported by each copy, normalized to what the copy reserved`,
    read: READ,
    metrics: [
      { kind: 'gauge', name: 'CPUUtilizationNormalized', dimensionSets: [COMPONENT], meaning: 'CPU of a copy, percent of its reservation; one sample per copy a minute' },
      { kind: 'gauge', name: 'GPUUtilizationNormalized', dimensionSets: [COMPONENT], meaning: 'GPU compute of a copy, percent of its reservation' },
      { kind: 'gauge', name: 'GPUMemoryUtilizationNormalized', dimensionSets: [COMPONENT], meaning: 'GPU memory of a copy, percent of its reservation' },
      { kind: 'gauge', name: 'MemoryUtilizationNormalized', dimensionSets: [COMPONENT], meaning: 'memory of a copy, percent of its reservation' },
    ],
  },
  {
    namespace: 'AWS/Bedrock',
    source: '"Monitor Amazon Bedrock with Amazon CloudWatch" / "Monitor bedrock-runtime inference using CloudWatch metrics", Bedrock user guide (docs.aws.amazon.com/bedrock/latest/userguide/monitoring-runtime-metrics.html)',
    read: READ,
    unconfirmed: 'the dimension table was not read on the page; ModelId is the dimension of every code sample read, and its value the id a request names',
    metrics: [
      { kind: 'count', name: 'Invocations', dimensionSets: [['ModelId']], meaning: 'requests accepted (Sum)' },
      { kind: 'gauge', name: 'InvocationLatency', dimensionSets: [['ModelId']], meaning: 'request to last token, milliseconds' },
      { kind: 'count', name: 'InvocationClientErrors', dimensionSets: [['ModelId']], meaning: 'requests failed with a client error (Sum)' },
      { kind: 'count', name: 'InvocationServerErrors', dimensionSets: [['ModelId']], meaning: 'requests failed with a server error (Sum)' },
      { kind: 'count', name: 'InvocationThrottles', dimensionSets: [['ModelId']], meaning: 'requests throttled (Sum)' },
      { kind: 'count', name: 'InputTokenCount', dimensionSets: [['ModelId']], meaning: 'input tokens (Sum)' },
      { kind: 'count', name: 'OutputTokenCount', dimensionSets: [['ModelId']], meaning: 'output tokens (Sum)' },
    ],
  },
  {
    namespace: 'AWS/ApiGateway',
    source: '"Amazon API Gateway dimensions and metrics", API Gateway developer guide (docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html): REST API metrics',
    read: READ,
    metrics: [
      { kind: 'count', name: 'Count', dimensionSets: [['ApiName'], ['ApiName', 'Stage']], meaning: 'requests (SampleCount or Sum)' },
      { kind: 'count', name: '4XXError', dimensionSets: [['ApiName'], ['ApiName', 'Stage']], meaning: 'requests answered 4xx, throttled ones included (Sum)' },
      { kind: 'count', name: '5XXError', dimensionSets: [['ApiName'], ['ApiName', 'Stage']], meaning: 'requests answered 5xx (Sum)' },
      { kind: 'gauge', name: 'Latency', dimensionSets: [['ApiName'], ['ApiName', 'Stage']], meaning: 'request to response, milliseconds' },
      { kind: 'gauge', name: 'IntegrationLatency', dimensionSets: [['ApiName'], ['ApiName', 'Stage']], meaning: 'time in the integration (the handler), milliseconds' },
    ],
  },
  {
    namespace: 'AWS/States',
    source: '"Amazon Step Functions", CloudWatch user guide, Application Insights metrics (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/appinsights-metrics-step-functions.html); aws-cdk-lib aws-stepfunctions canned metrics (StateMachineArn); cdk-monitoring-constructs StepFunctionServiceIntegrationMetricFactory (ServiceIntegrationResourceArn)',
    read: READ,
    metrics: [
      { kind: 'count', name: 'ExecutionsStarted', dimensionSets: [['StateMachineArn']], meaning: 'executions started (Sum)' },
      { kind: 'count', name: 'ExecutionsSucceeded', dimensionSets: [['StateMachineArn']], meaning: 'executions that succeeded (Sum)' },
      { kind: 'count', name: 'ExecutionsFailed', dimensionSets: [['StateMachineArn']], meaning: 'executions that failed (Sum)' },
      { kind: 'count', name: 'ExecutionsTimedOut', dimensionSets: [['StateMachineArn']], meaning: 'executions that timed out (Sum)' },
      { kind: 'gauge', name: 'ExecutionTime', dimensionSets: [['StateMachineArn']], meaning: 'start to end of an execution, milliseconds' },
      { kind: 'gauge', name: 'ServiceIntegrationRunTime', dimensionSets: [['ServiceIntegrationResourceArn']], meaning: 'time a service integration task ran (a .sync training job), milliseconds' },
    ],
  },
];

/** Whether a statistic says something about a metric of this kind. */
export function statisticFits(kind: MetricKind, statistic: string): boolean {
  const percentile = /^(p|tm|wm|tc|ts)\d/i.test(statistic);
  return kind === 'count' ? !percentile : statistic !== 'Sum';
}

/** The metric, when `namespace` publishes `name`; undefined otherwise. */
export function publishedMetric(namespace: string, name: string): PublishedMetric | undefined {
  return CLOUDWATCH_METRICS.find((n) => n.namespace === namespace)?.metrics.find((m) => m.name === name);
}
