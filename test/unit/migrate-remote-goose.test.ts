/** A Goose remote extension (`uri`) migrated to mcp-op proxy keeps no remote key beside its command. */
import { expect, test } from "bun:test";
import { configLocation } from "../../src/core/clients.ts";
import { detectSecrets } from "../../src/core/detect.ts";
import { planRemoteEntry } from "../../src/core/migrate-remote.ts";

test("goose: uri, headers and type go; the proxy entry and the other keys stay", () => {
  const raw = {
    enabled: true,
    type: "streamable_http",
    name: "gh",
    uri: "https://mcp.example.com/mcp",
    headers: { Authorization: "Bearer ghp_0123456789abcdefghijklmnopqrstuvwxyz" },
    timeout: 300,
  };
  const loc = configLocation("goose", "user", {
    home: "/home/u",
    platform: "linux",
    cwd: "/home/u",
    env: {},
    projectRoot: "/home/u",
  });
  const planned = planRemoteEntry(
    {
      loc,
      name: "gh",
      raw,
      spec: { command: "", args: [raw.uri], env: raw.headers },
      viaMcpOp: false,
      findings: detectSecrets({ env: raw.headers, args: [raw.uri] }),
      remote: true,
    },
    {
      self: ["/usr/local/bin/mcp-op"],
      platform: "linux",
      envFile: "/home/u/.config/mcp-op/gh.env",
      item: (name, value) => ({ title: `gh ${name}`, reference: `op://Private/gh ${name}/credential`, value }),
    },
  );
  if ("why" in planned) throw new Error(planned.why);
  const entry = JSON.stringify(planned.entry);
  expect(entry).not.toContain('"uri"');
  expect(entry).not.toContain("ghp_0123456789");
  expect(entry).toContain('"cmd":"/usr/local/bin/mcp-op"');
  expect(entry).toContain('"timeout":300');
});
