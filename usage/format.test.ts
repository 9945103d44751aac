import { describe, expect, it } from 'vitest';
import { formatRows, money } from './format.ts';

describe('formatRows', () => {
  const rows = [
    { application: 'shop/web', requests: 1200 },
    { application: '=cmd|"/c calc"!A1, x', requests: 5 },
  ];

  it('writes CSV with quoting, and a leading = as text so a spreadsheet never runs it', () => {
    expect(formatRows(['application', 'requests'], rows, 'csv')).toBe('application,requests\r\nshop/web,1200\r\n"\'=cmd|""/c calc""!A1, x",5\r\n');
  });

  it('aligns a table, numbers to the right', () => {
    expect(formatRows(['application', 'requests'], [rows[0]!, { application: 'b', requests: 5 }], 'table')).toBe(
      'APPLICATION  REQUESTS\nshop/web         1200\nb                   5\n',
    );
  });

  it('writes JSON as the rows', () => {
    expect(JSON.parse(formatRows(['application'], rows, 'json'))).toEqual(rows);
  });
});

describe('money', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [1234, '12.34'],
    [-250, '-2.50'],
  ])('%i cents is %s', (cents, text) => {
    expect(money(cents)).toBe(text);
  });
});
