/** The small formatters the review's Markdown shares: tables, code spans, dollars, counts. */

/** A Markdown table; a pipe or line break in a cell is escaped so the table holds. */
export function table(head: string[], body: string[][], align?: ('l' | 'r')[]): string[] {
  const cell = (text: string) => text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  return [
    `| ${head.map(cell).join(' | ')} |`,
    `|${head.map((_, i) => (align?.[i] === 'r' ? '---:' : '---')).join('|')}|`,
    ...body.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

/** The first `n` items, and how many more there are. */
export function few(items: string[], n: number): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')} +${items.length - n} more`;
}

export function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Dollars with 2 decimals (up to `decimals`), thousands separated; negative with a minus sign. */
export function usd(value: number, decimals = 2): string {
  const sign = value < 0 ? '−' : '';
  return `${sign}$${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: decimals })}`;
}

export function delta(value: number): string {
  return value === 0 ? 'no change' : value > 0 ? `+${usd(value)}` : usd(value);
}

export function hours(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** `3 stacks`, `1 stack`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A number with thousands separators and at most 2 decimals. */
export function amount(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
