// One CloudWatch dashboard for an environment: the API (its handler's requests, errors, latency, time to first
// token and tokens; API Gateway's own count and errors), the endpoint or the Bedrock model, the fine-tuning
// workflow and knowledge-base ingestion. A section appears only for what the environment has, and every
// widget names metrics its resources publish (lib/compatibility/cloudwatch-metrics.ts).
import { Duration, Resource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { IBedrockModel } from './bedrock-model';
import type { IInferenceEndpoint } from './endpoint-base';
import { FineTuningWorkflow, type IFineTuningWorkflow } from './fine-tuning-workflow';
import { GenerativeApi } from './generative-api';
import type { IGenerativeApi } from './generative-api-base';
import { InferenceEndpoint } from './inference-endpoint';
import type { IKnowledgeBase } from './knowledge-base';

export interface LifecycleDashboardProps {
  /** @default - a name CloudFormation generates */
  readonly dashboardName?: string;
  /** The generative API. @default - no API section */
  readonly api?: IGenerativeApi;
  /** The SageMaker endpoint the API calls. @default - no endpoint section */
  readonly endpoint?: IInferenceEndpoint;
  /**
   * GPUs per endpoint instance: SageMaker sums GPU utilization over them, and the dashboard divides by it.
   * @default - the instance's GPUs for an InferenceEndpoint made here; for another, the sums are shown as they are
   */
  readonly gpusPerInstance?: number;
  /** The Bedrock model the API calls. @default - no Bedrock section */
  readonly bedrockModel?: IBedrockModel;
  /** The fine-tuning workflow. @default - no fine-tuning section */
  readonly fineTuning?: IFineTuningWorkflow;
  /** The knowledge base: its ingestion, when documents are ingested on upload. @default - no ingestion section */
  readonly knowledgeBase?: IKnowledgeBase;
  /** The period of every graph. @default Duration.minutes(5) */
  readonly period?: Duration;
}

/** The routes whose requests the API section shows. */
const GENERATE_ROUTES = ['/v1/generate', '/v1/generate/stream'] as const;

/** A CloudWatch dashboard of one environment's lifecycle. */
export class LifecycleDashboard extends Resource {
  readonly dashboard: cloudwatch.Dashboard;
  /** The sections it shows, in order: `api`, `endpoint`, `bedrock`, `fine-tuning`, `ingestion`. */
  readonly sections: string[] = [];
  private readonly period: Duration;

  constructor(scope: Construct, id: string, props: LifecycleDashboardProps) {
    super(scope, id);
    this.period = props.period ?? Duration.minutes(5);
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(24),
    });
    if (props.api) this.addApi(props.api);
    if (props.endpoint) this.addEndpoint(props.endpoint, props.gpusPerInstance ?? (props.endpoint instanceof InferenceEndpoint ? props.endpoint.gpusPerInstance : undefined));
    if (props.bedrockModel) this.addBedrock(props.bedrockModel);
    if (props.fineTuning) this.addFineTuning(props.fineTuning);
    const ingestion = props.knowledgeBase?.ingestionStateMachine;
    if (ingestion) this.addIngestion(ingestion);
  }

  private section(name: string, title: string, widgets: cloudwatch.IWidget[]): void {
    this.sections.push(name);
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `## ${title}`, width: 24, height: 1 }));
    this.dashboard.addWidgets(...widgets);
  }

  private graph(title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = [], leftLabel?: string): cloudwatch.GraphWidget {
    return new cloudwatch.GraphWidget({ title, left, right, width: 8, height: 6, period: this.period, leftYAxis: leftLabel ? { label: leftLabel, showUnits: false } : undefined });
  }

  private addApi(api: IGenerativeApi): void {
    const p = { period: this.period };
    const perRoute = (label: string, metric: (route: string) => cloudwatch.Metric) => GENERATE_ROUTES.map((route) => metric(route).with({ label: `${label} ${route}` }));
    const widgets: cloudwatch.IWidget[] = [
      this.graph('Requests answered (handler)', [
        ...perRoute('2xx', (route) => api.metricSuccesses({ route, ...p })),
        ...perRoute('4xx', (route) => api.metricClientErrors({ route, ...p })),
        ...perRoute('5xx', (route) => api.metricServerErrors({ route, ...p })),
      ]),
      this.graph('Latency to the whole answer (ms)', ['p50', 'p90', 'p99'].map((statistic) => api.metricLatency({ statistic, ...p }).with({ label: statistic })), [], 'ms'),
      this.graph('Time to first token, streamed (ms)', ['p50', 'p90', 'p99'].flatMap((statistic) =>
        GENERATE_ROUTES.map((route) => api.metricTimeToFirstToken({ route, statistic, ...p }).with({ label: `${statistic} ${route}` }))), [], 'ms'),
      this.graph('Tokens', [api.metricInputTokens(p).with({ label: 'input' })], [api.metricOutputTokens(p).with({ label: 'output' })]),
    ];
    if (api instanceof GenerativeApi) {
      // API Gateway's own view: requests throttled or refused before the handler count here only.
      const stage = api.api.deploymentStage;
      widgets.push(this.graph('API Gateway requests and errors', [
        stage.metricCount({ ...p, statistic: 'Sum', label: 'requests' }),
        stage.metricClientError({ ...p, label: '4xx' }),
        stage.metricServerError({ ...p, label: '5xx' }),
      ]));
    }
    this.section('api', 'Generative API', widgets);
  }

  private addEndpoint(endpoint: IInferenceEndpoint, gpus: number | undefined): void {
    const p = { period: this.period };
    const components = endpoint.inferenceComponentName !== undefined;
    const perGpu = (metric: cloudwatch.Metric, id: string, label: string): cloudwatch.IMetric => (gpus === undefined || gpus < 1 ? metric.with({ label: `${label} (sum over GPUs)` })
      : new cloudwatch.MathExpression({ expression: `${id} / ${gpus}`, usingMetrics: { [id]: metric }, label: `${label} per GPU`, period: this.period }));
    const widgets: cloudwatch.IWidget[] = [
      this.graph('Endpoint invocations', [
        endpoint.metricInvocations(p).with({ label: 'invocations' }),
        endpoint.metricInvocation4XXErrors(p).with({ label: '4xx' }),
        endpoint.metricInvocation5XXErrors(p).with({ label: '5xx' }),
      ]),
      this.graph('Model latency (ms)', ['p50', 'p90', 'p99'].map((statistic) => new cloudwatch.MathExpression({
        // ModelLatency is in microseconds.
        expression: `latency${statistic} / 1000`, usingMetrics: { [`latency${statistic}`]: endpoint.metricModelLatency({ statistic, ...p }) }, label: statistic, period: this.period,
      })), [], 'ms'),
      components
        ? this.graph('GPU per copy (% of its reservation)', [
          endpoint.metricComponentGpuUtilization(p).with({ label: 'GPU utilization' }),
          endpoint.metricComponentGpuMemoryUtilization(p).with({ label: 'GPU memory' }),
        ], [], '%')
        : this.graph('GPU (%)', [
          perGpu(endpoint.metricGpuUtilization(p), 'gpu', 'GPU utilization'),
          perGpu(endpoint.metricGpuMemoryUtilization(p), 'gpumemory', 'GPU memory'),
        ], [], '%'),
      new cloudwatch.GraphWidget({
        title: components ? 'Instances and copies running' : 'Instances running',
        // One sample per instance (or copy) a minute: the count of samples is the count running.
        left: [
          endpoint.metricInstancesReporting().with({ label: 'instances' }),
          ...(components ? [endpoint.metricCopiesReporting().with({ label: 'copies' })] : []),
        ],
        width: 8, height: 6, period: Duration.minutes(1), leftYAxis: { min: 0, showUnits: false },
      }),
    ];
    this.section('endpoint', components ? `SageMaker endpoint ${endpoint.endpointName} (inference components)` : `SageMaker endpoint ${endpoint.endpointName}`, widgets);
  }

  private addBedrock(model: IBedrockModel): void {
    const p = { period: this.period };
    this.section('bedrock', 'Bedrock model', [
      this.graph('Bedrock invocations', [
        model.metricInvocations({ ...p, label: 'invocations' }),
        model.metricInvocationThrottles({ ...p, label: 'throttled' }),
        model.metricInvocationClientErrors({ ...p, label: 'client errors' }),
        model.metricInvocationServerErrors({ ...p, label: 'server errors' }),
      ]),
      this.graph('Bedrock latency to the last token (ms)', ['p50', 'p90', 'p99'].map((statistic) => model.metricInvocationLatency({ ...p, statistic, label: statistic })), [], 'ms'),
      this.graph('Bedrock tokens', [model.metricInputTokenCount({ ...p, label: 'input' })], [model.metricOutputTokenCount({ ...p, label: 'output' })]),
    ]);
  }

  private addFineTuning(workflow: IFineTuningWorkflow): void {
    const machine = workflow.stateMachine;
    const widgets: cloudwatch.IWidget[] = [
      this.graph('Fine-tuning runs', [
        machine.metricStarted({ period: Duration.hours(1), label: 'started' }),
        machine.metricSucceeded({ period: Duration.hours(1), label: 'passed the gate' }),
        machine.metricFailed({ period: Duration.hours(1), label: 'failed or rejected' }),
      ]),
      this.graph('Run time (hours)', [new cloudwatch.MathExpression({
        expression: 'runtime / 3600000', usingMetrics: { runtime: machine.metricTime({ statistic: 'Maximum', period: Duration.hours(1) }) }, label: 'longest run', period: Duration.hours(1),
      })], [], 'hours'),
    ];
    if (workflow instanceof FineTuningWorkflow && workflow.service === 'sagemaker') {
      // Published per integration, not per state machine: every .sync training job Step Functions ran in the region.
      widgets.push(this.graph('SageMaker training job time, all workflows of the region (hours)', [new cloudwatch.MathExpression({
        expression: `SEARCH('{AWS/States,ServiceIntegrationResourceArn} MetricName="ServiceIntegrationRunTime" createTrainingJob', 'Maximum', 3600) / 3600000`,
        usingMetrics: {}, label: 'longest job', period: Duration.hours(1),
      })], [], 'hours'));
    }
    this.section('fine-tuning', 'Fine-tuning workflow', widgets);
  }

  private addIngestion(machine: sfn.IStateMachine): void {
    this.section('ingestion', 'Knowledge base ingestion', [
      this.graph('Ingestion jobs started on upload', [
        machine.metricStarted({ period: this.period, label: 'document changes' }),
        machine.metricSucceeded({ period: this.period, label: 'jobs started' }),
        machine.metricFailed({ period: this.period, label: 'could not start' }),
      ]),
    ]);
  }
}
