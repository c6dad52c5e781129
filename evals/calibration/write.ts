import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderSvg } from '../charts.js';
import { esc, htmlTable, mdTable, REPORT_CSS } from '../report.js';
import type { CalibrationSection } from './section.js';

export interface CalibrationReportPaths {
  readonly markdownPath: string;
  readonly htmlPath: string;
}

/** `hubgen calibrate`'s report: the calibration section alone, as markdown with SVG plots beside it and as self-contained HTML. */
export async function writeCalibrationReport(section: CalibrationSection, outDir: string, heading: readonly string[]): Promise<CalibrationReportPaths> {
  const dir = resolve(outDir);
  await mkdir(join(dir, 'plots'), { recursive: true });
  const plots = await Promise.all(section.plots.map(async (p) => ({ ...p, svg: await renderSvg(p.spec) })));
  for (const p of plots) await writeFile(join(dir, 'plots', `${p.id}.svg`), p.svg);
  const md = [
    '# hubgen calibration',
    '',
    ...heading.map((l) => `${l}  `),
    '',
    ...section.lines.flatMap((l) => [l, '']),
    ...section.tables.flatMap((t) => [`## ${t.title}`, '', ...(t.note ? [t.note, ''] : []), mdTable(t.table), '']),
    ...plots.flatMap((p) => [`## ${p.title}`, '', `![${p.title}](plots/${p.id}.svg)`, '', p.caption, '']),
  ].join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>hubgen calibration</title><style>${REPORT_CSS}</style></head>
<body>
<h1>hubgen calibration</h1>
${heading.map((l) => `<p>${esc(l)}</p>`).join('\n')}
${section.lines.map((l) => `<p>${esc(l)}</p>`).join('\n')}
${section.tables.map((t) => `<h2>${esc(t.title)}</h2>${t.note ? `<p>${esc(t.note)}</p>` : ''}${htmlTable(t.table)}`).join('\n')}
${plots.map((p) => `<h2>${esc(p.title)}</h2><figure class="plot" id="plot-${p.id}">${p.svg}<figcaption>${esc(p.caption)}</figcaption></figure>`).join('\n')}
</body></html>
`;
  const markdownPath = join(dir, 'calibration.md');
  const htmlPath = join(dir, 'calibration.html');
  await writeFile(markdownPath, md);
  await writeFile(htmlPath, html);
  return { markdownPath, htmlPath };
}
