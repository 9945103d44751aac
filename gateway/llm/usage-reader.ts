import { StringDecoder } from 'node:string_decoder';
import type { Llm } from '../snapshot/types.ts';

/** Tokens one LLM response used, as its provider reported them (or estimated, when it reported none). */
export interface TokenUsage {
  prompt: number;
  completion: number;
  total: number;
  model?: string;
  /** No usage field was seen: the completion is estimated from the text streamed (4 characters a token), the prompt is 0. */
  estimated?: boolean;
}

/** A JSON body larger than this is not kept for its usage field (LLM answers are far smaller). */
const MAX_JSON_BYTES = 8 * 1024 * 1024;
/** One server-sent-event line longer than this is skipped rather than held. */
const MAX_LINE_CHARS = 1024 * 1024;

interface Seen {
  prompt?: number;
  completion?: number;
  total?: number;
  model?: string;
  /** Characters of generated text streamed, for the estimate when no usage is reported. */
  chars: number;
}

type Json = Record<string, unknown>;

/**
 * Reads the token usage out of an LLM response as its bytes go by, without holding
 * up or changing them: a JSON body is kept (bounded) and parsed at the end; a
 * `text/event-stream` is parsed event by event, keeping only the last usage each
 * provider reports (OpenAI's final chunk with `stream_options.include_usage`, the
 * Responses API's `response.completed`, Anthropic's `message_start` and cumulative
 * `message_delta`).
 */
export class UsageReader {
  readonly #provider: Llm['provider'];
  readonly #stream: boolean;
  readonly #seen: Seen = { chars: 0 };
  readonly #decoder = new StringDecoder('utf8');
  #json: Buffer[] | undefined = [];
  #jsonBytes = 0;
  #line = '';
  #skippingLine = false;

  constructor(provider: Llm['provider'], contentType: string | undefined) {
    this.#provider = provider;
    this.#stream = (contentType ?? '').toLowerCase().includes('text/event-stream');
  }

  push(chunk: Buffer): void {
    if (!this.#stream) {
      if (this.#json === undefined) return;
      this.#jsonBytes += chunk.length;
      if (this.#jsonBytes > MAX_JSON_BYTES) this.#json = undefined;
      else this.#json.push(chunk);
      return;
    }
    this.#lines(this.#decoder.write(chunk));
  }

  /** The usage once the response has ended (or was cut: what was streamed until then). */
  finish(): TokenUsage {
    if (this.#stream) this.#lines(this.#decoder.end() + '\n');
    else if (this.#json !== undefined) {
      const body = parse(Buffer.concat(this.#json).toString('utf8'));
      if (body) this.#apply(body);
    }
    return usageOf(this.#seen);
  }

  #lines(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (this.#skippingLine) {
        this.#skippingLine = false;
        this.#line = '';
        continue;
      }
      this.#event((this.#line + piece).replace(/\r$/, ''));
      this.#line = '';
    }
    if (this.#skippingLine) return;
    this.#line += text.slice(start);
    if (this.#line.length > MAX_LINE_CHARS) {
      this.#line = '';
      this.#skippingLine = true;
    }
  }

  #event(line: string): void {
    if (!line.startsWith('data:')) return;
    const data = line.slice(5).trim();
    if (data === '' || data === '[DONE]') return;
    const body = parse(data);
    if (body) this.#apply(body);
  }

  #apply(body: Json): void {
    if (this.#provider === 'anthropic') applyAnthropic(body, this.#seen);
    else applyOpenAi(body, this.#seen);
  }
}

function parse(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** A token count as a provider sends it: a non-negative integer, anything else ignored. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function applyOpenAi(body: Json, seen: Seen): void {
  // The Responses API wraps the final response (and its usage) in `response.completed`.
  const response = obj(body['response']) ?? body;
  if (typeof response['model'] === 'string') seen.model = response['model'];
  const usage = obj(response['usage']);
  if (usage) {
    const prompt = count(usage['prompt_tokens']) ?? count(usage['input_tokens']);
    const completion = count(usage['completion_tokens']) ?? count(usage['output_tokens']);
    if (prompt !== undefined) seen.prompt = prompt;
    if (completion !== undefined) seen.completion = completion;
    const total = count(usage['total_tokens']);
    if (total !== undefined) seen.total = total;
  }
  const choices = body['choices'];
  if (Array.isArray(choices)) {
    for (const choice of choices) {
      const delta = obj(obj(choice)?.['delta']);
      if (typeof delta?.['content'] === 'string') seen.chars += delta['content'].length;
    }
  }
  if (body['type'] === 'response.output_text.delta' && typeof body['delta'] === 'string') seen.chars += body['delta'].length;
}

function applyAnthropic(body: Json, seen: Seen): void {
  const message = obj(body['message']) ?? body;
  if (typeof message['model'] === 'string') seen.model = message['model'];
  const usage = obj(message['usage']) ?? obj(body['usage']);
  if (usage) {
    // Cached prompt tokens are prompt tokens too: they are billed, at their own price.
    const input = count(usage['input_tokens']);
    const cached = (count(usage['cache_creation_input_tokens']) ?? 0) + (count(usage['cache_read_input_tokens']) ?? 0);
    if (input !== undefined) seen.prompt = Math.max(seen.prompt ?? 0, input + cached);
    // `message_delta` carries the cumulative output count: the last one is the answer's.
    const output = count(usage['output_tokens']);
    if (output !== undefined) seen.completion = output;
  }
  const delta = obj(body['delta']);
  if (body['type'] === 'content_block_delta' && typeof delta?.['text'] === 'string') seen.chars += delta['text'].length;
}

function usageOf(seen: Seen): TokenUsage {
  const model = seen.model !== undefined ? { model: seen.model } : {};
  if (seen.prompt === undefined && seen.completion === undefined && seen.total === undefined) {
    const completion = Math.ceil(seen.chars / 4);
    return { prompt: 0, completion, total: completion, estimated: true, ...model };
  }
  const prompt = seen.prompt ?? 0;
  const completion = seen.completion ?? 0;
  return { prompt, completion, total: seen.total ?? prompt + completion, ...model };
}
