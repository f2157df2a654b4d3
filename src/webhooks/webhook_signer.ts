/**
 * Signing per the Standard Webhooks spec with the `standardwebhooks` package (an optional peer,
 * loaded only when a server has webhook secrets): `v1,<base64 HMAC-SHA256>` of
 * `<webhook-id>.<webhook-timestamp>.<body>` for every active secret, space-separated, so that a
 * receiver holding either the old or the new secret verifies each delivery during a rotation.
 *
 * @module
 */

/** Signs one delivery: the `webhook-signature` header value. */
export type Sign = (id: string, timestamp: Date, body: string) => string;

/**
 * Throws `TypeError`/`RangeError` unless every secret is `whsec_` and base64 of 24 to 64 bytes
 * (what the spec asks); the message never shows a secret, only its position.
 *
 * @example
 * ```ts
 * import { checkSecrets } from "./webhook_signer.ts";
 * checkSecrets(["whsec_" + btoa("k".repeat(32))]); // no throw
 * ```
 */
export function checkSecrets(secrets: readonly string[]): void {
  secrets.forEach((s, i) => {
    const what = `Cannot sign webhooks as secret ${i + 1} of 'webhookSecrets'`;
    if (typeof s !== "string" || !/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(s)) {
      throw new TypeError(`${what} must be whsec_ followed by base64`);
    }
    const bytes = atob(s.slice(6)).length;
    if (bytes < 24 || bytes > 64) {
      throw new RangeError(`${what} must be 24 to 64 bytes: it is ${bytes}`);
    }
  });
}

/**
 * Loads `standardwebhooks` and returns a signer using every secret of `secrets`.
 *
 * @example
 * ```ts
 * import { webhookSigner } from "./webhook_signer.ts";
 * const sign = await webhookSigner(["whsec_" + btoa("k".repeat(32))]);
 * console.log(sign("msg_1", new Date(), "{}").startsWith("v1,")); // true
 * ```
 */
export async function webhookSigner(secrets: readonly string[]): Promise<Sign> {
  checkSecrets(secrets);
  let Webhook;
  try {
    ({ Webhook } = await import("standardwebhooks"));
  } catch (e) {
    throw new TypeError(
      "Cannot sign webhooks as the 'standardwebhooks' package is not installed: npm i standardwebhooks",
      { cause: e },
    );
  }
  const signers = secrets.map((s) => new Webhook(s));
  return (id, timestamp, body) => signers.map((w) => w.sign(id, timestamp, body)).join(" ");
}
