// A git server over smart HTTP: `git http-backend` (the CGI program that ships with git) behind a
// node:http server, with basic auth when asked and a count of the body bytes it sent.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpServer {
  url: string;
  close(): Promise<void>;
  /** Requests that carried wrong credentials. */
  failedAuth(): number;
  /** Response body bytes sent so far (the packs a client fetched, mostly). */
  bytesSent(): number;
}

export async function startGitHttp(
  projectRoot: string,
  auth?: { username: string; password: () => string },
): Promise<GitHttpServer> {
  let failedAuth = 0;
  let bytesSent = 0;
  const server: Server = createServer((req, res) => {
    if (auth) {
      const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password()}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        if (req.headers.authorization) failedAuth += 1;
        res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
        return;
      }
    }
    const url = new URL(req.url ?? '/', 'http://git');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: auth?.username ?? '',
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        bytesSent += chunk.length;
        return void res.write(chunk);
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const [name, ...rest] = line.split(':');
        const value = rest.join(':').trim();
        if (name?.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else if (name) res.setHeader(name, value);
      }
      res.writeHead(status);
      bytesSent += head.length - end - 4;
      res.write(head.subarray(end + 4));
    });
    cgi.stdout.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failedAuth: () => failedAuth,
    bytesSent: () => bytesSent,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
