// What the ambassador needs to know about each command: where its keys are, whether it can be
// split across servers, and whether it needs a connection of its own.

/**
 * How a multi-key command split across servers is merged, as twemproxy does: MGET's values put
 * back in key order, DEL's (and the others') counts summed, MSET's OK once every part said OK.
 */
export type SplitKind = 'mget' | 'sum' | 'mset';

/** Multi-key commands split across servers and merged. */
export const SPLIT: Record<string, SplitKind> = {
  MGET: 'mget',
  DEL: 'sum',
  UNLINK: 'sum',
  EXISTS: 'sum',
  TOUCH: 'sum',
  MSET: 'mset',
};

/** Commands whose keys must all live on one server; where the keys are in the arguments. */
export const SAME_SERVER: Record<string, (args: Buffer[]) => Buffer[]> = {
  RENAME: (a) => a.slice(1, 3),
  RENAMENX: (a) => a.slice(1, 3),
  COPY: (a) => a.slice(1, 3),
  SMOVE: (a) => a.slice(1, 3),
  RPOPLPUSH: (a) => a.slice(1, 3),
  LMOVE: (a) => a.slice(1, 3),
  SINTER: (a) => a.slice(1),
  SUNION: (a) => a.slice(1),
  SDIFF: (a) => a.slice(1),
  SINTERSTORE: (a) => a.slice(1),
  SUNIONSTORE: (a) => a.slice(1),
  SDIFFSTORE: (a) => a.slice(1),
  PFCOUNT: (a) => a.slice(1),
  PFMERGE: (a) => a.slice(1),
  MSETNX: (a) => a.filter((_, i) => i % 2 === 1),
  BITOP: (a) => a.slice(2),
  ZINTERSTORE: (a) => [a[1] as Buffer, ...a.slice(3, 3 + Number(a[2]?.toString() ?? 0))],
  ZUNIONSTORE: (a) => [a[1] as Buffer, ...a.slice(3, 3 + Number(a[2]?.toString() ?? 0))],
  ZDIFFSTORE: (a) => [a[1] as Buffer, ...a.slice(3, 3 + Number(a[2]?.toString() ?? 0))],
  EVAL: (a) => a.slice(3, 3 + Number(a[2]?.toString() ?? 0)),
  EVALSHA: (a) => a.slice(3, 3 + Number(a[2]?.toString() ?? 0)),
  EVAL_RO: (a) => a.slice(3, 3 + Number(a[2]?.toString() ?? 0)),
  EVALSHA_RO: (a) => a.slice(3, 3 + Number(a[2]?.toString() ?? 0)),
};

/** Subcommand-style commands whose key is the third argument (OBJECT ENCODING key). */
export const KEY_AT_2 = new Set(['OBJECT', 'MEMORY', 'XINFO']);

/** State that lives on a connection: the client gets a server connection of its own. */
export const TRANSACTION = new Set(['MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH']);
export const BLOCKING = new Set([
  'BLPOP',
  'BRPOP',
  'BRPOPLPUSH',
  'BLMOVE',
  'BLMPOP',
  'BZPOPMIN',
  'BZPOPMAX',
  'BZMPOP',
  'WAIT',
  'WAITAOF',
]);
/**
 * Commands whose replies are not one per command: SUBSCRIBE a b answers twice, UNSUBSCRIBE
 * answers once per channel (or once with none), MONITOR streams. They can never share a
 * server connection; a client that sends one is tunnelled from then on: its bytes go to a
 * connection of its own as they are, and the server's come back as they are.
 */
export const TUNNEL = new Set([
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'SSUBSCRIBE',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
  'MONITOR',
]);

/**
 * Refused whatever the deny list says. A replication stream (SYNC, PSYNC, REPLCONF) is no reply
 * at all, and would stream every key. ACL reads the backend's password hashes and can rewrite
 * its users (`ACL SETUSER default nopass`): the ambassador's clients never manage the server.
 */
export const UNSUPPORTED = new Set(['SYNC', 'PSYNC', 'REPLCONF', 'ACL']);

/**
 * Scripts run any command inside the server, where no deny list reaches: `EVAL "return
 * redis.call('FLUSHALL')" 0` would empty the database. So scripting is refused unless
 * AMBASSADOR_ALLOW_SCRIPTING says the app's scripts are trusted.
 */
export const SCRIPTING = ['EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'SCRIPT', 'FUNCTION', 'FCALL', 'FCALL_RO'];

/** The error for a refused command, with the switch that would allow it where there is one. */
export function refusal(name: string): string {
  const why = SCRIPTING.includes(name) ? ' (scripting is off; see AMBASSADOR_ALLOW_SCRIPTING)' : '';
  return `ERR ${name} is not allowed through the ambassador${why}`;
}

/**
 * Outside a tunnel the ambassador answers these itself; inside one they would reach the server
 * unchecked, where CLIENT KILL cuts the shared connection, SELECT and HELLO 3 change what the
 * tunnel carries, and AUTH and RESET change who the connection is. So a tunnelled client that
 * sends one is disconnected, as for a denied command. The CLIENT subcommands answered here
 * outside a tunnel only name or silence the connection, and go on to the server; so do PING,
 * ECHO, QUIT and COMMAND, which Redis answers in subscribe mode too.
 */
export function refusedInTunnel(name: string, command: { arg(i: number): Buffer | undefined }): boolean {
  if (name === 'CLIENT') return !CLIENT_HARMLESS.has(command.arg(1)?.toString('latin1').toUpperCase() ?? '');
  return name === 'SELECT' || name === 'HELLO' || name === 'AUTH' || name === 'RESET';
}
const CLIENT_HARMLESS = new Set(['REPLY', 'SETNAME', 'GETNAME', 'SETINFO', 'ID']);

/** SCRIPT KILL and FUNCTION KILL must not queue behind the script they kill. */
export function isKill(name: string, command: { arg(i: number): Buffer | undefined }): boolean {
  return (name === 'SCRIPT' || name === 'FUNCTION') && /^kill$/i.test(command.arg(1)?.toString('latin1') ?? '');
}

/** No key and no meaning across shards: refused when sharded. */
export const NO_KEY = new Set([
  'KEYS',
  'SCAN',
  'RANDOMKEY',
  'DBSIZE',
  'FLUSHALL',
  'FLUSHDB',
  'SCRIPT',
  'FUNCTION',
  'FCALL',
  'FCALL_RO',
  'PUBLISH',
  'SPUBLISH',
  'PUBSUB',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
  'SWAPDB',
  'MOVE',
  'TIME',
  'LASTSAVE',
  'SAVE',
  'BGSAVE',
  'BGREWRITEAOF',
  'CLUSTER',
  'READONLY',
  'READWRITE',
  'ROLE',
  'SLOWLOG',
  'LATENCY',
  'MONITOR',
  'SYNC',
  'PSYNC',
  'RESET',
  'ACL',
  'LOLWUT',
  'XREAD',
  'XREADGROUP',
]);
