// A second forwarding core measured beside http-proxy-3: node:http server, undici
// Pool client, bytes passed through the dispatcher's handler callbacks.
import http from 'node:http';
import { Pool } from 'undici';

const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const pool = new Pool(upstream, { connections: 256, keepAliveTimeout: 60_000 });
const host = new URL(upstream).host;

const server = http.createServer((req, res) => {
  const headers: Record<string, string | string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'host' || name === 'connection' || name === 'keep-alive') continue;
    headers[name] = raw[i + 1]!;
  }
  headers.host = host;
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.dispatch(
    { path: req.url!, method: req.method as 'GET', headers, body: hasBody ? req : null },
    {
      onRequestStart() {},
      onResponseStart(_c, status, h) {
        const out: Record<string, string | string[]> = {};
        for (const k in h) if (k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding') out[k] = h[k] as string;
        res.writeHead(status, out);
      },
      onResponseData(c, chunk) {
        if (!res.write(chunk)) {
          // A client gone mid-response never drains: without the abort its upstream connection
          // stays paused for good, and enough of those (clients cut by wrk's end) fill the pool.
          if (res.destroyed) return c.abort(new Error('client closed'));
          c.pause();
          res.once('drain', () => c.resume());
          res.once('close', () => c.abort(new Error('client closed')));
        }
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError(_c, err) {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy(err);
      },
    },
  );
});
server.keepAliveTimeout = 65_000;
process.once('SIGTERM', () => process.exit(0));
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ ready: true, port })));
