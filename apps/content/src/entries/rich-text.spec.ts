import { hrefProblem, richTextProblems, RICH_TEXT_LIMITS } from './rich-text';

const doc = (...children: unknown[]) => ({ type: 'doc', children });
const p = (...children: unknown[]) => ({ type: 'paragraph', children });
const text = (t: string, marks?: string[]) => ({ type: 'text', text: t, ...(marks ? { marks } : {}) });

describe('rich text', () => {
  it('accepts paragraphs, headings, nested lists, links and marks', () => {
    const value = doc(
      { type: 'heading', level: 2, children: [text('Summer')] },
      p(text('Free '), text('shipping', ['bold', 'italic']), { type: 'link', href: 'https://shop.example.com/sale', children: [text('now')] }),
      { type: 'list', ordered: true, children: [{ type: 'listItem', children: [p(text('one')), { type: 'list', children: [{ type: 'listItem', children: [p(text('nested'))] }] }] }] },
      p({ type: 'link', href: 'mailto:help@example.com', children: [text('mail us')] }),
    );
    expect(richTextProblems(value, 'fields.body.en')).toEqual([]);
  });

  it.each([
    ['a string of HTML', '<p>hi</p>', 'fields.body', /rich text document/],
    ['an unknown node type', doc({ type: 'script', children: [] }), 'fields.body.children.0.type', /paragraph, heading, list/],
    ['a block inside a paragraph', doc(p(p(text('x')))), 'fields.body.children.0.children.0.type', /text, link/],
    ['a javascript: link', doc(p({ type: 'link', href: 'javascript:alert(1)', children: [text('x')] })), 'fields.body.children.0.children.0.href', /http, https or mailto/],
    ['a relative link', doc(p({ type: 'link', href: '/sale', children: [text('x')] })), 'fields.body.children.0.children.0.href', /absolute/],
    ['an unknown mark', doc(p(text('x', ['blink']))), 'fields.body.children.0.children.0.marks.0', /bold/],
    ['an extra attribute', doc(p({ ...text('x'), html: '<b>' })), 'fields.body.children.0.children.0.html', /not allowed/],
    ['a heading level 7', doc({ type: 'heading', level: 7, children: [] }), 'fields.body.children.0.level', /1 to 6/],
    ['a list of paragraphs', doc({ type: 'list', children: [p(text('x'))] }), 'fields.body.children.0.children.0.type', /listItem/],
    ['text that is not a string', doc(p({ type: 'text', text: 5 })), 'fields.body.children.0.children.0.text', /string/],
  ])('refuses %s, naming the path', (_what, value, field, problem) => {
    const problems = richTextProblems(value, 'fields.body');
    expect(problems.map((x) => x.field)).toContain(field);
    expect(problems.find((x) => x.field === field)?.problem).toMatch(problem);
  });

  it('refuses documents nested too deep or with too many nodes', () => {
    let list: unknown = p(text('deep'));
    for (let i = 0; i < RICH_TEXT_LIMITS.maxDepth; i++) list = { type: 'list', children: [{ type: 'listItem', children: [list] }] };
    expect(richTextProblems(doc(list), 'b').some((x) => /deeper/.test(x.problem))).toBe(true);
    const many = doc(...Array.from({ length: RICH_TEXT_LIMITS.maxNodes }, () => p(text('x'))));
    expect(richTextProblems(many, 'b')).toEqual([{ field: 'b', problem: `must have at most ${RICH_TEXT_LIMITS.maxNodes} nodes` }]);
  });

  it('checks link targets', () => {
    expect(hrefProblem('https://example.com')).toBeNull();
    expect(hrefProblem('mailto:a@b.example')).toBeNull();
    expect(hrefProblem('data:text/html,<script>')).toMatch(/not data:/);
    expect(hrefProblem('https://x.example/' + 'a'.repeat(3000))).toMatch(/at most/);
  });
});
