import { FieldProblem, RICH_TEXT_LINK_PROTOCOLS, RICH_TEXT_MARKS } from '@omnibus/contracts';

/** Limits of one rich text value, so a document cannot grow without bound. */
export const RICH_TEXT_LIMITS = { maxDepth: 12, maxNodes: 5000, maxTextLength: 100_000, maxHrefLength: 2048 };

type Context = 'block' | 'inline' | 'linkChild' | 'listChild' | 'listItemChild';

const ALLOWED_KEYS: Record<string, string[]> = {
  doc: ['type', 'children'],
  paragraph: ['type', 'children'],
  heading: ['type', 'level', 'children'],
  list: ['type', 'ordered', 'children'],
  listItem: ['type', 'children'],
  text: ['type', 'text', 'marks'],
  link: ['type', 'href', 'children'],
};

/** Node types allowed where: blocks in a doc, inlines in paragraphs and headings, and so on. */
const ALLOWED_TYPES: Record<Context, string[]> = {
  block: ['paragraph', 'heading', 'list'],
  inline: ['text', 'link'],
  linkChild: ['text'],
  listChild: ['listItem'],
  listItemChild: ['paragraph', 'list'],
};

const CHILD_CONTEXT: Record<string, Context> = {
  doc: 'block',
  paragraph: 'inline',
  heading: 'inline',
  list: 'listChild',
  listItem: 'listItemChild',
  link: 'linkChild',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The problem with a link target, or null: absolute http, https or mailto only. */
export function hrefProblem(href: unknown): string | null {
  if (typeof href !== 'string' || href.length === 0) return 'must be a URL';
  if (href.length > RICH_TEXT_LIMITS.maxHrefLength) return `must be at most ${RICH_TEXT_LIMITS.maxHrefLength} characters`;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return 'must be an absolute URL (http, https or mailto)';
  }
  if (!(RICH_TEXT_LINK_PROTOCOLS as readonly string[]).includes(url.protocol)) return `must use http, https or mailto, not ${url.protocol.slice(0, 20)}`;
  return null;
}

/**
 * Problems of a rich text value (a `doc` node tree, see libs/contracts/src/content/rich-text.ts),
 * each at its path below `path` (`fields.body.en.children.2.href`). Empty when valid.
 */
export function richTextProblems(value: unknown, path: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const budget = { nodes: 0, text: 0 };
  const add = (field: string, problem: string) => {
    if (problems.length < 20) problems.push({ field, problem });
  };

  const visit = (node: unknown, at: string, depth: number, allowed: string[] | 'doc'): void => {
    if (problems.length >= 20) return;
    if (++budget.nodes > RICH_TEXT_LIMITS.maxNodes) {
      if (budget.nodes === RICH_TEXT_LIMITS.maxNodes + 1) add(path, `must have at most ${RICH_TEXT_LIMITS.maxNodes} nodes`);
      return;
    }
    if (depth > RICH_TEXT_LIMITS.maxDepth) return add(at, `is nested deeper than ${RICH_TEXT_LIMITS.maxDepth} levels`);
    if (!isObject(node)) return add(at, allowed === 'doc' ? 'must be a rich text document {"type": "doc", "children": [...]}' : 'must be a rich text node (an object with a type)');
    const type = node['type'];
    const expected = allowed === 'doc' ? ['doc'] : allowed;
    if (typeof type !== 'string' || !expected.includes(type)) {
      return add(`${at}.type`, `must be ${expected.length === 1 ? `"${expected[0]}"` : `one of ${expected.join(', ')}`} here`);
    }
    for (const key of Object.keys(node)) if (!ALLOWED_KEYS[type].includes(key)) add(`${at}.${key}`, `is not allowed on a ${type} node`);

    if (type === 'text') {
      if (typeof node['text'] !== 'string') return add(`${at}.text`, 'must be a string');
      budget.text += node['text'].length;
      if (budget.text > RICH_TEXT_LIMITS.maxTextLength) return add(path, `must hold at most ${RICH_TEXT_LIMITS.maxTextLength} characters of text`);
      const marks = node['marks'];
      if (marks !== undefined) {
        if (!Array.isArray(marks) || marks.length > RICH_TEXT_MARKS.length) return add(`${at}.marks`, `must be a list of marks: ${RICH_TEXT_MARKS.join(', ')}`);
        marks.forEach((m, i) => {
          if (!(RICH_TEXT_MARKS as readonly unknown[]).includes(m)) add(`${at}.marks.${i}`, `must be one of ${RICH_TEXT_MARKS.join(', ')}`);
        });
        if (new Set(marks).size !== marks.length) add(`${at}.marks`, 'must not repeat a mark');
      }
      return;
    }
    if (type === 'heading') {
      const level = node['level'];
      if (!Number.isInteger(level) || (level as number) < 1 || (level as number) > 6) add(`${at}.level`, 'must be an integer from 1 to 6');
    }
    if (type === 'list' && node['ordered'] !== undefined && typeof node['ordered'] !== 'boolean') add(`${at}.ordered`, 'must be true or false');
    if (type === 'link') {
      const problem = hrefProblem(node['href']);
      if (problem) add(`${at}.href`, problem);
    }
    const children = node['children'];
    if (!Array.isArray(children)) return add(`${at}.children`, 'must be a list of nodes');
    if ((type === 'list' || type === 'listItem' || type === 'link') && children.length === 0) add(`${at}.children`, 'must not be empty');
    const childAllowed = ALLOWED_TYPES[CHILD_CONTEXT[type]];
    children.forEach((child, i) => visit(child, `${at}.children.${i}`, depth + 1, childAllowed));
  };

  visit(value, path, 1, 'doc');
  return problems;
}
