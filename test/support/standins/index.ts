// Local stand-ins for Amazon Bedrock Runtime, Amazon SageMaker Runtime and Amazon S3 that speak the services'
// real wire protocols, for integration tests and benchmarks that drive the real AWS SDK v3 clients through an
// endpoint override. This file only re-exports. Typical use:
//
//   const bedrock = await startBedrockRuntime({ ttftMs: 100, tokensPerSecond: 50, failures: [{ kind: 'throttle', requests: [1] }] });
//   const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: bedrock.url, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });
//   // ...or set AWS_ENDPOINT_URL_BEDROCK_RUNTIME / AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME / AWS_ENDPOINT_URL_S3 = standIn.url
//   await bedrock.close();
export { startBedrockRuntime } from './bedrock-runtime';
export { startSageMakerRuntime } from './sagemaker-runtime';
export { startS3 } from './s3';
export { MAX_RECORDED_REQUESTS } from './server';
export type {
  FailureKind,
  FailureRule,
  GenerationBehaviour,
  RecordedRequest,
  S3StandIn,
  SageMakerBehaviour,
  SageMakerStandIn,
  StandIn,
  StoredObject,
  StreamFraming,
} from './types';
