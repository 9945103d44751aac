import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 to a Redis port that holds every chunk Redis sends back for
 * `replyDelayMs` (in order): a far or slow Redis whose every round trip takes that long,
 * so a test can tell one round of requests from several in a row.
 */
export interface SlowLink {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startSlowLink(targetPort: number, replyDelayMs: number): Promise<SlowLink> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => {
        sockets.delete(s);
        (s === client ? upstream : client).destroy();
      });
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
      }, replyDelayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
