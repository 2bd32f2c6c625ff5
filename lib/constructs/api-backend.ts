// The model behind a generative API. Each backend binds itself to the API: it says which client the handler
// uses and what it calls (a Bedrock model or profile id, or an endpoint and its inference component), and grants
// the handler exactly that.
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { IBedrockModel } from './bedrock-model';
import type { IInferenceEndpoint } from './endpoint-base';

/** How the API names its model. */
export interface ApiBackendOptions {
  /** What responses name as the model: a catalog id, never an ARN. */
  readonly displayName: string;
}

/** What the API's handler calls, from `ApiBackend.bind`. */
export interface ApiBackendConfig {
  /** The handler's client: Bedrock Converse, or SageMaker InvokeEndpoint. */
  readonly backend: 'bedrock' | 'sagemaker';
  /** For Bedrock: what Converse takes as `modelId`. @default - none */
  readonly modelId?: string;
  /** For SageMaker: the endpoint. @default - none */
  readonly endpointName?: string;
  /** For SageMaker: the inference component, when the endpoint serves through one. @default - none */
  readonly inferenceComponentName?: string;
}

/** The model behind the API: one per API. */
export abstract class ApiBackend {
  /** A Bedrock model, called with Converse / ConverseStream. */
  static bedrock(model: IBedrockModel, options: ApiBackendOptions): ApiBackend {
    return new BedrockBackend(model, options.displayName);
  }

  /** A SageMaker endpoint whose container speaks the OpenAI-style messages API (LMI, TGI, Hugging Face vLLM). */
  static endpoint(endpoint: IInferenceEndpoint, options: ApiBackendOptions): ApiBackend {
    return new EndpointBackend(endpoint, options.displayName);
  }

  /** What responses name as the model: a catalog id, never an ARN. */
  abstract readonly displayName: string;

  /** What the handler calls. */
  abstract bind(scope: Construct): ApiBackendConfig;

  /** Lets the grantee (the handler) call the model, streaming included. */
  abstract grantInvoke(grantee: iam.IGrantable): iam.Grant;
}

class BedrockBackend extends ApiBackend {
  constructor(private readonly model: IBedrockModel, readonly displayName: string) {
    super();
  }

  bind(): ApiBackendConfig {
    return { backend: 'bedrock', modelId: this.model.invocationId };
  }

  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.model.grantInvoke(grantee);
  }
}

class EndpointBackend extends ApiBackend {
  constructor(private readonly endpoint: IInferenceEndpoint, readonly displayName: string) {
    super();
  }

  bind(): ApiBackendConfig {
    return { backend: 'sagemaker', endpointName: this.endpoint.endpointName, inferenceComponentName: this.endpoint.inferenceComponentName };
  }

  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.endpoint.grantInvoke(grantee);
  }
}
