import { describe, expect, it } from 'vitest';
import { anthropicJson, anthropicStream, openAiJson, openAiStream } from '../../test/llm/fake-provider.ts';
import { UsageReader } from './usage-reader.ts';

const TEXT = 'Grüße aus Oslo: 雨 and more rain. ';

/** Feeds `body` in pieces of `size` bytes, so that events, lines and UTF-8 characters are cut anywhere. */
function read(provider: 'openai' | 'anthropic', contentType: string, body: string, size: number) {
  const reader = new UsageReader(provider, contentType);
  const bytes = Buffer.from(body);
  for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
  return reader.finish();
}

describe('UsageReader', () => {
  const SSE = 'text/event-stream; charset=utf-8';
  const cases = [
    {
      name: 'OpenAI stream with include_usage',
      provider: 'openai',
      type: SSE,
      body: openAiStream(TEXT, { prompt: 12, completion: 34 }),
      want: { prompt: 12, completion: 34, total: 46, model: 'gpt-fake' },
    },
    {
      name: 'OpenAI JSON',
      provider: 'openai',
      type: 'application/json',
      body: openAiJson(TEXT, { prompt: 5, completion: 9 }),
      want: { prompt: 5, completion: 9, total: 14, model: 'gpt-fake' },
    },
    {
      name: 'Anthropic stream (CRLF events)',
      provider: 'anthropic',
      type: SSE,
      body: anthropicStream(TEXT, { prompt: 21, completion: 13 }),
      want: { prompt: 21, completion: 13, total: 34, model: 'claude-fake' },
    },
    {
      name: 'Anthropic JSON',
      provider: 'anthropic',
      type: 'application/json',
      body: anthropicJson(TEXT, { prompt: 3, completion: 4 }),
      want: { prompt: 3, completion: 4, total: 7, model: 'claude-fake' },
    },
    {
      name: 'OpenAI Responses API stream',
      provider: 'openai',
      type: SSE,
      body: `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"hi"}\n\nevent: response.completed\ndata: {"type":"response.completed","response":{"model":"gpt-r","usage":{"input_tokens":8,"output_tokens":2,"total_tokens":10}}}\n\n`,
      want: { prompt: 8, completion: 2, total: 10, model: 'gpt-r' },
    },
    {
      name: 'OpenAI stream without usage: completion estimated from the text',
      provider: 'openai',
      type: SSE,
      body: openAiStream(TEXT, undefined),
      want: { prompt: 0, completion: Math.ceil(TEXT.length / 4), total: Math.ceil(TEXT.length / 4), model: 'gpt-fake', estimated: true },
    },
    {
      name: 'not JSON at all',
      provider: 'openai',
      type: 'application/json',
      body: '<html>oops</html>',
      want: { prompt: 0, completion: 0, total: 0, estimated: true },
    },
    {
      name: 'negative and fractional counts are ignored',
      provider: 'openai',
      type: 'application/json',
      body: '{"usage":{"prompt_tokens":-5,"completion_tokens":2.5,"total_tokens":"9"}}',
      want: { prompt: 0, completion: 0, total: 0, estimated: true },
    },
  ] as const;
  for (const c of cases) {
    for (const size of [1, 3, 64, 100_000]) {
      it(`${c.name}, in ${size}-byte pieces`, () => {
        expect(read(c.provider, c.type, c.body, size)).toEqual(c.want);
      });
    }
  }

  it('skips a line longer than 1 MiB and still reads the usage after it', () => {
    const body = `data: ${'x'.repeat(1_100_000)}\n\n` + openAiStream('ok', { prompt: 1, completion: 2 });
    expect(read('openai', SSE, body, 65_536)).toMatchObject({ prompt: 1, completion: 2, total: 3 });
  });

  it('stops keeping a JSON body past 8 MiB (estimating nothing from it)', () => {
    const body = `{"pad":"${'x'.repeat(9 * 1024 * 1024)}","usage":{"prompt_tokens":1,"completion_tokens":1}}`;
    expect(read('openai', 'application/json', body, 1 << 20)).toEqual({ prompt: 0, completion: 0, total: 0, estimated: true });
  });
});
