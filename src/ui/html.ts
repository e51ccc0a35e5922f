/**
 * The page's HTML: a shell the browser bundle (src/ui/page/) fills in. The live server
 * links the bundle; a report inlines it and the run's data, so the file needs nothing else.
 */
import { PAGE_CSS } from "./page-css.js";

/** JSON safe inside a <script> element: no `</script>`, `<!--` or line separators can end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Text for HTML: `&`, `<`, `>`, quotes escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A script inlined in HTML: a `</script` in its text would end the element. */
export function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

export interface PageOptions {
  title: string;
  /** The bundle: linked (live) or inlined (report). */
  script: { src: string } | { inline: string };
  /** The run's data for a report: the page draws it instead of asking a server. */
  data?: unknown;
  /** A Content-Security-Policy meta tag (the report: nothing may load from anywhere). */
  csp?: string;
}

export function pageHtml(o: PageOptions): string {
  const script = "src" in o.script ? `<script src="${escapeHtml(o.script.src)}"></script>` : `<script>${inlineScript(o.script.inline)}</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
${o.csp ? `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(o.csp)}">\n` : ""}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<div id="app" data-mode="${o.data === undefined ? "live" : "static"}"></div>
${o.data === undefined ? "" : `<script type="application/json" id="qb-data">${scriptJson(o.data)}</script>\n`}${script}
</body>
</html>
`;
}
