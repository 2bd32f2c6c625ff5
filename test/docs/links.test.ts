/**
 * Links between README.md and docs/ resolve (the file exists, and so does the heading an anchor names), and the
 * repository paths the documentation names exist.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { documentationFiles, ROOT, readMarkdown, where } from '../support/markdown';

const files = documentationFiles().map(readMarkdown);
const byPath = new Map(files.map((f) => [f.file, f]));

describe('links', () => {
  test('every relative link names a file or folder of the repository, and an anchor a heading of it', () => {
    const problems: string[] = [];
    const links = files.flatMap((f) => f.links).filter((l) => !/^[a-z]+:/i.test(l.target));
    expect(links.length).toBeGreaterThan(20);
    for (const link of links) {
      const [path, anchor] = link.target.split('#', 2);
      const target = path === '' ? link.file : normalize(join(dirname(link.file), decodeURIComponent(path)));
      if (!existsSync(join(ROOT, target))) {
        problems.push(`${where(link)}: ${link.target}: no such file`);
        continue;
      }
      if (anchor === undefined) continue;
      const doc = byPath.get(target);
      if (!doc) problems.push(`${where(link)}: ${link.target}: an anchor into a file that is not documentation`);
      else if (statSync(join(ROOT, target)).isFile() && !doc.anchors.has(anchor)) problems.push(`${where(link)}: ${link.target}: no heading with that anchor`);
    }
    expect(problems).toEqual([]);
  });

  test('docs/README.md links to every file of docs/', () => {
    const index = byPath.get('docs/README.md')!;
    const linked = new Set(index.links.map((l) => normalize(join('docs', l.target.split('#')[0]))));
    expect(files.map((f) => f.file).filter((f) => f.startsWith('docs/') && f !== 'docs/README.md' && !linked.has(f))).toEqual([]);
  });
});

describe('paths', () => {
  const PATH = /^(?:bin|lib|scripts|test|bench|examples|datasets|docs|\.github)\/[\w./@-]*$/;

  test('every repository path the documentation names in inline code exists', () => {
    const named = files.flatMap((f) => f.spans)
      .map((s) => ({ at: where(s), path: s.text.replace(/[/]\*+$|\/?\*[\w.]*$/, '') }))
      .filter(({ path }) => PATH.test(path) && !path.includes('<'));
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter(({ path }) => !existsSync(join(ROOT, path))).map(({ at, path }) => `${at}: ${path}`)).toEqual([]);
  });

  test('a block marked <!-- paths: ... --> (the layout) names paths that exist, one at the start of each line', () => {
    const layouts = files.flatMap((f) => f.blocks).filter((b) => b.directives.has('paths'));
    expect(layouts.length).toBeGreaterThan(0);
    const missing = layouts.flatMap((b) => b.code.split('\n').map((line, i) => ({ at: `${b.file}:${b.line + i + 1}`, path: line.split(/\s/)[0] })))
      .filter(({ path }) => path !== '' && !existsSync(join(ROOT, path)));
    expect(missing.map(({ at, path }) => `${at}: ${path}`)).toEqual([]);
  });
});
