// A static file server on 127.0.0.1 for the built site, shared by the
// browser tests and the designer benchmark.
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const mimeTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.json': 'application/json',
  '.log': 'text/plain; charset=utf-8',
};

/// Serves `dir` on a free port of 127.0.0.1: { server, origin, mount }.
/// mount(prefix, other) serves folder `other` under /prefix/ as well.
export async function serve(dir) {
  const mounts = new Map();
  const server = http.createServer(async (request, response) => {
    try {
      const { pathname } = new URL(request.url, 'http://127.0.0.1');
      let name = pathname === '/' ? '/index.html' : decodeURIComponent(pathname);
      let base = dir;
      for (const [prefix, other] of mounts) {
        if (name.startsWith(`/${prefix}/`)) {
          base = other;
          name = name.slice(prefix.length + 1);
          break;
        }
      }
      const file = path.join(base, path.normalize(name));
      if (request.method !== 'GET' || !file.startsWith(base + path.sep)) throw new Error();
      const body = await fs.readFile(file);
      const type = mimeTypes[path.extname(file)] ?? 'application/octet-stream';
      response.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const mount = (prefix, other) => mounts.set(prefix, path.resolve(other));
  return { server, origin: `http://127.0.0.1:${server.address().port}`, mount };
}
