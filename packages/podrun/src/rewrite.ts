// A container sees absolute paths and its pod's own addresses; on this machine those are
// folders under podrun's temp dir and the pod's loopback address. Every env value and argument
// is rewritten the same way:
//   - a value that starts with a mount path (or `file://` or `--flag=` and one) gets the folder
//     that mount maps to;
//   - 127.0.0.1, localhost and 0.0.0.0 become the pod's address: the containers of a pod share
//     one network namespace, and this is it;
//   - `--host NAME:PORT=ADDR:PORT` sends a Service's name and port (bare, or in a URL, where the
//     scheme's default port counts) to a local address; this one also applies to the text of
//     ConfigMaps and Secrets written to volumes (the ambassador's server list names Services).

export interface PathMapping {
  /** Absolute, as the container sees it. */
  containerPath: string;
  localPath: string;
}

export interface HostMapping {
  name: string;
  port: number;
  address: string;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, git: 9418, redis: 6379, ssh: 22 };
const LOOPBACK = /(?<![\w.-])(127\.0\.0\.1|localhost|0\.0\.0\.0)(?![\w-]|\.\d)/g;

/** `--host config-api:80=127.0.0.1:8081` */
export function parseHostMapping(text: string): HostMapping {
  const match = /^([a-z0-9]([a-z0-9.-]*[a-z0-9])?):(\d+)=([^=\s]+:\d+)$/i.exec(text);
  if (!match) throw new Error(`--host ${text}: expected NAME:PORT=ADDR:PORT, for example config-api:80=127.0.0.1:8081`);
  return { name: match[1] as string, port: Number(match[3]), address: match[4] as string };
}

export class Rewriter {
  readonly #paths: PathMapping[];

  constructor(
    paths: PathMapping[],
    readonly podAddress: string,
    readonly hosts: HostMapping[] = [],
  ) {
    // Longest first, so /content/site wins over /content.
    this.#paths = [...paths].sort((a, b) => b.containerPath.length - a.containerPath.length);
  }

  /** The local path of an absolute container path, or undefined when no mount covers it. */
  path(containerPath: string): string | undefined {
    for (const { containerPath: mount, localPath } of this.#paths) {
      if (containerPath === mount) return localPath;
      if (containerPath.startsWith(mount.endsWith('/') ? mount : `${mount}/`))
        return localPath + containerPath.slice(mount.length);
    }
    return undefined;
  }

  value(text: string): string {
    const prefixed = /^(file:\/\/|--[\w-]+=)?(\/.*)$/.exec(text);
    let out = text;
    if (prefixed) {
      const local = this.path(prefixed[2] as string);
      if (local !== undefined) out = (prefixed[1] ?? '') + local;
    }
    return this.services(out.replace(LOOPBACK, this.podAddress));
  }

  /** Only the Service rule: for the text of ConfigMaps and Secrets (the ambassador's server list). */
  services(text: string): string {
    let out = text;
    for (const host of this.hosts) {
      const name = host.name.replaceAll('.', '\\.');
      // In a URL: scheme://name[:port], where no port means the scheme's default.
      out = out.replace(
        new RegExp(`\\b([a-z][a-z0-9+.-]*)://${name}(?::(\\d+))?(?![\\w.-])`, 'gi'),
        (whole, scheme, port) => {
          const effective = port ? Number(port) : DEFAULT_PORTS[scheme.toLowerCase()];
          return effective === host.port ? `${scheme}://${host.address}` : whole;
        },
      );
      out = out.replace(new RegExp(`(?<![\\w.-])${name}:${host.port}(?!\\d)`, 'g'), host.address);
    }
    return out;
  }
}
