// The example backend behind examples/ (`tollgate dev --with-example-backend`): what the seeds' APIs answer.
// WSO2's HelloWorld returns {"hello":"world"}; Apigee's forecastrss a forecast;
// anything else echoes what the gateway forwarded (handy to see identity headers).
import http from 'node:http';

export function startExampleBackend(port: number, host = '127.0.0.1'): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    let body: unknown;
    if (path === '/' || path === '') body = { hello: 'world' };
    else if (path === '/forecastrss') body = { location: 'Sunnyvale, CA', forecast: [{ day: 'Mon', high: 21, low: 11, text: 'Sunny' }] };
    // The weather API of examples/weather-mcp: what its MCP tools answer.
    else if (path.startsWith('/current/')) body = { city: decodeURIComponent(path.slice('/current/'.length)), temperatureC: 14, text: 'Rain' };
    else if (path.startsWith('/forecast/'))
      body = { city: decodeURIComponent(path.slice('/forecast/'.length)), tomorrow: { high: 16, low: 9, text: 'Showers' } };
    else
      body = {
        method: req.method,
        path: req.url,
        application: req.headers['x-tollgate-application'],
        product: req.headers['x-tollgate-product'],
        plan: req.headers['x-tollgate-plan'],
        // Set only by APIs whose policies say so (examples/policies): absent fields are left out.
        caller: req.headers['x-caller'],
        backendUser: basicUser(req.headers.authorization),
      };
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), server: 'example-backend' });
    res.end(text);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** The user name of Basic credentials the gateway presented (never the password). */
function basicUser(authorization: string | undefined): string | undefined {
  if (!authorization?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(authorization.slice(6), 'base64').toString();
  return decoded.slice(0, Math.max(0, decoded.indexOf(':')));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 8081);
  await startExampleBackend(port);
  console.log(`example backend on http://127.0.0.1:${port}`);
}
