// The pages the app renders itself: the layout they share, 404, 503 before the first sync, and
// errors. /_pod's pages are in dashboard.ts.
import { Html, html } from './html.js';

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 76rem; margin: 2rem auto; padding: 0 1rem; color: #1b1f24; }
  h1 { margin-bottom: 0.25rem; } .muted { color: #57606a; } code { background: #f3f4f6; padding: 0 0.25rem; border-radius: 4px; }
  section { border: 1px solid #d0d7de; border-radius: 8px; padding: 0.75rem 1rem; margin: 1rem 0; }
  h2 { font-size: 1.05rem; margin: 0 0 0.5rem; } table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 0.2rem 0.5rem 0.2rem 0; vertical-align: top; }
  .ok { color: #1a7f37; } .bad { color: #cf222e; } pre { background: #f6f8fa; padding: 0.5rem; overflow-x: auto; margin: 0; }
  .badge { display: inline-block; font-size: 0.8rem; padding: 0 0.5rem; border-radius: 1rem; background: #ddf4ff; }
  .wide { max-width: 80rem; } .cols { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
  button { font: inherit; padding: 0.25rem 0.75rem; } .legend span { margin-right: 1rem; }
  pre.manifest { line-height: 1.35; } pre.manifest span { display: block; } pre.manifest span.hl { background: #fff8c5; }
  pre.manifest span::before { content: attr(data-n); display: inline-block; width: 3.5em; color: #57606a; user-select: none; }
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
