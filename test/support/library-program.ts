// A TypeScript program of lib/ alone, for tests that read the public API's declarations (what is exported, what a
// signature names, what a doc comment says) rather than type-check it: every source file of lib/ is a root, and
// nothing else is loaded (`noResolve`, no default library), so imports from aws-cdk-lib stay unresolved, which
// such a test never asks about, and the program takes about a second instead of parsing the ~4,000 declaration
// files of the dependencies. `tsc --noEmit` (npm run check) is what type-checks lib/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export const ROOT = path.join(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'lib', 'index.ts');

export function libraryProgram(): { program: ts.Program; checker: ts.TypeChecker; entry: ts.Symbol } {
  const lib = path.join(ROOT, 'lib');
  const files = (fs.readdirSync(lib, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => path.join(lib, f));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, noResolve: true, noLib: true, types: [],
  });
  const checker = program.getTypeChecker();
  return { program, checker, entry: checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)! };
}

/** Every declaration the package exports, named as a user names it: `sizing.InstanceType` inside a namespace. */
export function publicSymbols(checker: ts.TypeChecker, entry: ts.Symbol): { name: string; symbol: ts.Symbol }[] {
  const found: { name: string; symbol: ts.Symbol }[] = [];
  const visit = (module: ts.Symbol, prefix: string): void => {
    for (const alias of checker.getExportsOfModule(module)) {
      const symbol = alias.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(alias) : alias;
      if (symbol.flags & ts.SymbolFlags.ValueModule) visit(symbol, `${prefix}${alias.name}.`);
      else found.push({ name: `${prefix}${alias.name}`, symbol });
    }
  };
  visit(entry, '');
  return found;
}

/** The declaration's doc comment says `@jsii ignore`: it stays out of the assembly. */
export function isJsiiIgnored(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((t) => t.tagName.text === 'jsii' && String(t.comment ?? '').trim() === 'ignore');
}
