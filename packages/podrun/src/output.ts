// One log stream for the whole pod: every line prefixed with its container's name (coloured on a
// terminal), pino's JSON lines made readable. On a terminal the pod's status stays on the last
// line and is redrawn as it changes; elsewhere (a pipe, a CI log) each change is a plain line.
import { styleText } from 'node:util';

const COLOURS = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'redBright', 'cyanBright', 'magentaBright'] as const;
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every pino line has, shown in the prefix or not at all. */
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'version']);

/** A pino JSON line as `INFO  message key=value ...`; any other line as it came. */
export function readableLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  // pino writes the level as a number, or as its label where the logger is configured so (the kit's is).
  const level = typeof record.level === 'number' ? LEVELS[record.level] : record.level;
  if (typeof level !== 'string' || typeof record.msg !== 'string') return line;
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [level.toUpperCase().padEnd(5), record.msg, ...fields].join(' ');
}

export class Output {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #colours = new Map<string, (typeof COLOURS)[number]>();
  #width = 0;
  #status = '';

  constructor(stream: NodeJS.WriteStream = process.stdout, names: string[] = []) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true && !process.env.NO_COLOR;
    for (const [i, name] of names.entries())
      this.#colours.set(name, COLOURS[i % COLOURS.length] as (typeof COLOURS)[number]);
    this.#width = Math.max(7, ...names.map((n) => n.length));
  }

  #paint(format: Parameters<typeof styleText>[0], text: string) {
    return this.#tty ? styleText(format, text) : text;
  }

  #write(text: string) {
    if (this.#tty && this.#status) this.#stream.write(`\r\x1b[2K${text}\n${this.#status}`);
    else this.#stream.write(`${text}\n`);
  }

  /** A line a container wrote. */
  log(container: string, line: string) {
    const prefix = this.#paint(this.#colours.get(container) ?? 'white', `${container.padEnd(this.#width)} |`);
    this.#write(`${prefix} ${readableLine(line)}`);
  }

  /** podrun's own word. */
  note(text: string) {
    this.#write(`${this.#paint('bold', 'podrun'.padEnd(this.#width))} | ${text}`);
  }

  /** The pod's status: the sticky last line on a terminal, a plain line per change elsewhere. */
  status(text: string) {
    if (!this.#tty) {
      if (text !== this.#status) this.#stream.write(`${'status'.padEnd(this.#width)} | ${text}\n`);
      this.#status = text;
      return;
    }
    this.#status = this.#paint('inverse', ` ${text} `);
    this.#stream.write(`\r\x1b[2K${this.#status}`);
  }

  /** Leaves the status line behind as a normal line, at exit. */
  close() {
    if (this.#tty && this.#status) this.#stream.write('\n');
  }
}
