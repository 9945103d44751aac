// The reference the gateway is measured against: http-proxy-3 alone, over the same keep-alive agent settings.
import http from 'node:http';
import { createProxyServer } from 'http-proxy-3';

const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 1_000, maxFreeSockets: 256, scheduling: 'lifo' });
const proxy = createProxyServer({ target: upstream, agent, xfwd: true, changeOrigin: true });
proxy.on('error', (_err, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502).end();
});
const server = http.createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 65_000;
process.once('SIGTERM', () => process.exit(0));
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ ready: true, port })));
