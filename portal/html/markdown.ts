import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { trustedHtml, type Html } from './html.ts';

const marked = new Marked({ gfm: true, async: false });

// What a product or API description may use: text formatting, lists, tables, code and links; no
// scripts, styles, frames, forms, images from elsewhere or event handlers.
const POLICY: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'strong',
    'em',
    'del',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'], th: ['align'], td: ['align'] },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowProtocolRelative: false,
  // Authors' headings start at h2: the page has its own h1.
  transformTags: {
    h1: 'h2',
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow' }),
  },
};

/** Markdown to HTML that is safe to put in a page. */
export function markdown(source: string): Html {
  const rendered = marked.parse(source) as string;
  return trustedHtml(sanitizeHtml(rendered, POLICY));
}
