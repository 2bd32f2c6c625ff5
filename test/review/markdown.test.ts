/** The Markdown report: summary table first, one collapsible section per environment, within GitHub's comment limit. */
import { buildReview, priceLookup, renderMarkdown, REVIEW_MARKER, type Review, type StatementSummary } from '../../scripts/lib/review';
import { apiStack, assemblyOf, BASE_DIR, HEAD_DIR, load, stackOf } from './fixtures';

const prices = priceLookup();
const withBase = buildReview(load(HEAD_DIR), { prices, base: load(BASE_DIR) });
const markdown = renderMarkdown(withBase);

describe('renderMarkdown', () => {
  test('starts with the marker CI finds its comment by, then the summary table', () => {
    const lines = markdown.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      REVIEW_MARKER,
      '## genai-lifecycle-cdk review',
      '',
      '| Environment | Stacks | Resources | Monthly USD (min – max) | Per use, USD a month ¹ | Wildcard IAM | Open findings | Acknowledgements | Replacements |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      '| **Dev** | 1 | 7 (+0 −0 ~0) | $0.00 – $0.00 | — | 3 ⚠ | 1 ⚠ | 2 | 0 |',
      '| **Prod** | 3 | 22 (+2 −2 ~4) | $2,890.07 – $6,886.09 ⚠ partly unpriced | — | 7 ⚠ | 1 ❌ | 3 | 🚨 2 |',
      '',
    ]);
    expect(markdown).toContain('⚠ Prices are third-party and overridable with `--prices FILE.json`');
  });

  test('one collapsed section per environment, with the sections in order', () => {
    expect(markdown.match(/<summary>.*<\/summary>/g)).toEqual([
      '<summary><b>Dev</b>: 1 stack, 7 resources, $0.00–$0.00 a month, 3 wildcard IAM statements, 1 open finding, 0 replacements</summary>',
      '<summary><b>Prod</b>: 3 stacks, 22 resources, $2,890.07–$6,886.09 a month, 7 wildcard IAM statements, 1 open finding, 2 replacements</summary>',
    ]);
    const prod = markdown.slice(markdown.indexOf('<b>Prod</b>'));
    const headings = prod.match(/^### .*/gm)!.map((h) => h.replace(/:.*/, ''));
    expect(headings).toEqual(['### Changes against the base', '### Accelerator capacity and cost', '### Billed per use', '### IAM', '### Validation', '### Resources (22)']);
  });

  test('replacements of stateful resources are flagged loudly, with what happens to the old one', () => {
    expect(markdown).toContain('🚨 **2 stateful resources replaced**: CloudFormation creates a new, empty resource; the data stays in the old one.');
    expect(markdown).toContain('- 🚨 `AWS::Logs::LogGroup` `Prod-Data/SeedLogs6890ED87` (`Prod/Data/SeedLogs/Resource`): LogGroupName changed; DeletionPolicy Delete: the old one is **deleted**.');
    expect(markdown).toMatch(/- 🚨 `AWS::S3::Bucket` `Prod-Data\/Datasets9A172240` → `DatasetStoreC0FFEE12` .*DeletionPolicy Retain: the old one is orphaned/);
  });

  test('capacity rows, the unpriced type, Bedrock and the services billed by use', () => {
    expect(markdown).toContain('| `prod-endpoint` | AllTraffic | `ml.g6.2xlarge` | auto-scaling | 2 – 4 | $1.222 | $1,784.12 | $3,568.24 |');
    expect(markdown).toContain('| `BatchEndpoint5E6F7A8B` | Cpu | `ml.c7i.large` | auto-scaling | 1 – 2 | ⚠ unpriced | — | — |');
    expect(markdown).toContain('⚠ No price for `ml.c7i.large`: not in any total; pass one with `--prices`.');
    expect(markdown).toContain('| `qlora` | `ml.g4dn.xlarge` × 2 | 12 | yes (billed at the spot price, less) | $17.67 | $20.62 |');
    expect(markdown).toContain('Fine-tuning `Dev/Serving/FineTuning`: Bedrock model customization, priced per token by Bedrock; not estimated.');
    expect(markdown).toContain('No API handler (a Lambda function with BACKEND and MAX_INPUT_TOKENS): nothing is estimated per request.');
    expect(markdown).toContain('- billed by use, not estimated: CloudWatch Logs, KMS, Lambda, S3, SNS, Step Functions');
  });

  test('IAM rows flag each wildcard; the added statement is in the changes', () => {
    expect(markdown).toContain('### IAM: 12 statements, 7 ⚠ with wildcards (2 wildcard actions, 6 wildcard resources)');
    expect(markdown).toContain('| ⚠ | `Prod/Serving/Api/Handler/ServiceRole` | Allow | `s3:*` ⚠ | `<Prod-Data:DatasetStoreC0FFEE12.Arn>/*` ⚠ | no | …/DefaultPolicy |');
    expect(markdown).toContain('**IAM statements added (3, 2 ⚠ with wildcards)**');
  });

  test('validation counts, open findings and every acknowledgement', () => {
    expect(markdown).toContain('| kit deploy-failure rules (genai-lifecycle-cdk-rules) | 1 ❌ | 0 |');
    expect(markdown).toContain('| ❌ | genai-lifecycle-cdk-rules | `endpoint-instance-type` | `Prod/Serving/Endpoint/Config` | Fixture: an open finding on the endpoint configuration. |');
    expect(markdown).toContain('| cdk-validator-cfnguard | `cloudwatch_log_group_retention_period_check` | `Dev` (covers `Dev/Serving/HandlerLogs/Resource`, `Dev/Serving/OtherLogs/Resource`) | CT.CLOUDWATCH.PR.2: dev is not a production environment and keeps logs 14 days. |');
    expect(markdown).toContain('| AwsSolutions | `AwsSolutions-COG4` | `Prod/Serving/Api` | Methods use IAM (SigV4) authorization, not Cognito. |');
  });

  test('without a base there is no change section and the replacements column says so', () => {
    const alone = renderMarkdown(buildReview(load(HEAD_DIR), { prices }));
    expect(alone).toContain('| **Prod** | 3 | 22 | $2,890.07 – $6,886.09 ⚠ partly unpriced | — | 7 ⚠ | 1 ❌ | 3 | — |');
    expect(alone).not.toContain('### Changes against the base');
    expect(alone).toContain('Replacements: pass `--base DIR`');
  });

  test('a pipe in a cell is escaped so the table holds', () => {
    const review = buildReview(load(HEAD_DIR), { prices });
    const prod = review.environments[1];
    const piped: Review = { ...review, environments: [{ ...prod, validation: { ...prod.validation, acknowledgements: [{ plugin: 'p', rule: 'r', constructPath: 'c', reason: 'a | b', covers: [] }] } }] };
    expect(renderMarkdown(piped)).toContain('| p | `r` | `c` | a \\| b |');
  });

  test('long lists are cut with a count of the rest until the report fits', () => {
    const small = renderMarkdown(withBase, { maxChars: 9000 });
    expect(small.length).toBeLessThanOrEqual(9000);
    expect(small).toMatch(/… and \d+ more \(see `--json`\)\.|rows left out to fit the comment/);
    expect(small).toContain('| **Prod** | 3 | 22 (+2 −2 ~4) |');
  });

  test('a report far over the limit stays under GitHub\'s 65,536 characters', () => {
    const prod = withBase.environments[1];
    const statement: StatementSummary = prod.iam.statements[0];
    const many = Array.from({ length: 3000 }, (_, i) => ({ ...statement, principal: `Prod/Serving/Role${i}` }));
    const huge: Review = { ...withBase, environments: Array.from({ length: 6 }, (_, i) => ({ ...prod, name: `Env${i}`, iam: { ...prod.iam, statements: many } })) };
    const text = renderMarkdown(huge);
    expect(text.length).toBeLessThanOrEqual(65_000);
    expect(text.startsWith(REVIEW_MARKER)).toBe(true);
    expect(text).toContain('| **Env5** |');
  });
});

describe('billed per use', () => {
  const scheduled = stackOf('Prod-Serving', {
    Config: { Type: 'AWS::SageMaker::EndpointConfig', Properties: { ProductionVariants: [{ VariantName: 'AllTraffic', InstanceType: 'ml.g6.2xlarge', InitialInstanceCount: 2 }] } },
    Endpoint: { Type: 'AWS::SageMaker::Endpoint', Properties: { EndpointName: 'ep', EndpointConfigName: { 'Fn::GetAtt': ['Config', 'EndpointConfigName'] } } },
    Target: {
      Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
      Properties: {
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount', ResourceId: 'endpoint/ep/variant/AllTraffic', MinCapacity: 2, MaxCapacity: 4,
        ScheduledActions: [
          { ScheduledActionName: 'Evening', Schedule: 'cron(0 20 ? * MON-FRI *)', Timezone: 'Europe/Berlin', ScalableTargetAction: { MinCapacity: 1 } },
          { ScheduledActionName: 'Morning', Schedule: 'cron(0 8 ? * MON-FRI *)', Timezone: 'Europe/Berlin', ScalableTargetAction: { MinCapacity: 2 } },
        ],
      },
    },
  });
  const review = buildReview(assemblyOf({
    Dev: [apiStack('Dev-Serving', { knowledgeBase: 's3-vectors' })],
    Prod: [apiStack('Prod-Api', { backend: 'sagemaker', rate: 20 }), scheduled],
  }), { prices, traffic: { Prod: 5_000_000 } });
  const text = renderMarkdown(review);

  test('the summary table has the per-use estimate beside the instances, and the footnote says what it assumes', () => {
    expect(text).toContain('| **Dev** | 1 | 7 | $0.00 – $0.00 | $1,252.38 ⚠ partly unpriced |');
    expect(text).toMatch(/\| \*\*Prod\*\* \| 2 \| 8 \| \$1,212\.22 – \$3,568\.24 \| \$1,383\.84 \|/);
    expect(text).toContain('at the API\'s peak rate for 176 h a month (8 h × 22 working days) unless `--traffic ENV=REQUESTS` says otherwise');
    expect(text).toContain('Requests a month: Dev 633,600 requests, Prod 5,000,000 requests (--traffic).');
    expect(text).toContain('<summary><b>Dev</b>: 1 stack, 7 resources, $0.00–$0.00 + $1,252.38 per use a month,');
  });

  test('each environment\'s section: the assumption, a line per part of a request, the hour at peak and the month', () => {
    const dev = text.slice(text.indexOf('<b>Dev</b>'), text.indexOf('<b>Prod</b>'));
    expect(dev).toContain('API handler `Dev/Serving/Api/Handler`: Bedrock `us.meta.llama3-1-8b-instruct-v1:0`, 1024 MiB arm64, knowledge base on s3-vectors.');
    expect(dev).toContain('Assumption: peak 1 request/s (the stage\'s throttling rate), each up to 6,144 input and 1,024 output tokens (the scope\'s maximum, so an upper bound)');
    expect(dev).toContain('| Bedrock input tokens (us.meta.llama3-1-8b-instruct-v1:0) | 6,144 tokens × $0.22 per 1M | $1,351.68 |');
    expect(dev).toContain('| Lambda duration | 20.48 s × 1 GB arm64 × $0.0000133334 per GB-s | $273.07 |');
    expect(dev).toContain('| S3 Vectors queries | 1 query of 5 results (⚠ unpriced: no S3 Vectors query price was sourced) | ⚠ unpriced |');
    expect(dev).toContain('| **Total** | ⚠ unpriced parts left out | **$1,976.61** |');
    expect(dev).toContain('**$7.12 an hour at peak; $1,252.38 a month at 633,600 requests.**');
    expect(dev).toContain('⚠ us.meta.llama3-1-8b-instruct-v1:0: priced as the base model');
    expect(dev).toMatch(/- Bedrock tokens: BerriAI\/litellm@00035b69f416be24e2e323c13198d9b7d2d1bdf9 .*\(read 2026-12-03; ⚠ third-party price file/);
  });

  test('SageMaker: no token lines, and the model tokens are named as billed by the instances', () => {
    const prod = text.slice(text.indexOf('<b>Prod</b>'));
    expect(prod).toContain('| **Total** |  | **$276.77** |');
    expect(prod).toContain('**$19.93 an hour at peak; $1,383.84 a month at 5,000,000 requests (--traffic).**');
    expect(prod).toContain('- model tokens: the SageMaker endpoint bills its instances (see the capacity above), not tokens');
  });

  test('the capacity section shows the schedule and what it takes off the monthly minimum', () => {
    expect(text).toContain('- Schedule of `ep` AllTraffic (instances): minimum 1 outside MON-FRI 08:00–20:00 Europe/Berlin: 108 h a week (468 h a month), saves $571.90 a month at minimum scale (468 instance-hours × $1.222).');
    expect(text).toContain('**Monthly: $1,212.22 at minimum scale (after $571.90 the schedules save), $3,568.24 at maximum scale.**');
  });
});
