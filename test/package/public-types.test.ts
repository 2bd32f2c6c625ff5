// Every type a public signature names is itself exported from the package, so a consumer (and a jsii target)
// can name it (at the root or in one of its namespaces): checked with the TypeScript compiler over lib/index.ts,
// as a consumer's compiler sees it.
import * as path from 'node:path';
import ts from 'typescript';
import { isJsiiIgnored, libraryProgram, publicSymbols, ROOT as root } from '../support/library-program';

// One program of lib/ for both tests.
const { checker, entry } = libraryProgram();

function unexportedTypes(): string[] {
  const moduleSymbol = entry;
  // The root's exports and the members of its namespaces (`export * as sizing from './sizing'`: jsii submodules).
  const exported = new Set(publicSymbols(checker, moduleSymbol).map((s) => s.symbol));
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

/**
 * Members of the public API typed as string-literal unions (`'low' | 'high'`, or an alias of one): jsii gives
 * other languages a plain string for them, with no names to choose from, so inputs take enums instead.
 */
function literalUnionMembers(): string[] {
  const found: string[] = [];
  const literalUnion = (t: ts.TypeNode | undefined, depth = 0): boolean => {
    if (!t || depth > 3) return false;
    if (ts.isUnionTypeNode(t)) return t.types.filter((m) => m.kind !== ts.SyntaxKind.UndefinedKeyword).every((m) => ts.isLiteralTypeNode(m) || ts.isTemplateLiteralTypeNode(m));
    if (ts.isTemplateLiteralTypeNode(t)) return true;
    if (ts.isArrayTypeNode(t)) return literalUnion(t.elementType, depth + 1);
    if (ts.isTypeReferenceNode(t)) {
      let symbol = checker.getSymbolAtLocation(t.typeName);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const declaration = symbol?.declarations?.[0];
      return declaration !== undefined && ts.isTypeAliasDeclaration(declaration) && literalUnion(declaration.type, depth + 1);
    }
    return false;
  };
  const hidden = (m: ts.Node) => isJsiiIgnored(m) || (ts.canHaveModifiers(m) && (ts.getModifiers(m) ?? []).some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword));
  for (const { name, symbol } of publicSymbols(checker, entry)) {
    for (const decl of symbol.declarations ?? []) {
      if (!(ts.isInterfaceDeclaration(decl) || ts.isClassDeclaration(decl)) || isJsiiIgnored(decl)) continue;
      for (const m of decl.members) {
        if (hidden(m)) continue;
        const where = `${name}.${m.name?.getText() ?? 'constructor'}`;
        if ((ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) && literalUnion(m.type)) found.push(where);
        if (ts.isMethodDeclaration(m) || ts.isMethodSignature(m) || ts.isGetAccessor(m) || ts.isConstructorDeclaration(m)) {
          if (literalUnion(m.type)) found.push(`${where}()`);
          for (const p of m.parameters) if (literalUnion(p.type)) found.push(`${where}(${p.name.getText()})`);
        }
      }
    }
  }
  return found.sort();
}

test('no public input is typed as a string-literal union; the few outputs that are say which strings they hold', () => {
  // Values the kit reports, never takes: each documents its strings where it is declared.
  const outputs = ['ApiBackendConfig.backend', 'serving.DlcRegistry.partition', 'serving.RevisionCheck.kind', 'serving.ServingContainer.lmiRollingBatch'];
  expect(literalUnionMembers()).toEqual(outputs);
});
