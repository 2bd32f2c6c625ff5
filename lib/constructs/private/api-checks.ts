// The checks of a generative API's props, all problems at once: the token budget and throttling, tools against
// the backend and the model, retrieval, feedback reviewers against the authorization, the record timeout, and the
// prompt templates, which must fit in the handler's environment.
import type { Construct } from 'constructs';
import { bedrockModelFacts, converseFeature } from '../../compatibility/bedrock-models';
import { promptTemplateProblems, templateProblemSentence } from '../../config/template-rules';
import { ApiAuthorization } from '../api-authorization';
import type { GenerativeApiProps } from '../generative-api';
import { throwIfProblems } from './problems';

// Lambda's limit on all environment variables together (Lambda quotas): 4 KB.
const ENVIRONMENT_LIMIT_BYTES = 4096;

/** Throws with every problem of the props at once. */
/** Each authorization's callers in words, and the reviewers that go with them. */
const AUTHORIZATION_WORDS: Readonly<Record<string, { readonly words: string; readonly reviewers: string }>> = {
  'iam': { words: 'IAM', reviewers: 'FeedbackReviewers.iamRoles' },
  'cognito': { words: 'a Cognito user pool', reviewers: 'FeedbackReviewers.cognitoGroups' },
  'api-key': { words: 'API keys', reviewers: 'FeedbackReviewers.apiKeys' },
};

export function validateProps(scope: Construct, props: GenerativeApiProps): void {
  const problems: string[] = [];
  const { maxInputTokens, maxOutputTokens } = props.limits;
  if (!Number.isInteger(maxInputTokens) || maxInputTokens < 1) problems.push(`limits.maxInputTokens is ${maxInputTokens}; use a whole number of at least 1.`);
  if (!Number.isInteger(maxOutputTokens) || maxOutputTokens < 1) problems.push(`limits.maxOutputTokens is ${maxOutputTokens}; use a whole number of at least 1.`);
  const { rateLimit, burstLimit } = props.throttling;
  if (!(rateLimit > 0)) problems.push(`throttling.rateLimit is ${rateLimit}; use requests per second above 0.`);
  if (!Number.isInteger(burstLimit) || burstLimit < 1) problems.push(`throttling.burstLimit is ${burstLimit}; use a whole number of at least 1.`);
  const backend = props.backend.bind(scope).backend;
  if (props.tools?.length && backend !== 'bedrock') {
    problems.push('tools are set, but the backend is a SageMaker endpoint; the kit offers tools through Bedrock Converse tool use. Remove them or use ApiBackend.bedrock.');
  }
  if (props.tools?.length && backend === 'bedrock' && converseFeature(props.backend.displayName, 'toolUse') === 'no') {
    const facts = bedrockModelFacts(props.backend.displayName)!;
    problems.push(`tools are set, but ${props.backend.displayName} does not support tool use (Bedrock user guide, "${facts.source}", row ${facts.tableRow}); remove tools or choose a model with tool use.`);
  }
  const results = props.retrieval?.results;
  if (results !== undefined && (!Number.isInteger(results) || results < 1 || results > 100)) problems.push(`retrieval.results is ${results}; use a whole number from 1 to 100.`);
  const rounds = props.maxToolRounds;
  if (rounds !== undefined && (!Number.isInteger(rounds) || rounds < 1 || rounds > 20)) problems.push(`maxToolRounds is ${rounds}; use a whole number from 1 to 20.`);
  const reviewers = props.feedbackReviewers;
  const auth = (props.authorization ?? ApiAuthorization.iam()).callerIdentity;
  if (reviewers && reviewers.callerIdentity !== auth) {
    const by = AUTHORIZATION_WORDS[auth] ?? { words: auth, reviewers: 'the matching FeedbackReviewers factory' };
    problems.push(`feedbackReviewers are ${reviewers.description}, but the API is authorized by ${by.words}; name reviewers the way callers authenticate (${by.reviewers}).`);
  }
  if (reviewers) problems.push(...reviewers.problems());
  const recordMs = props.recordTimeout?.toMilliseconds();
  if (recordMs !== undefined && (recordMs < 100 || recordMs > 10_000)) problems.push(`recordTimeout is ${recordMs} ms; use 100 ms to 10 s (the answer is sent before it; the invocation lasts until the record is stored or dead-lettered).`);
  problems.push(...promptTemplateProblems(props.promptTemplates ?? []).map((p) => templateProblemSentence('promptTemplates', p)));
  const envBytes = Buffer.byteLength(JSON.stringify(props.promptTemplates ?? []));
  if (envBytes > ENVIRONMENT_LIMIT_BYTES - 1024) {
    problems.push(`promptTemplates take ${envBytes} bytes; they travel in the handler's environment, which Lambda limits to 4 KB in all. Shorten the system prompts or examples (at most ${ENVIRONMENT_LIMIT_BYTES - 1024} bytes).`);
  }
  throwIfProblems(scope, 'GenerativeApi', problems);
}
