/**
 * Which addresses a webhook may be sent to: the server-side request forgery rules. Pure
 * functions over address text, so that the check is the same whatever resolved the name, and
 * is made on the address the connection will use (see `webhook_target.ts`).
 *
 * Without an allow-list only public unicast addresses are called; with one, an address inside a
 * listed network is called, and so is a public address of a listed host name.
 *
 * @module
 */

/** A network: the address as 16 bytes (IPv4 mapped into IPv6) and its prefix length in bits. */
interface Network {
  bytes: Uint8Array;
  bits: number;
}

/** The parsed `--webhook-allow` list: host names, and networks (single addresses are /32, /128). */
export interface AllowList {
  names: ReadonlySet<string>;
  networks: readonly Network[];
}

/** Parses canonical dotted IPv4 (`a.b.c.d`, no octal or hex: URL parsing normalised those). */
function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255)) {
    return undefined;
  }
  const out = new Uint8Array(16);
  out[10] = out[11] = 0xff;
  parts.forEach((p, i) => (out[12 + i] = Number(p)));
  return out;
}

/** Parses IPv6 text (with `::` and an optional dotted IPv4 tail; brackets and zone dropped). */
function parseV6(text: string): Uint8Array | undefined {
  let s = text.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!s.includes(":")) return undefined;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = parseV4(dotted[2]);
    if (!v4) return undefined;
    tail.push((v4[12] << 8) | v4[13], (v4[14] << 8) | v4[15]);
    s = dotted[1].endsWith("::") ? dotted[1] : dotted[1].slice(0, -1);
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const group = (h: string) => (h === "" ? [] : h.split(":"));
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  const words = [...head, ...rest].map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : -1));
  if (words.includes(-1)) return undefined;
  const fill = 8 - words.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const all = [
    ...words.slice(0, head.length),
    ...new Array(halves.length === 2 ? fill : 0).fill(0),
    ...words.slice(head.length),
    ...tail,
  ];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/**
 * An IP address as 16 bytes (IPv4 as IPv4-mapped IPv6), or `undefined` when `text` is not one.
 *
 * @example
 * ```ts
 * import { parseAddress } from "./address_policy.ts";
 * console.log(parseAddress("127.0.0.1")?.[15], parseAddress("example.com")); // 1 undefined
 * ```
 */
export function parseAddress(text: string): Uint8Array | undefined {
  return parseV4(text) ?? parseV6(text);
}

function within(address: Uint8Array, net: Network): boolean {
  const full = net.bits >> 3;
  for (let i = 0; i < full; i++) if (address[i] !== net.bytes[i]) return false;
  const rest = net.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[full] & mask) === (net.bytes[full] & mask);
}

function cidr(text: string): Network {
  const [addr, len] = text.split("/");
  const bytes = parseAddress(addr)!;
  const v4 = parseV4(addr) !== undefined;
  return { bytes, bits: len === undefined ? 128 : Number(len) + (v4 ? 96 : 0) };
}

/**
 * Everything that is not public unicast, IPv4 as mapped: this network, private, CGNAT, loopback,
 * link-local (cloud metadata at 169.254.169.254), IETF and documentation ranges, benchmarking,
 * multicast, reserved and broadcast; in IPv6 the unspecified and loopback addresses, IPv4-
 * compatible, NAT64, discard, Teredo, 6to4 (all of which can carry a private IPv4 inside),
 * documentation, unique-local, link-local, site-local and multicast.
 */
const NOT_PUBLIC: readonly Network[] = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.88.99.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
  "::/96",
  "::1/128",
  "64:ff9b::/96",
  "64:ff9b:1::/48",
  "100::/64",
  "2001::/23",
  "2001:db8::/32",
  "2002::/16",
  "fc00::/7",
  "fe80::/10",
  "fec0::/10",
  "ff00::/8",
].map(cidr);

/**
 * True when `address` (text) is a public unicast address, false for every other range and for
 * text that is not an address.
 *
 * @example
 * ```ts
 * import { isPublicAddress } from "./address_policy.ts";
 * console.log(isPublicAddress("93.184.215.14"), isPublicAddress("::ffff:127.0.0.1")); // true false
 * ```
 */
export function isPublicAddress(address: string): boolean {
  const bytes = parseAddress(address);
  return bytes !== undefined && !NOT_PUBLIC.some((n) => within(bytes, n));
}

/**
 * Parses `--webhook-allow` entries: host names (lower-cased) and networks (`10.0.0.0/8`,
 * `127.0.0.1`, `::1`, `fd00::/8`). Throws `TypeError` naming a malformed entry.
 *
 * @example
 * ```ts
 * import { allowList } from "./address_policy.ts";
 * console.log(allowList(["hooks.example.com", "127.0.0.1"]).networks.length); // 1
 * ```
 */
export function allowList(entries: readonly string[]): AllowList {
  const names = new Set<string>();
  const networks: Network[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
    if (entry === "") continue;
    const [addr, len, extra] = entry.split("/");
    const bytes = parseAddress(addr);
    if (bytes !== undefined) {
      const max = parseV4(addr) !== undefined ? 32 : 128;
      if (
        extra !== undefined || (len !== undefined && !/^\d{1,3}$/.test(len)) || Number(len) > max
      ) {
        throw new TypeError(
          `Cannot use 'webhookAllow' as ${JSON.stringify(raw)} is not an address or network`,
        );
      }
      networks.push(cidr(len === undefined ? `${addr}/${max}` : entry));
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
      names.add(entry);
    } else {
      throw new TypeError(
        `Cannot use 'webhookAllow' as ${JSON.stringify(raw)} is not a host name or network`,
      );
    }
  }
  return { names, networks };
}

/**
 * Why `address`, which `host` resolved to, may not be called, or `undefined` when it may: inside
 * a listed network; or public, and either no list was given or `host` is listed by name.
 *
 * @example
 * ```ts
 * import { allowList, refusal } from "./address_policy.ts";
 * console.log(refusal("localhost", "127.0.0.1", undefined)); // "127.0.0.1 is not a public address"
 * console.log(refusal("127.0.0.1", "127.0.0.1", allowList(["127.0.0.1"]))); // undefined
 * ```
 */
export function refusal(
  host: string,
  address: string,
  allow: AllowList | undefined,
): string | undefined {
  const bytes = parseAddress(address);
  if (bytes === undefined) return `${address} is not an IP address`;
  if (allow?.networks.some((n) => within(bytes, n))) return undefined;
  if (!isPublicAddress(address)) return `${address} is not a public address`;
  if (allow === undefined || allow.names.has(host.toLowerCase())) return undefined;
  return `${host} (${address}) is not on the webhook allow-list`;
}
