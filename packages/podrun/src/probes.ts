// Startup, readiness and liveness probes, with the kubelet's defaults and thresholds: after
// initialDelaySeconds, every periodSeconds, one try of at most timeoutSeconds; the result turns
// after successThreshold passes in a row or failureThreshold failures in a row. httpGet passes
// on 200-399, tcpSocket when it connects, exec when the command exits 0.
import { connect } from 'node:net';
import type { Probe } from './types.js';

export interface ProbeTarget {
  /** The pod's address: a probe without `host` goes there, as the kubelet's do. */
  address: string;
  /** The container's named ports. */
  ports: Map<string, number>;
  /** Runs an exec probe's command in the container's environment. */
  exec(command: string[], timeoutMs: number): Promise<{ code: number | null; output: string }>;
}

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

function portOf(port: number | string, target: ProbeTarget): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = target.ports.get(port);
  if (found === undefined) throw new Error(`the probe names port ${port}, which the container does not declare`);
  return found;
}

export async function probeOnce(probe: Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.httpGet) {
      const { path = '/', scheme = 'HTTP', host = target.address, httpHeaders = [] } = probe.httpGet;
      const url = `${scheme.toLowerCase()}://${host}:${portOf(probe.httpGet.port, target)}${path}`;
      const res = await fetch(url, {
        headers: {
          'user-agent': 'kube-probe/podrun',
          ...Object.fromEntries(httpHeaders.map((h) => [h.name, h.value])),
        },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      const ok = res.status >= 200 && res.status < 400;
      return { ok, detail: `GET ${path} ${res.status}` };
    }
    if (probe.tcpSocket) {
      const port = portOf(probe.tcpSocket.port, target);
      const host = probe.tcpSocket.host ?? target.address;
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host, port, timeout: timeoutMs });
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('timeout', () => {
          socket.destroy();
          reject(new Error('timed out'));
        });
        socket.once('error', reject);
      });
      return { ok: true, detail: `tcp ${port} connected` };
    }
    if (probe.exec) {
      const { code, output } = await target.exec(probe.exec.command, timeoutMs);
      return {
        ok: code === 0,
        detail: `exec exit ${code ?? 'timeout'}${output ? `: ${output.trim().slice(0, 200)}` : ''}`,
      };
    }
    return { ok: false, detail: 'a probe without httpGet, tcpSocket or exec' };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    return { ok: false, detail: e.cause?.code ?? (e.name === 'TimeoutError' ? 'timed out' : e.message) };
  }
}

/**
 * Probes on the kubelet's schedule until stopped, calling `onChange` each time the result turns
 * (the first pass or failure past its threshold included), and `onResult` after every try.
 */
export function startProbe(
  probe: Probe,
  target: ProbeTarget,
  onChange: (ok: boolean, result: ProbeResult) => void,
  onResult: (result: ProbeResult) => void = () => {},
): () => void {
  const period = (probe.periodSeconds ?? 10) * 1000;
  const successThreshold = probe.successThreshold ?? 1;
  const failureThreshold = probe.failureThreshold ?? 3;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let state: boolean | undefined;
  let passes = 0;
  let failures = 0;
  const tick = async () => {
    const result = await probeOnce(probe, target);
    if (stopped) return;
    onResult(result);
    if (result.ok) {
      failures = 0;
      passes += 1;
      if (state !== true && passes >= successThreshold) {
        state = true;
        onChange(true, result);
      }
    } else {
      passes = 0;
      failures += 1;
      if (state !== false && failures >= failureThreshold) {
        state = false;
        onChange(false, result);
      }
    }
    if (!stopped) timer = setTimeout(tick, period);
  };
  timer = setTimeout(tick, (probe.initialDelaySeconds ?? 0) * 1000);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
