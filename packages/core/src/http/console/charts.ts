import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

export type Bar = { label: string; value: number };
type Chart = { id: string; title: string; rows: Bar[]; labelHeading: string; valueHeading: string };
export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

const BAR_COLOR = "#1f6feb";
const AXIS_COLOR = "#57606a";
const number = (value: number) => value.toLocaleString("en-US");

/**
 * A chart as server-rendered SVG, its numbers in a table beside it: the SVG is one image with a
 * label for screen readers, the table is what they (and copying) read. No script, no style
 * attribute (the CSP allows only the console's one stylesheet): presentation attributes only.
 */
function figure(chart: Chart, svg: Markup) {
  const row = ({ label, value }: Bar) =>
    html`<tr><th scope="row">${label}</th><td class="n">${number(value)}</td></tr>`;
  // Focusable, so a keyboard can scroll a long table (axe: scrollable-region-focusable).
  const scroll = html`<div class="scroll" tabindex="0" role="region" aria-label="${chart.title}: figures">`;
  return html`<section aria-labelledby="${chart.id}"><h2 id="${chart.id}">${chart.title}</h2><div class="chart">
${svg}${scroll}<table><caption>${chart.title}</caption>
<thead><tr><th scope="col">${chart.labelHeading}</th><th scope="col">${chart.valueHeading}</th></tr></thead>
<tbody>${chart.rows.map(row)}</tbody></table></div></div></section>`;
}

function svgOpen(chart: Chart, width: number, height: number) {
  const label = `${chart.title}: bar chart, figures in the table`;
  const size = html`viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"`;
  return html`<svg role="img" aria-label="${label}" ${size}>`;
}

/** Columns, one per row, oldest first: a series over time such as registrations per week. */
export function columnChart(chart: Chart) {
  const [width, height, bottom] = [640, 200, 20];
  const max = Math.max(1, ...chart.rows.map((row) => row.value));
  const step = width / Math.max(1, chart.rows.length);
  const column = ({ label, value }: Bar, i: number) => {
    const tall = Math.round((value / max) * height);
    const [x, wide] = [(i * step + 1).toFixed(1), Math.max(1, step - 2).toFixed(1)];
    return html`<rect x="${x}" y="${height - tall}" width="${wide}" height="${tall}" fill="${BAR_COLOR}">
<title>${label}: ${number(value)}</title></rect>`;
  };
  const axis = (x: number, anchor: string, text: string) =>
    html`<text x="${x}" y="${height + 15}" font-size="12" fill="${AXIS_COLOR}" text-anchor="${anchor}">${text}</text>`;
  return figure(
    chart,
    html`${svgOpen(chart, width, height + bottom)}${chart.rows.map(column)}
<line x1="0" y1="${height}" x2="${width}" y2="${height}" stroke="${AXIS_COLOR}"/>
${axis(0, "start", chart.rows[0]?.label ?? "")}${axis(width, "end", chart.rows.at(-1)?.label ?? "")}
<text x="4" y="12" font-size="12" fill="${AXIS_COLOR}">max ${number(max)}</text></svg>`,
  );
}

/** Horizontal bars, largest first: a tally by name, such as registrations by version. */
export function barChart(chart: Chart) {
  const rows = [...chart.rows].sort((a, b) => b.value - a.value);
  const [labelWidth, barWidth, rowHeight] = [140, 320, 22];
  const max = Math.max(1, ...rows.map((row) => row.value));
  const bar = ({ label, value }: Bar, i: number) => {
    const [y, length] = [i * rowHeight, Math.max(1, Math.round((value / max) * barWidth))];
    const text = (x: number, anchor: string, content: string) =>
      html`<text x="${x}" y="${y + 15}" font-size="12" text-anchor="${anchor}" fill="#1f2328">${content}</text>`;
    return html`${text(labelWidth - 6, "end", label.slice(0, 20))}
<rect x="${labelWidth}" y="${y + 3}" width="${length}" height="${rowHeight - 6}" fill="${BAR_COLOR}"/>
${text(labelWidth + length + 4, "start", number(value))}`;
  };
  const svg = svgOpen(chart, labelWidth + barWidth + 60, Math.max(rowHeight, rows.length * rowHeight));
  return figure({ ...chart, rows }, html`${svg}${rows.map(bar)}</svg>`);
}
