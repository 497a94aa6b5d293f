/**
 * Runs before any test file: the suite must not see or touch the developer's real 1Password
 * session, client configs or home directory.
 */
import { setDefaultTimeout } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const home = mkdtempSync(join(tmpdir(), "mcp-op-test-home-"));
process.env.HOME = home;
process.env.XDG_CONFIG_HOME = join(home, ".config");
process.env.XDG_STATE_HOME = join(home, ".local", "state");
process.env.XDG_RUNTIME_DIR = join(home, ".run");
process.env.NO_COLOR = "1";
for (const key of Object.keys(process.env)) {
  if (key.startsWith("OP_") || key.startsWith("MCP_OP_")) delete process.env[key];
}

// End-to-end tests start real MCP servers and the real `claude` CLI; 5 s (Bun's default) is too
// tight on a loaded 2-core CI machine. Bun 1.4.4 applies this only to the first test file of a
// run (and ignores bunfig's [test] timeout), so the documented test command also passes
// `--timeout 60000`; this line covers `bun test <one file>` while working.
setDefaultTimeout(60_000);
