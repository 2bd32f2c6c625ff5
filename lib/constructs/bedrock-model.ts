// A managed model on Amazon Bedrock that the API can call instead of a SageMaker endpoint: a foundation
// model, a cross-region (system-defined) inference profile, a custom model deployment or provisioned
// throughput. It grants invocation on exactly the ARNs a call goes through.
import { Arn, ArnFormat, Duration, type IResource, Resource, Stack, Token } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { CrossRegionGeography } from '../bedrock/cross-region';
import { justify } from './private/justifications';
import { throwIfProblems } from './private/problems';


/** The kind of model a BedrockModelSource names. */
export enum BedrockModelKind {
  FOUNDATION_MODEL = 'foundation-model',
  CROSS_REGION_PROFILE = 'cross-region-profile',
  CUSTOM_MODEL_DEPLOYMENT = 'custom-model-deployment',
  PROVISIONED_THROUGHPUT = 'provisioned-throughput',
}

/** Where a Bedrock model comes from. */
export class BedrockModelSource {
  /** An on-demand foundation model in the stack's region, e.g. `amazon.nova-lite-v1:0`. */
  static foundationModel(modelId: string): BedrockModelSource {
    return new BedrockModelSource(BedrockModelKind.FOUNDATION_MODEL, modelId);
  }

  /** A system-defined cross-region inference profile (`us.meta.llama3-1-8b-instruct-v1:0`) for the model. */
  static crossRegion(geography: CrossRegionGeography, modelId: string): BedrockModelSource {
    return new BedrockModelSource(BedrockModelKind.CROSS_REGION_PROFILE, modelId, geography);
  }

  /** A custom model served on demand: the ARN of its custom model deployment. */
  static customModelDeployment(deploymentArn: string): BedrockModelSource {
    return new BedrockModelSource(BedrockModelKind.CUSTOM_MODEL_DEPLOYMENT, deploymentArn);
  }

  /** Provisioned throughput bought for a base or custom model: the provisioned model's ARN. */
  static provisionedThroughput(provisionedModelArn: string): BedrockModelSource {
    return new BedrockModelSource(BedrockModelKind.PROVISIONED_THROUGHPUT, provisionedModelArn);
  }

  private constructor(
    readonly kind: BedrockModelKind,
    /** A model id for foundation models and profiles, an ARN otherwise. */
    readonly identifier: string,
    readonly geography?: CrossRegionGeography,
  ) {}
}

export interface BedrockModelProps {
  /** The model to call. */
  readonly source: BedrockModelSource;
  /**
   * Create an application inference profile over the foundation model or cross-region profile, so that
   * usage and cost are tracked with this environment's tags. Not available for custom or provisioned models.
   * @default true for foundation models and cross-region profiles
   */
  readonly applicationInferenceProfile?: boolean;
  /**
   * Name of the application inference profile.
   * @default - derived from the construct path
   */
  readonly profileName?: string;
}

/** A Bedrock model callable by Converse / ConverseStream / InvokeModel. */
export interface IBedrockModel extends IResource {
  /** What to pass as `modelId` to Converse: a model id, a profile id, or an ARN. */
  readonly invocationId: string;
  /** Lets the grantee invoke the model, streaming included. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** Requests Bedrock accepted (AWS/Bedrock Invocations), summed per period. */
  metricInvocations(options?: BedrockMetricOptions): cloudwatch.IMetric;
  /** Requests Bedrock throttled (InvocationThrottles), summed. */
  metricInvocationThrottles(options?: BedrockMetricOptions): cloudwatch.IMetric;
  /** Requests that failed with a client (4xx) error (InvocationClientErrors), summed. */
  metricInvocationClientErrors(options?: BedrockMetricOptions): cloudwatch.IMetric;
  /** Requests that failed with a server (5xx) error (InvocationServerErrors), summed. */
  metricInvocationServerErrors(options?: BedrockMetricOptions): cloudwatch.IMetric;
  /** Milliseconds from the request to the last token (InvocationLatency). @default p90 */
  metricInvocationLatency(options?: BedrockMetricOptions): cloudwatch.IMetric;
  /** Input tokens (InputTokenCount), summed. */
  metricInputTokenCount(options?: BedrockMetricOptions): cloudwatch.IMetric;
  /** Output tokens (OutputTokenCount), summed. */
  metricOutputTokenCount(options?: BedrockMetricOptions): cloudwatch.IMetric;
}

/** How a Bedrock runtime metric is read. */
export interface BedrockMetricOptions {
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
  /** @default - Sum, or p90 for latency */
  readonly statistic?: string;
  /** @default - the metric's name and the model ids */
  readonly label?: string;
}

/** Runtime metrics of a Bedrock model (AWS/Bedrock, by ModelId). */
export abstract class BedrockModelBase extends Resource implements IBedrockModel {
  abstract readonly invocationId: string;
  /** Every ModelId the model's requests may be published under. */
  protected abstract readonly metricModelIds: string[];
  abstract grantInvoke(grantee: iam.IGrantable): iam.Grant;

  metricInvocations(options: BedrockMetricOptions = {}): cloudwatch.IMetric {
    return this.runtimeMetric('Invocations', 'Sum', options);
  }

  metricInvocationThrottles(options: BedrockMetricOptions = {}): cloudwatch.IMetric {
    return this.runtimeMetric('InvocationThrottles', 'Sum', options);
  }

  metricInvocationClientErrors(options: BedrockMetricOptions = {}): cloudwatch.IMetric {
    return this.runtimeMetric('InvocationClientErrors', 'Sum', options);
  }

  metricInvocationServerErrors(options: BedrockMetricOptions = {}): cloudwatch.IMetric {
    return this.runtimeMetric('InvocationServerErrors', 'Sum', options);
  }

  metricInvocationLatency(options: BedrockMetricOptions = {}): cloudwatch.IMetric {
    return this.runtimeMetric('InvocationLatency', 'p90', options);
  }

  metricInputTokenCount(options: BedrockMetricOptions = {}): cloudwatch.IMetric {
    return this.runtimeMetric('InputTokenCount', 'Sum', options);
  }

  metricOutputTokenCount(options: BedrockMetricOptions = {}): cloudwatch.IMetric {
    return this.runtimeMetric('OutputTokenCount', 'Sum', options);
  }

  /**
   * Bedrock publishes its runtime metrics by ModelId, the id a request names ("Monitor Amazon Bedrock with
   * Amazon CloudWatch", Bedrock user guide, read 2026-12-03): a model id, a system-defined profile id or an
   * application profile. A search over every id this model is called by finds the series whichever it is.
   */
  private runtimeMetric(metricName: string, statistic: string, options: BedrockMetricOptions): cloudwatch.IMetric {
    const period = options.period ?? Duration.minutes(5);
    const ids = this.metricModelIds.map((id) => `ModelId="${id}"`).join(' OR ');
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{AWS/Bedrock,ModelId} MetricName="${metricName}" AND (${ids})', '${options.statistic ?? statistic}', ${period.toSeconds()})`,
      usingMetrics: {},
      period,
      label: options.label ?? metricName,
    });
  }
}

// provider.model-name[-version][:n], as Bedrock model ids are written (e.g. anthropic.claude-3-5-haiku-20241022-v1:0).
const MODEL_ID = /^[a-z0-9-]+\.[a-z0-9.-]+(:[0-9a-z:]+)?$/;

/** What identifies a Bedrock model set up elsewhere. */
export interface BedrockModelAttributes {
  /** What to pass as `modelId` to Converse: a model id, a profile id, or an ARN. */
  readonly invocationId: string;
  /**
   * The ARNs an invocation uses: the foundation model's, and for an inference profile the profile's and the
   * models' it routes to.
   */
  readonly resourceArns: string[];
}

/** A managed model on Bedrock, with grants for exactly the resources an invocation uses. */
export class BedrockModel extends BedrockModelBase {
  /** A model set up elsewhere (an inference profile of another stack, say): grants cover exactly `resourceArns`. */
  static fromBedrockModelAttributes(scope: Construct, id: string, attrs: BedrockModelAttributes): IBedrockModel {
    class Import extends BedrockModelBase {
      readonly invocationId = attrs.invocationId;
      protected readonly metricModelIds = [attrs.invocationId];
      grantInvoke(grantee: iam.IGrantable): iam.Grant {
        return iam.Grant.addToPrincipal({ grantee, actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], resourceArns: attrs.resourceArns });
      }
    }
    return new Import(scope, id);
  }

  readonly invocationId: string;
  readonly source: BedrockModelSource;
  /** The application inference profile, when one is created. */
  readonly applicationProfile?: bedrock.CfnApplicationInferenceProfile;
  private readonly invokeStatements: iam.PolicyStatementProps[];
  protected readonly metricModelIds: string[];

  constructor(scope: Construct, id: string, props: BedrockModelProps) {
    super(scope, id);
    this.source = props.source;
    const stack = Stack.of(this);
    const kind = props.source.kind;
    const profileCapable = kind === BedrockModelKind.FOUNDATION_MODEL || kind === BedrockModelKind.CROSS_REGION_PROFILE;
    validate(this, props, profileCapable);

    const modelArn = (region: string) => stack.formatArn({ service: 'bedrock', region, account: '', resource: 'foundation-model', resourceName: props.source.identifier });
    let underlying: string;
    const statements: iam.PolicyStatementProps[] = [];
    switch (kind) {
      case BedrockModelKind.FOUNDATION_MODEL:
        underlying = modelArn(stack.region);
        statements.push({ resources: [underlying] });
        break;
      case BedrockModelKind.CROSS_REGION_PROFILE: {
        const profileId = `${props.source.geography}.${props.source.identifier}`;
        underlying = stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: profileId });
        statements.push({ resources: [underlying] });
        break;
      }
      default:
        underlying = props.source.identifier;
        statements.push({ resources: [underlying] });
    }

    let invocationId = kind === BedrockModelKind.CROSS_REGION_PROFILE ? `${props.source.geography}.${props.source.identifier}` : props.source.identifier;
    const profileArns = kind === BedrockModelKind.CROSS_REGION_PROFILE ? [underlying] : [];
    if (profileCapable && (props.applicationInferenceProfile ?? true)) {
      const profileName = props.profileName ?? profileNameFor(this);
      this.applicationProfile = new bedrock.CfnApplicationInferenceProfile(this, 'Profile', {
        inferenceProfileName: profileName,
        // The description takes the same restricted characters as the name (no '/').
        description: `Usage and cost of ${props.source.identifier} for ${profileName}`,
        modelSource: { copyFrom: underlying },
      });
      invocationId = this.applicationProfile.attrInferenceProfileArn;
      statements.push({ resources: [this.applicationProfile.attrInferenceProfileArn] });
      profileArns.push(this.applicationProfile.attrInferenceProfileArn);
    }
    if (kind === BedrockModelKind.CROSS_REGION_PROFILE) {
      // A profile routes to the foundation model in whichever region it picks; allow that only through
      // this environment's profiles (Bedrock user guide, "Prerequisites for inference profiles").
      statements.push({
        resources: [modelArn('*')],
        conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArns } },
      });
    }
    this.invocationId = invocationId;
    this.metricModelIds = [...new Set([invocationId, ...(kind === BedrockModelKind.CROSS_REGION_PROFILE ? [`${props.source.geography}.${props.source.identifier}`] : []), props.source.identifier])];
    this.invokeStatements = statements;
  }

  /** bedrock:InvokeModel (Converse) and bedrock:InvokeModelWithResponseStream (ConverseStream). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const actions = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
    const [first, ...rest] = this.invokeStatements;
    const grant = iam.Grant.addToPrincipal({ grantee, actions, resourceArns: first.resources!, conditions: first.conditions });
    for (const s of rest) iam.Grant.addToPrincipal({ grantee, actions, resourceArns: s.resources!, conditions: s.conditions });
    const anyRegion = rest.filter((s) => s.conditions).flatMap((s) => s.resources!);
    if (anyRegion.length > 0 && grantee.grantPrincipal instanceof Construct) {
      justify(grantee.grantPrincipal, { kind: 'wildcard-resources', resources: anyRegion, reason: 'A cross-region inference profile routes to the foundation model in any region of its geography; the grant applies only through this environment\'s profiles (condition bedrock:InferenceProfileArn).' });
    }
    return grant;
  }
}

function profileNameFor(scope: Construct): string {
  // Up to 64 characters, single separators between letters and digits (the CloudFormation pattern
  // ^([0-9a-zA-Z:.][ _-]?)+$): the path, flattened, with a stable hash suffix.
  const base = scope.node.path.replace(/[^0-9a-zA-Z]+/g, '-').replace(/^-|-$/g, '').slice(0, 55);
  return `${base}-${scope.node.addr.slice(0, 8)}`;
}

function validate(scope: Construct, props: BedrockModelProps, profileCapable: boolean): void {
  const problems: string[] = [];
  const { kind, identifier } = props.source;
  if (Token.isUnresolved(identifier)) return;
  if (profileCapable && !MODEL_ID.test(identifier)) {
    problems.push(`source model id "${identifier}" is not a Bedrock model id (provider.model-version, e.g. "amazon.nova-lite-v1:0"). Copy the id from the Bedrock console's model catalog.`);
  }
  if (!profileCapable) {
    const expected = kind === BedrockModelKind.CUSTOM_MODEL_DEPLOYMENT ? 'custom-model-deployment' : 'provisioned-model';
    const arn = identifier.startsWith('arn:') ? Arn.split(identifier, ArnFormat.SLASH_RESOURCE_NAME) : undefined;
    if (arn?.service !== 'bedrock' || arn.resource !== expected) {
      problems.push(`source "${identifier}" is not a Bedrock ${expected} ARN (arn:aws:bedrock:REGION:ACCOUNT:${expected}/ID).`);
    }
    if (props.applicationInferenceProfile) {
      problems.push(`applicationInferenceProfile is true, but application inference profiles copy foundation models or cross-region profiles only, not a ${kind}. Remove the option.`);
    }
  }
  if (props.profileName !== undefined && !(props.profileName.length <= 64 && /^([0-9a-zA-Z:.][ _-]?)+$/.test(props.profileName))) {
    problems.push(`profileName "${props.profileName}" is not a valid inference profile name: up to 64 letters, digits, ':' and '.', with single ' ', '_' or '-' between them.`);
  }
  throwIfProblems(scope, 'BedrockModel', problems);
}
