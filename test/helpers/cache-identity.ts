import type { CacheIdentity } from "../../src/cache/cache-identity.js";

/** What the cache files of the cache's unit tests are written for. */
export const IDENTITY: CacheIdentity = {
  apiUrl: "https://api.example",
  organizationId: "org-1",
  fingerprint: "r@2024-01-01T00:00:00Z",
  toolVersion: "1.0.0",
  optionHash: "abc",
};
