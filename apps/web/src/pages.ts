// The pages the app renders itself: 404, 503 before the first sync, errors, and the /_pod
// dashboard. Server-rendered, no build step; the dashboard refreshes its body with a few lines
// of script served from /_pod/refresh.js (helmet's CSP allows no inline script).
import { Html, html } from './html.js';
import type { PodStatus } from './pod-status.js';

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1b1f24; }
  h1 { margin-bottom: 0.25rem; } .muted { color: #57606a; } code { background: #f3f4f6; padding: 0 0.25rem; border-radius: 4px; }
  section { border: 1px solid #d0d7de; border-radius: 8px; padding: 0.75rem 1rem; margin: 1rem 0; }
  h2 { font-size: 1.05rem; margin: 0 0 0.5rem; } table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 0.2rem 0.5rem 0.2rem 0; vertical-align: top; }
  .ok { color: #1a7f37; } .bad { color: #cf222e; } pre { background: #f6f8fa; padding: 0.5rem; overflow-x: auto; margin: 0; }
  .badge { display: inline-block; font-size: 0.8rem; padding: 0 0.5rem; border-radius: 1rem; background: #ddf4ff; }
`;

export function layout(title: string, body: Html, head: Html = html``): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new Html(STYLE)}</style>
${head}
</head>
<body>
${body}
</body>
</html>
`.text;
}

export function notFoundPage(path: string): string {
  return layout(
    'Not found',
    html`<h1>404 — not found</h1><p>There is no <code>${path}</code> in the synced site.</p><p><a href="/">Home</a> · <a href="/_pod">What is this pod doing?</a></p>`,
  );
}

export function noContentPage(link: string): string {
  return layout(
    'Waiting for the first sync',
    html`<h1>503 — no content yet</h1>
<p>The site is published by the <strong>git-sync</strong> sidecar into <code>${link}</code>, and it has not finished its first sync.</p>
<p class="muted">This page retries by itself. Kubernetes normally holds the app until git-sync's startup probe passes, so a pod that shows this for long has a sidecar that cannot sync: see its logs.</p>`,
    html`<meta http-equiv="refresh" content="5">`,
  );
}

export function errorPage(status: number, reason: string): string {
  return layout(`${status}`, html`<h1>${status}</h1><p>${reason}</p>`);
}

export function dashboardPage(status: PodStatus, title: string, greeting: string): string {
  return layout(
    `${title} — the pod at work`,
    html`<main id="pod">${dashboardBody(status, title, greeting)}</main>`,
    html`<script src="/_pod/refresh.js" defer></script>`,
  );
}

export function dashboardBody(status: PodStatus, title: string, greeting: string): Html {
  const { pod, config, content, visits, containers } = status;
  return html`
<h1>${title}</h1>
<p class="muted">${greeting} · pod <code>${pod.name ?? 'local'}</code>${pod.namespace ? html` in <code>${pod.namespace}</code>` : ''}${pod.node ? html` on <code>${pod.node}</code>` : ''} · up ${pod.uptime_seconds}s</p>

<section>
  <h2>Containers <span class="muted">— one pod, shared localhost and volumes</span></h2>
  <table>
    <tr><th>container</th><th>pattern</th><th>what it does here</th><th>health</th></tr>
    ${containers.map(
      (c) =>
        html`<tr><td><code>${c.name}</code></td><td><span class="badge">${c.pattern}</span></td><td>${c.role}</td><td class="${c.health === 'healthy' || c.health === 'serving this page' ? 'ok' : 'muted'}">${c.health}</td></tr>`,
    )}
  </table>
</section>

<section>
  <h2>Config <span class="badge">init</span></h2>
  <p>Version <code>${config.version}</code>, read from <code>${config.file}</code>${config.generation ? html` (generation <code>${config.generation}</code>)` : ''}, fetched ${config.fetched_at}, loaded ${config.loaded_at}.</p>
  <pre>${JSON.stringify(config.values, null, 2)}</pre>
</section>

<section>
  <h2>Content <span class="badge">sidecar</span></h2>
  ${
    content.revision
      ? html`<p>Serving revision <code>${content.revision}</code> from <code>${content.link}</code>; changed ${content.changes} time(s), last at ${content.changed_at}.</p>`
      : html`<p class="bad">No content yet: git-sync has not published <code>${content.link}</code>.</p>`
  }
</section>

<section>
  <h2>Visits <span class="badge">ambassador</span></h2>
  ${
    visits.ok
      ? html`<p><strong>${visits.total}</strong> page views in all, <strong>${visits.home}</strong> of the home page, counted in Redis through the ambassador.</p>`
      : html`<p class="bad">Redis unavailable: ${visits.reason}. Pages still render; views are not counted until it is back.</p>`
  }
</section>

<section>
  <h2>Announcements <span class="badge">ambassador</span> <span class="muted">— HTTP</span></h2>
  ${
    status.announcements.ok
      ? html`<ul>${status.announcements.items.map((item) => html`<li>${item}</li>`)}</ul>
<p class="muted">Read from <code>127.0.0.1:8081</code>; the HTTP ambassador brokered it to <code>${status.announcements.upstream ?? 'its upstream'}</code> in ${status.announcements.tries ?? 1} ${status.announcements.tries === 1 ? 'try' : 'tries'}.</p>`
      : html`<p class="bad">Announcements unavailable: ${status.announcements.reason}. The rest of the page does not depend on them.</p>`
  }
</section>

<section>
  <h2>Metrics <span class="badge">adapter</span></h2>
  <p>The app keeps its own JSON stats on the pod-private <code>127.0.0.1:9000/stats</code>; the metrics adapter serves them to Prometheus on <code>:9102/metrics</code>.</p>
  ${
    status.stats_reads.count > 0
      ? html`<p>Read <strong>${status.stats_reads.count}</strong> time(s) by the adapter, last at ${status.stats_reads.last_at}.</p>`
      : html`<p class="muted">Not read yet: the adapter reads them when something scrapes its <code>/metrics</code>.</p>`
  }
</section>`;
}

/** Refreshes the dashboard body every few seconds; no framework, no build. */
export const REFRESH_SCRIPT = `setInterval(async () => {
  try {
    const res = await fetch('/_pod/fragment', { cache: 'no-store' });
    if (res.ok) document.getElementById('pod').innerHTML = await res.text();
  } catch {}
}, 3000);
`;
