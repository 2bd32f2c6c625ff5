import { environments, prod, staging } from '../../bin/environments';
import { type EnvironmentConfig, formatProblem, validateEnvironment, validateEnvironments } from '../../lib/config';
import { ServingContainer } from '../../lib/serving/containers';
import { Quantization } from '../../lib/serving/quantization';
import { InstanceType } from '../../lib/sizing/instances';
import { Precision } from '../../lib/sizing/precision';

/**
 * A copy of `prod` with some fields replaced; `undefined` removes a field. Its fine-tuning settings are left
 * out unless the patch names them, so each case breaks one thing.
 */
function prodWith(patch: Record<string, unknown>): unknown {
  const copy: Record<string, unknown> = { ...prod, adaptation: undefined, ...patch };
  if (!('adaptation' in patch)) delete copy.adaptation;
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete copy[k];
  return copy;
}

describe('validateEnvironments', () => {
  test('the shipped environments are valid', () => {
    expect(validateEnvironments(environments)).toEqual([]);
  });

  // GIVEN one broken field WHEN validated THEN exactly that path is reported with value, rule and fix
  const cases: [string, unknown, string, RegExp][] = [
    ['an unknown region', prodWith({ region: 'us-east-9' }), 'prod.region', /^prod\.region: "us-east-9" is not an AWS region; allowed: .*us-east-1.* Fix: use a region name \(did you mean "us-east-1"\?\)/],
    ['an account id that is not 12 digits', prodWith({ account: '12345' }), 'prod.account', /"12345" is not an AWS account id; allowed: exactly 12 digits/],
    ['an uppercase name', prodWith({ name: 'Prod' }), 'Prod.name', /"Prod" is not a valid environment name/],
    ['a removal choice that does not exist', prodWith({ dataRemoval: 'keep' }), 'prod.dataRemoval', /"keep" is not a removal choice; allowed: "retain", "destroy"/],
    ['production data deleted with the stack', prodWith({ dataRemoval: 'destroy' }), 'prod.dataRemoval', /must not do\. Fix: use DataRemoval\.RETAIN in production/],
    ['a log retention CloudWatch does not accept', prodWith({ logRetentionDays: 400.5 }), 'prod.logRetentionDays', /400\.5 is not a CloudWatch Logs retention; allowed: 1, 3, 5/],
    ['a production log retention under a year', prodWith({ logRetentionDays: 90 }), 'prod.logRetentionDays', /90 is under a year/],
    ['a missing scope', prodWith({ scope: undefined }), 'prod.scope', /\(missing\) is missing or not an object/],
    ['a negative token budget', prodWith({ scope: { ...prod.scope, maxInputTokens: -1 } }), 'prod.scope.maxInputTokens', /-1 is not a whole number of tokens from 1 to 2000000/],
    ['a fractional concurrency', prodWith({ scope: { ...prod.scope, concurrency: 2.5 } }), 'prod.scope.concurrency', /2\.5 is not a whole number of requests in flight/],
    ['an unknown task', prodWith({ scope: { ...prod.scope, task: 'poetry' } }), 'prod.scope.task', /"poetry" is not a task; allowed: chat, summarization/],
    ['an unknown precision', prodWith({ scope: { ...prod.scope, precision: 'int3' } }), 'prod.scope.precision', /"int3" is not a precision; allowed: fp32, bf16, fp16, fp8, int8, int4/],
    ['an empty description', prodWith({ scope: { ...prod.scope, description: ' ' } }), 'prod.scope.description', /is empty/],
    ['a zero request rate', prodWith({ scope: { ...prod.scope, peakRequestsPerSecond: 0 } }), 'prod.scope.peakRequestsPerSecond', /0 is not a request rate/],
    ['a misspelt field', prodWith({ regoin: 'us-east-1' }), 'prod.regoin', /is not a known field; allowed: name, account, region.*\(did you mean "region"\?\)/],
    ['a seed into a prefix the store does not have', prodWith({ datasets: { seed: { prefix: 'training/', source: 'x' } } }), 'prod.datasets.seed.prefix', /"training\/" is not a prefix of the dataset store; allowed: raw\/, train\//],
    ['a noncurrent expiry of zero days', prodWith({ datasets: { noncurrentVersionExpirationDays: 0 } }), 'prod.datasets.noncurrentVersionExpirationDays', /0 is not a whole number of days from 1 to 3653/],
    ['a tag key in the aws: namespace', prodWith({ tags: { 'aws:owner': 'me' } }), 'prod.tags["aws:owner"]', /is not a valid tag key/],
    ['a model the catalog does not know', prodWith({ scope: { ...prod.scope, model: 'meta-llama/Llama-3.1-8B-Instruc' } }), 'prod.scope.model', /"meta-llama\/Llama-3\.1-8B-Instruc" is not in the model catalog; allowed: .*Fix: use a catalog id \(did you mean "meta-llama\/Llama-3\.1-8B-Instruct"\?\)/],
    ['a context longer than the model takes', prodWith({ scope: { ...prod.scope, model: 'google/gemma-2-9b-it', maxInputTokens: 8000, maxOutputTokens: 1000 } }), 'prod.scope.maxInputTokens', /8000 plus maxOutputTokens \(1000\) is 9000 tokens, beyond the 8192 that google\/gemma-2-9b-it takes/],
    ['a model no single instance can hold', prodWith({ scope: { ...prod.scope, model: 'meta-llama/Llama-3.1-405B-Instruct', precision: 'fp32' } }), 'prod.scope.model', /cannot be served with 7168 tokens of context: No single instance in the catalog can hold Llama-3\.1-405B-Instruct at fp32 .*lower the precision to/],
    ['endpoint settings for a Bedrock model', prodWith({ scope: { ...prod.scope, model: 'amazon.nova-lite-v1:0' } }), 'prod.serving.endpoint', /applies to open models, but scope\.model amazon\.nova-lite-v1:0 is a Bedrock model/],
    ['a cross-region profile for an open model', prodWith({ serving: { ...prod.serving, crossRegion: 'us' } }), 'prod.serving.crossRegion', /applies to Bedrock models, but scope\.model Qwen\/Qwen2\.5-7B-Instruct is an open model/],
    ['a container that is not a ServingContainer', prodWith({ serving: { endpoint: { ...prod.serving!.endpoint, container: 'triton' } } }), 'prod.serving.endpoint.container', /"triton" is not a ServingContainer .*Fix: use serving\.ServingContainer\.LMI_VLLM unless you need another: LMI_TENSORRT_LLM, HF_TGI, HF_VLLM, NEURON/],
    ['a container by the name configs used to take', prodWith({ serving: { endpoint: { ...prod.serving!.endpoint, container: 'hf-tgi' } } }), 'prod.serving.endpoint.container', /"hf-tgi" is not a ServingContainer .*Fix: write serving\.ServingContainer\.HF_TGI/],
    ['a quantization by the name configs used to take', prodWith({ serving: { endpoint: { ...prod.serving!.endpoint, quantization: 'awq-at-load' } } }), 'prod.serving.endpoint.quantization', /"awq-at-load" is not a Quantization .*Fix: write serving\.Quantization\.awq\(\{ preQuantized: false \}\)/],
    ['an instance type given as a string', prodWith({ serving: { endpoint: { ...prod.serving!.endpoint, instanceType: 'ml.g6e.xlarge' } } }), 'prod.serving.endpoint.instanceType', /"ml\.g6e\.xlarge" is not an InstanceType .*Fix: write sizing\.InstanceType\.of\('ml\.g6e\.xlarge'\)/],
    ['an instance type that is not a SageMaker one', prodWith({ serving: { endpoint: { ...prod.serving!.endpoint, instanceType: InstanceType.of('g6e.xlarge') } } }), 'prod.serving.endpoint.instanceType', /"g6e\.xlarge" is not a SageMaker instance type \(ml\.\*\)\. Fix: remove it to let the scope choose, or give e\.g\. sizing\.InstanceType\.of\('ml\.g6e\.xlarge'\)/],
    ['a training instance type given as a string', prodWith({ adaptation: { ...prod.adaptation, instanceType: 'g5.2xlarge' } }), 'prod.adaptation.instanceType', /"g5\.2xlarge" is not an InstanceType .*Fix: remove it to let the training estimate choose per method, or give e\.g\. sizing\.InstanceType\.G6E_XLARGE/],
    ['a quantization that disagrees with the precision', prodWith({ serving: { endpoint: { ...prod.serving!.endpoint, quantization: Quantization.awq() } } }), 'prod.scope.precision', /"bf16" disagrees with serving\.endpoint\.quantization AWQ \(pre-quantized\), which serves weights at int4\. Fix: set scope\.precision to sizing\.Precision\.INT4/],
    ['weights that are neither a Hub id nor a models/ prefix', prodWith({ serving: { endpoint: { ...prod.serving!.endpoint, weights: { datasetKeyPrefix: 'train/x/' } } } }), 'prod.serving.endpoint.weights', /is neither \{ huggingFaceId/],
    ['cognito authorization without its user pool', prodWith({ serving: { ...prod.serving, api: { ...prod.serving!.api, authorization: 'cognito' } } }), 'prod.serving.api.cognitoUserPoolArn', /is missing; "cognito" authorization needs the user pool/],
    ['a user pool with IAM authorization', prodWith({ serving: { ...prod.serving, api: { ...prod.serving!.api, cognitoUserPoolArn: 'arn:aws:cognito-idp:us-west-2:111122223333:userpool/us-west-2_abc' } } }), 'prod.serving.api.cognitoUserPoolArn', /is set, but authorization is "iam".*set authorization: ApiAuthorizationMode\.COGNITO/],
    ['the old object form of cognito authorization', prodWith({ serving: { ...prod.serving, api: { ...prod.serving!.api, authorization: { cognitoUserPoolArn: 'arn:aws:cognito-idp:us-west-2:111122223333:userpool/us-west-2_abc' } } } }), 'prod.serving.api.authorization', /allowed: "iam", "api-key", "cognito" \(with cognitoUserPoolArn\)/],
    ['weights from both the Hub and the store', prodWith({ serving: { endpoint: { ...prod.serving!.endpoint, weights: { huggingFaceId: 'Qwen/Qwen2.5-7B-Instruct', datasetKeyPrefix: 'models/x/' } } } }), 'prod.serving.endpoint.weights', /gives both huggingFaceId and datasetKeyPrefix.*keep one/],
    ['a Hub revision on store weights', prodWith({ serving: { endpoint: { ...prod.serving!.endpoint, weights: { datasetKeyPrefix: 'models/x/', revision: 'main' } } } }), 'prod.serving.endpoint.weights.revision', /is a Hub revision, and these weights come from the dataset store/],
    ['fewer maximum than minimum instances', prodWith({ serving: { endpoint: { ...prod.serving!.endpoint, minInstances: 3, maxInstances: 2 } } }), 'prod.serving.endpoint.maxInstances', /2 is not a whole number of instances from 3 to 100/],
    ['a production endpoint without data capture', prodWith({ serving: { endpoint: { minInstances: 2 } } }), 'prod.serving.endpoint.dataCapturePercent', /is missing; a production endpoint captures traffic/],
    ['a production endpoint without alarms', prodWith({ serving: { endpoint: { ...prod.serving!.endpoint, alarms: false } } }), 'prod.serving.endpoint.alarms', /turns alarms off/],
    ['a fine-tuning backend that does not exist', prodWith({ adaptation: { ...prod.adaptation, backend: 'azure' } }), 'prod.adaptation.backend', /"azure" is not a backend; allowed: "sagemaker", "bedrock"/],
    ['a spot wait shorter than the runtime', prodWith({ adaptation: { ...prod.adaptation, maxRuntimeHours: 12, maxWaitHours: 6 } }), 'prod.adaptation.maxWaitHours', /6 is under the runtime \(12 hours\); managed spot needs MaxWaitTimeInSeconds >= MaxRuntimeInSeconds.*raise the wait or lower the runtime/],
    ['a gate without thresholds', prodWith({ adaptation: { ...prod.adaptation, gate: { thresholds: {} } } }), 'prod.adaptation.gate', /needs thresholds/],
    ['Bedrock fine-tuning without validation data', prodWith({ scope: { ...prod.scope, model: 'meta.llama3-1-8b-instruct-v1:0' }, serving: undefined, adaptation: { backend: 'bedrock', gate: { thresholds: { validation_loss: { max: 1 } } } } }), 'prod.adaptation.validationKey', /is missing; the Bedrock backend gates on validation loss/],
    ['an instance set by hand that cannot hold the scope', prodWith({ serving: { ...prod.serving, endpoint: { ...prod.serving!.endpoint, instanceType: InstanceType.of('ml.g6.xlarge') } } }), 'prod.serving.endpoint.instanceType',
      /"ml\.g6\.xlarge" cannot serve the scope: Qwen2\.5-7B-Instruct at bf16 needs .*; ml\.g6\.xlarge: needs 17\.2 GiB of weights and KV cache; 1x L4 has 22\.5 GiB \(15\.8 usable at 0\.90, after the engine.s .* Fix: remove instanceType/],
    ['Bedrock fine-tuning where Bedrock cannot customize the model', prodWith({ region: 'us-east-1', scope: { ...prod.scope, model: 'meta.llama3-1-8b-instruct-v1:0' }, serving: undefined, adaptation: { backend: 'bedrock', validationKey: 'validation/a.jsonl', gate: { thresholds: { validation_loss: { max: 1 } } } } }), 'prod.scope.model',
      /"meta\.llama3-1-8b-instruct-v1:0" cannot be customized in us-east-1: Bedrock customizes Meta Llama 3\.1 8B Instruct only in us-west-2/],
    ['a trigger for a method the backend does not run', prodWith({ adaptation: { ...prod.adaptation, methods: ['qlora'], trigger: { method: 'lora', format: 'sft' } } }), 'prod.adaptation.trigger.method',
      /"lora" is not one of the backend's methods \(qlora\): every run it starts would end in UnsupportedMethod/],
    ['a DPO trigger on prompt/completion files', prodWith({ adaptation: { ...prod.adaptation, trigger: { method: 'dpo', format: 'sft' } } }), 'prod.adaptation.trigger.format',
      /"sft" is not a format the triggered run trains on; allowed: preference\. Fix: use datasets\.DatasetFormat\.PREFERENCE \(DPO trains on preference pairs\)/],
    ['a Bedrock trigger in another record shape than the model trains on', prodWith({ scope: { ...prod.scope, model: 'meta.llama3-1-8b-instruct-v1:0' }, serving: undefined, adaptation: { backend: 'bedrock', validationKey: 'validation/a.jsonl', gate: { thresholds: { validation_loss: { max: 1 } } }, trigger: { method: 'lora', format: 'chat' } } }), 'prod.adaptation.trigger.format',
      /"chat" is not a format the triggered run trains on; allowed: sft\. Fix: use the base model's training data format/],
    ['a seed under train/ with a trigger on train/', prodWith({ datasets: { seed: { prefix: 'train/', source: 'x' } }, adaptation: { ...prod.adaptation, trigger: { method: 'lora', format: 'sft' } } }), 'prod.datasets.seed.prefix',
      /seeds train\/, where adaptation\.trigger starts a fine-tuning run for every new file/],
    ['an endpoint in a region whose registry has no image of its container', prodWith({ region: 'me-west-1' }), 'prod.region',
      /"me-west-1" cannot serve the endpoint: LMI \(vLLM\) \(djl-inference:0\.36\.0-lmi28\.0\.0-cu130\) is not in the Deep Learning Containers registry of me-west-1 \(aws\/sagemaker-python-sdk@.*\/djl-lmi\.json .*\); it exists in .*us-east-1.* Fix: deploy this environment to a region that has the image/],
    ['the TensorRT-LLM container where only the LMI vLLM image exists', prodWith({ region: 'ap-east-2', serving: { endpoint: { ...prod.serving!.endpoint, container: ServingContainer.LMI_TENSORRT_LLM } } }), 'prod.region',
      /LMI \(TensorRT-LLM\) .* is not in the Deep Learning Containers registry of ap-east-2/],
    ['the TensorRT-LLM container on a T4', prodWith({ scope: { ...prod.scope, precision: Precision.INT4 }, serving: { endpoint: { ...prod.serving!.endpoint, container: ServingContainer.LMI_TENSORRT_LLM, quantization: Quantization.awq(), instanceType: InstanceType.G4DN_XLARGE } } }), 'prod.serving.endpoint.instanceType',
      /"ml\.g4dn\.xlarge" cannot start the container: LMI \(TensorRT-LLM\) .* runs on GPUs of compute capability 8 and newer .* the NVIDIA T4 of ml\.g4dn\.xlarge is 7\.5/],
    ['an environment that is not an object', 'prod', 'environments[0]', /"prod" is not an object/],
    ['a schedule on an endpoint that keeps its only instance', prodWith({ serving: { ...prod.serving, endpoint: { dataCapturePercent: 20, schedule: { timeZone: 'Europe/Berlin', offHoursMinimum: 1 } } } }), 'prod.serving.endpoint.schedule', /lowers the minimum of an endpoint that runs 1 instance\(s\), and a real-time variant keeps at least 1\. Fix: serve with inferenceComponents/],
    ['a schedule below one instance of a variant', prodWith({ serving: { ...prod.serving, endpoint: { dataCapturePercent: 20, minInstances: 2, maxInstances: 4, schedule: { timeZone: 'Europe/Berlin', offHoursMinimum: 0 } } } }), 'prod.serving.endpoint.schedule.offHoursMinimum', /0 is below 1 instance, and a real-time endpoint variant keeps at least 1/],
    ['a schedule in a time zone that does not exist', prodWith({ serving: { ...prod.serving, endpoint: { dataCapturePercent: 20, minInstances: 2, maxInstances: 4, schedule: { timeZone: 'Europe/Atlantis', offHoursMinimum: 1 } } } }), 'prod.serving.endpoint.schedule.timeZone', /"Europe\/Atlantis" is not an IANA time zone name/],
    ['a schedule with copies at 0 and instances kept', prodWith({ serving: { ...prod.serving, endpoint: { dataCapturePercent: 20, inferenceComponents: {}, minInstances: 1, schedule: { timeZone: 'UTC', offHoursMinimum: 0 } } } }), 'prod.serving.endpoint.schedule.offHoursMinimum', /is 0 copies, but the endpoint keeps at least 1 instance\(s\).*Fix: set minInstances to 0/],
    ['working hours that end before they start', prodWith({ serving: { ...prod.serving, endpoint: { dataCapturePercent: 20, minInstances: 2, maxInstances: 4, schedule: { timeZone: 'UTC', startHour: 18, endHour: 6, offHoursMinimum: 1 } } } }), 'prod.serving.endpoint.schedule.endHour', /6 is not after startHour \(18\)/],
    ['no instances without inference components', prodWith({ serving: { ...prod.serving, endpoint: { dataCapturePercent: 20, minInstances: 0 } } }), 'prod.serving.endpoint.minInstances', /0 is not a whole number of instances from 1 to 100/],
    ['a budget of no money', prodWith({ operations: { monthlyBudgetUsd: 0 } }), 'prod.operations.monthlyBudgetUsd', /0 is not an amount of USD above 0/],
    ['a misspelt operations field', prodWith({ operations: { dashbaord: false } }), 'prod.operations.dashbaord', /is not a known field; allowed: dashboard, monthlyBudgetUsd/],
  ];

  test.each(cases)('fails when given %s', (_name, env, path, message) => {
    const problems = validateEnvironments([env]);
    expect(problems.map((p) => p.path)).toEqual([path]);
    expect(formatProblem(problems[0])).toMatch(message);
  });

  test('a guardrail on an endpoint-served model is valid: the API applies it with ApplyGuardrail', () => {
    expect(validateEnvironments([prodWith({ serving: { ...prod.serving, api: { ...prod.serving?.api, guardrail: true } } })])).toEqual([]);
  });

  test('fails when two environments share a name', () => {
    const problems = validateEnvironments([prod, { ...staging, name: 'prod' }]);
    expect(problems.map(formatProblem)).toEqual([expect.stringMatching(/^prod\.name: "prod" is used by environments\[0\] and environments\[1\]; names must be unique/)]);
  });

  test('fails when there are no environments', () => {
    expect(validateEnvironments([]).map((p) => p.path)).toEqual(['environments']);
  });

  test('accepts a Bedrock model id without sizing it', () => {
    expect(validateEnvironments([prodWith({ scope: { ...prod.scope, model: 'anthropic.claude-3-5-sonnet-20240620-v1:0' }, serving: undefined })])).toEqual([]);
  });

  const acme = { id: 'acme/support-7b', parameters: 7_241_732_096, layers: 32, kvHeads: 8, headDim: 128, attentionHeads: 32, hiddenSize: 4096, intermediateSize: 14336, vocabSize: 32000, maxContextTokens: 32768 };

  test('a model outside the catalog, described in the environment\'s models, is sized like a catalog model', () => {
    expect(validateEnvironments([prodWith({ models: [acme], scope: { ...prod.scope, model: acme.id } })])).toEqual([]);
    // Its facts count: a context beyond its max_position_embeddings is refused as for a catalog model.
    const short = validateEnvironments([prodWith({ models: [{ ...acme, maxContextTokens: 2048 }], scope: { ...prod.scope, model: acme.id } })]);
    expect(short.map((p) => p.path)).toEqual(['prod.scope.maxInputTokens']);
  });

  test('an unusable architecture in models is reported under its index, and an unknown model points to models', () => {
    const problems = validateEnvironments([prodWith({ models: [{ id: 'acme/broken', layers: 32 }], scope: { ...prod.scope, model: 'acme/other' } })]);
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['prod.models[0]', 'prod.scope.model']));
    expect(problems.filter((p) => p.path === 'prod.models[0]').map((p) => p.message).join(' ')).toMatch(/parameters is missing.*kvHeads is missing/);
    expect(formatProblem(problems.find((p) => p.path === 'prod.scope.model')!)).toMatch(/describe the model in the environment's models/);
  });

  test('reports every problem of a definition at once', () => {
    // GIVEN a definition with four independent mistakes
    const broken = { ...prod, region: 'eu-middle-1', logRetentionDays: 2, scope: { ...prod.scope, maxOutputTokens: 0, task: 'x' } } as unknown as EnvironmentConfig;
    // WHEN validated THEN all four are reported, not just the first
    expect(validateEnvironment(broken, 'prod').map((p) => p.path)).toEqual([
      'prod.region', 'prod.logRetentionDays', 'prod.scope.task', 'prod.scope.maxOutputTokens',
    ]);
  });
});
