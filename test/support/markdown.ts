// Reads the documentation's Markdown the way the docs tests need it: fenced code blocks with their language,
// the HTML-comment directives written right before them, the paragraph that introduces them, inline code
// spans, links, and the anchors GitHub gives headings. A small reader of the CommonMark subset the docs use.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** README.md and every Markdown file under docs/, as paths relative to the repository root. */
export function documentationFiles(): string[] {
  const docs = (dir: string): string[] => readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? docs(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []);
  return ['README.md', ...docs('docs').sort()];
}

/** One fenced code block. */
export interface CodeBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  /** The block's text, its indentation (inside a list item) removed, ending with a newline. */
  readonly code: string;
  /** `<!-- name: value -->` comments right before the block (blank lines between are allowed). */
  readonly directives: ReadonlyMap<string, string>;
  /** The paragraph (or list item text) right before the block and its directives. */
  readonly intro: string;
  /** The first paragraph of each section the block is in, outermost first: where a section says what all its blocks need. */
  readonly sections: readonly string[];
}

/** An inline code span outside code blocks and comments. */
export interface CodeSpan {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** A Markdown link or image target outside code. */
export interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

export interface MarkdownFile {
  readonly file: string;
  readonly text: string;
  readonly blocks: readonly CodeBlock[];
  readonly spans: readonly CodeSpan[];
  readonly links: readonly Link[];
  /** The anchors of its headings, as GitHub renders them (`#what-the-report-shows`). */
  readonly anchors: ReadonlySet<string>;
}

const FENCE = /^( *)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const DIRECTIVE = /^<!--\s*([a-z][a-z-]*):\s*([\s\S]*?)\s*-->$/;

/** GitHub's heading anchor: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
export function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

export function readMarkdown(file: string): MarkdownFile {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return parseMarkdown(file, text);
}

export function parseMarkdown(file: string, text: string): MarkdownFile {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  const spans: CodeSpan[] = [];
  const links: Link[] = [];
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  // The prose of each line (empty inside code blocks and comments), where spans and links are looked for.
  const prose: string[] = lines.map(() => '');
  // Prose lines since the last blank line, and the comments that follow them: what introduces the next block.
  let paragraph: string[] = [];
  // The paragraph a blank line ended: what introduces a block written after a blank line, as blocks are.
  let previous: string[] = [];
  let comments: string[] = [];
  let comment: string[] | undefined;
  // The enclosing headings, each with the first paragraph under it (collected until it ends).
  const sections: { level: number; first: string[]; open: boolean }[] = [];

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (comment) {
      comment.push(line);
      if (line.includes('-->')) {
        comments.push(comment.join('\n').trim());
        comment = undefined;
      }
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const [, indent, marks, lang] = fence;
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const close = lines[j].trim();
        if (close.startsWith(marks[0].repeat(marks.length)) && /^(`+|~+)$/.test(close)) break;
        body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
      }
      if (j === lines.length) throw new Error(`${file}:${i + 1}: a code block that never closes`);
      const directives = new Map<string, string>();
      for (const c of comments) {
        const d = DIRECTIVE.exec(c);
        if (d) directives.set(d[1], d[2]);
      }
      for (const section of sections) section.open = false;
      blocks.push({
        file, line: i + 1, lang: lang.toLowerCase(), code: body.length === 0 ? '' : `${body.join('\n')}\n`, directives,
        intro: (paragraph.length > 0 ? paragraph : previous).join('\n'), sections: sections.map((x) => x.first.join('\n')),
      });
      paragraph = [];
      previous = [];
      comments = [];
      i = j;
      continue;
    }
    const trimmed = line.trim();
    if (trimmed.startsWith('<!--')) {
      if (trimmed.includes('-->')) comments.push(trimmed);
      else comment = [line];
      continue;
    }
    if (trimmed === '') {
      // A blank line ends a paragraph, but not the comments that follow it.
      if (comments.length === 0 && paragraph.length > 0) {
        previous = paragraph;
        paragraph = [];
      }
      for (const section of sections) if (section.first.length > 0) section.open = false;
      continue;
    }
    if (comments.length > 0) {
      paragraph = [];
      comments = [];
    }
    if (paragraph.length === 0) previous = [];
    paragraph.push(line);
    for (const section of sections) if (section.open) section.first.push(line);
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      while (sections.length > 0 && sections[sections.length - 1].level >= heading[1].length) sections.pop();
      sections.push({ level: heading[1].length, first: [], open: true });
      const base = slug(heading[2]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    prose[i] = line.replace(/<!--.*?-->/g, '');
  }
  // Spans may wrap onto the next line of their paragraph, never past a blank line.
  const masked = prose.join('\n');
  const starts: number[] = [];
  for (let n = 0, at = 0; n < prose.length; at += prose[n].length + 1, n++) starts.push(at);
  const lineAt = (offset: number) => {
    let n = 0;
    while (n + 1 < starts.length && starts[n + 1] <= offset) n++;
    return n + 1;
  };
  for (const m of masked.matchAll(/(`+)(?!`)((?:(?!\n\s*\n)[\s\S])+?)(?<!`)\1(?!`)/g)) {
    spans.push({ file, line: lineAt(m.index), text: m[2].replace(/\s+/g, ' ').trim() });
  }
  const outsideCode = masked.replace(/(`+)(?!`)((?:(?!\n\s*\n)[\s\S])+?)(?<!`)\1(?!`)/g, (m) => m.replace(/[^\n]/g, ' '));
  for (const m of outsideCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) links.push({ file, line: lineAt(m.index), target: m[1] });
  return { file, text, blocks, spans, links, anchors };
}

/** `file:line` as editors jump to it. */
export function where(item: { file: string; line: number }): string {
  return `${item.file}:${item.line}`;
}

/** A path relative to the repository root. */
export function fromRoot(path: string): string {
  return relative(ROOT, path);
}
