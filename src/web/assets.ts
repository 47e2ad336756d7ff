/**
 * The workspace's one stylesheet, served by the service itself at /app/assets/app.css (no CDN,
 * no build step). System fonts, high-contrast colours (text at least 7:1, tags at least 4.5:1),
 * a visible focus outline, tags for states.
 */
export const STYLESHEET = `
:root { --ink: #0b0c0c; --muted: #484949; --line: #b1b4b6; --paper: #ffffff; --panel: #f3f2f1; --brand: #1d3d5c; --link: #1a4f8b; --focus: #ffdd00; --ok: #005a30; --warn: #6b3a00; --bad: #942514; --info: #1d3d5c; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; font-size: 100%; color: var(--ink); background: var(--paper); line-height: 1.5; }
body { margin: 0; }
a { color: var(--link); text-underline-offset: 2px; }
a:hover { color: var(--ink); }
:focus-visible { outline: 3px solid var(--ink); outline-offset: 0; box-shadow: 0 0 0 6px var(--focus); }
.skip { position: absolute; left: -9999px; top: 0; background: var(--focus); color: var(--ink); padding: .5rem 1rem; }
.skip:focus { left: 0; }
header.site { background: var(--brand); color: #fff; padding: .75rem 1.5rem; display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: center; justify-content: space-between; }
header.site a { color: #fff; }
header.site .name { font-weight: 700; font-size: 1.15rem; text-decoration: none; }
header.site nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 1.25rem; }
header.site .who { font-size: .9rem; }
header.site form { display: inline; }
header.site button { background: transparent; color: #fff; border: 1px solid #fff; padding: .2rem .6rem; font: inherit; cursor: pointer; }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.9rem; margin: 0 0 1rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 .75rem; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; margin: 0 0 1.5rem; }
caption { text-align: left; font-weight: 700; font-size: 1.1rem; padding: .5rem 0; }
th, td { text-align: left; padding: .5rem .75rem .5rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.tag { display: inline-block; padding: .05rem .45rem; margin: 0 .25rem .25rem 0; font-size: .85rem; font-weight: 600; border: 1px solid currentColor; border-radius: 2px; color: var(--info); background: #fff; white-space: nowrap; }
.tag.ok { color: var(--ok); } .tag.warn { color: var(--warn); } .tag.bad { color: var(--bad); } .tag.muted { color: var(--muted); }
.notice { border-left: 6px solid var(--ok); background: var(--panel); padding: .75rem 1rem; margin: 0 0 1.25rem; }
.notice.error { border-color: var(--bad); }
.hint { color: var(--muted); margin: .25rem 0 .75rem; }
.field { margin: 0 0 1rem; }
label, legend { display: block; font-weight: 600; margin-bottom: .25rem; }
input[type=text], input[type=date], input[type=datetime-local], input[type=number], select, textarea { font: inherit; padding: .35rem .5rem; border: 2px solid var(--ink); background: #fff; color: var(--ink); max-width: 100%; width: 28rem; }
textarea { min-height: 5rem; }
input[type=checkbox] { width: 1.25rem; height: 1.25rem; vertical-align: middle; margin-right: .5rem; }
.check label { display: inline; }
.field-error { color: var(--bad); font-weight: 600; margin: .25rem 0; }
button.primary, .button { font: inherit; font-weight: 600; background: var(--ok); color: #fff; border: 0; border-bottom: 3px solid #002d18; padding: .5rem 1rem; cursor: pointer; text-decoration: none; display: inline-block; }
button.primary:hover, .button:hover { background: #004020; color: #fff; }
details.action { border: 1px solid var(--line); padding: .5rem 1rem; margin: 0 0 .75rem; background: #fff; }
details.action > summary { cursor: pointer; font-weight: 600; color: var(--link); }
details.action[open] > summary { margin-bottom: .75rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1.5rem; margin: 0 0 1rem; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
.panel { background: var(--panel); padding: 1rem 1.25rem; margin: 0 0 1.5rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1.5rem; }
.lang a[aria-current] { font-weight: 700; text-decoration: none; }
ul.beds { list-style: none; display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; margin: 0 0 1.5rem; }
figure.chart { margin: 0 0 1.5rem; }
figure.chart figcaption { font-weight: 600; margin-bottom: .25rem; }
svg .bar { fill: var(--brand); } svg text { fill: var(--ink); font-size: 12px; font-family: inherit; }
footer { max-width: 72rem; margin: 2rem auto; padding: 1rem 1.5rem; color: var(--muted); border-top: 1px solid var(--line); font-size: .9rem; }
`;
