// What every generative API offers, created here or imported: its URL, grants, and the metrics its handler
// publishes (namespace GenAiLifecycle, one `service` dimension per API, so two APIs never mix numbers).
import { Duration, type IResource, Resource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { API_METRICS_NAMESPACE, type ApiRouteMetric } from '../runtime/api/settings';

/** Which route's series a GenerativeApi metric reads, and the usual metric options. */
export interface ApiMetricOptions extends cloudwatch.MetricOptions {
  /** The API Gateway resource: `/v1/generate`, `/v1/generate/stream`, `/v1/feedback` or `/v1/health`. @default '/v1/generate' */
  readonly route?: string;
}

/** A generative API, created here or imported. */
export interface IGenerativeApi extends IResource {
  /** The stage's invoke URL, ending in `/`. */
  readonly url: string;
  /** The `service` dimension of the API's metrics (and the service of its logs). */
  readonly serviceName: string;
  /** execute-api:Invoke on the generate, stream and feedback methods (for IAM authorization). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** Answers of a route with a 2xx status, per period. */
  metricSuccesses(options?: ApiMetricOptions): cloudwatch.Metric;
  /** Requests of a route answered 4xx, per period. */
  metricClientErrors(options?: ApiMetricOptions): cloudwatch.Metric;
  /** Requests of a route answered 5xx, per period. */
  metricServerErrors(options?: ApiMetricOptions): cloudwatch.Metric;
  /** Milliseconds until the caller had the whole answer. @default p90 */
  metricLatency(options?: ApiMetricOptions): cloudwatch.Metric;
  /** Milliseconds to the first token of streamed answers. @default p90 */
  metricTimeToFirstToken(options?: ApiMetricOptions): cloudwatch.Metric;
  /** Prompt tokens the model counted, summed per period. */
  metricInputTokens(options?: ApiMetricOptions): cloudwatch.Metric;
  /** Generated tokens, summed per period. */
  metricOutputTokens(options?: ApiMetricOptions): cloudwatch.Metric;
}

/** What identifies a generative API deployed elsewhere. */
export interface GenerativeApiAttributes {
  /** The REST API's id. */
  readonly restApiId: string;
  /** The stage's name. @default 'live' (the stage GenerativeApi deploys) */
  readonly stageName?: string;
  /** The `serviceName` of that API (its stack's name and its path in the stack, `Stack/Api`). */
  readonly serviceName: string;
}

/** The grants and metrics of a generative API. */
export abstract class GenerativeApiBase extends Resource implements IGenerativeApi {
  abstract readonly url: string;
  abstract readonly serviceName: string;

  /** The ARN execute-api:Invoke names for a method and path of the API's stage. */
  protected abstract executeApiArn(method: string, path: string): string;

  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: ['generate', 'generate/stream', 'feedback'].map((p) => this.executeApiArn('POST', `/v1/${p}`)),
    });
  }

  /** Answers of a route with a 2xx status, per period. */
  metricSuccesses(options: ApiMetricOptions = {}): cloudwatch.Metric {
    return this.routeMetric('Success', 'Sum', options);
  }

  /** Requests of a route answered 4xx (bad requests, throttled callers, refused feedback), per period. */
  metricClientErrors(options: ApiMetricOptions = {}): cloudwatch.Metric {
    return this.routeMetric('ClientError', 'Sum', options);
  }

  /** Requests of a route answered 5xx (the model failed or timed out, or the handler did), per period. */
  metricServerErrors(options: ApiMetricOptions = {}): cloudwatch.Metric {
    return this.routeMetric('ServerError', 'Sum', options);
  }

  /** Milliseconds until the caller had the whole answer (the record's write excluded). @default p90 */
  metricLatency(options: ApiMetricOptions = {}): cloudwatch.Metric {
    return this.routeMetric('LatencyMs', 'p90', options);
  }

  /**
   * Milliseconds to the first token of streamed answers (`"stream": true` on /v1/generate, or /v1/generate/stream:
   * each route is a series of its own). @default p90
   */
  metricTimeToFirstToken(options: ApiMetricOptions = {}): cloudwatch.Metric {
    return this.routeMetric('TimeToFirstTokenMs', 'p90', options);
  }

  /** Prompt tokens the model counted, summed per period. */
  metricInputTokens(options: ApiMetricOptions = {}): cloudwatch.Metric {
    return this.routeMetric('InputTokens', 'Sum', options);
  }

  /** Generated tokens, summed per period. */
  metricOutputTokens(options: ApiMetricOptions = {}): cloudwatch.Metric {
    return this.routeMetric('OutputTokens', 'Sum', options);
  }

  private routeMetric(metricName: ApiRouteMetric, statistic: string, options: ApiMetricOptions): cloudwatch.Metric {
    const { route = '/v1/generate', ...props } = options;
    // As the handler publishes them: Powertools' service dimension (this API's own) and the API Gateway resource.
    return new cloudwatch.Metric({
      namespace: API_METRICS_NAMESPACE, metricName, statistic, period: Duration.minutes(5),
      dimensionsMap: { service: this.serviceName, route },
      ...props,
    });
  }
}
