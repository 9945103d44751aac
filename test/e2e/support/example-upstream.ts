// The example backend on a free loopback port, as the upstream of the hello estate.
import type { Server } from 'node:http';
import { startExampleBackend } from '../../../dev/example-backend.ts';

export type ExampleUpstream = { server: Server; url: string };

export async function startExampleUpstream(): Promise<ExampleUpstream> {
  const server = await startExampleBackend(0);
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}
