// Loaded at init by a Bedrock deployment, or for the guardrail of an endpoint deployment (see README.md).
export { ApplyGuardrailCommand, BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
