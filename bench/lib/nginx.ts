// nginx from Debian serving a folder, with one worker: the same single core a Node process uses.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir, waitFor } from '@pod-patterns/testing';

export function haveNginx(): boolean {
  return spawnSync('nginx', ['-v']).error === undefined;
}

export async function startNginx(root: string): Promise<{ port: number; workerPid: number; stop(): void }> {
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
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { expires 60s; }
  }
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
