// The direction of dependencies, enforced: tools (bin/, scripts/) -> library (lib/) -> pure modules; the Lambda
// runtime stands apart. Read from every import and require in the sources.
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const PURE = ['sizing', 'serving', 'config', 'datasets', 'compatibility', 'bedrock', 'util'];

interface Edge { readonly from: string; readonly to: string }

function sources(dir: string): string[] {
  return (fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => path.join(dir, f));
}

/** Every module a source file imports: a repository path for relative ones (without extension), else the package. */
function edges(file: string): Edge[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import|require\()\s*\(?'([^']+)'/g)].map((m) => m[1]);
  return specs.map((spec) => ({ from: file, to: spec.startsWith('.') ? path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec)) : spec }));
}

const lib = sources('lib').flatMap(edges);
const area = (p: string) => p.split(path.sep).slice(0, 2).join('/');

test('the library imports no tool, test or benchmark', () => {
  expect(lib.filter((e) => /^(bin|scripts|test|bench|examples)\//.test(e.to.split(path.sep).join('/')))).toEqual([]);
});

test('the Lambda runtime imports only itself and pure modules of the library, and no CDK', () => {
  const runtime = lib.filter((e) => e.from.startsWith(path.join('lib', 'runtime')));
  expect(runtime.length).toBeGreaterThan(50);
  const allowed = (to: string) => to.startsWith(path.join('lib', 'runtime')) || PURE.includes(to.split(path.sep)[1]);
  expect(runtime.filter((e) => (e.to.startsWith('lib') && !allowed(e.to)) || /^(aws-cdk-lib|constructs)(\/|$)/.test(e.to))).toEqual([]);
});

test('pure modules import no construct, stage, policy check or CDK construct code', () => {
  const pure = lib.filter((e) => PURE.includes(area(e.from).split('/')[1]));
  expect(pure.length).toBeGreaterThan(50);
  const allowedCdk = new Set(['aws-cdk-lib/region-info']);
  expect(pure.filter((e) => /^lib\/(constructs|stage|validation|runtime\/api\/handler)/.test(e.to.split(path.sep).join('/'))
    || (/^(aws-cdk-lib|constructs)(\/|$)/.test(e.to) && !allowedCdk.has(e.to) && !isTokenOnly(e)))).toEqual([]);
});

/** A pure module may ask whether a value is an unresolved CDK token (Token.isUnresolved), nothing more of aws-cdk-lib. */
function isTokenOnly(e: Edge): boolean {
  if (e.to !== 'aws-cdk-lib') return false;
  const text = fs.readFileSync(path.join(root, e.from), 'utf8');
  return /import \{ Token \} from 'aws-cdk-lib';/.test(text);
}

test('the tools live outside lib/: lib/ has no command-line entry point', () => {
  const entries = sources('lib').filter((f) => /require\.main === module/.test(fs.readFileSync(path.join(root, f), 'utf8')));
  expect(entries).toEqual([]);
});
