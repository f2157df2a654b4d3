/**
 * The webhook flags of `workloom serve`: `--webhook-url`, `--webhook-secret` (or
 * `WORKLOOM_WEBHOOK_SECRET`), `--webhook-allow`, `--webhook-timeout`, `--webhook-attempts`.
 *
 * @module
 */
import { flagValue, parseDuration, parseWhole } from "./units.ts";

/** The help text of the webhook flags. */
export const WEBHOOK_USAGE =
  `  --webhook-secret <s,s>  Secrets (whsec_…, comma-separated: each delivery is signed with
                          all, for rotation) that sign completion webhooks; or set
                          WORKLOOM_WEBHOOK_SECRET (on the command line anyone on the
                          machine sees them in ps: a warning says so). Without one,
                          jobs naming a webhook get 400.
  --webhook-url <url>     The webhook of jobs that name none. Default: none.
  --webhook-allow <a,b>   Host names and networks (10.0.0.0/8, 127.0.0.1) webhooks may go
                          to, the only ones then. Default: public addresses only.
  --webhook-timeout <dur> Deadline of one delivery attempt, at most 10m. Default: 10s.
  --webhook-attempts <n>  Attempts of one delivery at most, up to 100. Default: 5.`;

/** The flag definitions, for `parseArgs`. */
export const WEBHOOK_FLAGS = {
  "webhook-secret": { type: "string" },
  "webhook-url": { type: "string" },
  "webhook-allow": { type: "string" },
  "webhook-timeout": { type: "string" },
  "webhook-attempts": { type: "string" },
} as const;

/** The webhook settings `workloom serve` passes to `createServer`. */
export interface WebhookSettings {
  webhookSecrets: string[];
  webhookUrl?: string;
  webhookAllow?: string[];
  webhookTimeoutMs?: number;
  webhookAttempts?: number;
}

function list(text: string | undefined): string[] | undefined {
  return text?.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Reads the webhook flags (the secrets from the environment when the flag is absent) as
 * `{ webhooks }`, or `{}` when none is given; throws `RangeError` naming a bad value (never a
 * secret's).
 *
 * @example
 * ```ts
 * import { webhookSettings } from "./serve_webhooks.ts";
 * const s = webhookSettings({ "webhook-allow": "127.0.0.1" }, () => undefined);
 * console.log(s.webhooks?.webhookAllow); // ["127.0.0.1"]
 * ```
 */
export function webhookSettings(
  values: { [K in keyof typeof WEBHOOK_FLAGS]?: string },
  env: (name: string) => string | undefined,
): { webhooks?: WebhookSettings } {
  const given = Object.keys(WEBHOOK_FLAGS).some((k) => values[k as keyof typeof WEBHOOK_FLAGS]);
  if (!given && env("WORKLOOM_WEBHOOK_SECRET") === undefined) return {};
  const out: WebhookSettings = {
    webhookSecrets: list(values["webhook-secret"] ?? env("WORKLOOM_WEBHOOK_SECRET")) ?? [],
  };
  if (values["webhook-url"] !== undefined) out.webhookUrl = values["webhook-url"];
  const allow = list(values["webhook-allow"]);
  if (allow !== undefined) out.webhookAllow = allow;
  const timeout = values["webhook-timeout"];
  if (timeout !== undefined) {
    // createServer's own bound (webhookTimeoutMs), here named by the flag.
    const what = "a duration such as 10s, at most 10m";
    out.webhookTimeoutMs = flagValue("webhook-timeout", timeout, parseDuration, what, {
      max: 600_000,
    });
  }
  const attempts = values["webhook-attempts"];
  if (attempts !== undefined) {
    out.webhookAttempts = flagValue(
      "webhook-attempts",
      attempts,
      parseWhole,
      "a whole number from 1 to 100",
      { max: 100 },
    );
  }
  return { webhooks: out };
}
