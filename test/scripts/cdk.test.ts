import { DIFF_HINT, filterLines } from '../../scripts/cdk';

test('synth output loses only the CLI\'s "Supply a stack id" line', () => {
  const out = filterLines('\nSuccessfully synthesized to /x/cdk.out\nSupply a stack id () to display its template.\n');
  expect(out).toBe('\nSuccessfully synthesized to /x/cdk.out\n');
  expect(filterLines('a stack id is needed\n')).toBe('a stack id is needed\n');
});

test('a diff without credentials points to the offline review of two assemblies', () => {
  expect(DIFF_HINT).toContain('npm run review -- --base ../base.out');
  expect(DIFF_HINT).toContain('git worktree add --detach ../base main');
});
