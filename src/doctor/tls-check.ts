import { isIP } from "node:net";
import { connect, type PeerCertificate } from "node:tls";
import { type CheckResult, result } from "./check.js";
import { plural } from "../core/words.js";
import { proxyOf } from "./connection-checks.js";
import type { DoctorContext } from "./context.js";

/** `doctor`'s TLS check: the API's certificate (who issued it, for which name, until when). */

/** A certificate expiring sooner than this is worth a warning. */
const CERT_WARN_DAYS = 30;
/** How long the TLS handshake of the check may take. */
const TLS_TIMEOUT_MS = 10_000;
const DAY_MS = 86_400_000;

interface TlsFacts {
  authorized: boolean;
  authorizationError?: string;
  issuer: string;
  subject: string;
  validTo: Date;
  protocol: string;
}

export async function checkTls(
  ctx: Pick<DoctorContext, "baseUrl" | "env">,
  options: { now?: number; ca?: string | Buffer } = {},
): Promise<CheckResult> {
  const base = { section: "connection", id: "connection.tls", title: "TLS" } as const;
  const url = new URL(ctx.baseUrl);
  if (url.protocol === "http:") {
    return result(base, "ok", "plain http:// to this machine: no TLS to check");
  }
  const proxy = proxyOf(url, ctx.env);
  if (proxy !== undefined) {
    return result(base, "skip", `not inspected: the connection goes through ${proxy}`, {
      todo: "the requests below show whether TLS through the proxy works",
    });
  }
  let facts: TlsFacts;
  try {
    facts = await inspectTls(url, options.ca);
  } catch (error) {
    return result(base, "fail", `no TLS handshake with ${url.host}: ${(error as Error).message}`, {
      todo: "check the API URL's host and port, and that this machine may connect to it",
    });
  }
  const now = options.now ?? Date.now();
  const days = Math.floor((facts.validTo.getTime() - now) / DAY_MS);
  const expires = `expires ${facts.validTo.toISOString().slice(0, 10)}`;
  const found = `${facts.protocol}, certificate for ${facts.subject} issued by ${facts.issuer}, ${expires}`;
  const data = { ...facts, validTo: facts.validTo.toISOString(), daysLeft: days };
  if (!facts.authorized) {
    return result(base, "fail", `${found}: not trusted (${facts.authorizationError})`, {
      data,
      todo: "if a proxy or your company's CA signs this certificate, give its CA with NODE_EXTRA_CA_CERTS=ca.pem",
    });
  }
  if (days < 0) {
    return result(base, "fail", `${found}: expired`, {
      data,
      todo: "the server's certificate must be renewed",
    });
  }
  if (days < CERT_WARN_DAYS) {
    return result(base, "warn", `${found}, in ${plural(days, "day")}`, {
      data,
      todo: "a renewal is due: if it lapses, the nightly job fails (ask the server's operators)",
    });
  }
  return result(base, "ok", `${found} (${plural(days, "day")} left)`, { data });
}

/** One TLS handshake, the certificate read and judged (against Node's CAs and NODE_EXTRA_CA_CERTS). */
function inspectTls(url: URL, ca?: string | Buffer): Promise<TlsFacts> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || 443);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      ...(isIP(host) === 0 && { servername: host }),
      rejectUnauthorized: false, // judged below, so that the report can say why
      ...(ca !== undefined && { ca }),
    });
    socket.setTimeout(TLS_TIMEOUT_MS, () => {
      socket.destroy(new Error(`no handshake within ${TLS_TIMEOUT_MS / 1000} s`));
    });
    socket.once("error", reject);
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const facts: TlsFacts = {
        authorized: socket.authorized,
        ...(!socket.authorized && {
          authorizationError: String(socket.authorizationError ?? "unknown"),
        }),
        issuer: nameOf(cert.issuer),
        subject: commonName(cert.subject),
        validTo: new Date(cert.valid_to),
        protocol: socket.getProtocol() ?? "TLS",
      };
      socket.end();
      resolve(facts);
    });
  });
}

function commonName(name: PeerCertificate["subject"] | undefined): string {
  const cn = name?.CN;
  return (Array.isArray(cn) ? cn[0] : cn) || "(unnamed)";
}

function nameOf(name: PeerCertificate["issuer"] | undefined): string {
  if (name === undefined) return "(unknown)";
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const org = first(name.O);
  const cn = first(name.CN);
  if (org && cn && org !== cn) return `${cn} (${org})`;
  return cn || org || "(unnamed)";
}
