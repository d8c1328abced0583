// The server list, in twemproxy's form: `host:port:weight [name]`. A server's name is what the
// ketama ring hashes; without one it is `host:port`, as in twemproxy.
import { readFileSync } from 'node:fs';

export interface ServerSpec {
  host: string;
  port: number;
  weight: number;
  name: string;
}

export function parseServers(text: string): ServerSpec[] {
  const problems: string[] = [];
  const servers = text
    .split(/[,\n]/)
    .map((entry) => entry.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(\S+?):(\d{1,5}):(\d+)(?:\s+(\S+))?$/.exec(entry);
      if (!match || Number(match[2]) > 65535 || Number(match[3]) < 1) {
        problems.push(`"${entry}" is not host:port:weight [name]`);
        return undefined;
      }
      const host = match[1] as string;
      const port = Number(match[2]);
      return { host, port, weight: Number(match[3]), name: match[4] ?? `${host}:${port}` };
    })
    .filter((s): s is ServerSpec => s !== undefined);
  if (servers.length === 0 && problems.length === 0) problems.push('no servers');
  const names = servers.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) problems.push(`two servers are named ${duplicate}`);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return servers;
}

export function loadServers(inline: string | undefined, file: string | undefined): ServerSpec[] {
  if (inline && file) throw new Error('set REDIS_SERVERS or REDIS_SERVERS_FILE, not both');
  if (file) return parseServers(readFileSync(file, 'utf8'));
  if (inline) return parseServers(inline);
  throw new Error('no servers: set REDIS_SERVERS or REDIS_SERVERS_FILE');
}
