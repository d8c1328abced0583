// The command sequences the differential test sends: random, from a grammar of what the ambassador
// supports, over a key space small enough that commands collide (wrong types included). fast-check
// generates and shrinks the raw choices; `materialize` turns them into the commands each client
// sends and the number of replies each client then waits for, from a model of the client's state
// (in MULTI, subscribed to which channels), so that every run is in lockstep and comparable byte
// for byte.
import fc from 'fast-check';

export type Command = string[];
/** Commands that are sent back to back, such as CLIENT REPLY OFF, a command, CLIENT REPLY ON. */
type Unit = Command[];
const PING: Command = ['PING'];
export interface Step {
  client: number;
  /** Pipelined: written in one write. */
  units: Unit[];
}
export interface Scenario {
  clients: number;
  steps: Step[];
}
export type Mode = 'single' | 'sharded';

const CHANNELS = ['ch1', 'ch2'];
const VALUES = ['1', '7', '-3', 'x', 'hello', '3.5'];
/**
 * One server: four keys every command may hit. Sharded: two hash tags, two keys each; with the
 * servers named s0 and s1, ketama puts {a} on s0 and {t1} on s1 (the test checks it).
 */
export const TAGS = ['{a}', '{t1}'];
export const KEYS: Record<Mode, string[]> = {
  single: ['a', 'b', 'c', 'd'],
  sharded: TAGS.flatMap((tag) => [`${tag}x`, `${tag}y`]),
};

const value = fc.constantFrom(...VALUES);
const count = fc.constantFrom('1', '2', '-1', '0');
const channel = fc.constantFrom(...CHANNELS);
const end = fc.constantFrom('LEFT', 'RIGHT');

/** Commands on one key, or on several keys that a sharded ambassador splits (MGET, DEL, ...). */
function keyed(key: fc.Arbitrary<string>): fc.Arbitrary<Command>[] {
  const k = key;
  return [
    // strings and expiry
    fc.tuple(k, value).map(([a, v]) => ['SET', a, v]),
    fc.tuple(k, value).map(([a, v]) => ['SET', a, v, 'EX', '100']),
    fc.tuple(k, value).map(([a, v]) => ['SET', a, v, 'NX', 'XX']), // syntax error
    k.map((a) => ['GET', a]),
    k.map((a) => ['INCR', a]),
    fc.tuple(k, count).map(([a, n]) => ['INCRBY', a, n]),
    fc.tuple(k, value).map(([a, v]) => ['APPEND', a, v]),
    k.map((a) => ['GETDEL', a]),
    fc.tuple(k, fc.constantFrom(['EX', '100'], ['PERSIST'])).map(([a, o]) => ['GETEX', a, ...o]),
    k.map((a) => ['STRLEN', a]),
    fc.tuple(k, fc.constantFrom('100', '0')).map(([a, s]) => ['EXPIRE', a, s]),
    k.map((a) => ['PERSIST', a]),
    k.map((a) => ['TTL', a]),
    k.map((a) => ['TYPE', a]),
    fc.tuple(k, k).map(([a, b]) => ['MGET', a, b]),
    fc.tuple(k, value, k, value).map(([a, v, b, w]) => ['MSET', a, v, b, w]),
    fc.tuple(k, k).map(([a, b]) => ['DEL', a, b]),
    fc.tuple(k, k).map(([a, b]) => ['EXISTS', a, b]),
    // hashes
    fc.tuple(k, fc.constantFrom('f', 'g'), value).map(([a, f, v]) => ['HSET', a, f, v]),
    fc.tuple(k, fc.constantFrom('f', 'g')).map(([a, f]) => ['HGET', a, f]),
    fc.tuple(k, fc.constantFrom('f', 'g')).map(([a, f]) => ['HDEL', a, f]),
    fc.tuple(k, fc.constantFrom('f', 'g'), count).map(([a, f, n]) => ['HINCRBY', a, f, n]),
    k.map((a) => ['HGETALL', a]),
    k.map((a) => ['HLEN', a]),
    // lists
    fc.tuple(fc.constantFrom('LPUSH', 'RPUSH'), k, value, value).map(([c, a, v, w]) => [c, a, v, w]),
    fc.tuple(fc.constantFrom('LPOP', 'RPOP'), k).map(([c, a]) => [c, a]),
    fc.tuple(k, count).map(([a, n]) => ['RPOP', a, n.replace('-', '')]),
    k.map((a) => ['LRANGE', a, '0', '-1']),
    k.map((a) => ['LLEN', a]),
    // sets (not SMEMBERS, SPOP or SRANDMEMBER: their order depends on each server's random hash seed)
    fc.tuple(k, value, value).map(([a, v, w]) => ['SADD', a, v, w]),
    fc.tuple(k, value).map(([a, v]) => ['SREM', a, v]),
    k.map((a) => ['SCARD', a]),
    fc.tuple(k, value).map(([a, v]) => ['SISMEMBER', a, v]),
    // sorted sets
    fc.tuple(k, count, value).map(([a, s, m]) => ['ZADD', a, s, m]),
    fc.tuple(k, count, value).map(([a, s, m]) => ['ZINCRBY', a, s, m]),
    k.map((a) => ['ZRANGE', a, '0', '-1', 'WITHSCORES']),
    fc.tuple(k, value).map(([a, m]) => ['ZSCORE', a, m]),
    k.map((a) => ['ZPOPMIN', a]),
    k.map((a) => ['ZCARD', a]),
    // errors
    k.map((a) => ['SET', a]), // wrong arity, with a key
    k.map((a) => ['NOSUCHCOMMAND', a]),
  ];
}

/** Commands whose keys must share a server: sharded, their keys share a hash tag. */
function together(pair: fc.Arbitrary<[string, string]>): fc.Arbitrary<Command>[] {
  return [
    pair.map(([a, b]) => ['RENAME', a, b]),
    fc.tuple(pair, end, end).map(([[a, b], x, y]) => ['LMOVE', a, b, x, y]),
    fc.tuple(pair, value).map(([[a, b], v]) => ['SMOVE', a, b, v]),
  ];
}

/** Only through one server: transactions, blocking pops, pub/sub, keyless commands. */
function singleOnly(key: fc.Arbitrary<string>): fc.Arbitrary<Command>[] {
  return [
    fc.constant(['MULTI']),
    fc.constant(['EXEC']),
    fc.constant(['DISCARD']),
    key.map((a) => ['WATCH', a]),
    fc.constant(['UNWATCH']),
    fc.tuple(key, key).map(([a, b]) => ['BLPOP', a, b, '0.01']),
    key.map((a) => ['BRPOP', a, '0.01']),
    fc.tuple(key, key, end, end).map(([a, b, x, y]) => ['BLMOVE', a, b, x, y, '0.01']),
    key.map((a) => ['BZPOPMIN', a, '0.01']),
    fc.uniqueArray(channel, { minLength: 1, maxLength: 2 }).map((chs) => ['SUBSCRIBE', ...chs]),
    fc.uniqueArray(channel, { minLength: 1, maxLength: 2 }).map((chs) => ['UNSUBSCRIBE', ...chs]),
    fc.tuple(channel, value).map(([c, v]) => ['PUBLISH', c, v]),
    fc.constant(['DBSIZE']),
    fc.constant(['GET']), // wrong arity without a key: sharded, that is a keyless command
  ];
}

function unit(mode: Mode): fc.Arbitrary<Unit> {
  const keys = KEYS[mode];
  const key = fc.constantFrom(...keys);
  const pair: fc.Arbitrary<[string, string]> =
    mode === 'single'
      ? fc.tuple(key, key)
      : fc
          .tuple(fc.constantFrom(...TAGS), fc.constantFrom('x', 'y'), fc.constantFrom('x', 'y'))
          .map(([tag, x, y]) => [`${tag}${x}`, `${tag}${y}`]);
  const command = fc.oneof(
    ...keyed(key),
    ...together(pair),
    ...(mode === 'single' ? singleOnly(key) : []),
    fc.constant(PING),
    value.map((v) => ['ECHO', v]),
  );
  return fc.oneof(
    { weight: 12, arbitrary: command.map((c) => [c]) },
    // CLIENT REPLY: the replies not wanted are not written, and the order of the rest is kept
    { weight: 1, arbitrary: command.map((c) => [['CLIENT', 'REPLY', 'OFF'], c, ['CLIENT', 'REPLY', 'ON']]) },
    { weight: 1, arbitrary: command.map((c) => [['CLIENT', 'REPLY', 'SKIP'], c]) },
  );
}

export function scenario(mode: Mode, maxSteps = 30): fc.Arbitrary<Scenario> {
  return fc.integer({ min: 2, max: 3 }).chain((clients) =>
    fc.record({
      clients: fc.constant(clients),
      steps: fc.array(
        fc.record({
          client: fc.nat({ max: clients - 1 }),
          units: fc.array(unit(mode), { minLength: 1, maxLength: 4 }),
        }),
        { minLength: 1, maxLength: maxSteps },
      ),
    }),
  );
}

export interface Materialized {
  client: number;
  commands: Command[];
  /** How many replies (and pushed messages) each client gets from this step. */
  replies: number[];
}

/**
 * The commands of each step, and the replies they bring, by a model of each client: in MULTI or
 * not, subscribed to which channels. Where a raw choice makes no sense in the client's state for
 * the model (CLIENT REPLY inside MULTI, pub/sub inside MULTI), PING is sent in its place.
 */
export function materialize(s: Scenario): Materialized[] {
  const inMulti = Array.from({ length: s.clients }, () => false);
  const subscribed = Array.from({ length: s.clients }, () => new Set<string>());
  return s.steps.map(({ client, units }) => {
    const replies = Array.from({ length: s.clients }, () => 0);
    const commands: Command[] = [];
    const send = (command: Command, counted: boolean) => {
      commands.push(command);
      const [name = ''] = command;
      const subs = subscribed[client] as Set<string>;
      if (name === 'SUBSCRIBE' || name === 'UNSUBSCRIBE') {
        for (const ch of command.slice(1)) name === 'SUBSCRIBE' ? subs.add(ch) : subs.delete(ch);
        if (counted) replies[client] = (replies[client] as number) + command.length - 1;
        return;
      }
      if (counted) replies[client] = (replies[client] as number) + 1;
      if (subs.size > 0) return; // anything else is an error in a subscribed context
      if (name === 'MULTI') inMulti[client] = true;
      if (name === 'EXEC' || name === 'DISCARD') inMulti[client] = false;
      if (name === 'PUBLISH')
        subscribed.forEach((channels, other) => {
          if (channels.has(command[1] as string)) replies[other] = (replies[other] as number) + 1;
        });
    };
    for (const u of units) {
      const busy = inMulti[client] || (subscribed[client] as Set<string>).size > 0;
      const pubsub = (c: Command) => ['SUBSCRIBE', 'UNSUBSCRIBE', 'PUBLISH'].includes(c[0] as string);
      const plain = (c: Command) => (inMulti[client] && pubsub(c) ? PING : c);
      if (u.length === 1) send(plain(u[0] as Command), true);
      else if (
        busy ||
        pubsub(u[1] as Command) ||
        (u[1] as Command)[0] === 'MULTI' ||
        (u[1] as Command)[0] === 'SUBSCRIBE'
      )
        send(PING, true);
      else if (u.length === 3) {
        send(u[0] as Command, false);
        send(u[1] as Command, false);
        send(u[2] as Command, true);
      } else {
        send(u[0] as Command, false);
        send(u[1] as Command, false);
      }
    }
    // Every step brings its client at least one reply, so the next step starts after this one took
    // effect. Without it (a step that is all CLIENT REPLY SKIP), another client's command could
    // overtake it: two connections are not ordered, to one Redis or through the ambassador.
    if (replies[client] === 0) send(PING, true);
    return { client, commands, replies };
  });
}
