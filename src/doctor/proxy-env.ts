/**
 * The proxy a request to `url` goes through by the usual environment variables (curl's rules):
 * `HTTPS_PROXY`/`https_proxy` for https, `HTTP_PROXY`/`http_proxy` for http, unless `NO_PROXY`
 * names the host (a suffix match, `*` for all). Loopback is never proxied.
 */
export interface ProxyChoice {
  /** The proxy's URL without credentials, or undefined for a direct connection. */
  proxy?: string;
  /** The variable it came from (`HTTPS_PROXY`), or why there is none (`NO_PROXY`). */
  source?: string;
}

export function chooseProxy(url: URL, env: Record<string, string | undefined>): ProxyChoice {
  const names = url.protocol === "https:" ? ["HTTPS_PROXY", "https_proxy"] : [];
  names.push("HTTP_PROXY", "http_proxy");
  const found = names.find((name) => (env[name] ?? "").trim() !== "");
  if (found === undefined) return {};
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (isLoopback(host)) return { source: "loopback" };
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
  const bypass = noProxy.some((entry) => {
    if (entry === "*") return true;
    const name = entry.replace(/:\d+$/, "").replace(/^\*?\./, "");
    return host === name || host.endsWith(`.${name}`);
  });
  if (bypass) return { source: "NO_PROXY" };
  return { proxy: withoutCredentials(env[found]!.trim()), source: found };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `http://user:secret@proxy:3128` → `http://proxy:3128`: a proxy password is a secret too. */
function withoutCredentials(text: string): string {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
    url.username = "";
    url.password = "";
    return url.href.replace(/\/$/, "");
  } catch {
    return "(not a URL)";
  }
}
