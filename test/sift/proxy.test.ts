import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  describeProxyRoute,
  hidePassword,
  isLoopbackHost,
  matchNoProxy,
  parseProxy,
  resolveProxy,
} from "../../src/sift/proxy.js";

/** Issue 21: which proxy a request uses, read from the environment as curl and npm read it. */

const API = "https://api.siftstack.com";

function via(target: string, env: Record<string, string>): string {
  return describeProxyRoute(resolveProxy(target, env));
}

describe("resolveProxy", () => {
  it("is direct when no variable is set (or only empty ones)", () => {
    expect(via(API, {})).toBe("direct (no proxy variable is set)");
    expect(via(API, { HTTPS_PROXY: " ", HTTP_PROXY: "" })).toBe(
      "direct (no proxy variable is set)",
    );
  });

  it("uses HTTPS_PROXY for https, lower case first, and falls back to HTTP_PROXY", () => {
    expect(via(API, { HTTPS_PROXY: "http://p:1" })).toBe("proxy http://p:1 (from HTTPS_PROXY)");
    expect(via(API, { HTTPS_PROXY: "http://a:1", https_proxy: "http://b:2" })).toBe(
      "proxy http://b:2 (from https_proxy)",
    );
    expect(via(API, { HTTP_PROXY: "http://h:3" })).toBe("proxy http://h:3 (from HTTP_PROXY)");
    expect(via(API, { HTTP_PROXY: "http://h:3", HTTPS_PROXY: "http://s:4" })).toBe(
      "proxy http://s:4 (from HTTPS_PROXY)",
    );
  });

  it("uses only HTTP_PROXY for http", () => {
    expect(via("http://api.corp:80", { HTTPS_PROXY: "http://s:4" })).toBe(
      "direct (no proxy variable is set)",
    );
    expect(via("http://api.corp", { http_proxy: "http://h:3" })).toBe(
      "proxy http://h:3 (from http_proxy)",
    );
  });

  it("never proxies loopback", () => {
    for (const host of ["localhost", "127.0.0.1", "127.8.9.1", "[::1]", "api.localhost"]) {
      expect(via(`https://${host}:8443`, { HTTPS_PROXY: "http://p:1" })).toBe(
        "direct (loopback is never proxied)",
      );
    }
  });

  it("goes direct where NO_PROXY says, naming the entry", () => {
    const env = { HTTPS_PROXY: "http://p:1", NO_PROXY: "internal, .siftstack.com" };
    expect(via(API, env)).toBe("direct (NO_PROXY holds .siftstack.com)");
    expect(via("https://other.example", env)).toBe("proxy http://p:1 (from HTTPS_PROXY)");
    expect(via(API, { HTTPS_PROXY: "http://p:1", no_proxy: "*" })).toBe(
      "direct (no_proxy holds *)",
    );
  });

  it("reads the credentials into Proxy-Authorization, and shows neither", () => {
    const route = resolveProxy(API, { HTTPS_PROXY: "http://us%40er:p%3Ass@proxy.corp:3128" });
    expect(route.kind).toBe("proxy");
    if (route.kind !== "proxy") return;
    expect(route.proxy.display).toBe("http://proxy.corp:3128");
    expect(route.proxy.authorization).toBe(`Basic ${Buffer.from("us@er:p:ss").toString("base64")}`);
    expect(route.proxy.password).toBe("p:ss");
    expect(describeProxyRoute(route)).toBe("proxy http://proxy.corp:3128 (from HTTPS_PROXY)");
  });
});

describe("parseProxy", () => {
  it("takes a value without a scheme as http://", () => {
    expect(parseProxy("proxy.corp:3128", "HTTPS_PROXY").display).toBe("http://proxy.corp:3128");
  });

  it("refuses a socks proxy and a value that is no URL, without the password", () => {
    expect(() => parseProxy("socks5://u:pw@p:1080", "ALL")).toThrow(UsageError);
    expect(() => parseProxy("socks5://u:pw@p:1080", "HTTPS_PROXY")).toThrow(
      "HTTPS_PROXY: socks5://p:1080 is a socks5 proxy; only http:// and https:// proxies are supported",
    );
    let message = "";
    try {
      parseProxy("http://u:topsecret@[bad", "HTTPS_PROXY");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^HTTPS_PROXY: ".*" is not a proxy URL/);
    expect(message).not.toContain("topsecret");
  });
});

describe("matchNoProxy", () => {
  const cases: [string, string, number, string | undefined][] = [
    ["example.com", "example.com", 443, "example.com"],
    ["example.com", "api.example.com", 443, "example.com"],
    [".example.com", "api.example.com", 443, ".example.com"],
    ["*.example.com", "api.example.com", 443, "*.example.com"],
    [".example.com", "example.com", 443, ".example.com"],
    ["example.com", "notexample.com", 443, undefined],
    ["example.com:8443", "api.example.com", 443, undefined],
    ["example.com:8443", "api.example.com", 8443, "example.com:8443"],
    ["10.0.0.0/8", "10.1.2.3", 443, "10.0.0.0/8"],
    ["10.0.0.0/8", "11.1.2.3", 443, undefined],
    ["10.1.2.3", "10.1.2.3", 443, "10.1.2.3"],
    ["fd00::/8", "fd12::1", 443, "fd00::/8"],
    ["[fd12::1]:443", "[fd12::1]", 443, "[fd12::1]:443"],
    ["a.com b.com,,c.com", "x.b.com", 443, "b.com"],
    ["EXAMPLE.com", "Api.Example.COM", 443, "EXAMPLE.com"],
    ["*", "anything", 1, "*"],
    ["", "example.com", 443, undefined],
  ];
  it.each(cases)("%j for %s:%i → %j", (list, host, port, expected) => {
    expect(matchNoProxy(list, host, port)).toBe(expected);
  });

  it("a host always matches itself, and no other name's suffix", () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), label, (labels, extra) => {
        const host = labels.join(".");
        expect(matchNoProxy(host, host, 443)).toBe(host);
        expect(matchNoProxy(host, `${extra}.${host}`, 443)).toBe(host);
        expect(matchNoProxy(host, `${extra}${host}`, 443)).toBeUndefined();
      }),
    );
  });
});

describe("isLoopbackHost and hidePassword", () => {
  it("knows loopback", () => {
    expect(isLoopbackHost("127.0.0.1")).toBe(true);
    expect(isLoopbackHost("::ffff:127.0.0.1")).toBe(true);
    expect(isLoopbackHost("10.0.0.1")).toBe(false);
    expect(isLoopbackHost("localhost.example.com")).toBe(false);
  });

  it("blanks a URL's password", () => {
    expect(hidePassword("http://u:p@x:1 and https://a:b@c")).toBe(
      "http://u:***@x:1 and https://a:***@c",
    );
  });
});
