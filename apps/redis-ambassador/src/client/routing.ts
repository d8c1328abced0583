// Where a command goes: decided from its name and keys alone, before anything is sent.
// With one server, only "does it need a connection of its own?"; with several, which server
// holds its key, whether it is split across servers, or why it cannot be served.
import { BLOCKING, KEY_AT_2, NO_KEY, SAME_SERVER, SPLIT, type SplitKind, TRANSACTION, TUNNEL } from '../commands.js';
import type { ServerPool } from '../pool.js';
import type { Command } from '../resp/request-parser.js';
import type { Topology } from '../topology.js';

/**
 * Connection state on the server (a transaction, a blocking wait, a subscription) that other
 * clients must not share: the client gets a server connection of its own from this command on.
 */
export function needsOwnConnection(name: string, command: Command): boolean {
  return (
    TRANSACTION.has(name) ||
    BLOCKING.has(name) ||
    TUNNEL.has(name) ||
    (name.startsWith('XREAD') && command.args.some((a) => /^block$/i.test(a.toString('latin1'))))
  );
}

/** A command that cannot be served: the error the client gets, and the metric it counts under. */
export interface Refusal {
  refused: string;
  metric: 'sharded' | 'unavailable' | undefined;
}

/** A multi-key command across servers: the argument indices of the keys each server holds. */
export interface Split {
  kind: SplitKind;
  parts: Map<ServerPool, number[]>;
}

const NO_SERVER: Refusal = { refused: 'ERR no server available: every server is ejected', metric: 'unavailable' };

/** With several servers: the one server a command goes to, a split across servers, or a refusal. */
export function routeSharded(command: Command, name: string, topology: Topology): ServerPool | Split | Refusal {
  if (TRANSACTION.has(name) || BLOCKING.has(name) || TUNNEL.has(name) || NO_KEY.has(name) || command.argc < 2) {
    return {
      refused: `ERR ${name} is not supported when sharded across ${topology.pools.length} servers`,
      metric: 'sharded',
    };
  }
  const kind = SPLIT[name];
  if (kind) return split(kind, name, command.args, topology);
  const keysOf = SAME_SERVER[name];
  if (keysOf) {
    const pools = new Set(keysOf(command.args).map((k) => topology.forKey(k)));
    if (pools.size > 1) {
      return {
        refused: `ERR ${name} across keys on different servers is not supported when sharded; use a hash tag such as {user1}`,
        metric: 'sharded',
      };
    }
    const [pool] = pools;
    return pool ?? NO_SERVER;
  }
  const key = command.arg(KEY_AT_2.has(name) ? 2 : 1);
  if (!key) return { refused: `ERR ${name} needs a key`, metric: undefined };
  return topology.forKey(key) ?? NO_SERVER;
}

/** MGET, DEL, UNLINK, EXISTS, TOUCH and MSET: their keys grouped by server, as twemproxy does. */
function split(kind: SplitKind, name: string, args: Buffer[], topology: Topology): ServerPool | Split | Refusal {
  if (args.length < 2 || (kind === 'mset' && args.length % 2 === 0)) {
    return { refused: `ERR wrong number of arguments for '${name.toLowerCase()}' command`, metric: undefined };
  }
  const parts = new Map<ServerPool, number[]>();
  const step = kind === 'mset' ? 2 : 1;
  for (let i = 1; i < args.length; i += step) {
    const pool = topology.forKey(args[i] as Buffer);
    if (!pool) return NO_SERVER;
    const indices = parts.get(pool) ?? [];
    indices.push(i);
    parts.set(pool, indices);
  }
  // All on one server: sent whole, as any other command.
  if (parts.size === 1) return [...parts.keys()][0] as ServerPool;
  return { kind, parts };
}
