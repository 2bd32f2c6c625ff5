// Every type a public signature names is itself exported from the package, so a consumer (and a jsii target)
// can name it (at the root or in one of its namespaces): checked with the TypeScript compiler over lib/index.ts,
// as a consumer's compiler sees it.
import * as path from 'node:path';
import ts from 'typescript';
import { libraryProgram, ROOT as root } from '../support/library-program';

function unexportedTypes(): string[] {
  const { checker, entry: moduleSymbol } = libraryProgram();
  // The root's exports and the members of its namespaces (`export * as sizing from './sizing'`: jsii submodules).
  const exported = new Set<ts.Symbol>();
  const addExports = (module: ts.Symbol): void => {
    for (const s of checker.getExportsOfModule(module)) {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      if (target.flags & ts.SymbolFlags.ValueModule && !exported.has(target)) {
        exported.add(target);
        addExports(target);
      } else exported.add(target);
    }
  };
  addExports(moduleSymbol);
  const missing = new Map<string, string>();

  const visitType = (node: ts.Node, where: string): void => {
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      let symbol = checker.getSymbolAtLocation(name);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const declaration = symbol?.declarations?.[0];
      const file = declaration?.getSourceFile().fileName ?? '';
      if (symbol && file.startsWith(path.join(root, 'lib')) && !exported.has(symbol) && !(symbol.flags & ts.SymbolFlags.TypeParameter)) {
        missing.set(symbol.getName(), `${where} (${path.relative(root, file)})`);
      }
    }
    ts.forEachChild(node, (child) => visitType(child, where));
  };
  const isPrivate = (m: ts.Node) => ts.canHaveModifiers(m) && (ts.getModifiers(m) ?? []).some((x) => x.kind === ts.SyntaxKind.PrivateKeyword) || (ts.isPropertyDeclaration(m) || ts.isMethodDeclaration(m)) && ts.isPrivateIdentifier(m.name);
  const visitSignature = (decl: ts.SignatureDeclaration, where: string) => {
    for (const p of decl.parameters) if (p.type && !isPrivate(p)) visitType(p.type, where);
    if (decl.type) visitType(decl.type, where);
  };

  for (const symbol of exported) {
    for (const decl of symbol.declarations ?? []) {
      const where = symbol.getName();
      if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl)) {
        for (const clause of decl.heritageClauses ?? []) for (const t of clause.types) visitType(t, where);
        for (const member of decl.members) {
          if (isPrivate(member)) continue;
          if ((ts.isPropertyDeclaration(member) || ts.isPropertySignature(member)) && member.type) visitType(member.type, `${where}.${member.name.getText()}`);
          if (ts.isMethodDeclaration(member) || ts.isMethodSignature(member) || ts.isConstructorDeclaration(member) || ts.isGetAccessor(member)) visitSignature(member, `${where}.${member.name?.getText() ?? 'constructor'}`);
        }
      } else if (ts.isTypeAliasDeclaration(decl)) {
        visitType(decl.type, where);
      } else if (ts.isFunctionDeclaration(decl)) {
        visitSignature(decl, where);
      } else if (ts.isVariableDeclaration(decl) && decl.type) {
        visitType(decl.type, where);
      }
    }
  }
  return [...missing].map(([name, where]) => `${name}: used by ${where}`).sort();
}

test('every type named by an exported signature is exported too', () => {
  expect(unexportedTypes()).toEqual([]);
});
