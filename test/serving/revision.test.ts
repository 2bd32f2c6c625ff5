import { ModelSource } from '../../lib/constructs/model-source';
import { checkRevision } from '../../lib/serving/revision';
import { validateEnvironments } from '../../lib/config';
import { prod } from '../../bin/environments';

describe('checkRevision: a Hugging Face revision is a commit, a pull request ref, or a branch or tag name', () => {
  test.each([
    ['0123456789abcdef0123456789abcdef01234567', 'commit'],
    ['refs/pr/12', 'pull-request'],
    ['main', 'branch-or-tag'],
    ['v1.0', 'branch-or-tag'],
    ['release/2024-11', 'branch-or-tag'],
  ])('%s is a %s', (revision, kind) => {
    expect(checkRevision(revision)).toEqual({ kind });
    expect(ModelSource.huggingFace('org/model', { revision }).revisionKind).toBe(kind);
  });

  test.each([
    ['<commit>', /placeholder/],
    ['', /empty/],
    ['0123abc', /shortened commit id: the Hub resolves full commit ids only/],
    ['0123456789ABCDEF0123456789ABCDEF01234567', /upper-case/],
    ['my branch', /space/],
    ['a..b', /"\.\."/],
    ['feature/', /empty path component/],
    ['x.lock', /\.lock/],
    ['HEAD@{1}', /@\{/],
  ])('%s is refused: %s', (revision, why) => {
    const { kind, problem } = checkRevision(revision);
    expect(kind).toBeUndefined();
    expect(problem).toMatch(why);
  });

  test('an environment with a placeholder revision fails config validation under its path, not at deploy', () => {
    const env = { ...prod, adaptation: undefined, serving: { ...prod.serving, endpoint: { ...prod.serving?.endpoint, weights: { huggingFaceId: 'Qwen/Qwen2.5-7B-Instruct', revision: '<commit>' } } } };
    const problems = validateEnvironments([env]);
    expect(problems.map((p) => p.path)).toEqual(['prod.serving.endpoint.weights.revision']);
    expect(problems[0].message).toMatch(/placeholder/);
  });
});
