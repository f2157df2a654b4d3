// Types for the parser the metrics tests use (the package ships none).
declare module "parse-prometheus-text-format" {
  /** One sample, or for histograms and summaries their buckets/quantiles with count and sum. */
  export interface ParsedMetric {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  /** One family. */
  export interface ParsedFamily {
    name: string;
    help: string;
    type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    metrics: ParsedMetric[];
  }
  export default function parse(text: string): ParsedFamily[];
}
