// What proves the demo pod works, checked from outside it over HTTP, the same on a cluster
// (through port-forwards, scripts/cluster-check) and under podrun (the demo's tests): every
// helper healthy as web sees it, the visit count moving on both Redis shards, a served
// revision, announcements through the HTTP ambassador, and web's numbers on the adapter's
// /metrics. Each check says what it saw, so a failure names its cause.

export interface PodEndpoints {
  /** web's site port (8080), e.g. http://127.0.0.1:8080 */
  web: string;
  /** the metrics adapter (9102) */
  adapter: string;
  /** the Redis ambassador's ops port (9121) */
  redisAmbassador: string;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

interface Status {
  content: { revision: string | null };
  visits: { ok: boolean; total?: number; reason?: string };
  announcements: { ok: boolean; upstream?: string | null; reason?: string };
  containers: { name: string; pattern: string; health: string }[];
}

async function text(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

export async function podStatus(web: string): Promise<Status> {
  return JSON.parse(await text(`${web}/_pod/status`)) as Status;
}

/** Commands the Redis ambassador has sent to each shard, from its /metrics. */
async function commandsByShard(redisAmbassador: string): Promise<Map<string, number>> {
  const byShard = new Map<string, number>();
  for (const [, server, value] of (await text(`${redisAmbassador}/metrics`)).matchAll(
    /^redis_ambassador_commands_total\{command="[^"]+",server="([^"]+)"\} (\d+)/gm,
  ))
    if (server !== 'local') byShard.set(server as string, (byShard.get(server as string) ?? 0) + Number(value));
  return byShard;
}

export async function checkPod(endpoints: PodEndpoints, pageViews = 20): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const check = async (name: string, run: () => Promise<string>) => {
    try {
      results.push({ name, ok: true, detail: await run() });
    } catch (error) {
      results.push({ name, ok: false, detail: (error as Error).message });
    }
  };

  const before = await podStatus(endpoints.web);
  await check('every helper is healthy as web sees it', async () => {
    const unwell = before.containers.filter(
      (c) => c.pattern !== 'init' && c.pattern !== 'main' && c.health !== 'healthy',
    );
    if (unwell.length > 0) throw new Error(unwell.map((c) => `${c.name}: ${c.health}`).join('; '));
    return before.containers.map((c) => `${c.name} (${c.pattern})`).join(', ');
  });
  await check('a revision is served', async () => {
    if (!before.content.revision) throw new Error('no revision: has git-sync synced?');
    return before.content.revision;
  });
  await check('announcements come through the HTTP ambassador', async () => {
    if (!before.announcements.ok) throw new Error(before.announcements.reason ?? 'not ok');
    return `from ${before.announcements.upstream}`;
  });

  const shardsBefore = await commandsByShard(endpoints.redisAmbassador);
  // `/` and `/_pod`: their counters and the total hash to both shards of the demo's ring.
  for (let i = 0; i < pageViews; i++) await text(`${endpoints.web}${i % 2 ? '/_pod' : '/'}`).catch(() => '');
  await check('the visit count moves', async () => {
    const after = await waitFor(async () => {
      const s = await podStatus(endpoints.web);
      return s.visits.ok && (s.visits.total ?? 0) > (before.visits.total ?? 0) ? s : undefined;
    }, 10_000);
    if (!after) throw new Error(`visits: ${JSON.stringify((await podStatus(endpoints.web)).visits)}`);
    return `${before.visits.total ?? 0} -> ${after.visits.total}`;
  });
  await check('both Redis shards get commands', async () => {
    const after = await commandsByShard(endpoints.redisAmbassador);
    const moved = [...after].filter(([shard, n]) => n > (shardsBefore.get(shard) ?? 0)).map(([shard]) => shard);
    if (after.size < 2 || moved.length < 2)
      throw new Error(`shards with new commands: ${moved.join(', ') || 'none'} of ${[...after.keys()].join(', ')}`);
    return moved.join(', ');
  });
  await check("the adapter's /metrics carries web's numbers", async () => {
    const metrics = await text(`${endpoints.adapter}/metrics`);
    if (!/^web_up 1$/m.test(metrics)) throw new Error('web_up is not 1');
    if (!/^web_http_requests_total\{/m.test(metrics)) throw new Error('no web_http_requests_total series');
    return 'web_up 1, web_http_requests_total';
  });
  return results;
}

/** Waits until git-sync's new revision is served, or undefined after `timeoutMs`. */
export async function waitForRevision(
  web: string,
  than: string | null,
  timeoutMs: number,
): Promise<string | undefined> {
  const status = await waitFor(async () => {
    const s = await podStatus(web);
    return s.content.revision && s.content.revision !== than ? s : undefined;
  }, timeoutMs);
  return status?.content.revision ?? undefined;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
}
