// The upstream every benchmark target forwards to: the seed's hello API.
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const body = JSON.stringify({ hello: 'world' });
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ ready: true, port: (server.address() as { port: number }).port })));
