// The public API crosses to the languages jsii targets: jsii compiles the library with no error and no warning,
// jsii-pacmak generates Python, Java, .NET and Go sources from the assembly, and the Python byte-compiles.
// Nothing exported drops out silently: every exported class, interface and enum is in the assembly, or its
// declaration says `@jsii ignore` with the reason beside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { API_FILE, cachedCheckJsii, inputsDigest, type JsiiCheck, PYTHON_PAGE, pythonPage, stagedManifest, TARGETS, translatedBlocks, unionsOf } from '../../scripts/jsii/check';
import { isJsiiIgnored, libraryProgram, publicSymbols } from '../support/library-program';

const root = path.join(__dirname, '..', '..');

let result: JsiiCheck;
beforeAll(() => {
  // A passing run on the same inputs (scripts/jsii/check.ts says what they are), or a new run.
  result = cachedCheckJsii();
}, 240_000);

test('the cached result is keyed by every input: a change to any library file, the README, the lockfile or the check itself gives another key', () => {
  const key = inputsDigest();
  expect(inputsDigest()).toBe(key);
  for (const changed of [path.join(root, 'lib', 'sizing', 'estimate.ts'), path.join(root, 'README.md'), path.join(root, 'package-lock.json'), path.join(root, 'scripts', 'jsii', 'check.ts')]) {
    expect(inputsDigest((file) => (file === changed ? `${fs.readFileSync(file, 'utf8')}\n` : fs.readFileSync(file)))).not.toBe(key);
  }
});

test('jsii compiles the library with 0 errors and 0 warnings', () => {
  expect(result.diagnostics).toEqual([]);
  expect({ errors: result.errors, warnings: result.warnings }).toEqual({ errors: 0, warnings: 0 });
});

test('jsii-pacmak generates every target, and the Python byte-compiles', () => {
  for (const target of TARGETS) expect({ target, files: result.generated[target] > 0 }).toEqual({ target, files: true });
  expect(result.pythonOutput).toBe('');
  expect(result.pythonCompiles).toBe(true);
});

/** Exported classes, interfaces and enums of lib/index.ts, each with whether its declaration says `@jsii ignore`. */
function exportedTypes(): { name: string; ignored: boolean; reason: string }[] {
  const { checker, entry: moduleSymbol } = libraryProgram();
  // The root's exports, and each namespace's (a jsii submodule) under its name: `sizing.InstanceType`.
  return publicSymbols(checker, moduleSymbol).flatMap(({ name, symbol }) => {
    const decl = symbol.declarations?.find((d) => ts.isClassDeclaration(d) || ts.isInterfaceDeclaration(d) || ts.isEnumDeclaration(d));
    if (!decl) return [];
    const docs = ts.getJSDocCommentsAndTags(decl).map((d) => d.getText()).join('\n');
    return [{ name, ignored: isJsiiIgnored(decl), reason: /TypeScript and JavaScript only[^\n]*/.exec(docs)?.[0] ?? '' }];
  });
}

test('every exported class, interface and enum is in the assembly, or says why it is TypeScript-only', () => {
  const inAssembly = new Set(result.fqns.map((fqn) => fqn.replace(/^genai-lifecycle-cdk\./, '')));
  const types = exportedTypes();
  expect(types.length).toBeGreaterThan(120);
  expect(types.filter((t) => !t.ignored && !inAssembly.has(t.name)).map((t) => t.name)).toEqual([]);
  expect(types.filter((t) => t.ignored).length).toBeGreaterThan(15);
  expect(types.filter((t) => t.ignored && !t.reason).map((t) => t.name)).toEqual([]);
  expect(types.filter((t) => t.ignored && inAssembly.has(t.name)).map((t) => t.name)).toEqual([]);
});

test('no property, parameter or return value in the assembly is a type union (named structs and classes instead)', () => {
  expect(result.unions).toEqual([]);
  // The check finds one where there is one.
  expect(unionsOf({ 'x.T': { properties: [{ name: 'p', type: { union: { types: [{ primitive: 'string' }, { primitive: 'number' }] } } }] } })).toEqual(['x.T.p']);
});

test('sizing, serving and datasets are submodules: one name each, none of their types also at the root', () => {
  expect(result.submodules).toEqual(['genai-lifecycle-cdk.datasets', 'genai-lifecycle-cdk.serving', 'genai-lifecycle-cdk.sizing']);
  // Each has its README (lib/<name>/README.md), the module's docs in every language.
  expect(result.undocumentedSubmodules).toEqual([]);
  for (const fqn of ['sizing.Estimate', 'sizing.InstanceType', 'sizing.InstanceCatalog', 'sizing.ModelCatalog', 'sizing.TrainingMethod', 'serving.ServingContainer',
    'serving.Quantization', 'datasets.DatasetFormat', 'datasets.DatasetValidator']) {
    expect(result.fqns).toContain(`genai-lifecycle-cdk.${fqn}`);
  }
  const names = result.fqns.map((fqn) => fqn.split('.').pop());
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  expect(result.pythonModules).toEqual(expect.arrayContaining(['datasets', 'serving', 'sizing']));
});

test('the constructs, the stage and their props are in the assembly', () => {
  for (const name of ['GenAiLifecycleStage', 'GenAiLifecycleStageProps', 'DatasetStore', 'BedrockModel', 'InferenceEndpoint', 'KnowledgeBase', 'GenerativeApi',
    'FineTuningWorkflow', 'ModelOptimizationRole', 'EnvironmentConfig', 'ApiBackend', 'ApiThrottling', 'ServingLimits', 'EndpointWeights', 'IKnowledgeBase']) {
    expect(result.fqns).toContain(`genai-lifecycle-cdk.${name}`);
  }
  expect(result.types.class).toBeGreaterThan(20);
  expect(result.types.struct).toBeGreaterThan(60);
});

test('API.md is the reference jsii-docgen generates from today\'s assembly (npx tsx scripts/jsii/check.ts --write-api)', () => {
  expect(result.apiReference).toMatch(/^# API Reference/);
  expect(result.apiReference).toContain('### GenerativeApi');
  expect(fs.readFileSync(API_FILE, 'utf8') === result.apiReference).toBe(true);
});

test('jsii-rosetta compiles the README\'s TypeScript against the assembly; docs/python.md holds its Python', () => {
  expect(result.snippets.length).toBeGreaterThan(0);
  expect(result.snippets.filter((s) => !s.compiled).map((s) => s.typescript.slice(0, 200))).toEqual([]);
  const python = result.snippets.map((s) => s.python).join('\n');
  expect(python).toContain('PolicyChecks.add(app)');
  expect(python).toMatch(/ApiThrottling\(rate_limit=20, burst_limit=40\)/);
  expect(fs.readFileSync(PYTHON_PAGE, 'utf8') === pythonPage(result.snippets)).toBe(true);
});

test('the API\'s examples compile against the assembly, and the docs show their Python as jsii-rosetta translates it', () => {
  const examples = result.snippets.filter((s) => s.where !== 'README');
  expect(examples.map((s) => s.where)).toContain('genai-lifecycle-cdk.sizing.Estimate');
  expect(examples.filter((s) => !s.compiled).map((s) => s.where)).toEqual([]);
  const blocks = translatedBlocks(result.snippets);
  expect(blocks.map((b) => `${b.file} ${b.fqn}`)).toContain('docs/sizing.md genai-lifecycle-cdk.sizing.Estimate');
  for (const b of blocks) expect({ file: b.file, fqn: b.fqn, python: b.shown }).toEqual({ file: b.file, fqn: b.fqn, python: b.translation });
  expect(blocks.find((b) => b.fqn === 'genai-lifecycle-cdk.sizing.Estimate')?.shown).toContain('sizing.Estimate.serving(model="Qwen/Qwen2.5-7B-Instruct", context_tokens=8192, concurrency=8)');
});

test('the check copy names what jsii needs without changing the package', () => {
  const staged = stagedManifest(
    { name: 'x', dependencies: { 'cdk-nag': '1', 'asl-validator': '2' }, peerDependencies: { 'aws-cdk-lib': '2', '@aws-sdk/client-sagemaker': '3' }, scripts: { prepare: 'b' } },
    (name) => name === 'cdk-nag' || name === 'aws-cdk-lib',
  );
  expect(staged).toMatchObject({ dependencies: { 'cdk-nag': '1' }, peerDependencies: { 'aws-cdk-lib': '2' }, scripts: undefined });
  expect((staged.repository as { url: string }).url).toBe(`file://${root}`);
});
