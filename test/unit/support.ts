/**
 * Constants every layer of the suite shares. Pure: no process, no compiler, no file written, so
 * unit tests may import it (test/unit/test-layers.test.ts holds it to that).
 */
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");

/** The archives a release publishes, exactly (besides checksums.txt and install.sh). Every Linux one names its libc. */
export const RELEASE_ARCHIVES: readonly string[] = [
  "mcp-op-darwin-arm64.tar.gz",
  "mcp-op-darwin-x64.tar.gz",
  "mcp-op-linux-x64-gnu.tar.gz",
  "mcp-op-linux-arm64-gnu.tar.gz",
  "mcp-op-linux-x64-musl.tar.gz",
  "mcp-op-linux-arm64-musl.tar.gz",
  "mcp-op-windows-x64.zip",
  "mcp-op-windows-arm64.zip",
];

/** Distinctive values, so a leak anywhere is found by a plain substring search. */
export const SECRETS = {
  github: "ghp_S3cretValueF0rTests0000000000000000",
  slack: 'xoxb-quote"back\\slash-ünï-$HOME-secret',
  client: "client-env-block-secret-9f8e7d",
} as const;
