// Where the ambassador answers differently from redis-server by design, as the README's "How each
// command travels" says: declared once, here. The differential test's grammar sends none of these
// commands and leaves nothing else out; each entry is probed, so a difference that went away (or
// a probe that no longer differs) fails the test too.
export interface Declared {
  command: string[];
  /** What the ambassador answers instead. */
  answer: RegExp;
  why: string;
}

export const DECLARED_DIFFERENCES: Declared[] = [
  { command: ['INFO'], answer: /# Ambassador\r\n/, why: 'INFO gains an # Ambassador section' },
  { command: ['CLIENT', 'LIST'], answer: /^-ERR CLIENT LIST is not supported/, why: 'CLIENT is answered here' },
  { command: ['CLIENT', 'INFO'], answer: /^-ERR CLIENT INFO is not supported/, why: 'CLIENT is answered here' },
  { command: ['COMMAND', 'COUNT'], answer: /^:0\r\n$/, why: 'COMMAND is answered here, empty' },
  { command: ['HELLO', '2'], answer: /7\.0\.0/, why: 'HELLO is answered here: RESP2 only, version 7.0.0' },
  { command: ['HELLO', '3'], answer: /^-NOPROTO/, why: 'RESP3 is refused' },
  { command: ['SELECT', '1'], answer: /^-ERR only database 0/, why: 'only database 0 is available' },
  {
    command: ['EVAL', 'return 1', '0'],
    answer: /^-ERR/,
    why: 'scripting is refused unless AMBASSADOR_ALLOW_SCRIPTING',
  },
  { command: ['FUNCTION', 'LIST'], answer: /^-ERR/, why: 'scripting is refused unless AMBASSADOR_ALLOW_SCRIPTING' },
  { command: ['FLUSHALL'], answer: /^-ERR/, why: 'on AMBASSADOR_DENY_COMMANDS by default' },
  { command: ['CONFIG', 'GET', 'maxmemory'], answer: /^-ERR/, why: 'on AMBASSADOR_DENY_COMMANDS by default' },
  { command: ['ACL', 'WHOAMI'], answer: /^-ERR/, why: 'ACL is refused always' },
  { command: ['REPLCONF', 'listening-port', '1'], answer: /^-ERR/, why: 'a replication stream is no reply' },
];

/**
 * Left out of the grammar for another reason: Redis itself answers them differently from one
 * server to the next (not an ambassador difference), so no two servers could be compared on them.
 */
export const NONDETERMINISTIC_IN_REDIS = [
  'SMEMBERS, SPOP, SRANDMEMBER, HRANDFIELD, KEYS, SCAN, RANDOMKEY: order from each server’s random hash seed',
  'TIME, PTTL, OBJECT IDLETIME, short expiries: the clock',
  'CLIENT ID, CLIENT LIST, INFO: connection ids and counters of the server itself',
];
