// Commands the ambassador answers itself: enough for redis-cli, node-redis and ioredis to
// connect, and the connection state that lives here rather than on a server connection.
// (INFO is the client's: with one server it is the server's INFO plus a section of ours.)
import { timingSafeEqual } from 'node:crypto';
import { isError } from './resp/bytes.js';
import { array, bulk, error, integer, OK, PONG } from './resp/encode.js';

const RESET = Buffer.from('+RESET\r\n');

export interface LocalState {
  authenticated: boolean;
  name: string;
  id: number;
  quit: boolean;
  /** How many of the next replies are not written: CLIENT REPLY OFF (Infinity) and SKIP (the next one). */
  silence: number;
}

export interface LocalContext {
  clientPassword: string | undefined;
}

export const LOCAL = new Set(['PING', 'ECHO', 'QUIT', 'SELECT', 'AUTH', 'COMMAND', 'CLIENT', 'HELLO', 'RESET']);

function passwordMatches(given: Buffer | undefined, expected: string): boolean {
  const want = Buffer.from(expected);
  return given !== undefined && given.length === want.length && timingSafeEqual(given, want);
}

export function answerLocally(name: string, args: Buffer[], state: LocalState, ctx: LocalContext): Buffer {
  const arity = args.length;
  switch (name) {
    case 'PING':
      return arity > 2
        ? error("ERR wrong number of arguments for 'ping' command")
        : arity === 2
          ? bulk(args[1] as Buffer)
          : PONG;
    case 'ECHO':
      return arity === 2 ? bulk(args[1] as Buffer) : error("ERR wrong number of arguments for 'echo' command");
    case 'QUIT':
      state.quit = true;
      return OK;
    case 'SELECT':
      return args[1]?.toString() === '0' && arity === 2
        ? OK
        : error('ERR only database 0 is available through the ambassador');
    case 'AUTH':
      return auth(args.slice(1), state, ctx);
    case 'COMMAND': {
      const sub = args[1]?.toString().toUpperCase();
      return sub === 'COUNT' ? integer(0) : array([]);
    }
    case 'CLIENT': {
      const sub = args[1]?.toString().toUpperCase();
      if (sub === 'SETNAME' && arity === 3) {
        state.name = (args[2] as Buffer).toString();
        return OK;
      }
      if (sub === 'GETNAME') return bulk(state.name || null);
      if (sub === 'SETINFO') return OK;
      if (sub === 'ID') return integer(state.id);
      if (sub === 'REPLY' && arity === 3) return clientReply((args[2] as Buffer).toString().toUpperCase(), state);
      return error(`ERR CLIENT ${sub ?? ''} is not supported through the ambassador`);
    }
    case 'RESET':
      // As Redis: back to a fresh connection. (A client with a server connection of its own never gets here.)
      state.name = '';
      state.silence = 0;
      state.authenticated = !ctx.clientPassword;
      return RESET;
    case 'HELLO': {
      const version = args[1]?.toString();
      if (version && version !== '2') return error('NOPROTO the ambassador speaks RESP2 only');
      const authAt = args.findIndex((a) => a.toString().toUpperCase() === 'AUTH');
      if (authAt > 0) {
        const reply = auth(args.slice(authAt + 1, authAt + 3), state, ctx);
        if (isError(reply)) return reply;
      }
      if (!state.authenticated) return error('NOAUTH HELLO must be called with the client already authenticated');
      return array([
        bulk('server'),
        bulk('redis'),
        bulk('version'),
        bulk('7.0.0'),
        bulk('proto'),
        integer(2),
        bulk('id'),
        integer(state.id),
        bulk('mode'),
        bulk('standalone'),
        bulk('role'),
        bulk('master'),
        bulk('modules'),
        array([]),
      ]);
    }
    default:
      return error(`ERR unknown command '${name}'`);
  }
}

/** The reply to CLIENT REPLY itself counts: OFF and SKIP are not answered, ON is. */
function clientReply(mode: string, state: LocalState): Buffer {
  if (mode === 'ON') state.silence = 0;
  else if (mode === 'OFF') state.silence = Number.POSITIVE_INFINITY;
  else if (mode === 'SKIP') state.silence = Math.max(state.silence, 2);
  else return error('ERR syntax error');
  return OK;
}

function auth(params: Buffer[], state: LocalState, ctx: LocalContext): Buffer {
  if (!ctx.clientPassword)
    return error(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
  if (params.length < 1 || params.length > 2) return error("ERR wrong number of arguments for 'auth' command");
  const user = params.length === 2 ? params[0]?.toString() : 'default';
  const ok = user === 'default' && passwordMatches(params.at(-1), ctx.clientPassword);
  state.authenticated = ok;
  return ok ? OK : error('WRONGPASS invalid username-password pair or user is disabled.');
}
