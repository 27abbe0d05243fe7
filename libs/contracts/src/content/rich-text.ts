/**
 * Rich text is stored and served as this node tree, never as HTML (see docs/content.md):
 * a `doc` of blocks; blocks hold inline nodes; a link's `href` is http, https or mailto.
 */
export type RichTextMark = 'bold' | 'italic' | 'underline' | 'strike' | 'code';
export const RICH_TEXT_MARKS: readonly RichTextMark[] = ['bold', 'italic', 'underline', 'strike', 'code'];
export const RICH_TEXT_LINK_PROTOCOLS = ['http:', 'https:', 'mailto:'] as const;

export interface RichTextText {
  type: 'text';
  text: string;
  marks?: RichTextMark[];
}
export interface RichTextLink {
  type: 'link';
  href: string;
  children: RichTextText[];
}
export type RichTextInline = RichTextText | RichTextLink;
export interface RichTextParagraph {
  type: 'paragraph';
  children: RichTextInline[];
}
export interface RichTextHeading {
  type: 'heading';
  level: 1 | 2 | 3 | 4 | 5 | 6;
  children: RichTextInline[];
}
export interface RichTextList {
  type: 'list';
  ordered?: boolean;
  children: RichTextListItem[];
}
export interface RichTextListItem {
  type: 'listItem';
  children: (RichTextParagraph | RichTextList)[];
}
export type RichTextBlock = RichTextParagraph | RichTextHeading | RichTextList;
export interface RichTextDoc {
  type: 'doc';
  children: RichTextBlock[];
}
