import { describe, expect, it } from 'vitest';
import { html } from './html.ts';
import { markdown } from './markdown.ts';

describe('html', () => {
  it('escapes interpolated strings and keeps nested templates', () => {
    const name = '<img src=x onerror=alert(1)>';
    expect(html`<p title="${name}">${name}${html`<b>${'&'}</b>`}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt;">&lt;img src=x onerror=alert(1)&gt;<b>&amp;</b></p>',
    );
    expect(html`${[1, 'a<', undefined, false, null]}`.value).toBe('1a&lt;');
  });
});

describe('markdown', () => {
  it.each([
    ['**bold** and [link](https://example.com)', '<p><strong>bold</strong> and <a href="https://example.com" rel="noopener noreferrer nofollow">link</a></p>'],
    ['<script>alert(1)</script>hi', 'hi'],
    ['[x](javascript:alert(1))', '<p><a rel="noopener noreferrer nofollow">x</a></p>'],
    ['<img src=x onerror=alert(1)>', ''],
    ['# Title', '<h2>Title</h2>'],
    ['<a href="https://a.example" onclick="x()">a</a>', '<p><a href="https://a.example" rel="noopener noreferrer nofollow">a</a></p>'],
  ])('%s', (source, expected) => {
    expect(markdown(source).value.trim()).toBe(expected);
  });
});
