/**
 * Two small SVG charts written by hand (no plotting library): lines over a numeric x axis and a scatter
 * plot. Each series is one `<g class="series" data-label="…">`, so a reader (or a test) can find them.
 *
 * @example
 * ```ts
 * import { lineChart } from "./svg.ts";
 * const svg = lineChart({
 *   title: "t", xLabel: "epoch", yLabel: "acc",
 *   series: [{ label: "a", color: "#000", points: [[1, 0.5], [2, 0.7]] }],
 * });
 * if (!svg.startsWith("<svg") || svg.split('class="series"').length !== 2) throw new Error("one series");
 * ```
 * @module
 */

/** One series: points (x, y); NaN y values break the line / are skipped. */
export interface Series {
  label: string;
  color: string;
  /** stroke-dasharray of a line, e.g. "6 3". */
  dash?: string;
  /** Marker of a scatter series. */
  marker?: "circle" | "square" | "triangle";
  points: [number, number][];
}

/** A chart: title, axis labels and series. */
export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
  /** Integer ticks on x (epochs). */
  integerX?: boolean;
}

const W = 720, H = 440;
const M = { left: 64, right: 210, top: 40, bottom: 52 };

/** Escape text for XML content and attributes. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Tick labels with the fewest decimals that keep them distinct. */
function tickLabels(ticks: number[]): string[] {
  for (let d = 0; d < 8; d++) {
    const labels = ticks.map((t) => t.toFixed(d));
    if (new Set(labels).size === ticks.length) return labels;
  }
  return ticks.map(String);
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) {
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

function extent(values: number[], pad: number): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite), hi = Math.max(...finite);
  if (hi - lo < 1e-9) {
    lo -= 0.05;
    hi += 0.05;
  }
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

function frame(chart: Chart, xs: number[], ys: number[]) {
  const width = chart.width ?? W, height = chart.height ?? H;
  const pw = width - M.left - M.right, ph = height - M.top - M.bottom;
  let [x0, x1] = extent(xs, chart.integerX ? 0 : 0.05);
  if (chart.integerX) {
    [x0, x1] = [Math.min(...xs.filter(Number.isFinite), 1), Math.max(...xs.filter(Number.isFinite), 2)];
  }
  const [y0, y1] = extent(ys, 0.05);
  const sx = (x: number) => M.left + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number) => M.top + ph - ((y - y0) / (y1 - y0 || 1)) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="12">`,
    `<title>${xmlEscape(chart.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`,
    `<text x="${M.left}" y="24" font-size="15">${xmlEscape(chart.title)}</text>`,
  );
  const xt = chart.integerX
    ? Array.from({ length: x1 - x0 + 1 }, (_, k) => x0 + k).filter((_, k, a) =>
      a.length <= 12 || k % Math.ceil(a.length / 12) === 0
    )
    : niceTicks(x0, x1);
  const axes: string[] = [`<g class="axes" stroke="#999" fill="#333">`];
  const yt = niceTicks(y0, y1), yl = tickLabels(yt), xl = tickLabels(xt);
  yt.forEach((t, k) => {
    const y = sy(t).toFixed(1);
    axes.push(
      `<line x1="${M.left}" x2="${M.left + pw}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" stroke="none">${yl[k]}</text>`,
    );
  });
  xt.forEach((t, k) => {
    const x = sx(t).toFixed(1);
    axes.push(
      `<line x1="${x}" x2="${x}" y1="${M.top + ph}" y2="${M.top + ph + 4}"/>`,
      `<text x="${x}" y="${M.top + ph + 18}" text-anchor="middle" stroke="none">${xl[k]}</text>`,
    );
  });
  axes.push(
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none"/>`,
    `<text x="${M.left + pw / 2}" y="${height - 12}" text-anchor="middle" stroke="none">${
      xmlEscape(chart.xLabel)
    }</text>`,
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" stroke="none">` +
      `${xmlEscape(chart.yLabel)}</text>`,
    `</g>`,
  );
  parts.push(...axes);
  const legend = (k: number, s: Series, swatch: string) =>
    `<g class="legend" transform="translate(${M.left + pw + 14} ${M.top + 8 + k * 18})">${swatch}` +
    `<text x="30" y="4">${xmlEscape(s.label)}</text></g>`;
  return { parts, sx, sy, legend, width, height };
}

function marker(kind: Series["marker"], x: number, y: number, color: string): string {
  const c = `fill="${color}" fill-opacity="0.8" stroke="${color}"`;
  if (kind === "square") {
    return `<rect x="${(x - 4).toFixed(1)}" y="${(y - 4).toFixed(1)}" width="8" height="8" ${c}/>`;
  }
  if (kind === "triangle") {
    return `<polygon points="${x.toFixed(1)},${(y - 5).toFixed(1)} ${(x - 5).toFixed(1)},${
      (y + 4).toFixed(1)
    } ` +
      `${(x + 5).toFixed(1)},${(y + 4).toFixed(1)}" ${c}/>`;
  }
  return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" ${c}/>`;
}

/** Lines, one per series; points with NaN y split the line. */
export function lineChart(chart: Chart): string {
  const xs = chart.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = chart.series.flatMap((s) => s.points.map((p) => p[1]));
  const { parts, sx, sy, legend } = frame(chart, xs, ys);
  chart.series.forEach((s, k) => {
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
    const segments: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (Number.isFinite(y)) segments[segments.length - 1].push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      else if (segments[segments.length - 1].length) segments.push([]);
    }
    parts.push(`<g class="series" data-label="${xmlEscape(s.label)}" stroke="${s.color}" fill="none">`);
    for (const seg of segments.filter((g) => g.length)) {
      parts.push(`<polyline points="${seg.join(" ")}" stroke-width="2"${dash}/>`);
      for (const pt of seg) {
        const [x, y] = pt.split(",");
        parts.push(`<circle cx="${x}" cy="${y}" r="2.5" fill="${s.color}"/>`);
      }
    }
    parts.push(`</g>`);
    parts.push(
      legend(k, s, `<line x1="0" x2="24" y1="0" y2="0" stroke="${s.color}" stroke-width="2"${dash}/>`),
    );
  });
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}

/** A scatter plot, one marker per point. */
export function scatterChart(chart: Chart): string {
  const xs = chart.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = chart.series.flatMap((s) => s.points.map((p) => p[1]));
  const { parts, sx, sy, legend } = frame(chart, xs, ys);
  chart.series.forEach((s, k) => {
    parts.push(`<g class="series" data-label="${xmlEscape(s.label)}">`);
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(y)) parts.push(marker(s.marker, sx(x), sy(y), s.color));
    }
    parts.push(`</g>`);
    parts.push(legend(k, s, marker(s.marker, 12, 0, s.color)));
  });
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}
