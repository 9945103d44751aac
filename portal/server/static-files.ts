import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Everything the portal serves from disk, by URL path: its own files and Swagger UI's, no CDN. Each is read at its first request. */
export function staticFiles(): Map<string, { body: Buffer; type: string }> {
  const own = join(import.meta.dirname, '../static');
  const swagger = dirname(require.resolve('swagger-ui-dist/package.json'));
  const files: Array<[string, string, string]> = [
    ['/static/portal.css', join(own, 'portal.css'), 'text/css; charset=utf-8'],
    ['/static/reference.js', join(own, 'reference.js'), 'text/javascript; charset=utf-8'],
    ['/static/reference.css', join(own, 'reference.css'), 'text/css; charset=utf-8'],
    ['/static/swagger-ui/swagger-ui-bundle.js', join(swagger, 'swagger-ui-bundle.js'), 'text/javascript; charset=utf-8'],
    ['/static/swagger-ui/swagger-ui.css', join(swagger, 'swagger-ui.css'), 'text/css; charset=utf-8'],
  ];
  return new Map(
    files.map(([path, file, type]) => {
      let body: Buffer | undefined;
      return [
        path,
        {
          get body() {
            return (body ??= readFileSync(file));
          },
          type,
        },
      ];
    }),
  );
}
