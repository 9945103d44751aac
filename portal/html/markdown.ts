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

// Descriptions change only with their objects, and a catalogue page renders dozens: each is parsed and sanitised
// once. Bounded: past the limit the cache starts over.
const MAX_CACHED = 10_000;
const cache = new Map<string, Html>();

/** Markdown to HTML that is safe to put in a page. */
export function markdown(source: string): Html {
  let out = cache.get(source);
  if (out) return out;
  out = trustedHtml(sanitizeHtml(marked.parse(source) as string, POLICY));
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(source, out);
  return out;
}
