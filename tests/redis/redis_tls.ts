// A real redis-server that takes TLS connections, with a CA and a certificate made here with
// openssl (a private CA, as a managed Redis has), and its plain port left for the test's own
// administration (ACL SETUSER, checks).
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectRedis, type RedisLink } from "../../redis.ts";
import { freePort, waitForPing } from "./redis_server.ts";

/** A redis-server on TLS. */
export interface TlsRedis {
  /** `rediss://127.0.0.1:<tls port>`, without credentials. */
  tlsUrl: string;
  tlsPort: number;
  /** The CA's certificate (PEM file), and its text. */
  caFile: string;
  ca: string;
  /** Another CA's certificate (PEM file), which did not sign the server's. */
  otherCaFile: string;
  /** A plain connection as the default user, on the plain port. */
  admin: RedisLink;
  close(): Promise<void>;
}

function openssl(dir: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("openssl", args, { cwd: dir, timeout: 30_000 }, (e, _out, err) => {
      if (e) reject(new Error(`openssl ${args.join(" ")}: ${err}`));
      else resolve();
    });
  });
}

/**
 * Makes in `dir` a CA (`ca.crt`), another CA (`other-ca.crt`) and a certificate for 127.0.0.1 the
 * first signs (`server.crt`, `server.key`).
 */
export async function makeCerts(dir: string): Promise<void> {
  const ca = (name: string) =>
    openssl(dir, [
      "req",
      "-x509",
      "-new",
      "-nodes",
      "-newkey",
      "rsa:2048",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-subj",
      `/CN=workloom test ${name}`,
    ]);
  await ca("ca");
  await ca("other-ca");
  await openssl(dir, [
    "req",
    "-new",
    "-nodes",
    "-newkey",
    "rsa:2048",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  ]);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  ]);
}

/** Makes a CA, a certificate for 127.0.0.1 it signs, and starts redis-server with them. */
export async function startTlsRedis(): Promise<TlsRedis> {
  const dir = mkdtempSync(join(tmpdir(), "workloom-tls-"));
  await makeCerts(dir);
  const port = await freePort();
  const tlsPort = await freePort();
  const child = spawn("redis-server", [
    "--port",
    String(port),
    "--tls-port",
    String(tlsPort),
    "--bind",
    "127.0.0.1",
    "--tls-cert-file",
    join(dir, "server.crt"),
    "--tls-key-file",
    join(dir, "server.key"),
    "--tls-ca-cert-file",
    join(dir, "ca.crt"),
    // Clients show no certificate: they authenticate as an ACL user.
    "--tls-auth-clients",
    "no",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
  ], { stdio: "ignore" });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let admin: RedisLink | undefined;
  const close = async () => {
    await admin?.close({ now: true });
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(`redis://127.0.0.1:${port}`);
    admin = await connectRedis(`redis://127.0.0.1:${port}`, { onError: () => {} });
  } catch (e) {
    await close();
    throw e;
  }
  return {
    tlsUrl: `rediss://127.0.0.1:${tlsPort}`,
    tlsPort,
    caFile: join(dir, "ca.crt"),
    ca: readFileSync(join(dir, "ca.crt"), "utf8"),
    otherCaFile: join(dir, "other-ca.crt"),
    admin,
    close,
  };
}
