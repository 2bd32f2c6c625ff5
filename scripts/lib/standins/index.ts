// Local stand-ins for Amazon Bedrock Runtime, Agents for Amazon Bedrock Runtime (knowledge base Retrieve), Amazon
// SageMaker Runtime and Amazon S3 that speak the services' real wire protocols, for integration tests and
// benchmarks that drive the real AWS SDK v3 clients through an endpoint override. This file only re-exports. Typical use:
//
//   const bedrock = await startBedrockRuntime({ ttftMs: 100, tokensPerSecond: 50, failures: [{ kind: 'throttle', requests: [1] }] });
//   const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: bedrock.url, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });
//   // ...or set AWS_ENDPOINT_URL_BEDROCK_RUNTIME / AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME /
//   // AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME / AWS_ENDPOINT_URL_S3 = standIn.url
//   const kb = await startBedrockAgentRuntime({ documents: [{ uri: 's3://docs/a.txt', text: 'Paris is the capital of France.' }] });
//   // RetrieveCommand({ knowledgeBaseId: DEFAULT_KNOWLEDGE_BASE_ID, retrievalQuery: { text: 'capital of France' } })
//   await bedrock.close();
export { startBedrockRuntime } from './bedrock-runtime';
export { DEFAULT_KNOWLEDGE_BASE_ID, startBedrockAgentRuntime } from './bedrock-agent-runtime';
export { startSageMakerRuntime } from './sagemaker-runtime';
export { startS3 } from './s3';
export { MAX_RECORDED_REQUESTS } from './server';
export type {
  BedrockAgentRuntimeBehaviour,
  BedrockAgentRuntimeStandIn,
  BedrockRuntimeBehaviour,
  BedrockRuntimeStandIn,
  FailureKind,
  FailureRule,
  GenerationBehaviour,
  KnowledgeBaseDocument,
  RecordedRequest,
  S3StandIn,
  SageMakerBehaviour,
  SageMakerStandIn,
  StandIn,
  StoredObject,
  StreamFraming,
  ToolUseBehaviour,
} from './types';
