// The ambassador's metrics: what it did for each upstream, so a dashboard shows the external API's
// health as the app saw it, and what the ambassador did about it.
import { createMetricsRegistry } from '@pod-patterns/kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState } from './breaker.js';

const STATES: BreakerState[] = ['closed', 'open', 'half_open'];

export class BrokerMetrics {
  readonly registry: Registry = createMetricsRegistry();
  readonly requests: Counter<'upstream' | 'method' | 'code'>;
  readonly duration: Histogram<'upstream'>;
  readonly retries: Counter<'upstream' | 'reason'>;
  readonly transitions: Counter<'upstream' | 'to'>;

  constructor(circuitStates: () => Record<string, BreakerState>) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'http_ambassador_requests_total',
      help: "Requests answered, by upstream, method and status code (the upstream's, or the ambassador's own 413/502/503/504).",
      labelNames: ['upstream', 'method', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'http_ambassador_request_duration_seconds',
      help: 'Time from the request to the response headers, retries included.',
      labelNames: ['upstream'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.retries = new Counter({
      name: 'http_ambassador_retries_total',
      help: 'Retries, by upstream and what caused them (connect_error, timeout, or the status code).',
      labelNames: ['upstream', 'reason'],
      registers,
    });
    this.transitions = new Counter({
      name: 'http_ambassador_circuit_transitions_total',
      help: "Changes of an upstream's circuit breaker, by the state it moved to.",
      labelNames: ['upstream', 'to'],
      registers,
    });
    new Gauge({
      name: 'http_ambassador_circuit_state',
      help: "1 for the state each upstream's circuit breaker is in (closed, open, half_open), 0 for the others.",
      labelNames: ['upstream', 'state'],
      registers,
      collect() {
        for (const [upstream, current] of Object.entries(circuitStates()))
          for (const state of STATES) this.set({ upstream, state }, state === current ? 1 : 0);
      },
    });
  }
}
