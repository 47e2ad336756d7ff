import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Reading the project's Markdown as the documentation tests need it: sections, table rows,
 * the routes a page names, heading anchors, and the tracked files of the repository.
 */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export const readDoc = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The text under a heading (any level, matched from its start), up to the next heading of the same or a higher level. */
export function section(markdown: string, heading: string): string {
  const lines = withoutCodeBlocks(markdown).split('\n');
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '').startsWith(heading));
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((line, index) => index > start && /^#+ /.test(line) && /^#+/.exec(line)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The cells of each table row in a text, header and separator rows left out. A `\|` inside a cell stays in it. */
export function tableRows(text: string): string[][] {
  const rows = text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replaceAll('\\|', '|')),
    );
  // Drop each table's header: the row before a separator row, and the separator itself.
  return rows.filter((row, index) => !row.every((cell) => /^:?-+:?$/.test(cell)) && !rows[index + 1]?.every((cell) => /^:?-+:?$/.test(cell)));
}

/** The words in backticks of a cell. */
export const codeSpans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);

const METHOD_PATH = /^(GET|POST|PUT|PATCH|DELETE) (\/\S*)$/;

/** `GET /cases/:id` from a code span such as `GET /cases/:id?status=open`; undefined for anything else. */
export function routeOf(span: string): string | undefined {
  const match = METHOD_PATH.exec(span.trim());
  return match ? `${match[1]} ${match[2]!.split('?')[0]}` : undefined;
}

/** A Markdown text without its fenced code blocks. */
export const withoutCodeBlocks = (markdown: string): string => markdown.replace(/^```[\s\S]*?^```/gm, '');

/** Every route a text names in a code span (fenced code blocks aside). */
export const routesNamed = (markdown: string): string[] => codeSpans(withoutCodeBlocks(markdown)).flatMap((span) => routeOf(span) ?? []);

/** GitHub's anchor of each heading in a Markdown text (lower case, punctuation dropped, spaces to hyphens, repeats numbered). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of withoutCodeBlocks(markdown).split('\n')) {
    const heading = /^#{1,6} (.+)$/.exec(line)?.[1];
    if (!heading) continue;
    const base = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** The files git tracks (and that are on disk), relative to the repository's root. */
export function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((file) => file && fs.existsSync(path.join(ROOT, file)));
}

/** A file's text, or undefined for a binary file (one holding a NUL byte). */
export function textOf(file: string): string | undefined {
  const content = fs.readFileSync(path.join(ROOT, file));
  return content.includes(0) ? undefined : content.toString('utf8');
}
