// The status document on the adapter's port (README, "Status document"): how often it was
// scraped, and for the last scrape the JSON it read next to the exposition text it made from
// it, so /_pod can show the adaptation itself. Only what the last scrape already did: reading
// /status never fetches the source.

/** Bound on each text kept: a status page shows a sample, not a dump. */
const MAX_TEXT = 16 * 1024;

export interface LastScrape {
  at: string;
  ok: boolean;
  error: string | null;
  /** Who scraped: Prometheus, in a cluster. */
  from: string | null;
  source_json: string | null;
  /** The mapped series only (the adapter's own and process metrics left out). */
  exposition: string;
}

const bounded = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}\n… (cut at 16 KiB)` : text);

export class StatusDocument {
  #scrapes = 0;
  #last: LastScrape | undefined;

  constructor(
    private readonly source: string,
    private readonly namespace: string,
  ) {}

  scraped(scrape: { ok: boolean; error?: string; from?: string; document: unknown; body: string }): void {
    this.#scrapes += 1;
    const prefix = `${this.namespace}_`;
    const mapped = scrape.body
      .split('\n')
      .filter((line) => line.replace(/^# (HELP|TYPE|UNIT) /, '').startsWith(prefix))
      .join('\n');
    this.#last = {
      at: new Date().toISOString(),
      ok: scrape.ok,
      error: scrape.error ?? null,
      from: scrape.from ?? null,
      source_json: scrape.document === undefined ? null : bounded(JSON.stringify(scrape.document, null, 2)),
      exposition: bounded(mapped),
    };
  }

  read(): { source: string; scrapes: number; last_scrape: LastScrape | null } {
    return { source: this.source, scrapes: this.#scrapes, last_scrape: this.#last ?? null };
  }
}
