// The /_pod pages: the dashboard (the picture, the pod in words, the walkthroughs and what each
// container reports) and the manifest view. Server-rendered, no build step: without JavaScript
// /_pod is complete; with it, /_pod/live.js swaps in the body the server pushes once a second
// (helmet's CSP allows no inline script).
import type { AdapterReport, ConfigInitReport, GitSyncReport, HttpReport, RedisReport } from './helper-reports.js';
import { type Html, html } from './html.js';
import { layout } from './pages.js';
import type { PodManifest } from './pod-manifest.js';
import { containerState, outsideSystems, PICTURE_STYLE, podPicture, sharedVolumes } from './pod-picture.js';
import { type PodStatus, reportsOf } from './pod-status.js';
import { POD_ADDRESS, walkthroughsFor } from './walkthroughs.js';
export function dashboardPage(status: PodStatus, title: string, greeting: string): string {
  return layout(
    `${title} — the pod at work`,
    html`<main id="pod" class="wide">${dashboardBody(status, title, greeting)}</main>`,
    html`<style>${PICTURE_STYLE}</style><script src="/_pod/live.js" defer></script>`,
  );
}

const RUNTIME_NAMES = {
  kubernetes: 'Kubernetes',
  compose: 'docker compose',
  podrun: 'npm run demo (podrun)',
  unknown: 'unknown',
};

export function dashboardBody(status: PodStatus, title: string, greeting: string): Html {
  const { pod, config, content, visits, manifest } = status;
  return html`
<h1>${title} — the pod at work</h1>
<p class="muted">${greeting} · pod <code>${pod.name ?? 'local'}</code>${pod.namespace ? html` in <code>${pod.namespace}</code>` : ''}${pod.node ? html` on <code>${pod.node}</code>` : ''} · runtime <strong>${RUNTIME_NAMES[pod.runtime]}</strong> · up ${pod.uptime_seconds}s</p>

<form method="post" action="/_pod/traffic" id="traffic"><button type="submit">Send 20 page views</button> <span class="muted">to this app’s own home page, so the picture has something to show (at most one batch every 10 s).</span></form>

<figure id="picture" aria-describedby="picture-words">
${
  manifest.problem
    ? html`<p class="bad" role="status">The picture could not be drawn in full: ${manifest.problem}. The tables below still hold.</p>`
    : ''
}
${podPicture(status)}
<figcaption class="legend"><strong>Legend:</strong> <span>✔ working</span> <span>✖ failing (red, dashed)</span> <span>○ not checked</span> <span>── read-write mount</span> <span>- - read-only mount</span> <span>lo: loopback only</span> <span>pod IP: reachable from the cluster</span>. Every box opens its lines in <a href="/_pod/manifest">the manifest</a>${manifest.object ? html` (<code>${manifest.object}</code>)` : ''}.</figcaption>
</figure>

${pictureInWords(status)}

<section aria-labelledby="walkthroughs">
  <h2 id="walkthroughs">Walkthroughs <span class="muted">— do this, watch that</span></h2>
  ${walkthroughsFor(status).map(
    ({ walkthrough: w, commands }) => html`<details id="walk-${w.pattern}" data-pattern="${w.pattern}">
<summary>${w.title}</summary>
<p><button type="button" id="focus-${w.pattern}" class="focus-pattern" data-pattern="${w.pattern}" aria-pressed="false">Highlight the ${w.pattern} containers</button></p>
<ol>${w.steps.map((step) => html`<li>${step.say}${step.commands ? commandList(commands(step.commands)) : ''}</li>`)}</ol>
<p><strong>Try a failure:</strong> ${w.failure.try} <em>What should happen:</em> ${w.failure.expect}</p>
${commandList(commands(w.failure.commands))}
<p class="now" role="status"><strong>Now:</strong> ${w.now(status)}</p>
</details>`,
  )}
</section>

${flows(status)}

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

function commandList(rows: [string, string][]): Html {
  if (rows.length === 0) return html``;
  const command = (text: string) =>
    text
      .split(POD_ADDRESS)
      .map((part, i) => html`${i > 0 ? html`<span class="pod-address">${POD_ADDRESS}</span>` : ''}${part}`);
  return html`<ul class="commands">${rows.map(([runtime, text]) => html`<li>${runtime}: <code>${command(text)}</code></li>`)}</ul>`;
}

/** The picture's text alternative: the same facts as lists, read by screen readers and without SVG. */
function pictureInWords(status: PodStatus): Html {
  const { containers, volumes } = status.manifest;
  const shared = sharedVolumes(containers, volumes);
  return html`<section id="picture-words" aria-labelledby="in-words">
  <h2 id="in-words">The pod in words</h2>
  <table>
    <caption class="muted">Containers in spec order${status.manifest.file ? html`, from <code>${status.manifest.file}</code>` : ''}</caption>
    <tr><th scope="col">#</th><th scope="col">container</th><th scope="col">kind</th><th scope="col">pattern</th><th scope="col">state</th><th scope="col">ports</th><th scope="col">mounts</th></tr>
    ${containers.map((c, i) => {
      const box = containerState(status, c.name);
      const pattern = status.containers.find((x) => x.name === c.name)?.pattern ?? '';
      return html`<tr class="container-row" data-name="${c.name}"><td>${i + 1}</td><td><a href="/_pod/manifest?lines=${c.lines.from}-${c.lines.to}#L${c.lines.from}"><code>${c.name}</code></a></td><td>${c.kind === 'sidecar' ? 'native sidecar' : c.kind}</td><td>${pattern}</td><td class="${box.state === 'bad' ? 'bad' : box.state === 'ok' ? 'ok' : 'muted'}">${box.state === 'bad' ? '✖' : box.state === 'ok' ? '✔' : '○'} ${box.label}</td><td>${c.ports.map((p) => `${p.scope === 'loopback' ? '127.0.0.1' : 'pod IP'}:${p.port}`).join(', ')}</td><td>${c.mounts.map((m) => html`<code>${m.volume}</code> at <code>${m.mountPath}</code>${m.readOnly ? ' (read-only)' : ''}<br>`)}</td></tr>`;
    })}
  </table>
  <p>Shared volumes: ${
    shared.length
      ? shared.map(
          (v) =>
            html`<code>${v.name}</code> (${v.type}): ${containers
              .flatMap((c) =>
                c.mounts
                  .filter((m) => m.volume === v.name)
                  .map((m) => `${c.name} at ${m.mountPath}${m.readOnly ? ' read-only' : ''}`),
              )
              .join('; ')}. `,
        )
      : 'none.'
  }</p>
  <p>Outside the pod: ${
    outsideSystems(status).map(
      (o) =>
        html`${o.title} <code>${o.detail}</code> (used by ${o.container}${o.state === 'bad' ? ', failing' : ''}); `,
    ) || 'nothing reported.'
  }</p>
</section>`;
}

/** Each helper's own report, in full. */
function flows(status: PodStatus): Html {
  const unread = Object.entries(status.helpers).filter(([, h]) => !h.ok);
  return html`<section aria-labelledby="flows">
  <h2 id="flows">What each container reports</h2>
  ${unread.length ? html`<p class="bad">Could not read: ${unread.map(([name, h]) => html`<code>${name}</code> (${h.url}: ${h.error}) `)}</p>` : ''}
  ${reportsOf(status, 'redis').map(([name, r]) => redisFlow(status, name, r))}
  ${reportsOf(status, 'http').map(([name, r]) => httpFlow(name, r))}
  ${reportsOf(status, 'git-sync').map(([name, r]) => gitSyncFlow(status, name, r))}
  ${reportsOf(status, 'config-init').map(([name, r]) => configInitFlow(status, name, r))}
  ${reportsOf(status, 'adapter').map(([name, r]) => adapterFlow(name, r))}
</section>`;
}

function redisFlow(status: PodStatus, name: string, report: RedisReport): Html {
  return html`<h3>Pages counted by shard, through <code>${name}</code></h3>
<table><tr><th scope="col">server</th><th scope="col">state</th><th scope="col">commands</th><th scope="col">keys web wrote there (views)</th></tr>
${report.servers.map((s) => {
  const keys = status.visit_keys.filter((k) => k.server === s.name);
  const views = keys.reduce((n, k) => n + k.written, 0);
  return html`<tr id="shard-${s.name}" data-views="${views}"><td><code>${s.name}</code> ${s.address}</td><td class="${s.state === 'ok' ? 'ok' : 'bad'}">${s.state === 'ok' ? '✔' : '✖'} ${s.state}${s.last_failure ? html`<br><span class="muted">last failure ${s.last_failure.at}: ${s.last_failure.reason}</span>` : ''}</td><td>${s.commands}</td><td>${keys.map((k) => html`<code>${k.key}</code> +${k.written}${k.failed ? html` <span class="bad">(${k.failed} failed)</span>` : ''}<br>`)}</td></tr>`;
})}</table>`;
}

function httpFlow(name: string, report: HttpReport): Html {
  return html`<h3>Calls through <code>${name}</code></h3>
<table><tr><th scope="col">upstream</th><th scope="col">circuit</th><th scope="col">requests</th><th scope="col">retries</th><th scope="col">failures</th><th scope="col">circuit changes</th></tr>
${report.upstreams.map(
  (u) =>
    html`<tr><td><code>${u.name}</code> ${u.url}</td><td class="${u.circuit === 'closed' ? 'ok' : 'bad'}">${u.circuit === 'closed' ? '✔' : '✖'} ${u.circuit.replace('_', '-')}</td><td>${u.requests}</td><td>${u.retries}</td><td>${u.failures}</td><td>${u.circuit_changes.map((c) => `${c.to} at ${c.at}`).join(', ') || 'none'}</td></tr>`,
)}</table><p class="muted">${report.failed_fast} request(s) failed fast on an open circuit.</p>`;
}

function gitSyncFlow(status: PodStatus, name: string, report: GitSyncReport): Html {
  return html`<h3>Timeline of <code>${name}</code> <span class="muted">— every ${report.period_seconds} s from ${report.repo} (${report.ref})</span></h3>
<ol id="timeline">${report.timeline.map(
    (e) =>
      html`<li>${e.at}: ${e.event}${e.sha ? html` <code>${e.sha.slice(0, 12)}</code>` : ''}${e.error ? html` <span class="bad">${e.error}</span>` : ''}</li>`,
  )}${status.content.revision ? html`<li>${status.content.changed_at ?? 'at start'}: first served by web <code>${status.content.revision.slice(0, 12)}</code></li>` : ''}</ol>`;
}

function configInitFlow(status: PodStatus, name: string, report: ConfigInitReport): Html {
  return html`<h3>Fetch by <code>${name}</code></h3>
<p>${report.sources.map(
    (s) =>
      html`<code>${s.url}</code>: HTTP ${s.status}, ${s.bytes} bytes, ${s.attempts} ${s.attempts === 1 ? 'try' : 'tries'}. `,
  )}Published at ${report.fetched_at}${status.config.generation ? html` as generation <code>${status.config.generation}</code>` : ''}; web loaded it at ${status.config.loaded_at}.</p>`;
}

function adapterFlow(name: string, report: AdapterReport): Html {
  const last = report.last_scrape;
  if (!last)
    return html`<h3>Scrapes of <code>${name}</code></h3><p class="muted">Not scraped yet: curl its <code>/metrics</code> (port 9102).</p>`;
  return html`<h3>Scrapes of <code>${name}</code></h3>
<p>${report.scrapes} scrape(s); the last at ${last.at}${last.from ? html` from <code>${last.from}</code>` : ''}: ${last.ok ? 'read web’s stats' : html`<span class="bad">${last.error}</span>`}.</p>
<div class="cols"><div><h4>The JSON it read (web’s /stats)</h4><pre tabindex="0">${last.source_json ?? '(none)'}</pre></div><div><h4>The exposition it made</h4><pre tabindex="0">${last.exposition}</pre></div></div>`;
}

/** The manifest, masked, with a line anchor on every line and the asked lines highlighted. */
export function manifestPage(manifest: PodManifest, lines: { from: number; to: number } | undefined): string {
  const rows = manifest.text.split('\n');
  if (rows.at(-1) === '') rows.pop();
  return layout(
    'The pod manifest',
    html`<main class="wide"><h1>The pod manifest</h1>
<p class="muted"><a href="/_pod">Back to the pod</a> · <code>${manifest.file || 'no file'}</code>${manifest.object ? html` · the pod of <code>${manifest.object}</code>` : ''}. Values of secret-looking env variables and Secret data are masked.</p>
${manifest.problem ? html`<p class="bad">${manifest.problem}</p>` : ''}
<pre class="manifest" tabindex="0" aria-label="the manifest, one line per row">${rows.map(
      (row, i) =>
        html`<span id="L${i + 1}" data-n="${i + 1}"${lines && i + 1 >= lines.from && i + 1 <= lines.to ? html` class="hl"` : ''}>${row}</span>`,
    )}</pre></main>`,
  );
}

/** Swaps in the body the server pushes over /_pod/events (one update a second for every open dashboard). */
export const LIVE_SCRIPT = `(() => {
  const main = document.getElementById('pod');
  let focus = '';
  const bind = () => {
    for (const b of main.querySelectorAll('button.focus-pattern')) {
      b.setAttribute('aria-pressed', String(focus === b.dataset.pattern));
      b.onclick = () => {
        focus = focus === b.dataset.pattern ? '' : b.dataset.pattern;
        apply();
      };
    }
  };
  const apply = () => {
    // Commands name the pod's address: it is the host this page was opened at.
    for (const span of main.querySelectorAll('.pod-address')) span.textContent = location.hostname;
    const figure = document.getElementById('picture');
    if (figure) focus ? figure.setAttribute('data-focus', focus) : figure.removeAttribute('data-focus');
    bind();
  };
  const open = () => [...main.querySelectorAll('details[open]')].map((d) => d.id);
  const events = new EventSource('/_pod/events');
  events.addEventListener('body', (event) => {
    const active = document.activeElement && document.activeElement.id;
    const opened = open();
    main.innerHTML = event.data;
    for (const id of opened) document.getElementById(id)?.setAttribute('open', '');
    if (active) document.getElementById(active)?.focus();
    apply();
  });
  apply();
})();
`;
