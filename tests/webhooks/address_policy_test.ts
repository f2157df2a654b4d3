// The SSRF rules as pure functions: which addresses are public, how the allow-list matches,
// and that IPv4-mapped and IPv4-carrying IPv6 forms are judged by what they carry.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  allowList,
  isPublicAddress,
  parseAddress,
  refusal,
} from "../../src/webhooks/address_policy.ts";

test("only public unicast addresses are public", () => {
  for (const a of ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "1.1.1.1"]) {
    assert.equal(isPublicAddress(a), true, a);
  }
  const forbidden = [
    "0.0.0.0",
    "127.0.0.1",
    "127.255.0.9",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.255",
    "224.0.0.1",
    "255.255.255.255",
    "240.0.0.1",
    "192.0.2.1",
    "198.18.0.1",
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "64:ff9b::7f00:1",
    "2002:7f00:1::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "ff02::1",
    "2001:db8::1",
    "[::1]",
    "not-an-address",
    "",
  ];
  for (const a of forbidden) assert.equal(isPublicAddress(a), false, a);
});

test("parseAddress reads IPv4 as mapped IPv6 and refuses malformed text", () => {
  assert.deepEqual(parseAddress("::ffff:127.0.0.1"), parseAddress("127.0.0.1"));
  for (const bad of ["1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "1:2:3", "1::2::3", "g::1"]) {
    assert.equal(parseAddress(bad), undefined, bad);
  }
});

test("an allow-list lets in its networks, and public addresses of its names only", () => {
  const allow = allowList(["127.0.0.1", "10.0.0.0/8", "Hooks.Example.com", "fd00::/8"]);
  assert.equal(refusal("127.0.0.1", "127.0.0.1", allow), undefined);
  assert.equal(refusal("x", "::ffff:127.0.0.1", allow), undefined);
  assert.equal(refusal("x", "10.200.0.1", allow), undefined);
  assert.equal(refusal("x", "fd00::5", allow), undefined);
  assert.equal(refusal("hooks.example.com", "93.184.215.14", allow), undefined);
  assert.match(
    refusal("other.example.com", "93.184.215.14", allow)!,
    /not on the webhook allow-list/,
  );
  // A listed name that resolves to a private address is still refused (DNS can be changed).
  assert.match(refusal("hooks.example.com", "192.168.0.1", allow)!, /not a public address/);
  assert.match(refusal("x", "127.0.0.2", allow)!, /not a public address/);
  assert.equal(refusal("example.com", "93.184.215.14", undefined), undefined);
  assert.match(
    refusal("localhost", "127.0.0.1", undefined)!,
    /127\.0\.0\.1 is not a public address/,
  );
});

test("allowList refuses malformed entries, naming them", () => {
  assert.throws(() => allowList(["10.0.0.0/33"]), /"10\.0\.0\.0\/33"/);
  assert.throws(() => allowList(["bad_name!"]), TypeError);
  assert.throws(() => allowList(["::1/129"]), /::1\/129/);
});
