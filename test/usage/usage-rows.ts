// Usage rows as a replica writes them, for the store, report and invoice tests.
import { LATENCY_COLUMNS, type UsageRow } from '../../gateway/usage/usage-cell.ts';

export function usageRow(windowStart: string, fields: Partial<UsageRow> & { requests: number }): UsageRow {
  const latency = new Array<number>(LATENCY_COLUMNS.length).fill(0);
  latency[0] = fields.requests;
  return {
    windowStart: Date.parse(windowStart),
    application: 'shop/web',
    credential: 'main',
    product: 'shop/gold',
    plan: '',
    api: 'shop/pets',
    operation: '',
    environment: '',
    statusClass: '2xx',
    tool: '',
    model: '',
    billable: fields.requests,
    refused: 0,
    bytesIn: 0,
    bytesOut: 0,
    latencyMsSum: fields.requests * 5,
    latency,
    promptTokens: 0,
    completionTokens: 0,
    ...fields,
  };
}
