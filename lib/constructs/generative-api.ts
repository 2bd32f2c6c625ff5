// The generative API: API Gateway (REST, response streaming) in front of one Lambda handler that calls a
// Bedrock model or a SageMaker endpoint, renders prompt templates, and stores every answer and every piece
// of feedback in the dataset store, where alignment picks them up. Records S3 could not take go to a
// KMS-encrypted dead-letter queue, with an alarm, for replay.
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { DatasetPrefix } from '../config/dataset-layout';
import type { ApiTool } from '../config/environment';
import { type ApiLimits, feedbackSchema, generateSchema, type PromptTemplate } from '../runtime/api/contract';
import { API_METRICS_NAMESPACE, type ApiHandlerSettings } from '../runtime/api/settings';
import type { IDatasetStore } from './dataset-store';
import { GenerativeApiBase, type GenerativeApiAttributes, type IGenerativeApi } from './generative-api-base';
import type { IKnowledgeBase } from './knowledge-base';
import { ApiAuthorization, type FeedbackReviewers } from './api-authorization';
import type { ApiBackend } from './api-backend';
import { justify } from './private/justifications';
import { newAlarmTopic } from './private/alarm-topic';
import { validateProps } from './private/api-checks';
import { handlerEnvironment, handlerSettings, justifyHandler } from './private/api-handler';
import { justifyApi, liveStageOptions } from './private/api-stage';
import { addWaf } from './private/api-waf';
import { allowCloudWatchLogs, createKitKey, grantKeyVia } from './private/kms';
import { runtimeCode } from './private/runtime-bundle';

/** How strictly a guardrail's content filters block (Bedrock CreateGuardrail, ContentFilterConfig inputStrength). */
export enum GuardrailFilterStrength {
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
}

/** A Bedrock guardrail the kit creates for the API: in Converse for Bedrock models, through ApplyGuardrail for endpoints. */
export interface GuardrailOptions {
  /** @default GuardrailFilterStrength.HIGH for every content filter */
  readonly filterStrength?: GuardrailFilterStrength;
  /** PII types masked in answers and prompts. @default EMAIL, PHONE, NAME, ADDRESS */
  readonly maskedPii?: string[];
  /** PII types that block the request. @default CREDIT_DEBIT_CARD_NUMBER, US_SOCIAL_SECURITY_NUMBER, AWS_SECRET_KEY, PASSWORD */
  readonly blockedPii?: string[];
}

/** Stage throttling: requests per second across all callers, and the burst above it. */
export interface ApiThrottling {
  /** Steady requests per second. */
  readonly rateLimit: number;
  /** Requests above the rate a burst may take. */
  readonly burstLimit: number;
}

/** The WAF web ACL of an API: a rate limit per IP, and AWS managed common and bad-input rules. */
export interface ApiWafOptions {
  /** Requests one IP may make in 5 minutes before it is blocked. @default 1000 */
  readonly requestsPerIpPer5Minutes?: number;
}

/** Retrieval augmentation of an API. */
export interface ApiRetrievalOptions {
  /** The knowledge base passages come from. */
  readonly knowledgeBase: IKnowledgeBase;
  /** Passages per request, 1 to 100. @default 5 */
  readonly results?: number;
  /** Ground every request that does not say `"retrieval": false`. @default false */
  readonly byDefault?: boolean;
}

export interface GenerativeApiProps {
  /**
   * The handler's execution role. It receives the policies the handler needs (the model, feedback/, the
   * dead-letter queue, its log group, tracing); its trust policy must let lambda.amazonaws.com assume it.
   * @default - a new role with the basic execution policy
   */
  readonly role?: iam.IRole;
  readonly backend: ApiBackend;
  /** Interactions and feedback go to its feedback/ prefix. */
  readonly datasets: IDatasetStore;
  /** The scope's token budget: longer prompts get 413, larger maxTokens 400. */
  readonly limits: ApiLimits;
  /** Requests per second across all callers, and the burst above it (stage throttling). */
  readonly throttling: ApiThrottling;
  /** @default ApiAuthorization.iam() */
  readonly authorization?: ApiAuthorization;
  /** Versioned prompt templates requests can name. @default - none */
  readonly promptTemplates?: PromptTemplate[];
  /**
   * Content filters and PII masking. A Bedrock model gets it inside Converse; a SageMaker endpoint's prompts and
   * answers go through ApplyGuardrail (streamed answers in batches that end at a sentence).
   * @default - no guardrail
   */
  readonly guardrail?: GuardrailOptions;
  /** Who may rate any answer; anyone else may rate only the answers they asked for. @default - only the callers who asked */
  readonly feedbackReviewers?: FeedbackReviewers;
  /**
   * Accept `messages` with assistant turns the caller wrote (a conversation's history). They are recorded as the
   * caller's (`callerAssistantTurns`), since the model did not necessarily say them.
   * @default true
   */
  readonly acceptAssistantTurns?: boolean;
  /**
   * How long writing one record to S3 may take, timeouts and retries included; then it goes to the dead-letter
   * queue. Answers never wait for it: records are written after the answer is sent.
   * @default Duration.seconds(3)
   */
  readonly recordTimeout?: Duration;
  /** Where the dead-letter alarm notifies. @default - a new KMS-encrypted SNS topic */
  readonly alarmTopic?: sns.ITopic;
  /** A WAF web ACL: rate limit per IP and AWS managed common and bad-input rules (`{}` for the defaults). @default - no web ACL */
  readonly waf?: ApiWafOptions;
  /**
   * Retrieval augmentation: requests with `"retrieval": true` (or every request, with `byDefault`) get
   * passages from this knowledge base in their system prompt, and citations in the answer.
   * @default - no retrieval
   */
  readonly retrieval?: ApiRetrievalOptions;
  /** Tools offered to a Bedrock model through Converse tool use. @default - none */
  readonly tools?: ApiTool[];
  /** Tool-use rounds before the request fails. @default 4 */
  readonly maxToolRounds?: number;
  /** @default Duration.minutes(2) */
  readonly modelTimeout?: Duration;
  /** Access and function logs. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Of the logs, and of the dead-letter queue of records (with its key). @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** An API Gateway REST API in front of a model, with its metrics and grants. */
export class GenerativeApi extends GenerativeApiBase {
  /**
   * An API deployed elsewhere (another stack or app): grants and metrics for it. `serviceName` is the `service`
   * dimension its metrics carry, which that API's `serviceName` says.
   */
  static fromGenerativeApiAttributes(scope: Construct, id: string, attrs: GenerativeApiAttributes): IGenerativeApi {
    const stageName = attrs.stageName ?? 'live';
    class Import extends GenerativeApiBase {
      readonly serviceName = attrs.serviceName;
      readonly url = `https://${attrs.restApiId}.execute-api.${Stack.of(scope).region}.${Stack.of(scope).urlSuffix}/${stageName}/`;
      protected executeApiArn(method: string, path: string): string {
        return Stack.of(this).formatArn({ service: 'execute-api', resource: attrs.restApiId, arnFormat: ArnFormat.SLASH_RESOURCE_NAME, resourceName: `${stageName}/${method}${path}` });
      }
    }
    return new Import(scope, id);
  }

  readonly api: apigw.RestApi;
  readonly handler: lambda.Function;
  /** Records S3 did not take, for replay (README, "The generative API"). */
  readonly recordDeadLetters: sqs.Queue;
  /** In alarm while the dead-letter queue holds a record. */
  readonly recordDeadLettersAlarm: cloudwatch.Alarm;
  /** Where the API's alarms notify: subscribe to it. */
  readonly alarmTopic: sns.ITopic;
  readonly url: string;
  readonly guardrail?: bedrock.CfnGuardrail;
  readonly webAcl?: wafv2.CfnWebACL;
  readonly apiKey?: apigw.IApiKey;
  /** The `service` dimension of this API's metrics (and the service of its logs): the stack's name and the path in it. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: GenerativeApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    validateProps(this, props);
    const backend = props.backend.bind(this);
    const authorization = props.authorization ?? ApiAuthorization.iam();
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const removalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    const modelTimeout = props.modelTimeout ?? Duration.minutes(2);
    const recordTimeout = props.recordTimeout ?? Duration.seconds(3);

    const logKey = createKitKey(this, 'LogKey', { description: `Encrypts the logs of ${this.node.path}`, removalPolicy });
    allowCloudWatchLogs(logKey);

    // The stack's name is unique in its account and region; the path inside it tells APIs of one stack apart.
    this.serviceName = `${stack.stackName}/${this.node.path.slice(stack.node.path.length + 1)}`;
    const settings = handlerSettings(props, backend, this.serviceName, modelTimeout, recordTimeout);

    // Records S3 did not take (a hang, a 5xx after retries): kept 14 days, the longest SQS keeps a message.
    const deadLetterKey = createKitKey(this, 'RecordDeadLettersKey', { description: `Encrypts the records ${this.node.path} could not write to S3`, removalPolicy });
    this.recordDeadLetters = new sqs.Queue(this, 'RecordDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: deadLetterKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // A record is a prompt and an answer, gzipped; SQS takes messages up to 1 MiB.
      maxMessageSizeBytes: 1_048_576,
      // A dead-letter queue by purpose that no other queue redrives into: the handler sends to it directly.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.DENY_ALL },
      removalPolicy,
    });
    justify(this.recordDeadLetters,
      {
        kind: 'queue-without-dead-letter-queue',
        reason: 'This queue is itself the dead-letter store of the API\'s records: they are replayed from it into S3 by an operator, never consumed by a worker that could fail them onward.',
      },
      {
        kind: 'queue-without-redrive',
        reason: 'The queue is a dead-letter queue that the handler writes to directly; it accepts no redrive from other queues (RedriveAllowPolicy denyAll), which the rule only passes as allowAll or byQueue.',
      },
    );

    const alarms = new Construct(this, 'Alarms');
    this.recordDeadLettersAlarm = new cloudwatch.Alarm(alarms, 'RecordDeadLetters', {
      metric: this.recordDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${this.node.path}: records could not be written to S3 and wait in the dead-letter queue; replay them (README, "The generative API").`,
    });
    this.alarmTopic = props.alarmTopic ?? newAlarmTopic(alarms);
    this.recordDeadLettersAlarm.addAlarmAction(new cw_actions.SnsAction(this.alarmTopic));
    this.recordDeadLettersAlarm.addOkAction(new cw_actions.SnsAction(this.alarmTopic));

    let guardrail: ApiHandlerSettings['guardrail'];
    if (props.guardrail) {
      this.guardrail = this.createGuardrail(props.guardrail, logKey);
      const version = new bedrock.CfnGuardrailVersion(this, 'GuardrailVersion', { guardrailIdentifier: this.guardrail.attrGuardrailId });
      guardrail = { id: this.guardrail.attrGuardrailId, version: version.attrVersion };
    }

    const functionLogs = new logs.LogGroup(this, 'HandlerLogs', { retention, encryptionKey: logKey, removalPolicy });
    this.handler = new lambda.Function(this, 'Handler', {
      description: `Generative API of ${this.node.path} (${backend.backend}: ${props.backend.displayName})`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: runtimeCode('api'),
      memorySize: 1024,
      // The model's time, then the record's (S3, then the dead-letter queue), with room to start and finish.
      timeout: modelTimeout.plus(recordTimeout).plus(Duration.seconds(15)),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: functionLogs,
      role: props.role,
      environment: handlerEnvironment(settings, this.recordDeadLetters.queueUrl, guardrail),
    });
    // A role of the caller's gets no managed policy from Lambda: it writes to the function's own log group.
    if (props.role) functionLogs.grantWrite(props.role);
    props.datasets.grantReadWrite(this.handler, DatasetPrefix.FEEDBACK);
    // Send only: replaying and deleting dead letters is an operator's job.
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.recordDeadLetters.queueArn] }));
    // SQS uses the queue's key with the sender's credentials.
    grantKeyVia(this.handler, deadLetterKey.keyArn, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt'], this);
    props.backend.grantInvoke(this.handler);
    props.retrieval?.knowledgeBase.grantRetrieve(this.handler);
    if (this.guardrail) {
      this.handler.addToRolePolicy(new iam.PolicyStatement({
        actions: ['bedrock:ApplyGuardrail'],
        resources: [this.guardrail.attrGuardrailArn],
      }));
      // Bedrock decrypts the guardrail with the caller's credentials (Converse, ApplyGuardrail).
      grantKeyVia(this.handler, logKey.keyArn, 'bedrock', ['kms:Decrypt'], this);
    }
    justifyHandler(this.handler);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention, encryptionKey: logKey, removalPolicy });
    this.api = new apigw.RestApi(this, 'Resource', {
      description: `Generative API (${props.backend.displayName})`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: liveStageOptions(accessLogs, props.throttling),
    });
    this.url = this.api.url;
    justifyApi(this.api);

    const validator = this.api.addRequestValidator('Validator', { validateRequestBody: true, validateRequestParameters: true });
    const model = (name: string, schema: Record<string, unknown>) => this.api.addModel(name, {
      contentType: 'application/json',
      schema: { schema: apigw.JsonSchemaVersion.DRAFT4, ...schema } as apigw.JsonSchema,
    });
    const generateModel = model('GenerateRequest', generateSchema(props.limits));
    const feedbackModel = model('FeedbackRequest', feedbackSchema(props.limits));

    const integration = new apigw.LambdaIntegration(this.handler, {
      responseTransferMode: apigw.ResponseTransferMode.STREAM,
      timeout: modelTimeout.plus(Duration.seconds(20)),
      allowTestInvoke: false,
    });
    const bound = authorization.bind(this, { restApi: this.api, throttling: props.throttling });
    const protectedMethod: apigw.MethodOptions = bound.methodOptions;
    const v1 = this.api.root.addResource('v1');
    const generate = v1.addResource('generate');
    for (const [resource, requestModel] of [[generate, generateModel], [generate.addResource('stream'), generateModel], [v1.addResource('feedback'), feedbackModel]] as const) {
      resource.addMethod('POST', integration, { ...protectedMethod, requestValidator: validator, requestModels: { 'application/json': requestModel } });
    }
    const health = v1.addResource('health').addMethod('GET', integration, { authorizationType: apigw.AuthorizationType.NONE });
    justify(health,
      { kind: 'api-method-without-authorizer', reason: 'GET /v1/health is deliberately open for load balancers and uptime checks; it returns its status and a request id, nothing about the deployment.' },
      { kind: 'api-without-cognito', reason: 'GET /v1/health is deliberately open; it calls no model.' },
    );

    this.apiKey = bound.apiKey;
    if (props.waf) {
      this.webAcl = addWaf(this, this.api, props.waf.requestsPerIpPer5Minutes ?? 1000);
    } else {
      justify(this.api, { kind: 'api-without-waf', reason: 'No web ACL by choice of the environment (waf: false); production environments must have one, which config validation enforces.' });
    }
  }

  /** Records the handler sent to the dead-letter queue because S3 did not take them in time. */
  metricRecordsDeadLettered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.recordMetric('RecordsDeadLettered', props);
  }

  /** Records neither S3 nor the dead-letter queue took: lost. */
  metricRecordsLost(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.recordMetric('RecordsLost', props);
  }

  private recordMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    // As the handler publishes them: Powertools' service dimension, and the function (one series per API).
    return new cloudwatch.Metric({
      namespace: API_METRICS_NAMESPACE, metricName, statistic: 'Sum', period: Duration.minutes(5),
      dimensionsMap: { service: this.serviceName, function: this.handler.functionName },
      ...props,
    });
  }

  protected executeApiArn(method: string, path: string): string {
    return this.api.arnForExecuteApi(method, path, this.api.deploymentStage.stageName);
  }

  private createGuardrail(options: GuardrailOptions, key: kms.IKey): bedrock.CfnGuardrail {
    const strength = options.filterStrength ?? GuardrailFilterStrength.HIGH;
    const filters: bedrock.CfnGuardrail.ContentFilterConfigProperty[] = ['SEXUAL', 'VIOLENCE', 'HATE', 'INSULTS', 'MISCONDUCT'].map((type) => ({ type, inputStrength: strength, outputStrength: strength }));
    // Prompt-attack filtering applies to input only (Bedrock user guide, "Content filters").
    filters.push({ type: 'PROMPT_ATTACK', inputStrength: strength, outputStrength: 'NONE' });
    const masked = options.maskedPii ?? ['EMAIL', 'PHONE', 'NAME', 'ADDRESS'];
    const blocked = options.blockedPii ?? ['CREDIT_DEBIT_CARD_NUMBER', 'US_SOCIAL_SECURITY_NUMBER', 'AWS_SECRET_KEY', 'PASSWORD'];
    // No statement for bedrock.amazonaws.com: a guardrail's key is used with the credentials of who creates it
    // (the deploying role, through the account's key policy statement) and of who applies it (the handler,
    // kms:Decrypt below). Bedrock user guide, "(Optional) Create a customer managed key for your guardrail for
    // additional security" (read 2026-12-02).
    return new bedrock.CfnGuardrail(this, 'Guardrail', {
      name: `${this.node.path.replace(/[^0-9a-zA-Z_-]+/g, '-').slice(0, 40)}-${this.node.addr.slice(0, 8)}`,
      description: `Content filters and PII handling for ${this.node.path}`,
      blockedInputMessaging: 'This request was blocked by the content policy.',
      blockedOutputsMessaging: 'The answer was blocked by the content policy.',
      contentPolicyConfig: { filtersConfig: filters },
      sensitiveInformationPolicyConfig: {
        piiEntitiesConfig: [...masked.map((type) => ({ type, action: 'ANONYMIZE' })), ...blocked.map((type) => ({ type, action: 'BLOCK' }))],
      },
      kmsKeyArn: key.keyArn,
    });
  }
}
