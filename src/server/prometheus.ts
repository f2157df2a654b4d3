/**
 * The Prometheus text exposition format (version 0.0.4): metric families in, text out. Pure:
 * the collector decides what the numbers are, this file only knows how Prometheus spells them.
 *
 * @module
 */

/** The types Prometheus knows. */
export type MetricType = "counter" | "gauge" | "histogram" | "summary";

/** One sample line: a suffix of the family name (`_bucket`, `_sum` …), labels and a value. */
export interface Sample {
  /** Appended to the family name, e.g. `_bucket`. @default {""} */
  suffix?: string;
  labels?: Record<string, string | number>;
  value: number;
}

/** A metric family: one `# HELP`, one `# TYPE`, and its samples. */
export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

/** The content type Prometheus expects for this format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A number as Prometheus writes it: `+Inf`, `-Inf`, `NaN`, or the shortest decimal. */
export function formatValue(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  return String(value);
}

function labelText(labels: Record<string, string | number> | undefined): string {
  if (!labels) return "";
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${escapeLabel(typeof v === "number" ? formatValue(v) : v)}"`
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}

/**
 * Writes families in the text format. Families without samples are still declared, so that a
 * scraper sees every name from the first scrape on.
 *
 * @example
 * ```ts
 * import { formatExposition } from "./prometheus.ts";
 * const text = formatExposition([
 *   { name: "workloom_queue_depth", type: "gauge", help: "Tasks waiting", samples: [{ value: 3 }] },
 * ]);
 * console.log(text.endsWith("workloom_queue_depth 3\n")); // true
 * ```
 */
export function formatExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      lines.push(`${f.name}${s.suffix ?? ""}${labelText(s.labels)} ${formatValue(s.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Cumulative bucket counts, as a histogram family's samples (`le` in seconds). */
export function histogramSamples(
  labels: Record<string, string>,
  bounds: readonly number[],
  counts: readonly number[],
  sum: number,
): Sample[] {
  // counts[i] is how many fell in (bounds[i-1], bounds[i]]; counts[bounds.length] is above all.
  const samples: Sample[] = [];
  let cumulative = 0;
  bounds.forEach((le, i) => {
    cumulative += counts[i];
    samples.push({ suffix: "_bucket", labels: { ...labels, le }, value: cumulative });
  });
  cumulative += counts[bounds.length];
  samples.push({ suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: cumulative });
  samples.push({ suffix: "_sum", labels, value: sum });
  samples.push({ suffix: "_count", labels, value: cumulative });
  return samples;
}
