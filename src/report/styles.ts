/**
 * The report's one stylesheet. It is a constant (nothing from the image is in
 * it), so its sha256 is the only style the report's CSP allows (csp.ts); style
 * attributes are therefore never used — sizes and colors of the diagram are SVG
 * presentation attributes (width, fill), which CSP does not govern.
 *
 * The page's theme (src/ui/theme.css) in miniature: the same backgrounds, so the
 * layer colors (src/ui/colors.ts, 3:1 against both) read in light and dark;
 * the system's choice via prefers-color-scheme; system fonts only (a report
 * fetches nothing). No url() anywhere.
 */
export const REPORT_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff;
  --bg-soft: #f5f7fa;
  --bg-card: #ffffff;
  --fg: #1b1f24;
  --muted: #5b6470;
  --line: #d9dee5;
  --accent: #2f6fde;
  --warn-fg: #8a4b00;
  --warn-bg: #fff4e0;
  --bad-fg: #a4161a;
  --bad-bg: #fdecec;
  --ok-fg: #17663a;
  --ok-bg: #e7f6ec;
  --hidden: #8a93a0;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c;
    --bg-soft: #1b1f26;
    --bg-card: #191d23;
    --fg: #e6e9ee;
    --muted: #9aa3ae;
    --line: #2c323b;
    --accent: #7aa7ff;
    --warn-fg: #ffc46b;
    --warn-bg: #3a2a10;
    --bad-fg: #ff8a8a;
    --bad-bg: #3b1618;
    --ok-fg: #7ddc9d;
    --ok-bg: #12301e;
    --hidden: #6c7583;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1120px; margin: 0 auto; padding: 28px 24px 48px; }
a { color: var(--accent); }
code, .mono { font-family: var(--mono); font-size: 0.9em; }
.num { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; }
.muted { color: var(--muted); }
.tok {
  font-family: var(--mono);
  font-size: 0.8em;
  color: var(--bad-fg);
  background: var(--bad-bg);
  border-radius: 3px;
  padding: 0 2px;
}
.wrap { overflow-wrap: anywhere; }

/* ------------------------------------------------------------ header */
.top { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 4px 16px; margin-bottom: 4px; }
.brand { font-weight: 600; letter-spacing: 0.02em; color: var(--muted); font-size: 13px; text-transform: uppercase; display: flex; align-items: center; gap: 8px; }
.brand svg { flex: none; }
.generated { font-size: 13px; color: var(--muted); }
h1 { font-size: 26px; line-height: 1.25; margin: 6px 0 10px; overflow-wrap: anywhere; }
h1 .tag + .tag::before { content: ", "; color: var(--muted); }
h2 { font-size: 18px; margin: 0 0 12px; display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; }
h2 .sub { font-size: 13px; font-weight: 400; color: var(--muted); }
h3 { font-size: 15px; margin: 18px 0 8px; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 16px; padding: 0; list-style: none; }
.chip {
  display: inline-block;
  border: 1px solid var(--line);
  background: var(--bg-soft);
  border-radius: 999px;
  padding: 1px 10px;
  font-size: 13px;
  overflow-wrap: anywhere;
}
.chip--warn { color: var(--warn-fg); background: var(--warn-bg); border-color: transparent; }
.chip--bad { color: var(--bad-fg); background: var(--bad-bg); border-color: transparent; }
.chip--ok { color: var(--ok-fg); background: var(--ok-bg); border-color: transparent; }
.ident { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 16px; margin: 0 0 20px; font-size: 14px; }
.ident dt { color: var(--muted); }
.ident dd { margin: 0; font-family: var(--mono); font-size: 13px; overflow-wrap: anywhere; }
nav.toc { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 14px; margin: 0 0 24px; padding: 10px 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); }
nav.toc a { text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }

/* ------------------------------------------------------------ figures */
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; margin: 0 0 28px; }
.card { background: var(--bg-card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
.card .v { display: block; font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; line-height: 1.3; }
.card .k { display: block; font-size: 13px; color: var(--muted); }
.card--warn { border-color: var(--warn-fg); }
.card--warn .v { color: var(--warn-fg); }
.card--bad { border-color: var(--bad-fg); }
.card--bad .v { color: var(--bad-fg); }

section { margin: 0 0 34px; scroll-margin-top: 12px; }
.note { font-size: 14px; color: var(--muted); margin: 6px 0 12px; max-width: 75ch; }
.callout { font-size: 14px; border-left: 3px solid var(--warn-fg); background: var(--warn-bg); padding: 8px 12px; border-radius: 0 6px 6px 0; margin: 8px 0 14px; }
.callout--bad { border-left-color: var(--bad-fg); background: var(--bad-bg); }

/* ------------------------------------------------------------ the stack */
.stack { list-style: none; margin: 0; padding: 0; border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
.stack li {
  display: grid;
  grid-template-columns: 3.2em minmax(0, 1fr) 6.5em;
  gap: 2px 12px;
  align-items: center;
  padding: 6px 12px;
  border-top: 1px solid var(--line);
}
.stack li:first-child { border-top: 0; }
.stack .idx { font-family: var(--mono); font-size: 13px; display: flex; align-items: center; gap: 6px; }
.stack .bar { display: block; width: 100%; height: 14px; }
.stack .step { grid-column: 2 / 4; font-family: var(--mono); font-size: 12px; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stack .size { font-size: 13px; }
.stack .track { fill: var(--bg-soft); }
.stack .bootfs { background: var(--bg-soft); color: var(--muted); font-size: 13px; grid-template-columns: 1fr; }
.share { display: block; width: 100%; height: 18px; margin: 0 0 6px; border-radius: 4px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; color: var(--muted); margin: 0 0 12px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.hidden-part { fill: var(--hidden); }

/* ------------------------------------------------------------ tables */
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 10px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { padding: 6px 10px; border-top: 1px solid var(--line); vertical-align: top; text-align: left; }
thead th { border-top: 0; background: var(--bg-soft); font-size: 12px; text-transform: uppercase; letter-spacing: 0.03em; color: var(--muted); font-weight: 600; white-space: nowrap; }
th.num { text-align: right; }
tbody tr:nth-child(even) td { background: color-mix(in srgb, var(--bg-soft) 55%, transparent); }
/* anywhere: a path without spaces still wraps; the min-width keeps auto layout from squeezing it to one character */
td.path, td.step { font-family: var(--mono); font-size: 13px; overflow-wrap: anywhere; min-width: 22ch; }
td.step { color: var(--fg); }
td.ver { font-family: var(--mono); font-size: 13px; overflow-wrap: anywhere; }
td.dg { font-family: var(--mono); font-size: 13px; white-space: nowrap; }
.sw { vertical-align: -1px; margin-right: 6px; }
.failed { color: var(--bad-fg); }
.ok { color: var(--ok-fg); }
details { margin: 8px 0 0; }
summary { cursor: pointer; color: var(--accent); font-size: 14px; padding: 4px 0; }
.more { font-size: 13px; color: var(--muted); margin: 8px 2px 0; }
.eco { display: inline-block; min-width: 4.5em; font-family: var(--mono); font-size: 12px; color: var(--muted); }
.redacted { font-family: var(--mono); font-size: 13px; background: var(--bg-soft); border: 1px dashed var(--line); border-radius: 4px; padding: 0 4px; overflow-wrap: anywhere; }

footer { border-top: 1px solid var(--line); padding-top: 14px; font-size: 13px; color: var(--muted); }
footer p { margin: 4px 0; }

/* ------------------------------------------------------------ phones: tables become cards */
@media (max-width: 640px) {
  main { padding: 18px 14px 36px; }
  h1 { font-size: 21px; }
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  .card .v { font-size: 18px; }
  .ident { grid-template-columns: minmax(0, 1fr); }
  .ident dd { margin-bottom: 6px; }
  .stack li { grid-template-columns: 2.8em minmax(0, 1fr) 5.6em; padding: 6px 10px; gap: 2px 8px; }
  .table-wrap { border: 0; overflow: visible; }
  table.cardify, table.cardify tbody { display: block; width: 100%; }
  table.cardify thead { display: none; }
  table.cardify tr {
    display: grid;
    grid-template-columns: repeat(3, minmax(0, 1fr));
    gap: 6px 12px;
    border: 1px solid var(--line);
    border-radius: 10px;
    margin: 0 0 8px;
    padding: 8px 12px;
    background: var(--bg-card);
  }
  table.cardify td { display: block; border: 0; padding: 0; text-align: left; background: transparent !important; white-space: normal; min-width: 0; }
  table.cardify td::before { content: attr(data-k); display: block; color: var(--muted); font-family: system-ui, sans-serif; font-size: 11px; text-transform: uppercase; letter-spacing: 0.03em; }
  table.cardify td.wide, table.cardify td.path, table.cardify td.step { grid-column: 1 / -1; }
  table.cardify td:empty { display: none; }
  table.cardify td.head { order: -1; grid-column: 1 / -1; font-weight: 600; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
  table.cardify td.head::before { display: inline; margin-right: 8px; }
  table.cardify td.num { text-align: left; }
}
@media print {
  :root { color-scheme: light; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  tr, .card, .stack li { break-inside: avoid; }
}
`;
