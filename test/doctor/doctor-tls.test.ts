import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTls } from "../../src/doctor/tls-check.js";

/**
 * The TLS check over a real handshake with a local https server whose certificate is
 * self-signed (made by openssl for the test, valid 40 days).
 */
let server: Server;
let url: string;
let cert: Buffer;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "srs-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "40",
      "-subj",
      "/CN=localhost/O=Doctor Test CA",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  cert = readFileSync(join(dir, "cert.pem"));
  server = createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (_req, res) =>
    res.end("{}"),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://localhost:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the TLS check", () => {
  it("a certificate no trusted CA signed blocks, with what to do", async () => {
    const check = await checkTls({ baseUrl: url, env: {} });
    expect(check.status).toBe("fail");
    expect(check.found).toMatch(
      /certificate for localhost issued by localhost \(Doctor Test CA\), expires \d{4}-\d\d-\d\d: not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
    );
    expect(check.todo).toContain("NODE_EXTRA_CA_CERTS");
  });

  it("trusted, expiring in 40 days: ok, with the days left", async () => {
    const check = await checkTls({ baseUrl: url, env: {} }, { ca: cert });
    expect(check.status).toBe("ok");
    expect(check.found).toMatch(/\((39|40) days left\)$/);
  });

  it("trusted, expiring within 30 days: a warning", async () => {
    const inTwentyDays = Date.now() + 20 * 86_400_000;
    const check = await checkTls({ baseUrl: url, env: {} }, { ca: cert, now: inTwentyDays });
    expect(check.status).toBe("warn");
    expect(check.found).toMatch(/, in (19|20) days$/);
  });

  it("expired: blocks", async () => {
    const later = Date.now() + 50 * 86_400_000;
    const check = await checkTls({ baseUrl: url, env: {} }, { ca: cert, now: later });
    expect(check.status).toBe("fail");
    expect(check.found).toMatch(/: expired$/);
  });

  it("through a proxy it is not inspected", async () => {
    const check = await checkTls({
      baseUrl: "https://api.example.com",
      env: { HTTPS_PROXY: "http://u:secret@proxy:3128" },
    });
    expect(check).toMatchObject({
      status: "skip",
      found: "not inspected: the connection goes through http://proxy:3128",
    });
  });
});
