// The two ways the API reaches a model, in one place for callers that want both (tests, tools): Bedrock
// (Converse / ConverseStream) and a SageMaker endpoint with the OpenAI-style messages API. The handler imports
// the one its deployment uses directly, so that the other backend's SDK client is never loaded.
export type { Backend, ModelRequest, ModelResult, TokenSink, ToolBox } from './backend';
export { BedrockBackend, type BedrockBackendOptions } from './bedrock-backend';
export { SageMakerBackend } from './sagemaker-backend';
