/** The inspector's one stylesheet, served at /assets/inspector.css. System fonts only: it must work offline. */
export const CSS = `
:root{--bg:#f5f6f2;--card:#fff;--line:#e2e5dd;--text:#1c2420;--muted:#66716b;--accent:#1f7a4d;--accent-dark:#143d2a;--link:#17643f;
--ok:#1b6b40;--ok-bg:#e2f3e8;--bad:#a12a2a;--bad-bg:#fbe7e6;--warn:#875800;--warn-bg:#fff1cf;--esc:#5b2d9c;--esc-bg:#efe6fb;--skip:#5f6368;--skip-bg:#eceeea}
*{box-sizing:border-box}
html{background:var(--bg)}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--text)}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
header.top{background:var(--accent-dark);color:#fff}
header.top .wrap{display:flex;align-items:center;gap:1.5rem;height:52px}
header.top .brand{font-weight:700;font-size:15px;color:#fff;letter-spacing:.2px}
header.top .brand span{color:#9fd9b8;font-weight:500}
header.top nav a{color:#d6eadf;margin-right:1rem;font-weight:500}
header.top nav a.on{color:#fff;border-bottom:2px solid #9fd9b8;padding-bottom:14px}
header.top form{margin-left:auto;display:flex;gap:.4rem}
header.top input{border:0;border-radius:6px;padding:.35rem .6rem;width:9rem;font:inherit}
header.top button{border:0;border-radius:6px;padding:.35rem .8rem;background:#9fd9b8;color:var(--accent-dark);font-weight:600;cursor:pointer}
.wrap{max-width:1240px;margin:0 auto;padding:0 1.25rem}
main.wrap{padding-top:1.25rem;padding-bottom:3rem}
.crumbs{color:var(--muted);font-size:13px;margin-bottom:.4rem}.crumbs a{color:var(--muted)}.crumbs a:hover{color:var(--link)}
h1{font-size:1.55rem;margin:.1rem 0 .35rem;line-height:1.25}
h2{font-size:1.1rem;margin:1.6rem 0 .6rem}
h3{font-size:1rem;margin:0 0 .3rem}
.sub{color:var(--muted);margin:0 0 1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem 1.1rem;box-shadow:0 1px 2px rgba(20,40,30,.04)}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(185px,1fr));gap:.75rem;margin:.8rem 0 1rem}
.stat{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.6rem .85rem}
.stat b{display:block;font-size:1.25rem;font-weight:650}.stat small{color:var(--muted)}
table.t{width:100%;border-collapse:separate;border-spacing:0;background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden;font-size:13px}
table.t th,table.t td{padding:.5rem .7rem;text-align:left;border-bottom:1px solid var(--line);vertical-align:top}
table.t thead th{background:#f0f2ec;color:#3b4640;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.3px;white-space:nowrap}
table.t tr:last-child>td,table.t tr:last-child>th{border-bottom:0}
table.t td.n,table.t th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
table.t tr.sub td{background:#fcfcfa;padding-top:.3rem;font-size:12.5px}
.scroll{overflow-x:auto}
.badge{display:inline-block;border-radius:999px;padding:.05rem .55rem;font-size:12px;font-weight:600;white-space:nowrap;background:var(--skip-bg);color:var(--skip)}
.badge.ok,.badge.complete,.badge.accepted,.badge.on-page{background:var(--ok-bg);color:var(--ok)}
.badge.failed,.badge.removed,.badge.corrupt,.badge.missing{background:var(--bad-bg);color:var(--bad)}
.badge.empty,.badge.dropped,.badge.interrupted,.badge.stopped-budget,.badge.running,.badge.below{background:var(--warn-bg);color:var(--warn)}
.badge.escalated{background:var(--esc-bg);color:var(--esc)}
.chip{display:inline-block;background:#eef3ee;color:#2e4a3b;border-radius:6px;padding:.05rem .45rem;margin:0 .25rem .25rem 0;font-size:12.5px}
.chip.chosen{background:var(--accent);color:#fff}
.chip.off{background:#f3f3f1;color:#8a918c;text-decoration:line-through}
.muted{color:var(--muted)}.small{font-size:12.5px}.err{color:var(--bad)}
.callout{border-left:4px solid var(--warn);background:var(--warn-bg);padding:.6rem .9rem;border-radius:6px;margin:.8rem 0}
.callout.bad{border-color:var(--bad);background:var(--bad-bg)}
.pager{display:flex;gap:.5rem;align-items:center;margin:.8rem 0;color:var(--muted);font-size:13px}
.pager a,.pager span.cur{border:1px solid var(--line);background:var(--card);border-radius:6px;padding:.15rem .6rem}
.tabs{display:flex;gap:.35rem;margin:.6rem 0}.tabs a{padding:.2rem .7rem;border-radius:999px;border:1px solid var(--line);background:var(--card);font-size:13px}
.tabs a.on{background:var(--accent);border-color:var(--accent);color:#fff}
.esc{display:inline-block;min-width:3.2rem}.esc.hot{color:var(--esc);font-weight:650}
table.t tr.failures td{padding-left:1.2rem;border-left:3px solid var(--bad)}
/* page view */
.pagegrid{display:grid;grid-template-columns:minmax(0,1fr) 300px;gap:1.25rem;align-items:start}
@media (max-width:980px){.pagegrid{grid-template-columns:1fr}}
.theme{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1rem 1.1rem;margin-bottom:1rem}
.theme header{display:flex;align-items:baseline;gap:.6rem;flex-wrap:wrap}
.theme header .pos{color:var(--muted);font-weight:600}
.theme p.desc{color:#3d4842;margin:.25rem 0 .5rem}
.products{display:grid;grid-template-columns:repeat(auto-fill,minmax(172px,1fr));gap:.6rem;margin:.6rem 0 .4rem}
.product{border:1px solid var(--line);border-radius:9px;padding:.55rem .65rem;background:#fbfcfa;display:flex;flex-direction:column;gap:.2rem;min-height:92px}
.product .name{font-weight:600;font-size:13px;line-height:1.3}
.product .cat{color:var(--muted);font-size:12px}
.product .foot{margin-top:auto;display:flex;justify-content:space-between;align-items:center;font-size:12px;color:var(--muted)}
.product.hit{border-color:#7cc49c;background:#f2faf5}
.product .hitmark{color:var(--ok);font-weight:700;font-size:11.5px}
aside .card{margin-bottom:1rem}
aside h3{font-size:.8rem;text-transform:uppercase;letter-spacing:.4px;color:var(--muted);margin:.2rem 0 .5rem}
.bar{display:flex;align-items:center;gap:.5rem;font-size:13px;margin:.15rem 0}
.bar .label{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar .track{width:70px;height:6px;background:#edf0ea;border-radius:3px;overflow:hidden}.bar .fill{display:block;height:100%;background:var(--accent)}
.bar .v{width:2.6rem;text-align:right;color:var(--muted);font-variant-numeric:tabular-nums}
ul.plain{list-style:none;padding:0;margin:0}ul.plain li{padding:.15rem 0;font-size:13px;border-bottom:1px dashed #eceee9}ul.plain li:last-child{border:0}
.big{font-size:1.6rem;font-weight:700;color:var(--accent)}
/* trail */
details.trail{margin-top:.6rem;border-top:1px solid var(--line);padding-top:.5rem}
details.trail>summary{cursor:pointer;color:var(--link);font-weight:600;font-size:13px;list-style:none;display:flex;gap:.5rem;align-items:center}
details.trail>summary::-webkit-details-marker{display:none}
details.trail>summary::before{content:"▸";display:inline-block;transition:transform .15s}
details.trail[open]>summary::before{transform:rotate(90deg)}
.phase{border-left:3px solid var(--line);margin:.8rem 0 .2rem .3rem;padding:.1rem 0 .2rem .9rem}
.phase h4{margin:0 0 .35rem;font-size:13px;text-transform:uppercase;letter-spacing:.4px;color:#3b4640}
.phase h4 .n{display:inline-block;background:var(--accent);color:#fff;border-radius:50%;width:1.35rem;height:1.35rem;text-align:center;line-height:1.35rem;font-size:11.5px;margin-right:.35rem}
.phase table.t{font-size:12.5px;margin:.35rem 0}
.phase table.t th,.phase table.t td{padding:.3rem .55rem}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;font-size:13px;margin:.2rem 0 .4rem}.kv dt{color:var(--muted)}.kv dd{margin:0}
.why{color:var(--muted);font-size:12px}
details.cands{margin:.35rem 0}details.cands>summary{cursor:pointer;color:var(--link);font-size:12.5px}details.cands[open]>summary{margin-bottom:.3rem}
.nowrap{white-space:nowrap}
.glance{background:#f3f5f0;border:1px solid var(--line);border-radius:6px;padding:.3rem .55rem;margin:.35rem 0;font-size:12px;overflow-x:auto;white-space:nowrap}
table.cascade tr.attempt>*{border-bottom:0}
table.cascade tr.why-row td{padding-top:0;padding-bottom:.45rem;font-size:12px}
table.cascade tr.why-row .reason{color:#3b4640}
/* diff */
#themes-kept td:first-child{min-width:14rem}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.delta.up{color:var(--bad)}.delta.down{color:var(--ok)}
.added{color:var(--ok)}.removedtxt{color:var(--bad)}
form.inline{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end;margin:.4rem 0 1rem}
form.inline label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:.2rem}
form.inline input,form.inline select{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:6px;min-width:12rem;background:#fff}
form.inline button{font:inherit;padding:.4rem .9rem;border-radius:6px;border:0;background:var(--accent);color:#fff;font-weight:600;cursor:pointer}
pre.json{background:#1d2521;color:#e3eee7;border-radius:10px;padding:1rem;overflow:auto;max-height:75vh;line-height:1.45}
figure.plot{background:#fff;border:1px solid var(--line);border-radius:10px;padding:.8rem;margin:0 0 1rem}
figure.plot img{max-width:100%;height:auto;display:block}figure.plot figcaption{color:var(--muted);font-size:12.5px;margin-top:.4rem}
.plots{display:grid;grid-template-columns:1fr;gap:1rem}
figure.plot img{margin:0 auto}
table.wide th,table.wide td{white-space:nowrap;font-size:12.5px}
`;

/** A basket in the brand's greens, so the browser's favicon request gets an answer rather than a 404. */
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#143d2a"/><path d="M7 13h18l-2.2 10.2a2 2 0 0 1-2 1.8h-9.6a2 2 0 0 1-2-1.8z" fill="#9fd9b8"/><path d="M11 13l4-6M21 13l-4-6" stroke="#9fd9b8" stroke-width="2.2" stroke-linecap="round" fill="none"/></svg>`;
