// The alarms of an inference endpoint: 5xx errors, p90 model latency, GPUs saturated (per GPU), and the
// instance's memory and disk, each notifying one topic on alarm and on recovery.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AcceleratorKind } from '../../sizing/accelerators';
import type { IInferenceEndpoint } from '../endpoint-base';
import type { EndpointAlarms } from '../inference-endpoint';
import { newAlarmTopic } from './alarm-topic';

/** The accelerators the endpoint's instance has: GPU alarms only where there are GPUs, divided by their number. */
export interface EndpointAccelerators {
  readonly kind: AcceleratorKind;
  readonly count: number;
}

/** Creates the alarms under `scope/Alarms`; returns the topic they notify and the alarms, in a stable order. */
export function createEndpointAlarms(
  scope: Construct, endpoint: IInferenceEndpoint, options: EndpointAlarms, accelerators: EndpointAccelerators,
): { topic: sns.ITopic; alarms: cloudwatch.Alarm[] } {
  const group = new Construct(scope, 'Alarms');
  const topic = options.topic ?? newAlarmTopic(group);
  const action = new cw_actions.SnsAction(topic);
  const alarms: cloudwatch.Alarm[] = [];
  const name = endpoint.endpointName;
  const add = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
    const alarm = new cloudwatch.Alarm(group, id, {
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    alarms.push(alarm);
  };
  add('ServerErrors', endpoint.metricInvocation5XXErrors({ period: Duration.minutes(5) }), options.serverErrorsThreshold ?? 5,
    `${name}: the model container returned 5xx errors.`);
  const latency = options.modelLatencyThreshold ?? Duration.seconds(60);
  add('ModelLatency', endpoint.metricModelLatency({ statistic: 'p90', period: Duration.minutes(5) }), latency.toSeconds() * 1_000_000,
    `${name}: p90 model latency at or over ${latency.toHumanString()}.`);
  if (accelerators.kind === AcceleratorKind.GPU) {
    // /aws/sagemaker/Endpoints GPU metrics run 0-100 times the number of GPUs (SageMaker developer guide, "Amazon
    // SageMaker AI metrics in Amazon CloudWatch"): divided by the GPU count, the threshold is per GPU.
    const perGpu = new cloudwatch.MathExpression({
      expression: `m / ${accelerators.count}`,
      usingMetrics: { m: endpoint.metricGpuUtilization({ period: Duration.minutes(5) }) },
      label: 'GPU utilization per GPU (%)',
      period: Duration.minutes(5),
    });
    const busy = options.gpuUtilizationPercent ?? 90;
    add('GpuSaturated', perGpu, busy, `${name}: GPUs over ${busy}% busy for 15 minutes; requests queue. Scale out or lower the load.`, 3);
  }
  const host = options.hostResourcePercent ?? 90;
  add('HostMemory', endpoint.metricHostMemoryUtilization({ period: Duration.minutes(5) }), host,
    `${name}: instance memory at or over ${host}%; the container may be killed for memory.`);
  add('Disk', endpoint.metricDiskUtilization({ period: Duration.minutes(5) }), host,
    `${name}: instance disk at or over ${host}%; model downloads and logs may fail.`);
  return { topic, alarms };
}
