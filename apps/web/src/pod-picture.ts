// The live picture on /_pod, drawn as SVG on the server from the pod's manifest and from what
// each container reported: outside systems on top, the pod boundary (one network namespace, so
// one localhost) around its containers in spec order, and the shared volumes below, linked to
// each container that mounts them with the mountPath and read-only flag on the link.
//
// No layout library: a row of containers has a closed-form layout, and an SVG string is
// readable, testable and works without JavaScript. Every state is a word and a symbol as well
// as a colour; every box is a link to its lines in the manifest.
import { Html, html } from './html.js';
import type { ContainerView, VolumeView } from './pod-manifest.js';
import type { PodStatus } from './pod-status.js';

const BOX_W = 128;
const GAP = 14;
const MARGIN = 20;
const OUTSIDE_TOP = 28;
const OUTSIDE_H = 44;
const POD_TOP = 150;
const CONTAINERS_TOP = POD_TOP + 44;
const BOX_H = 150;
const VOLUMES_TOP = CONTAINERS_TOP + BOX_H + 70;
const VOLUME_H = 46;

type State = 'ok' | 'bad' | 'idle';
const SYMBOL: Record<State, string> = { ok: '✔', bad: '✖', idle: '○' };

export interface Box {
  state: State;
  /** Short words for the box: "healthy", "circuit open". */
  label: string;
}

interface Outside {
  /** The container that talks to it. */
  container: string;
  title: string;
  detail: string;
  state: State;
}

const short = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const manifestLink = (lines: { from: number; to: number }) =>
  `/_pod/manifest?lines=${lines.from}-${lines.to}#L${lines.from}`;

/** A container's state in words, from its health and, where it has one, its status document. */
export function containerState(status: PodStatus, name: string): Box {
  const row = status.containers.find((c) => c.name === name);
  const helper = status.helpers[name];
  if (row?.pattern === 'init' || status.manifest.containers.find((c) => c.name === name)?.kind === 'init') {
    if (!helper) return { state: 'idle', label: 'ran before the app' };
    if (helper.report?.kind !== 'config-init') return { state: 'bad', label: `no status: ${helper.error}` };
    const tries = helper.report.sources.map((s) => s.attempts);
    return { state: 'ok', label: `done: ${tries.join('+')} ${tries.length === 1 && tries[0] === 1 ? 'try' : 'tries'}` };
  }
  if (!row) return { state: 'idle', label: 'not in POD_CONTAINERS' };
  if (row.health === 'healthy' || row.health === 'serving this page') return { state: 'ok', label: row.health };
  if (row.health === 'no health endpoint') return { state: 'idle', label: row.health };
  return { state: 'bad', label: short(row.health, 40) };
}

/** One line of what the container did, from its own report. */
export function containerFlow(status: PodStatus, container: ContainerView): string {
  if (container.kind === 'app') return `${status.visits.ok ? status.visits.total : '?'} views counted`;
  const report = status.helpers[container.name]?.report;
  switch (report?.kind) {
    case 'redis': {
      const down = report.servers.filter((s) => s.state !== 'ok').length;
      return down ? `${down} server(s) failing` : `${report.servers.length} server(s) ok`;
    }
    case 'http':
      return `circuit ${[...new Set(report.upstreams.map((u) => u.circuit.replace('_', '-')))].join('/')}`;
    case 'git-sync':
      return report.synced ? `synced ${report.synced.slice(0, 7)}` : 'not synced yet';
    case 'adapter':
      return `${report.scrapes} scrape(s)`;
    default:
      return '';
  }
}

/** The systems outside the pod, each as the container that talks to it reported it. */
export function outsideSystems(status: PodStatus): Outside[] {
  return Object.entries(status.helpers).flatMap(([container, { report }]): Outside[] => {
    switch (report?.kind) {
      case 'config-init':
        return report.sources.map((s) => ({ container, title: 'config API', detail: s.url, state: 'idle' }));
      case 'git-sync':
        return [{ container, title: 'git server', detail: report.repo, state: report.lastError ? 'bad' : 'ok' }];
      case 'redis':
        return report.servers.map((s) => ({
          container,
          title: `Redis ${s.name}`,
          detail: s.address,
          state: s.state === 'ok' ? 'ok' : 'bad',
        }));
      case 'http':
        return report.upstreams.map((u) => ({
          container,
          title: `API ${u.name}`,
          detail: u.url,
          state: u.circuit === 'closed' ? 'ok' : 'bad',
        }));
      case 'adapter': {
        const from = report.last_scrape?.from;
        const detail = from ? `last from ${from}` : 'not scraped yet';
        return [{ container, title: 'Prometheus', detail, state: report.last_scrape ? 'ok' : 'idle' }];
      }
      default:
        return [];
    }
  });
}

/** Volumes more than one container mounts: the boxes of the picture. */
export function sharedVolumes(containers: ContainerView[], volumes: VolumeView[]): VolumeView[] {
  return volumes.filter((v) => containers.filter((c) => c.mounts.some((m) => m.volume === v.name)).length > 1);
}

export function podPicture(status: PodStatus): Html {
  const { containers, volumes } = status.manifest;
  if (containers.length === 0) return html``;
  const patternOf = new Map(status.containers.map((c) => [c.name, c.pattern]));
  const width = Math.max(640, MARGIN * 2 + containers.length * BOX_W + (containers.length - 1) * GAP + 2 * GAP);
  const columnX = (i: number) => MARGIN + GAP + i * (BOX_W + GAP);
  const shared = sharedVolumes(containers, volumes);
  const volumeW = Math.min(200, (width - 2 * MARGIN - (shared.length + 1) * GAP) / Math.max(1, shared.length));
  const volumeX = (i: number) => {
    const total = shared.length * volumeW + (shared.length - 1) * GAP * 3;
    return (width - total) / 2 + i * (volumeW + GAP * 3);
  };
  const height = VOLUMES_TOP + (shared.length ? VOLUME_H : 0) + 36;

  const outside = outsideSystems(status);
  const outsideParts = containers.flatMap((c, i) => {
    const mine = outside.filter((o) => o.container === c.name).slice(0, 2);
    return mine.map((o, k) => {
      const x = columnX(i);
      const y = OUTSIDE_TOP + k * (OUTSIDE_H + 8);
      return html`<g class="outside ${o.state}" data-container="${c.name}">
<title>${o.title}: ${o.detail} (${o.state === 'bad' ? 'failing' : o.state === 'ok' ? 'answering' : 'not checked'}), used by ${c.name}</title>
<rect x="${x}" y="${y}" width="${BOX_W}" height="${OUTSIDE_H}" rx="6"/>
<text x="${x + 8}" y="${y + 18}" class="strong">${SYMBOL[o.state]} ${short(o.title, 17)}</text>
<text x="${x + 8}" y="${y + 35}" class="small">${short(o.detail, 22)}</text>
${k === mine.length - 1 ? html`<line x1="${x + BOX_W / 2}" y1="${y + OUTSIDE_H}" x2="${x + BOX_W / 2}" y2="${CONTAINERS_TOP}" class="talk"/>` : ''}
</g>`;
    });
  });

  const containerParts = containers.map((c, i) => {
    const x = columnX(i);
    const box = containerState(status, c.name);
    const pattern = patternOf.get(c.name) ?? (c.kind === 'app' ? 'main' : c.kind);
    const ports = c.ports
      .slice(0, 3)
      .map(
        (p, k) =>
          html`<text x="${x + 8}" y="${CONTAINERS_TOP + 104 + k * 14}" class="small">${p.scope === 'loopback' ? 'lo' : 'pod IP'} :${p.port}</text>`,
      );
    const kind = c.kind === 'sidecar' ? 'native sidecar' : c.kind === 'init' ? 'init container' : 'app container';
    return html`<a href="${manifestLink(c.lines)}" id="box-${c.name}" class="container ${box.state}" data-pattern="${pattern}" aria-label="${i + 1}. ${c.name}, ${kind}, ${pattern} pattern: ${box.label}. Open its lines in the manifest.">
<rect x="${x}" y="${CONTAINERS_TOP}" width="${BOX_W}" height="${BOX_H}" rx="8"/>
<text x="${x + 8}" y="${CONTAINERS_TOP + 17}" class="small">${i + 1} · ${kind}</text>
<text x="${x + 8}" y="${CONTAINERS_TOP + 36}" class="strong"${c.name.length > 14 ? html` textLength="${BOX_W - 14}" lengthAdjust="spacingAndGlyphs"` : ''}>${short(c.name, 20)}</text>
<text x="${x + 8}" y="${CONTAINERS_TOP + 54}" class="pattern">${pattern}</text>
<text x="${x + 8}" y="${CONTAINERS_TOP + 72}" class="state">${SYMBOL[box.state]} ${short(box.label, 19)}</text>
<text x="${x + 8}" y="${CONTAINERS_TOP + 89}" class="small">${short(containerFlow(status, c), 21)}</text>
${ports}
</a>`;
  });

  const volumeParts = shared.map((v, j) => {
    const x = volumeX(j);
    const links = containers.flatMap((c, i) => {
      // The k-th shared mount of a container gets its label further down its line, so two never meet.
      const sharedMounts = c.mounts.filter((m) => shared.some((s) => s.name === m.volume));
      return sharedMounts
        .filter((m) => m.volume === v.name)
        .map((m) => {
          const k = sharedMounts.indexOf(m);
          const x1 = columnX(i) + BOX_W / 2;
          const y1 = CONTAINERS_TOP + BOX_H;
          const x2 = x + volumeW / 2;
          const y2 = VOLUMES_TOP;
          return html`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" class="mount${m.readOnly ? ' ro' : ''}"/>
<text x="${x1 + (x2 - x1) * (0.2 + 0.25 * k) + 4}" y="${y1 + (y2 - y1) * (0.2 + 0.25 * k) + 4}" class="small mount-label">${m.mountPath}${m.readOnly ? ' (ro)' : ' (rw)'}</text>`;
        });
    });
    return html`${links}<a href="${manifestLink(v.lines)}" id="volume-${v.name}" class="volume" aria-label="volume ${v.name}, ${v.type}, mounted by ${containers
      .filter((c) => c.mounts.some((m) => m.volume === v.name))
      .map((c) => c.name)
      .join(' and ')}. Open its lines in the manifest.">
<rect x="${x}" y="${VOLUMES_TOP}" width="${volumeW}" height="${VOLUME_H}" rx="4"/>
<text x="${x + 8}" y="${VOLUMES_TOP + 19}" class="strong">▤ ${v.name}</text>
<text x="${x + 8}" y="${VOLUMES_TOP + 36}" class="small">${short(v.type, 28)}</text>
</a>`;
  });

  return html`<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="group" aria-labelledby="picture-title" class="picture">
<title id="picture-title">The pod ${status.pod.name ?? ''}: its containers in spec order, the volumes they share, and what they talk to outside the pod</title>
<text x="${MARGIN}" y="16" class="small">outside the pod</text>
${outsideParts}
<rect x="${MARGIN}" y="${POD_TOP}" width="${width - 2 * MARGIN}" height="${height - POD_TOP - 10}" rx="12" class="pod"/>
<text x="${MARGIN + 12}" y="${POD_TOP + 20}" class="strong">Pod ${short(status.pod.name ?? 'local', 40)}</text>
<text x="${MARGIN + 12}" y="${POD_TOP + 36}" class="small">one network namespace: every container shares localhost (lo) and the pod IP</text>
${containerParts}
${volumeParts}
</svg>`;
}

export const PICTURE_STYLE = new Html(`
  .picture { max-width: 100%; height: auto; font: 12px system-ui, sans-serif; }
  .picture .pod { fill: #f6f8fa; stroke: #57606a; stroke-width: 2; stroke-dasharray: 6 4; }
  .picture .container rect { fill: #fff; stroke: #57606a; stroke-width: 1.5; }
  .picture .container.ok rect { stroke: #1a7f37; }
  .picture .container.bad rect, .picture .outside.bad rect { stroke: #cf222e; stroke-width: 3; stroke-dasharray: 5 3; fill: #fff5f5; }
  .picture .outside rect { fill: #fff; stroke: #8c959f; }
  .picture .volume rect { fill: #fff8c5; stroke: #9a6700; }
  .picture a:focus rect, .picture a:hover rect { stroke: #0969da; stroke-width: 3; }
  .picture a:focus { outline: none; }
  .picture line.mount { stroke: #9a6700; stroke-width: 1.5; }
  .picture line.mount.ro { stroke-dasharray: 4 3; }
  .picture line.talk { stroke: #8c959f; stroke-width: 1.5; }
  .picture .strong { font-weight: 600; font-size: 13px; fill: #1b1f24; }
  .picture .small { font-size: 11px; fill: #424a53; }
  .picture .pattern { font-size: 11px; fill: #0550ae; font-weight: 600; }
  .picture .state { font-size: 12px; fill: #1b1f24; }
  .picture .bad .state { fill: #a40e26; }
  .picture .mount-label { paint-order: stroke; stroke: #f6f8fa; stroke-width: 4px; }
${['init', 'sidecar', 'ambassador', 'adapter', 'main']
  .map((p) => `  figure[data-focus="${p}"] .container:not([data-pattern="${p}"]) { opacity: 0.3; }`)
  .join('\n')}
`);
