import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * What the network tests put between the client and the emulator, all on 127.0.0.1 with
 * ephemeral ports: a certificate authority made for the test, a TLS front that forwards to
 * the emulator, a CONNECT proxy, and a listener that never answers.
 */

export const HAS_OPENSSL = spawnSync("openssl", ["version"]).status === 0;

export interface TestCa {
  dir: string;
  /** The CA's certificate (PEM file): what --ca-file / NODE_EXTRA_CA_CERTS get. */
  caFile: string;
  caPem: string;
  /** The server's key and certificate, signed by the CA, for `names`. */
  key: string;
  cert: string;
}

/**
 * A CA and a server certificate it signs, for DNS `names` and 127.0.0.1 (openssl, ~100 ms).
 * @example const ca = makeTestCa(["api.sift.test", "localhost"]);
 */
export function makeTestCa(names: string[], label = "Test CA"): TestCa {
  const dir = mkdtempSync(join(tmpdir(), "srs-ca-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.pem"),
    "-days",
    "2",
    "-subj",
    `/CN=${label}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("server.key"),
    "-out",
    file("server.csr"),
    "-subj",
    `/CN=${names[0]}`,
  );
  const san = [...names.map((n) => `DNS:${n}`), "IP:127.0.0.1"].join(",");
  writeFileSync(file("ext.cnf"), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  openssl(
    "x509",
    "-req",
    "-in",
    file("server.csr"),
    "-CA",
    file("ca.pem"),
    "-CAkey",
    file("ca.key"),
    "-CAcreateserial",
    "-out",
    file("server.pem"),
    "-days",
    "2",
    "-extfile",
    file("ext.cnf"),
  );
  return {
    dir,
    caFile: file("ca.pem"),
    caPem: readFileSync(file("ca.pem"), "utf8"),
    key: readFileSync(file("server.key"), "utf8"),
    cert: readFileSync(file("server.pem"), "utf8"),
  };
}

export interface Listening {
  port: number;
  close(): Promise<void>;
}

function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

/** A TLS server (certificate of `ca`) that passes every request on to the plain-HTTP `target`. */
export async function startTlsFront(target: string, ca: TestCa): Promise<Listening> {
  const upstream = new URL(target);
  const server = createHttpsServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  const port = await listen(server);
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ConnectProxy extends Listening {
  url: string;
  /** Every CONNECT's target (`host:port`), in order. */
  connects: string[];
  /** The Proxy-Authorization header of each CONNECT (undefined when none was sent). */
  authorizations: (string | undefined)[];
  /** Plain-http requests passed on (absolute-form URL), with their Proxy-Authorization. */
  forwarded: { url: string; authorization?: string }[];
}

export interface ConnectProxyOptions {
  /** `user:password` the proxy requires (else 407); default: none required. */
  credentials?: string;
  /** Answer every CONNECT with this status instead of opening the tunnel (407, 502...). */
  refuse?: number;
}

/**
 * An HTTP proxy that opens CONNECT tunnels to 127.0.0.1 at the port asked for, whatever the
 * host name (so `https://api.sift.test:PORT` reaches a local TLS server), counting them.
 */
export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const connects: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const sockets = new Set<Socket>();
  const forwarded: { url: string; authorization?: string }[] = [];
  const server = createHttpServer((req, res) => {
    // Plain http: the request line holds the absolute URL; passed on to 127.0.0.1 at its port.
    if (!req.url?.startsWith("http://"))
      return void res.writeHead(400).end("absolute URL expected");
    const target = new URL(req.url);
    forwarded.push({ url: req.url, authorization: req.headers["proxy-authorization"] });
    const { "proxy-authorization": _auth, ...headers } = req.headers;
    const forward = request(
      {
        host: "127.0.0.1",
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  server.on("connect", (req, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    connects.push(req.url ?? "");
    const auth = req.headers["proxy-authorization"];
    authorizations.push(auth);
    const expected = options.credentials
      ? `Basic ${Buffer.from(options.credentials).toString("base64")}`
      : undefined;
    const refuse = options.refuse ?? (expected !== undefined && auth !== expected ? 407 : 0);
    if (refuse) {
      const text = refuse === 407 ? "Proxy Authentication Required" : "Bad Gateway";
      const extra = refuse === 407 ? 'Proxy-Authenticate: Basic realm="test"\r\n' : "";
      client.end(`HTTP/1.1 ${refuse} ${text}\r\n${extra}Content-Length: 0\r\n\r\n`);
      return;
    }
    const port = Number(/:(\d+)$/.exec(req.url ?? "")?.[1]);
    const upstream = connect(port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connects,
    authorizations,
    forwarded,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SilentListener extends Listening {
  url: string;
  /** Connections accepted so far. */
  accepted(): number;
}

/** Accepts connections and never sends a byte: a wrong port, or a dead backend behind a balancer. */
export async function startSilentListener(): Promise<SilentListener> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createNetServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    socket.resume();
  });
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    accepted: () => accepted,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
