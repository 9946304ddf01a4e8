import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { UsageError } from "../core/errors.js";
import type { Env } from "./proxy.js";

/**
 * Certificate authorities the client trusts for the API.
 *
 * By default: node's own store, which holds its bundled roots and the certificates of
 * `NODE_EXTRA_CA_CERTS` (node reads that file once, at start-up). `--ca-file FILE`
 * (`SIFT_CA_FILE`) adds CAs for the API alone, on top of both: node's `ca` option replaces its
 * store, so the list given is the bundled roots + NODE_EXTRA_CA_CERTS's certificates + the file's.
 */

/** The environment variable that stands for `--ca-file`. */
export const CA_FILE_ENV = "SIFT_CA_FILE";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The PEM certificates of `path`, checked: each parses as an X.509 certificate. `source`
 * names where the path came from (`--ca-file`, `SIFT_CA_FILE`) in errors.
 */
export function loadCaFile(path: string, source = "--ca-file"): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : String(code);
    throw new UsageError(`${source} ${path}: cannot read it (${why})`, { cause: error });
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new UsageError(
      `${source} ${path}: holds no PEM certificate (-----BEGIN CERTIFICATE-----); a DER file can be converted with openssl x509 -inform der -in FILE -out FILE.pem`,
    );
  }
  blocks.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (error) {
      const which = blocks.length === 1 ? "its certificate" : `certificate ${i + 1}`;
      throw new UsageError(
        `${source} ${path}: ${which} does not parse (${(error as Error).message})`,
        {
          cause: error,
        },
      );
    }
  });
  return blocks;
}

/**
 * The full trust list for the API when CAs are added: node's bundled roots, the certificates of
 * `NODE_EXTRA_CA_CERTS` (as node itself trusts them), and `extra`. An unreadable
 * NODE_EXTRA_CA_CERTS is left out, as node leaves it out (it warned at start-up).
 */
export function trustWith(extra: string[], env: Env = process.env): string[] {
  const fromEnv: string[] = [];
  const path = env.NODE_EXTRA_CA_CERTS;
  if (path) {
    try {
      fromEnv.push(...(readFileSync(path, "utf8").match(PEM_BLOCK) ?? []));
    } catch {
      // node warned about it when it started
    }
  }
  return [...rootCertificates, ...fromEnv, ...extra];
}
