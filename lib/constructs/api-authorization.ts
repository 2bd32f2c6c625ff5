// Who may call a generative API, and who may rate any answer: each authorization binds to the API's REST API
// (method options, an authorizer or a usage plan, and the findings it answers for), and names how callers are
// identified, which the feedback reviewers must match.
import { Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ApiThrottling } from './generative-api';
import { justify } from './private/justifications';

/** The usage plan of an API authorized by API keys. */
export interface ApiKeyOptions {
  /** Requests per key per day. @default 10000 */
  readonly quotaPerDay?: number;
}

/** What an authorization binds to. */
export interface ApiAuthorizationBindOptions {
  /** The API's REST API. */
  readonly restApi: apigw.RestApi;
  /** The API's stage throttling (a usage plan takes it too). */
  readonly throttling: ApiThrottling;
}

/** What an authorization sets up on an API. */
export interface ApiAuthorizationConfig {
  /** The options of every protected method (health is always open). */
  readonly methodOptions: apigw.MethodOptions;
  /** The API key callers use, when the authorization made one. @default - none */
  readonly apiKey?: apigw.IApiKey;
}

/** Who may call the API (GET /v1/health is always open). */
export abstract class ApiAuthorization {
  /** SigV4-signed requests from principals with execute-api:Invoke (grantInvoke). */
  static iam(): ApiAuthorization {
    return new IamAuthorization();
  }

  /** Bearer tokens from a Cognito user pool. */
  static cognito(userPool: cognito.IUserPool): ApiAuthorization {
    return new CognitoAuthorization(userPool);
  }

  /** API keys with a usage plan (the stage throttling, and a daily quota). */
  static apiKeys(options: ApiKeyOptions = {}): ApiAuthorization {
    return new ApiKeyAuthorization(options.quotaPerDay ?? 10_000);
  }

  /** How callers are identified: `iam`, `cognito` or `api-key`; FeedbackReviewers must name callers the same way. */
  abstract readonly callerIdentity: string;

  /** Sets the authorization up on `scope`'s REST API. */
  abstract bind(scope: Construct, options: ApiAuthorizationBindOptions): ApiAuthorizationConfig;
}

class IamAuthorization extends ApiAuthorization {
  readonly callerIdentity = 'iam';

  bind(scope: Construct): ApiAuthorizationConfig {
    justify(scope, { kind: 'api-without-cognito', reason: 'Methods use IAM (SigV4) authorization, not Cognito.' });
    return { methodOptions: { authorizationType: apigw.AuthorizationType.IAM } };
  }
}

class CognitoAuthorization extends ApiAuthorization {
  readonly callerIdentity = 'cognito';

  constructor(private readonly userPool: cognito.IUserPool) {
    super();
  }

  bind(scope: Construct): ApiAuthorizationConfig {
    return {
      methodOptions: {
        authorizationType: apigw.AuthorizationType.COGNITO,
        authorizer: new apigw.CognitoUserPoolsAuthorizer(scope, 'Authorizer', { cognitoUserPools: [this.userPool] }),
      },
    };
  }
}

class ApiKeyAuthorization extends ApiAuthorization {
  readonly callerIdentity = 'api-key';

  constructor(private readonly quotaPerDay: number) {
    super();
  }

  bind(scope: Construct, options: ApiAuthorizationBindOptions): ApiAuthorizationConfig {
    const api = options.restApi;
    justify(scope,
      { kind: 'api-without-cognito', reason: 'Methods use API keys with a usage plan, as configured.' },
      { kind: 'api-method-without-authorizer', reason: 'Methods require API keys with a usage plan, as configured for this environment.' },
    );
    const apiKey = api.addApiKey('ApiKey', { description: `Key for ${scope.node.path}` });
    const plan = api.addUsagePlan('UsagePlan', {
      throttle: { rateLimit: options.throttling.rateLimit, burstLimit: options.throttling.burstLimit },
      quota: { limit: this.quotaPerDay, period: apigw.Period.DAY },
      apiStages: [{ api, stage: api.deploymentStage }],
    });
    plan.addApiKey(apiKey);
    return { methodOptions: { apiKeyRequired: true }, apiKey };
  }
}

/** Who the reviewers are, as the API handler matches callers against them. */
export interface FeedbackReviewersConfig {
  /** IAM role ARNs: every session of each role. */
  readonly principals: string[];
  /** Cognito group names (the token's `cognito:groups` claim). */
  readonly groups: string[];
  /** API key ids. */
  readonly apiKeyIds: string[];
}

/**
 * Who may rate any answer, besides the caller who asked for it (feedback from anyone else is refused with 403).
 * Each kind matches one authorization: roles with IAM, groups with Cognito, keys with API keys.
 */
export abstract class FeedbackReviewers {
  /** Every session of these IAM roles (SigV4 callers whose `userArn` is `assumed-role/<name>/...` of the role's account). */
  static iamRoles(...roles: iam.IRole[]): FeedbackReviewers {
    return new Reviewers('iam', 'IAM roles', roles.map((r) => r.roleArn), (values) => ({ principals: values, groups: [], apiKeyIds: [] }));
  }

  /** Members of these Cognito user pool groups (the token's `cognito:groups` claim). */
  static cognitoGroups(...groups: string[]): FeedbackReviewers {
    return new Reviewers('cognito', 'Cognito groups', groups, (values) => ({ principals: [], groups: values, apiKeyIds: [] }), (group) =>
      // Group names travel comma-separated in the handler's environment.
      (!Token.isUnresolved(group) && !/^[^,\s]+$/.test(group) ? `feedbackReviewers group "${group}" has a comma or white space; Cognito group names travel comma-separated.` : undefined));
  }

  /** Callers with these API keys. */
  static apiKeys(...keys: apigw.IApiKey[]): FeedbackReviewers {
    return new Reviewers('api-key', 'API keys', keys.map((k) => k.keyId), (values) => ({ principals: [], groups: [], apiKeyIds: values }));
  }

  /** How the reviewers authenticate: the `callerIdentity` of the ApiAuthorization they go with. */
  abstract readonly callerIdentity: string;
  /** What the reviewers are, in words (`IAM roles`, `Cognito groups`, `API keys`). */
  abstract readonly description: string;

  /** What is wrong with the reviewers, each as a sentence; empty when nothing is. */
  abstract problems(): string[];

  /** The reviewers as the API handler receives them. */
  abstract bind(): FeedbackReviewersConfig;
}

class Reviewers extends FeedbackReviewers {
  constructor(
    readonly callerIdentity: string,
    readonly description: string,
    private readonly values: string[],
    private readonly config: (values: string[]) => FeedbackReviewersConfig,
    private readonly check: (value: string) => string | undefined = () => undefined,
  ) {
    super();
  }

  problems(): string[] {
    if (this.values.length === 0) return ['feedbackReviewers names nobody; leave it out, or name at least one reviewer.'];
    return this.values.map(this.check).filter((p): p is string => p !== undefined);
  }

  bind(): FeedbackReviewersConfig {
    return this.config(this.values);
  }
}
