import { describe, expect, it } from 'vitest';
import { lazyWriter, type UsageWriter } from './usage-writer.ts';

function store(): { opens: number; fail: boolean; written: number; closed: number; open: () => Promise<UsageWriter> } {
  const s = {
    opens: 0,
    fail: false,
    written: 0,
    closed: 0,
    open: async (): Promise<UsageWriter> => {
      s.opens++;
      if (s.fail) throw new Error('cannot open');
      return { write: async (rows) => void (s.written += rows.length), close: async () => void s.closed++ };
    },
  };
  return s;
}

describe('lazyWriter', () => {
  it('opens the store once, at the first write or when prepared, and closes what it opened', async () => {
    const s = store();
    const writer = lazyWriter(s.open);
    expect(s.opens).toBe(0);
    writer.prepare();
    await writer.write([]);
    await writer.write([]);
    expect(s.opens).toBe(1);
    await writer.close();
    expect(s.closed).toBe(1);
  });

  it('fails a write while the store will not open, and opens it at a later write', async () => {
    const s = store();
    s.fail = true;
    const writer = lazyWriter(s.open);
    await expect(writer.write([])).rejects.toThrow('cannot open');
    s.fail = false;
    await writer.write([]);
    expect(s.opens).toBe(2);
  });

  it('never opens after close: a late prepare does not leak a store', async () => {
    const s = store();
    const writer = lazyWriter(s.open);
    await writer.close();
    writer.prepare();
    await expect(writer.write([])).rejects.toThrow('closed');
    expect(s.opens).toBe(0);
  });
});
