// A command split across servers: one part per server, sent at once, and their replies put
// back together into the one reply the client expects, in the order of its keys.
import { pending } from '../backend.js';
import type { SplitKind } from '../commands.js';
import type { AmbassadorMetrics } from '../metrics.js';
import { afterHeader, isError } from '../resp/bytes.js';
import { array, integer, OK } from '../resp/encode.js';
import { ReplyScanner } from '../resp/reply-scanner.js';
import { encodeCommand } from '../resp/request-parser.js';
import type { Split } from './routing.js';

/** Sends each server its part; `done` gets the merged reply once every part is answered. */
export function fanOut(
  split: Split,
  name: string,
  args: Buffer[],
  metrics: AmbassadorMetrics,
  done: (reply: Buffer) => void,
): void {
  const parts = [...split.parts];
  const replies: Buffer[] = new Array(parts.length);
  let remaining = parts.length;
  parts.forEach(([pool, indices], part) => {
    // MSET's keys take their values along.
    const partArgs = [
      args[0] as Buffer,
      ...indices.flatMap((i) => args.slice(i, split.kind === 'mset' ? i + 2 : i + 1)),
    ];
    metrics.command(name, pool.name);
    pool.send(
      encodeCommand(partArgs),
      pending((reply, failed, seconds) => {
        if (failed) metrics.error('unavailable');
        else metrics.latency(pool.name, seconds);
        replies[part] = reply;
        if (--remaining === 0)
          done(
            merge(
              split.kind,
              args.length,
              parts.map(([, i]) => i),
              replies,
            ),
          );
      }),
    );
  });
}

/** The parts' replies as one: the first error, if any part failed, stands for the whole. */
function merge(kind: SplitKind, argc: number, indices: number[][], replies: Buffer[]): Buffer {
  const failed = replies.find(isError);
  if (failed) return failed;
  if (kind === 'mset') return OK;
  if (kind === 'sum') return integer(replies.reduce((total, r) => total + Number(r.toString('latin1', 1).trim()), 0));
  const values: Buffer[] = new Array(argc - 1);
  replies.forEach((reply, part) => {
    const elements = new ReplyScanner().push(reply.subarray(afterHeader(reply)));
    (indices[part] as number[]).forEach((argIndex, n) => {
      values[argIndex - 1] = elements[n] as Buffer;
    });
  });
  return array(values);
}
