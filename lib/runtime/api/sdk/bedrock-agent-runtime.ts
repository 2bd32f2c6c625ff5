// Loaded at init by a deployment with a knowledge base (see README.md).
export { BedrockAgentRuntimeClient, RetrieveCommand } from '@aws-sdk/client-bedrock-agent-runtime';
