// nginx from Debian, with one worker (the same single core a Node process uses): serving a folder,
// or as a reverse proxy to a local upstream.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir, waitFor } from '@pod-patterns/testing';

export function haveNginx(): boolean {
  return spawnSync('nginx', ['-v']).error === undefined;
}

export interface Nginx {
  port: number;
  workerPid: number;
  stop(): void;
}

/** nginx serving the files of `root`. */
export function startNginx(root: string): Promise<Nginx> {
  return startNginxWith(
    (port) => `server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { expires 60s; }
  }`,
  );
}

/** nginx as a reverse proxy to 127.0.0.1:`upstreamPort`, with pooled keep-alive connections. */
export function startNginxProxy(upstreamPort: number): Promise<Nginx> {
  return startNginxWith(
    (port) => `upstream api { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }`,
  );
}

async function startNginxWith(serverBlock: (port: number) => string): Promise<Nginx> {
  const prefix = tempDir('bench-nginx-');
  chmodSync(prefix, 0o755);
  const port = await freePort();
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log stderr error;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  etag on;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  ${serverBlock(port)}
}
`,
  );
  const child: ChildProcess = spawn('nginx', ['-p', prefix, '-c', conf, '-e', 'stderr'], { stdio: 'inherit' });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, 5000, 'nginx');
  // worker_processes 1: the master's one child does all the serving.
  const pid = child.pid as number;
  const workerPid = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]);
  return { port, workerPid, stop: () => child.kill('SIGQUIT') };
}
