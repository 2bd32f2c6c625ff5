// Composing the kit's constructs in your own stack: a dataset store, a Bedrock model behind the generative API
// with a knowledge base, and a fine-tuning workflow that learns from the API's feedback. The README shows this
// file; the consumer test compiles it against the packed package and synthesizes it.
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import {
  ApiAuthorization, ApiBackend, BedrockModel, BedrockModelSource, CrossRegionGeography, DatasetStore,
  FineTuningBackend, FineTuningWorkflow, GenerativeApi, KnowledgeBase, ModelApproval, PolicyChecks,
} from 'genai-lifecycle-cdk';

const app = new App();
// cdk-nag, the Control Tower guard rules and the kit's deploy-failure rules run at synth, as on the kit's stages.
PolicyChecks.add(app);
const stack = new Stack(app, 'SupportAssistant', { env: { account: '111122223333', region: 'us-west-2' } });

// Raw uploads, splits, feedback, documents and models, each under its own prefix, KMS-encrypted.
const datasets = new DatasetStore(stack, 'Datasets');

// A managed model through a US cross-region inference profile.
const model = new BedrockModel(stack, 'Model', {
  source: BedrockModelSource.crossRegion(CrossRegionGeography.US, 'meta.llama3-1-8b-instruct-v1:0'),
});

// Documents under documents/ are embedded into an S3 Vectors index on upload.
const knowledgeBase = new KnowledgeBase(stack, 'Docs', { datasets });

// POST /v1/generate (buffered or streamed), /v1/feedback and /v1/health, signed with SigV4.
const api = new GenerativeApi(stack, 'Api', {
  backend: ApiBackend.bedrock(model, { displayName: 'llama-3.1-8b' }),
  datasets,
  limits: { maxInputTokens: 4096, maxOutputTokens: 512 },
  throttling: { rateLimit: 20, burstLimit: 40 },
  authorization: ApiAuthorization.iam(),
  retrieval: { knowledgeBase, results: 4 },
});

// Fine-tune on Bedrock, gate on validation loss, and register the model for a person to approve.
new FineTuningWorkflow(stack, 'FineTuning', {
  datasets,
  backend: FineTuningBackend.bedrock({ baseModelId: 'meta.llama3-1-8b-instruct-v1:0' }),
  gate: { thresholds: { validation_loss: { max: 1.5 } } },
  approval: ModelApproval.MANUAL,
  defaultKeys: { validationKey: 'validation/support.jsonl' },
});

// Where the application calls it; grant its callers with api.grantInvoke(role).
new CfnOutput(stack, 'ApiUrl', { value: api.url });

app.synth();
