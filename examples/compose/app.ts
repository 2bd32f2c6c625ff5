// Composing the kit's constructs in your own stack: a dataset store, a Bedrock model behind the generative API
// with a knowledge base, and a fine-tuning workflow that learns from the API's feedback. The README shows this
// file; the consumer test compiles it against the packed package and synthesizes it.
import { App, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  ApiAuthorization, ApiBackend, BedrockModel, BedrockModelSource, CrossRegionGeography, DatasetStore,
  FineTuningBackend, FineTuningWorkflow, GenerativeApi, KnowledgeBase, addPolicyChecks,
} from 'genai-lifecycle-cdk';

export class SupportAssistantStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Raw uploads, splits, feedback, documents and models, each under its own prefix, KMS-encrypted.
    const datasets = new DatasetStore(this, 'Datasets');

    // A managed model through a US cross-region inference profile.
    const model = new BedrockModel(this, 'Model', {
      source: BedrockModelSource.crossRegion(CrossRegionGeography.US, 'meta.llama3-1-8b-instruct-v1:0'),
    });

    // Documents under documents/ are embedded into an S3 Vectors index on upload.
    const knowledgeBase = new KnowledgeBase(this, 'Docs', { datasets });

    // POST /v1/generate (buffered or streamed), /v1/feedback and /v1/health, signed with SigV4.
    const api = new GenerativeApi(this, 'Api', {
      backend: ApiBackend.bedrock(model, { displayName: 'llama-3.1-8b' }),
      datasets,
      limits: { maxInputTokens: 4096, maxOutputTokens: 512 },
      throttling: { rateLimit: 20, burstLimit: 40 },
      authorization: ApiAuthorization.iam(),
      retrieval: { knowledgeBase, results: 4 },
    });

    // Fine-tune on Bedrock, gate on validation loss, and register the model for a person to approve.
    new FineTuningWorkflow(this, 'FineTuning', {
      datasets,
      backend: FineTuningBackend.bedrock({ baseModelId: 'meta.llama3-1-8b-instruct-v1:0' }),
      gate: { thresholds: { validation_loss: { max: 1.5 } } },
      approval: 'manual',
      defaultKeys: { validationKey: 'validation/support.jsonl' },
    });

    // Let the application's callers invoke the API.
    // api.grantInvoke(callerRole);
    void api;
  }
}

const app = new App();
// cdk-nag, the Control Tower guard rules and the kit's deploy-failure rules run at synth, as on the kit's stages.
addPolicyChecks(app);
new SupportAssistantStack(app, 'SupportAssistant', { env: { account: '111122223333', region: 'us-west-2' } });
app.synth();
