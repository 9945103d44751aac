// A local LLM provider for tests: OpenAI- and Anthropic-shaped answers, JSON or
// server-sent events, with token usage the test chooses, over real HTTP on 127.0.0.1.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface FakeUsage {
  prompt: number;
  completion: number;
}

/** OpenAI chat-completion chunks, the last with `usage` as `stream_options.include_usage` asks for. */
export function openAiStream(text: string, usage: FakeUsage | undefined, model = 'gpt-fake'): string {
  const words = text.split(/(?<= )/);
  let out = '';
  for (const w of words)
    out += `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: w } }] })}\n\n`;
  out += `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`;
  if (usage) {
    const u = { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion };
    out += `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [], usage: u })}\n\n`;
  }
  return out + 'data: [DONE]\n\n';
}

export function openAiJson(text: string, usage: FakeUsage, model = 'gpt-fake'): string {
  return JSON.stringify({
    id: 'c1',
    object: 'chat.completion',
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion },
  });
}

/** Anthropic messages events: input in `message_start`, the cumulative output in `message_delta`. */
export function anthropicStream(text: string, usage: FakeUsage, model = 'claude-fake'): string {
  const ev = (type: string, data: object) => `event: ${type}\r\ndata: ${JSON.stringify({ type, ...data })}\r\n\r\n`;
  let out = ev('message_start', {
    message: { id: 'm1', type: 'message', role: 'assistant', model, content: [], usage: { input_tokens: usage.prompt, output_tokens: 1 } },
  });
  out += ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const w of text.split(/(?<= )/)) out += ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } });
  out += ev('content_block_stop', { index: 0 });
  out += ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: usage.completion } });
  return out + ev('message_stop', {});
}

export function anthropicJson(text: string, usage: FakeUsage, model = 'claude-fake'): string {
  return JSON.stringify({
    id: 'm1',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    usage: { input_tokens: usage.prompt, output_tokens: usage.completion },
  });
}

export interface FakeProvider {
  url: string;
  /** Request bodies received, parsed. */
  requests: Array<{ path: string; headers: http.IncomingHttpHeaders; body: any }>;
  /** The usage the next answers report. */
  usage: FakeUsage;
  close(): Promise<void>;
}

/**
 * `POST /v1/chat/completions` (OpenAI) and `POST /v1/messages` (Anthropic); a request
 * with `stream: true` is answered as server-sent events, sent in small writes a few
 * milliseconds apart so that the gateway sees the stream arrive in pieces.
 */
export async function startFakeProvider(): Promise<FakeProvider> {
  const provider: FakeProvider = { url: '', requests: [], usage: { prompt: 11, completion: 7 }, close: async () => {} };
  const server = http.createServer((req, res) => void answer(provider, req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return provider;
}

async function answer(provider: FakeProvider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  let body: any;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
  } catch {
    res.writeHead(400).end();
    return;
  }
  provider.requests.push({ path: req.url ?? '', headers: req.headers, body });
  const anthropic = (req.url ?? '').endsWith('/messages');
  const text = 'The forecast for Oslo is rain, then more rain. ';
  const usage = { ...provider.usage };
  if (!body.stream) {
    const json = anthropic ? anthropicJson(text, usage) : openAiJson(text, usage);
    res.writeHead(200, { 'content-type': 'application/json' }).end(json);
    return;
  }
  const includeUsage = anthropic || body.stream_options?.include_usage === true;
  const stream = anthropic ? anthropicStream(text, usage) : openAiStream(text, includeUsage ? usage : undefined);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // Uneven pieces, cut anywhere (inside JSON, inside a line ending), a few milliseconds apart.
  for (let i = 0; i < stream.length;) {
    const n = 7 + ((i * 31) % 53);
    res.write(stream.slice(i, i + n));
    i += n;
    await new Promise((r) => setTimeout(r, 1));
  }
  res.end();
}
