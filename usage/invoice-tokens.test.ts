import { describe, expect, it } from 'vitest';
import { lineFor, tokenCents } from './invoice.ts';

describe('plans that price LLM tokens', () => {
  it.each([
    { tokens: { prompt: 2_000_000, completion: 1_000_000 }, price: { promptPer1M: 0.5, completionPer1M: 1.5 }, cents: 250 },
    { tokens: { prompt: 1, completion: 0 }, price: { promptPer1M: 3 }, cents: 0 },
    // 12,345 x 2.5 / 1e6 EUR = 0.0308625 EUR: 3.08625 cents, rounded to 3.
    { tokens: { prompt: 12_345, completion: 0 }, price: { promptPer1M: 2.5 }, cents: 3 },
    // 200,000 x 15 / 1e6 = 3 EUR exactly.
    { tokens: { prompt: 0, completion: 200_000 }, price: { completionPer1M: 15 }, cents: 300 },
  ])('$tokens at $price costs $cents cents', ({ tokens, price, cents }) => {
    expect(tokenCents(tokens, price)).toBe(cents);
  });

  it('adds the token charge to the line, beside the fee and the calls', () => {
    const line = lineFor(
      'ai/bot',
      'ai/chat',
      'gold',
      30,
      30,
      10,
      { currency: 'EUR', monthlyFee: 10, tokens: { promptPer1M: 1, completionPer1M: 2 } },
      { prompt: 3_000_000, completion: 500_000 },
    );
    expect(line).toMatchObject({ feeCents: 1000, promptTokens: 3_000_000, completionTokens: 500_000, tokenCents: 400, totalCents: 1400 });
  });

  it('leaves a line of a plan without token prices as it was', () => {
    const line = lineFor('ai/bot', 'ai/chat', 'gold', 30, 30, 10, { currency: 'EUR', monthlyFee: 10 }, { prompt: 3_000_000, completion: 0 });
    expect(line).not.toHaveProperty('tokenCents');
    expect(line.totalCents).toBe(1000);
  });
});
