import { describe, expect, it } from 'vitest';
import { parseTimestamp } from './order.ts';

describe('parseTimestamp reads every timestamp as Date.parse does', () => {
  it.each([
    '2025-01-01T00:00:00Z',
    '2025-06-15T13:45:59Z',
    '1970-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2024-02-29T12:00:00Z',
    // Days a month lacks, hour 24, second 60, month 13: the general parser's call.
    '2025-02-29T00:00:00Z',
    '2025-02-31T00:00:00Z',
    '2025-04-31T00:00:00Z',
    '2025-01-01T24:00:00Z',
    '2025-01-01T23:59:60Z',
    '2025-13-01T00:00:00Z',
    '2025-00-10T00:00:00Z',
    '2025-01-00T00:00:00Z',
    '1969-12-31T23:59:59Z',
    '0099-01-01T00:00:00Z',
    // Other forms and non-timestamps.
    '2025-01-01T00:00:00.123Z',
    '2025-01-01T00:00:00+02:00',
    '2025-01-01 00:00:00Z',
    '2025-01-01T00:00:0xZ',
    '2025-0a-01T00:00:00Z',
    '-025-01-01T00:00:00Z',
    '2025-01-01',
    'yesterday',
    '',
  ])('%j', (t) => {
    expect(parseTimestamp(t)).toBe(Date.parse(t));
  });
});
