/**
 * `mcp-op migrate` on a temp HOME with a config for every client: dry run, apply (the stand-in
 * vault then holds the secrets, and no secret byte is left under HOME outside the private
 * backups), undo (byte-identical files), purge, and a failure midway that leaves that server
 * untouched. The migrated Claude Code server still connects and still gets its token.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { parse as parseJsonc } from "jsonc-parser";
import { binary, NODE, OP_DIR, ROOT, run, type Sandbox, SERVER_EVERYTHING, sandbox } from "./helpers.ts";

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

const BIN_DIR = join(ROOT, "node_modules", ".bin");
const T = {
  github: `ghp_${"A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"}`,
  slack: "xoxb-1234567890-1234567890-abcdefghijklmnopqrstuvwx",
  anthropic: "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789",
  gitlab: "glpat-Zy9Xw8Vu7Ts6Rq5Po4Nm",
  linear: "lin_api_0123456789abcdefghijklmnopqrstuvwxyzABCD",
};

/** One config per client, comments and other keys included; returns the files written. */
function writeConfigs(s: Sandbox): string[] {
  const h = s.home;
  const files: Array<[string, string]> = [
    [
      join(h, ".claude.json"),
      JSON.stringify(
        {
          numStartups: 3,
          mcpServers: {
            everything: { type: "stdio", command: NODE, args: [SERVER_EVERYTHING], env: { GITHUB_TOKEN: T.github } },
          },
        },
        null,
        2,
      ),
    ],
    [
      join(h, ".config", "Claude", "claude_desktop_config.json"),
      JSON.stringify(
        {
          mcpServers: {
            github: {
              command: "npx",
              args: ["-y", "@modelcontextprotocol/server-github"],
              env: { GITHUB_PERSONAL_ACCESS_TOKEN: T.github },
            },
          },
        },
        null,
        2,
      ),
    ],
    [
      join(h, ".cursor", "mcp.json"),
      `{\n  // mine\n  "mcpServers": {\n    "gitlab": { "command": "gitlab-mcp", "args": ["--token", "${T.gitlab}", "--verbose"] }\n  }\n}\n`,
    ],
    [
      join(h, ".config", "Code", "User", "mcp.json"),
      `{\n\t"servers": {\n\t\t"slack": { "type": "stdio", "command": "npx", "args": ["slack-mcp"], "env": { "SLACK_BOT_TOKEN": "${T.slack}" } }\n\t}\n}\n`,
    ],
    [
      join(h, ".codeium", "windsurf", "mcp_config.json"),
      JSON.stringify({
        mcpServers: {
          remote: {
            command: "npx",
            args: ["mcp-remote", "https://mcp.example.com/sse", "--header", `Authorization: Bearer ${T.anthropic}`],
          },
        },
      }),
    ],
    [
      join(h, ".codex", "config.toml"),
      `# codex settings\nmodel = "o4"\n\n[mcp_servers.linear]\ncommand = "npx"\nargs = ["linear-mcp"]\n\n[mcp_servers.linear.env]\nLINEAR_API_KEY = "${T.linear}"\n`,
    ],
    [
      join(h, ".gemini", "settings.json"),
      JSON.stringify({
        security: { folderTrust: { enabled: false } },
        mcpServers: { gh: { command: "npx", args: ["gh-mcp"], env: { GH_TOKEN: T.github } } },
      }),
    ],
    [
      join(h, ".config", "zed", "settings.json"),
      `// zed\n{\n  "theme": "One Dark",\n  "context_servers": {\n    "slack-zed": { "command": "npx", "args": ["slack-mcp"], "env": { "SLACK_TOKEN": "${T.slack}" } }\n  }\n}\n`,
    ],
  ];
  for (const [path, text] of files) {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, text);
  }
  return files.map(([p]) => p);
}

/** Every file under dir (skipping `skip`) that contains any of the secrets. */
function leaks(dir: string, skip?: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (skip && p.startsWith(skip)) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const text = readFileSync(p, "latin1");
        for (const secret of Object.values(T)) if (text.includes(secret)) found.push(`${p}: ${secret.slice(0, 6)}`);
      }
    }
  };
  walk(dir);
  return found;
}

function setup() {
  const s = sandbox({ Private: {} });
  const files = writeConfigs(s);
  const env = s.env({ PATH: `${OP_DIR}:${BIN_DIR}:/usr/local/bin:/usr/bin:/bin` });
  const before = new Map(files.map((f) => [f, readFileSync(f)]));
  const backups = join(s.home, ".local", "state", "mcp-op", "backups");
  const vault = () =>
    JSON.parse(readFileSync(join(s.dir, "vault.json"), "utf8")) as { Private: Record<string, { credential: string }> };
  return { s, env, files, before, backups, vault };
}

/** GITHUB_TOKEN as the migrated Claude Code entry's server sees it (MCP SDK client, get-env tool). */
async function migratedClaudeToken(s: Sandbox, env: Record<string, string>): Promise<string | undefined> {
  const entry = JSON.parse(readFileSync(join(s.home, ".claude.json"), "utf8")).mcpServers.everything as {
    command: string;
    args: string[];
  };
  const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env, stderr: "pipe" });
  const client = new Client({ name: "migrate-e2e", version: "0" });
  await client.connect(transport);
  const result = await client.callTool({ name: "get-env", arguments: {} });
  await client.close();
  return JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? "{}").GITHUB_TOKEN;
}

describe("mcp-op migrate", () => {
  test("dry run: every plaintext value listed as prefix and length, with its planned reference; nothing changes", async () => {
    const { s, env, files, before } = setup();
    const r = await run([bin, "migrate"], { env, cwd: s.dir });
    expect(r.code).toBe(0);
    for (const secret of Object.values(T)) expect(r.stdout + r.stderr).not.toContain(secret.slice(7));
    expect(r.stdout).toContain("claude-code (user) everything:");
    expect(r.stdout).toContain(
      "env GITHUB_TOKEN: ghp_… (40 chars) -> GITHUB_TOKEN = op://Private/mcp-op everything GITHUB_TOKEN/credential",
    );
    expect(r.stdout).toContain("cursor (user) gitlab:");
    expect(r.stdout).toContain("argument 2: glpat-… (26 chars)");
    expect(r.stdout).toContain("dry run: nothing changed.");
    for (const f of files) expect(readFileSync(f, "latin1")).toBe((before.get(f) as Buffer).toString("latin1"));
    expect(s.opCalls()).toEqual([]);
  });

  test("--apply, --undo and --purge-backups are one at a time: 64, nothing done", async () => {
    const { s, env, files, before } = setup();
    const r = await run([bin, "migrate", "--apply", "--undo"], { env, cwd: s.dir });
    expect(r).toMatchObject({
      code: 64,
      stdout: "",
      stderr: "[error] [mcp-op] give one of --apply, --undo, not several\n",
    });
    for (const f of files) expect(readFileSync(f, "latin1")).toBe((before.get(f) as Buffer).toString("latin1"));
    expect(s.opCalls()).toEqual([]);
  });

  test("Ctrl-C during --apply stops between servers: the one in hand finishes, the rest stay as they were, 130", async () => {
    const { s, env, files, before } = setup();
    // claude-code's entry goes first, through the claude CLI: its wrapper interrupts mcp-op.
    const wrap = join(s.dir, "wrap");
    mkdirSync(wrap);
    writeFileSync(
      join(wrap, "claude"),
      `#!/bin/sh\nif [ "$2" = add-json ]; then kill -INT "$PPID"; fi\nexec "${join(BIN_DIR, "claude")}" "$@"\n`,
    );
    chmodSync(join(wrap, "claude"), 0o755);
    const r = await run([bin, "migrate", "--apply"], { env: { ...env, PATH: `${wrap}:${env.PATH}` }, cwd: s.dir });
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/^claude-code \(user\) \S+: migrated \(/m);
    expect(r.stdout.match(/: migrated \(/g)).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^\[error\] \[mcp-op\] interrupted \(SIGINT\): \d+ server\(s\) not reached, left as they were$/m,
    );
    // Every other config is byte for byte as it was.
    const claudeJson = join(s.home, ".claude.json");
    for (const f of files.filter((f) => f !== claudeJson)) {
      expect(readFileSync(f, "latin1")).toBe((before.get(f) as Buffer).toString("latin1"));
    }
    expect((await run([bin, "migrate", "--undo"], { env, cwd: s.dir })).code).toBe(0);
  });

  test("an undo record that cannot be saved after a rewrite: said as migrated-but-not-undoable, 73", async () => {
    const { s, env } = setup();
    // While claude rewrites the first entry, the run's manifest becomes a directory (disk trouble).
    const wrap = join(s.dir, "wrap");
    mkdirSync(wrap);
    const runs = join(s.home, ".local", "state", "mcp-op", "backups");
    writeFileSync(
      join(wrap, "claude"),
      `#!/bin/sh\nif [ "$2" = add-json ]; then for d in "${runs}"/*/; do rm -f "$d/manifest.json"; mkdir -p "$d/manifest.json/x"; done; fi\nexec "${join(BIN_DIR, "claude")}" "$@"\n`,
    );
    chmodSync(join(wrap, "claude"), 0o755);
    const r = await run([bin, "migrate", "--apply"], { env: { ...env, PATH: `${wrap}:${env.PATH}` }, cwd: s.dir });
    expect(r.code).toBe(73);
    expect(r.stderr).toMatch(
      /^\[error\] \[mcp-op\] claude-code \(user\) \S+: migrated, but its undo record could not be saved \(/m,
    );
    expect(r.stderr).not.toMatch(/claude-code \(user\) \S+: not migrated/);
  });

  test("a remote server's plaintext is planned as a stdio server's: an item, a headers file, a proxy entry", async () => {
    const s = sandbox({ Private: {} });
    mkdirSync(join(s.home, ".cursor"));
    const remote = { url: "https://api.example.com/mcp", headers: { Authorization: `Bearer ${T.github}` } };
    writeFileSync(join(s.home, ".cursor", "mcp.json"), JSON.stringify({ mcpServers: { remote } }));
    const env = s.env({ PATH: `${OP_DIR}:${BIN_DIR}:/usr/local/bin:/usr/bin:/bin` });
    const r = await run([bin, "migrate"], { env, cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `cursor (user) remote: ${join(s.home, ".cursor", "mcp.json")}\n` +
        "  header Authorization: … (47 chars) -> Authorization = op://Private/mcp-op remote Authorization/credential\n" +
        `  writes ${join(s.home, ".config", "mcp-op", "remote.headers")} (references only) and rewrites the entry to run mcp-op proxy\n` +
        "dry run: nothing changed. Run again with --apply to do it.\n",
    );
    expect(r.stdout + r.stderr).not.toContain(T.github.slice(7));
  });

  test("a Codex remote entry (http_headers): migrated to mcp-op proxy, its comment kept; `codex mcp list` lists it; --undo restores", async () => {
    const s = sandbox({ Private: {} });
    mkdirSync(join(s.home, ".codex"));
    const config = join(s.home, ".codex", "config.toml");
    const text = `# the team's server\n[mcp_servers.remote]\nurl = "https://api.example.com/mcp"\nhttp_headers = { "Authorization" = "Bearer ${T.linear}" }\n`;
    writeFileSync(config, text);
    const env = s.env({ PATH: `${OP_DIR}:${BIN_DIR}:/usr/local/bin:/usr/bin:/bin` });
    const before = await run([join(BIN_DIR, "codex"), "mcp", "list"], { env, cwd: s.dir });
    expect(before.stdout).toMatch(/^remote +https:\/\/api\.example\.com\/mcp /m);
    const r = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(T.linear.slice(8));
    const toml = readFileSync(config, "utf8");
    expect(toml).toStartWith("# the team's server\n[mcp_servers.remote]\n");
    expect(toml).not.toContain("http_headers");
    expect(toml).not.toContain(T.linear.slice(8));
    const headers = join(s.home, ".config", "mcp-op", "remote.headers");
    expect(readFileSync(headers, "utf8")).toEndWith(
      "\nAuthorization: Bearer {{ op://Private/mcp-op remote Authorization/credential }}\n",
    );
    // Codex reads the rewritten config (a stdio entry keeping http_headers would fail it whole).
    const after = await run([join(BIN_DIR, "codex"), "mcp", "list"], { env, cwd: s.dir });
    expect(after.code).toBe(0);
    const line = after.stdout.split("\n").find((l) => l.startsWith("remote "));
    expect(line).toContain(bin);
    expect(line).toContain(`proxy --url https://api.example.com/mcp --headers-file ${headers}`);
    const undo = await run([bin, "migrate", "--undo"], { env, cwd: s.dir });
    expect(undo.code).toBe(0);
    expect(readFileSync(config, "utf8")).toBe(text);
  });

  test("--undo keeps an env file that an entry added since still names", async () => {
    const { s, env } = setup();
    const applied = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
    expect(applied.code).toBe(0);
    const envFile = /: migrated \((\S+\.env)\)/.exec(applied.stdout)?.[1] as string;
    expect(existsSync(envFile)).toBe(true);
    // A server added later that reuses the migrated env file.
    const add = await run([bin, "add", "later", "--client", "cursor", "--env-file", envFile, "--", "npx", "y"], {
      env,
      cwd: s.dir,
    });
    expect(add.code).toBe(0);
    const undo = await run([bin, "migrate", "--undo"], { env, cwd: s.dir });
    expect(undo.stdout).toContain(`kept ${envFile}: later (cursor, user) still use it\n`);
    expect(existsSync(envFile)).toBe(true);
  });

  test("apply, then everything a user checks; then --undo restores byte-identical files", async () => {
    const { s, env, files, before, backups, vault } = setup();
    const r = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // One item per distinct secret (the GitHub token sits in three configs).
    const items = vault().Private;
    expect(Object.keys(items)).toHaveLength(5);
    expect(
      Object.values(items)
        .map((i) => i.credential)
        .sort(),
    ).toEqual(Object.values(T).sort());
    // No secret byte anywhere under HOME but the private backups; backups are private.
    expect(leaks(s.home, backups)).toEqual([]);
    expect(statSync(backups).mode & 0o777).toBe(0o700);
    const run1 = readdirSync(backups)[0] as string;
    for (const f of readdirSync(join(backups, run1), { recursive: true }) as string[]) {
      const st = statSync(join(backups, run1, f));
      expect(st.mode & 0o777).toBe(st.isDirectory() ? 0o700 : 0o600);
    }
    expect(r.stdout).toContain(`mcp-op migrate --purge-backups`);
    // Never in any argv op saw, nor in mcp-op's output.
    for (const secret of Object.values(T)) {
      expect(s.opLog()).not.toContain(secret);
      expect(r.stdout).not.toContain(secret);
    }
    // list shows nothing plaintext left.
    const list = JSON.parse((await run([bin, "list", "--json"], { env, cwd: s.dir })).stdout) as Array<{
      plaintext: unknown[];
      viaMcpOp: boolean;
    }>;
    expect(list.length).toBe(8);
    expect(list.every((x) => x.plaintext.length === 0 && x.viaMcpOp)).toBe(true);
    const doctor = JSON.parse((await run([bin, "doctor", "--json"], { env, cwd: s.dir })).stdout) as Array<{
      message: string;
    }>;
    expect(doctor.filter((d) => d.message.startsWith("plaintext"))).toEqual([]);
    // The migrated Claude Code server connects, and still gets the original token.
    const claude = await run([join(BIN_DIR, "claude"), "mcp", "list"], { env, cwd: s.dir });
    expect(claude.stdout.split("\n").find((l) => l.startsWith("everything: "))).toEndWith("✔ Connected");
    expect(await migratedClaudeToken(s, env)).toBe(T.github);

    // Undo: byte-identical files (claude-code was rewritten through its CLI: compare its servers).
    const undo = await run([bin, "migrate", "--undo"], { env, cwd: s.dir });
    expect(undo.code).toBe(0);
    for (const f of files) expect(readFileSync(f, "latin1")).toBe((before.get(f) as Buffer).toString("latin1"));
  }, 120_000);

  test("each item template reaches op as an inherited descriptor of an already unlinked file: no argv, no stdin pipe, nothing left", async () => {
    const { s, env, backups, vault } = setup();
    // In front of the stand-in (which opens every path as Go does): note what op holds as fd 3
    // and which files the run directory has while item create runs, then become the stand-in.
    const wrap = join(s.dir, "wrap");
    const seen = join(s.dir, "seen.txt");
    mkdirSync(wrap);
    writeFileSync(
      join(wrap, "op"),
      `#!/bin/sh
case " $* " in *" item create "*) { readlink /proc/$$/fd/3; ls -A "${backups}"/*/; } >> "${seen}";; esac
exec "${join(OP_DIR, "op")}" "$@"
`,
    );
    chmodSync(join(wrap, "op"), 0o755);
    const r = await run([bin, "migrate", "--apply"], { env: { ...env, PATH: `${wrap}:${env.PATH}` }, cwd: s.dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(
      Object.values(vault().Private)
        .map((i) => i.credential)
        .sort(),
    ).toEqual(Object.values(T).sort());
    const creates = s
      .opLog()
      .split("\n")
      .filter((l) => l.includes('"create"'));
    expect(creates).toHaveLength(5);
    for (const line of creates) {
      const rec = JSON.parse(line) as { argv: string[]; stdin: string };
      expect(rec.argv.slice(rec.argv.indexOf("--template"), rec.argv.indexOf("--template") + 2)).toEqual([
        "--template",
        "/dev/fd/3",
      ]);
      expect(rec.stdin).toBe("null");
    }
    const observed = readFileSync(seen, "utf8");
    expect(observed.match(/\/\.item-template-[0-9a-f-]+\.json \(deleted\)$/gm)).toHaveLength(5);
    expect(observed.split("\n").filter((l) => l.startsWith(".item-template-"))).toEqual([]);
    for (const secret of Object.values(T)) expect(s.opLog()).not.toContain(secret);
    expect((readdirSync(backups, { recursive: true }) as string[]).filter((f) => f.includes("item-template"))).toEqual(
      [],
    );
  }, 60_000);

  test("run from $HOME: other projects' local servers in ~/.claude.json are migrated too, named by project, and undone", async () => {
    const s = sandbox({ Private: {} });
    const env = s.env({ PATH: `${OP_DIR}:${BIN_DIR}:/usr/local/bin:/usr/bin:/bin` });
    // One project that still exists (rewritten through `claude`, run there), one that is gone
    // (edited in the file directly), and the user scope.
    const here = join(s.dir, "work", "app");
    mkdirSync(here, { recursive: true });
    const gone = join(s.dir, "work", "deleted");
    // A project directory that is now inside a git repository: `claude` run there would file
    // servers under the repository's key, where a same-named server of another project lives.
    const repo = join(s.dir, "repo");
    const nested = join(repo, "sub");
    mkdirSync(nested, { recursive: true });
    expect(Bun.spawnSync(["git", "init", "-q", repo]).exitCode).toBe(0);
    const unrelated = { type: "stdio", command: "npx", args: ["unrelated"], env: {} };
    const entry = (token: string, key = "GITHUB_TOKEN") => ({
      type: "stdio",
      command: NODE,
      args: [SERVER_EVERYTHING],
      env: { [key]: token },
    });
    const claudeJson = join(s.home, ".claude.json");
    const original = {
      numStartups: 1,
      mcpServers: { user: entry(T.gitlab, "GITLAB_TOKEN") },
      projects: {
        [here]: { mcpServers: { app: entry(T.github) } },
        [gone]: { mcpServers: { old: entry(T.slack, "SLACK_BOT_TOKEN") } },
        [repo]: { mcpServers: { twin: unrelated } },
        [nested]: { mcpServers: { twin: entry(T.linear, "LINEAR_API_KEY") } },
      },
    };
    writeFileSync(claudeJson, JSON.stringify(original, null, 2));

    const dry = await run([bin, "migrate"], { env, cwd: s.home });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`claude-code (local ${here}) app: ${claudeJson}\n`);
    expect(dry.stdout).toContain(`claude-code (local ${gone}) old: ${claudeJson}\n`);

    const r = await run([bin, "migrate", "--apply"], { env, cwd: s.home });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^claude-code \\(local ${here}\\) app: migrated \\(`, "m"));
    expect(r.stdout).toMatch(new RegExp(`^claude-code \\(local ${gone}\\) old: migrated \\(`, "m"));
    expect(r.stdout).toMatch(/^claude-code \(user\) user: migrated \(/m);
    expect(r.stdout).toMatch(new RegExp(`^claude-code \\(local ${nested}\\) twin: migrated \\(`, "m"));
    expect(JSON.parse(readFileSync(claudeJson, "utf8")).projects[repo].mcpServers).toEqual({ twin: unrelated });
    for (const secret of Object.values(T)) expect(readFileSync(claudeJson, "utf8")).not.toContain(secret);
    const list = JSON.parse((await run([bin, "list", "--json"], { env, cwd: s.home })).stdout) as Array<{
      plaintext: unknown[];
      viaMcpOp: boolean;
    }>;
    expect(list).toHaveLength(5);
    expect(list.filter((x) => x.plaintext.length === 0 && x.viaMcpOp)).toHaveLength(4);
    // `claude`, run in the project, sees the migrated server and it connects with the token.
    const claude = await run([join(BIN_DIR, "claude"), "mcp", "list"], { env, cwd: here });
    expect(claude.stdout.split("\n").find((l) => l.startsWith("app: "))).toEndWith("✔ Connected");

    const undo = await run([bin, "migrate", "--undo"], { env, cwd: s.home });
    expect(undo.stderr).toBe("");
    expect(undo.code).toBe(0);
    const after = JSON.parse(readFileSync(claudeJson, "utf8"));
    expect(after.mcpServers).toEqual(original.mcpServers);
    for (const dir of [here, gone, nested]) {
      expect(after.projects[dir].mcpServers).toEqual(original.projects[dir]?.mcpServers);
    }
    expect(after.projects[repo].mcpServers).toEqual({ twin: unrelated });
  }, 120_000);

  test("--undo names the items it keeps; applying again reuses each one still holding its value, never a `2` copy", async () => {
    const { s, env, vault } = setup();
    const first = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
    expect(first.code).toBe(0);
    const references = Object.keys(vault().Private).map((t) => `op://Private/${t}/credential`);
    expect(references).toHaveLength(5);
    const undo = await run([bin, "migrate", "--undo"], { env, cwd: s.dir });
    expect(undo.code).toBe(0);
    const kept = undo.stdout.split("\n").find((l) => l.startsWith("1Password items kept")) ?? "";
    expect(kept).toStartWith(
      "1Password items kept (migrate --apply reuses them while they hold the same value; delete them in 1Password if not): created op://Private/",
    );
    for (const reference of references) expect(kept).toContain(reference);

    // Since then: one item got another value, one was deleted; the other three are as they were.
    const store = JSON.parse(readFileSync(join(s.dir, "vault.json"), "utf8"));
    store.Private["mcp-op gitlab GITLAB_PERSONAL_ACCESS_TOKEN"].credential = "rotated-in-1password";
    delete store.Private["mcp-op linear LINEAR_API_KEY"];
    writeFileSync(join(s.dir, "vault.json"), JSON.stringify(store));

    const again = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    for (const reused of ["everything GITHUB_TOKEN", "slack SLACK_BOT_TOKEN", "remote ANTHROPIC_API_KEY"]) {
      expect(again.stdout).toContain(`  reuses op://Private/mcp-op ${reused}/credential\n`);
    }
    expect(again.stdout).toContain("  created op://Private/mcp-op gitlab GITLAB_PERSONAL_ACCESS_TOKEN 2/credential\n");
    expect(again.stdout).toContain("  created op://Private/mcp-op linear LINEAR_API_KEY/credential\n");
    expect(again.stdout).toContain(
      "-> GITHUB_TOKEN = op://Private/mcp-op everything GITHUB_TOKEN/credential (an earlier migration's item, same value: reused)",
    );
    const items = vault().Private;
    expect(Object.keys(items)).toHaveLength(6);
    expect(items["mcp-op gitlab GITLAB_PERSONAL_ACCESS_TOKEN"]?.credential).toBe("rotated-in-1password");
    expect(await migratedClaudeToken(s, env)).toBe(T.github);
    // Each value was checked by reading the item into memory: references in argv, never values.
    const reads = s.opCalls().filter((a) => a[0] === "read");
    expect(reads.length).toBeGreaterThanOrEqual(4);
    for (const a of reads)
      expect(a).toEqual(["read", "--no-newline", expect.stringMatching(/^op:\/\/Private\/[a-z2-7]{26}\/credential$/)]);
    for (const secret of Object.values(T)) expect(s.opLog()).not.toContain(secret);

    // The manifests hold neither a value nor its plain hash; the digest key is private.
    const state = join(s.home, ".local", "state", "mcp-op");
    expect(statSync(join(state, "item-digest.key")).mode & 0o777).toBe(0o600);
    const manifests = (readdirSync(join(state, "backups"), { recursive: true }) as string[])
      .filter((f) => f.endsWith("manifest.json"))
      .map((f) => readFileSync(join(state, "backups", f), "utf8"));
    expect(manifests).toHaveLength(2);
    for (const secret of Object.values(T)) {
      const sha = new Bun.CryptoHasher("sha256").update(secret).digest("hex");
      for (const m of manifests) {
        expect(m).not.toContain(secret);
        expect(m).not.toContain(sha);
      }
    }
  }, 120_000);

  test("a digest key that is not private stops --apply before anything changes: 77", async () => {
    const { s, env, files, before, vault } = setup();
    const state = join(s.home, ".local", "state", "mcp-op");
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, "item-digest.key"), "k".repeat(32), { mode: 0o644 });
    const r = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
    expect(r).toMatchObject({
      code: 77,
      stderr: `[error] [mcp-op] ${join(state, "item-digest.key")} is not mcp-op's private key (mode 644, not private); delete it and run again (earlier migrations' items are then created anew instead of reused)\n`,
    });
    for (const f of files) expect(readFileSync(f, "latin1")).toBe((before.get(f) as Buffer).toString("latin1"));
    expect(vault().Private).toEqual({});
  });

  test("each --undo goes one run further back; edit backups of `add` are not runs", async () => {
    const { s, env, before } = setup();
    const cursor = join(s.home, ".cursor", "mcp.json");
    const vscode = join(s.home, ".config", "Code", "User", "mcp.json");
    const original = (f: string) => (before.get(f) as Buffer).toString("latin1");
    // Two runs within one second, and an `add` (which keeps its own edit backups) in between.
    expect((await run([bin, "migrate", "--apply", "--client", "cursor"], { env, cwd: s.dir })).code).toBe(0);
    const add = await run([bin, "add", "x", "--client", "zed", "--env", "T=op://Private/X/t", "--", "x"], {
      env,
      cwd: s.dir,
    });
    expect(add.code).toBe(0);
    expect((await run([bin, "migrate", "--apply", "--client", "vscode"], { env, cwd: s.dir })).code).toBe(0);
    expect(readFileSync(cursor, "latin1")).not.toBe(original(cursor));
    expect(readFileSync(vscode, "latin1")).not.toBe(original(vscode));

    expect((await run([bin, "migrate", "--undo"], { env, cwd: s.dir })).code).toBe(0);
    expect(readFileSync(vscode, "latin1")).toBe(original(vscode));
    expect(readFileSync(cursor, "latin1")).not.toBe(original(cursor));
    expect((await run([bin, "migrate", "--undo"], { env, cwd: s.dir })).code).toBe(0);
    expect(readFileSync(cursor, "latin1")).toBe(original(cursor));
    const none = await run([bin, "migrate", "--undo"], { env, cwd: s.dir });
    expect(none.code).toBe(66);
    expect(none.stderr).toStartWith("[error] [mcp-op] no migration to undo in ");
  }, 60_000);

  test("--undo keeps what was written since (a later add, a manual edit, Claude Code's own writes)", async () => {
    const { s, env, files, before } = setup();
    expect((await run([bin, "migrate", "--apply"], { env, cwd: s.dir })).code).toBe(0);
    const [claudeJson, desktop, cursor, gemini] = [0, 1, 2, 6].map((i) => files[i] as string) as [
      string,
      string,
      string,
      string,
    ];
    const add = await run([bin, "add", "x", "--client", "cursor", "--env", "T=op://Private/X/t", "--", "x"], {
      env,
      cwd: s.dir,
    });
    expect(add.code).toBe(0);
    const json = (f: string) => parseJsonc(readFileSync(f, "utf8"));
    writeFileSync(gemini, JSON.stringify({ ...json(gemini), theme: "dark" }));
    writeFileSync(claudeJson, JSON.stringify({ ...json(claudeJson), numStartups: 4 }, null, 2));
    const original = (f: string) => parseJsonc((before.get(f) as Buffer).toString("utf8"));

    const undo = await run([bin, "migrate", "--undo"], { env, cwd: s.dir });
    expect(undo.stderr).toBe("");
    expect(undo.code).toBe(0);
    expect(undo.stdout).toContain(`restored cursor (user) gitlab in ${cursor}\n`);
    expect(undo.stdout).toContain(`restored ${desktop}\n`);
    // Migrated entries are back; everything written since stays.
    expect(json(cursor).mcpServers.gitlab).toEqual(original(cursor).mcpServers.gitlab);
    expect(json(cursor).mcpServers.x.args).toContain("x");
    expect(readFileSync(cursor, "utf8")).toContain("// mine");
    expect(json(gemini)).toEqual({ ...original(gemini), theme: "dark" });
    // (The claude CLI adds keys of its own while it rewrites the file: those stay too.)
    expect(json(claudeJson)).toMatchObject({ ...original(claudeJson), numStartups: 4 });
    expect(json(claudeJson).mcpServers).toEqual(original(claudeJson).mcpServers);
    for (const f of files.filter((f) => ![claudeJson, cursor, gemini].includes(f))) {
      expect(readFileSync(f, "latin1")).toBe((before.get(f) as Buffer).toString("latin1"));
    }
    // The run's env files are gone; the one `add` wrote stays.
    expect(readdirSync(join(s.home, ".config", "mcp-op"))).toEqual(["x.env"]);
  }, 120_000);

  test("--undo: a symlinked config stays a symlink, modes stay; an entry changed since is left alone and named (78)", async () => {
    const { s, env, files, before } = setup();
    const [, , cursor, vscode, windsurf, codex] = files as [string, string, string, string, string, string];
    mkdirSync(join(s.dir, "dotfiles"));
    const target = join(s.dir, "dotfiles", "mcp_config.json");
    renameSync(windsurf, target);
    symlinkSync(target, windsurf);
    chmodSync(target, 0o640);
    chmodSync(codex, 0o644);
    expect((await run([bin, "migrate", "--apply"], { env, cwd: s.dir })).code).toBe(0);
    // Changed since the migration: the vscode entry (another argument), nothing else in that file.
    const changed = readFileSync(vscode, "utf8").replace('"--env-file"', '"--verbose", "--env-file"');
    writeFileSync(vscode, changed);

    const undo = await run([bin, "migrate", "--undo"], { env, cwd: s.dir });
    expect(undo.code).toBe(78);
    const backups = join(s.home, ".local", "state", "mcp-op", "backups");
    const runDir = join(backups, readdirSync(backups)[0] as string);
    expect(undo.stderr).toBe(
      `[error] [mcp-op] vscode (user) slack in ${vscode} was changed since the migration: left as it is (its old version is in ${join(runDir, "3-vscode-mcp.json")})\n`,
    );
    expect(readFileSync(vscode, "utf8")).toBe(changed);
    expect(readdirSync(join(s.home, ".config", "mcp-op"))).toEqual(["slack.env"]);
    expect(lstatSync(windsurf).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "latin1")).toBe((before.get(windsurf) as Buffer).toString("latin1"));
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readFileSync(codex, "latin1")).toBe((before.get(codex) as Buffer).toString("latin1"));
    expect(statSync(codex).mode & 0o777).toBe(0o644);
    expect(readFileSync(cursor, "latin1")).toBe((before.get(cursor) as Buffer).toString("latin1"));
  }, 120_000);

  test("two clients' settings.json each keep their own backup in the run (Gemini's and Zed's)", async () => {
    const { s, env, files, before, backups } = setup();
    expect(
      (await run([bin, "migrate", "--apply", "--client", "gemini", "--client", "zed"], { env, cwd: s.dir })).code,
    ).toBe(0);
    const runDir = join(backups, readdirSync(backups)[0] as string);
    const all = (readdirSync(runDir, { recursive: true }) as string[]).filter((f) => f.includes("settings.json"));
    const copies = all.map((f) => readFileSync(join(runDir, f), "latin1"));
    for (const config of [files[6], files[7]] as string[]) {
      const original = (before.get(config) as Buffer).toString("latin1");
      // The copy made first, and the one the edit made just before writing: both of this file.
      expect(copies.filter((c) => c === original)).toHaveLength(2);
    }
    expect(all).toHaveLength(4);
  });

  test("--purge-backups deletes every migration run, keeps the edit backups of add and says so", async () => {
    const { s, env, backups } = setup();
    const add = await run([bin, "add", "x", "--client", "cursor", "--env", "T=op://Private/X/t", "--", "x"], {
      env,
      cwd: s.dir,
    });
    expect(add.code).toBe(0);
    expect((await run([bin, "migrate", "--apply", "--client", "vscode"], { env, cwd: s.dir })).code).toBe(0);
    const purge = await run([bin, "migrate", "--purge-backups"], { env, cwd: s.dir });
    expect(purge.code).toBe(0);
    expect(purge.stdout).toBe(
      `deleted every migration backup (1 run in ${backups})\nkept 1 backup that add and remove made before editing a config, in ${join(backups, "edits")}: they may hold plaintext too; delete that directory yourself if you do not need them\n`,
    );
    expect(readdirSync(backups)).toEqual(["edits"]);
    expect(readdirSync(join(backups, "edits", "cursor-user"))).toHaveLength(1);
  });

  test("after --purge-backups, no secret byte is left anywhere under HOME", async () => {
    const { s, env } = setup();
    expect((await run([bin, "migrate", "--apply"], { env, cwd: s.dir })).code).toBe(0);
    const purge = await run([bin, "migrate", "--purge-backups"], { env, cwd: s.dir });
    expect(purge.code).toBe(0);
    expect(leaks(s.home)).toEqual([]);
  }, 60_000);

  test("entries keep their other fields; {{ }} in mcp-op entries stays; a vault name no reference can hold is refused", async () => {
    const s = sandbox({ Private: { GitHub: { token: "x" } } });
    mkdirSync(join(s.home, ".gemini"), { recursive: true });
    writeFileSync(
      join(s.home, ".gemini", "settings.json"),
      JSON.stringify({
        mcpServers: {
          gh: { command: "npx", args: ["gh"], cwd: "/work", timeout: 600, trust: true, env: { GH_TOKEN: T.github } },
        },
      }),
    );
    mkdirSync(join(s.home, ".codex"), { recursive: true });
    writeFileSync(
      join(s.home, ".codex", "config.toml"),
      `[mcp_servers.lin]\ncommand = "npx"\nargs = ["lin"]\nstartup_timeout_sec = 120\n\n[mcp_servers.lin.env]\nLINEAR_API_KEY = "${T.linear}"\n`,
    );
    mkdirSync(join(s.home, ".cursor"), { recursive: true });
    writeFileSync(
      join(s.home, ".cursor", "mcp.json"),
      JSON.stringify({
        mcpServers: {
          w: {
            command: bin,
            args: ["run", "--", "srv", "--key", "{{ op://Private/GitHub/token }}", "--other", T.gitlab],
          },
        },
      }),
    );
    const env = s.env({ PATH: `${OP_DIR}:/usr/local/bin:/usr/bin:/bin` });
    const bad = await run([bin, "migrate", "--apply", "--vault", "Dev & Ops"], { env, cwd: s.dir });
    expect(bad.code).toBe(65);
    expect(bad.stderr).toContain("pass the vault's ID instead");
    const r = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
    expect(r.code).toBe(0);
    const gemini = JSON.parse(readFileSync(join(s.home, ".gemini", "settings.json"), "utf8")).mcpServers.gh;
    expect(gemini).toMatchObject({ cwd: "/work", timeout: 600, trust: true });
    expect(gemini.env).toBeUndefined();
    expect(readFileSync(join(s.home, ".codex", "config.toml"), "utf8")).toContain("startup_timeout_sec = 120");
    const cursor = JSON.parse(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).mcpServers.w;
    expect(cursor.args).toContain("{{ op://Private/GitHub/token }}");
    expect(cursor.args).toContain("{{ GITLAB_PERSONAL_ACCESS_TOKEN }}");
  });

  test("an unknown vault: exit 65 before any backup, item or change", async () => {
    const { s, env, files, before, backups } = setup();
    const r = await run([bin, "migrate", "--apply", "--vault", "Nope"], { env, cwd: s.dir });
    expect(r.code).toBe(65);
    expect(r.stderr).toBe('[error] [mcp-op] vault "Nope" not found in 1Password; pass --vault (one of: Private)\n');
    for (const f of files) expect(readFileSync(f, "latin1")).toBe((before.get(f) as Buffer).toString("latin1"));
    expect(() => statSync(backups)).toThrow();
  });

  test("--apply while op has no account: 77 with how to sign in, nothing changed", async () => {
    const { s, env, files, before } = setup();
    const r = await run([bin, "migrate", "--apply"], { env: { ...env, OP_STUB_AUTH: "none" }, cwd: s.dir });
    expect(r.code).toBe(77);
    expect(r.stderr).toBe(
      "[error] [mcp-op] op vault list failed: no account found for filter; sign in first (turn on 1Password app integration, or run: eval $(op signin)), then run migrate again\n",
    );
    for (const f of files) expect(readFileSync(f, "latin1")).toBe((before.get(f) as Buffer).toString("latin1"));
  });

  test("a failure midway leaves that server untouched and lists the items already created", async () => {
    const { s, env, before, vault } = setup();
    const vscode = join(s.home, ".config", "Code", "User", "mcp.json");
    const r = await run([bin, "migrate", "--apply"], {
      env: { ...env, OP_STUB_FAIL_CREATE: "slack SLACK_BOT_TOKEN" },
      cwd: s.dir,
    });
    expect(r.code).toBe(69);
    expect(r.stderr).toContain("[error] [mcp-op] vscode (user) slack: not migrated, config untouched");
    // Every item created is used by a migrated entry: none is named as left over.
    expect(r.stderr).toContain(
      "1Password items created for them that no migrated entry uses (keep or delete them): none\n",
    );
    for (const secret of Object.values(T)) expect(r.stdout + r.stderr).not.toContain(secret.slice(7));
    expect(readFileSync(vscode, "latin1")).toBe((before.get(vscode) as Buffer).toString("latin1"));
    expect(Object.keys(vault().Private).length).toBeGreaterThan(0);
    expect(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).not.toContain(T.gitlab);
    // The failed create's template is gone too.
    const state = join(s.home, ".local", "state");
    expect((readdirSync(state, { recursive: true }) as string[]).filter((f) => f.includes("item-template"))).toEqual(
      [],
    );
  }, 60_000);

  test("an env file that cannot be written: 73, each server reported, configs untouched, the items created listed", async () => {
    const { s, env, files, before, vault } = setup();
    mkdirSync(join(s.home, ".config"), { recursive: true });
    writeFileSync(join(s.home, ".config", "mcp-op"), "not a directory\n");
    const r = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
    expect(r.code).toBe(73);
    expect(r.stderr).not.toContain("internal error");
    expect(r.stderr).toContain(
      `[error] [mcp-op] cursor (user) gitlab: not migrated, config untouched (cannot write ${join(s.home, ".config", "mcp-op", "gitlab.env")}: ${join(s.home, ".config", "mcp-op")} (or a directory above it) is not a directory)\n`,
    );
    for (const f of files) expect(readFileSync(f, "latin1")).toBe((before.get(f) as Buffer).toString("latin1"));
    const references = Object.keys(vault().Private).map((title) => `op://Private/${title}/credential`);
    expect(references).toHaveLength(5);
    const summary = r.stderr.split("\n").find((l) => l.includes("no migrated entry uses")) ?? "";
    for (const reference of references) expect(summary).toContain(reference);
  }, 60_000);

  test("a config that cannot be rewritten (read-only; claude refusing the name): its env file removed, its item listed", async () => {
    const { s, env, vault } = setup();
    const cursor = join(s.home, ".cursor", "mcp.json");
    chmodSync(cursor, 0o444);
    // `claude mcp remove` takes any name, `claude mcp add-json` refuses this one: the entry goes back.
    const claudeJson = join(s.home, ".claude.json");
    const claude = JSON.parse(readFileSync(claudeJson, "utf8"));
    const dotted = { type: "stdio", command: "npx", args: ["x"], env: { LINEAR_API_KEY: `${T.linear}X` } };
    claude.mcpServers["a.b"] = dotted;
    writeFileSync(claudeJson, JSON.stringify(claude, null, 2));
    const r = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(`cursor (user) gitlab: not migrated, config untouched (${cursor}: is read-only`);
    expect(r.stderr).toContain("claude-code (user) a.b: not migrated, config untouched (claude mcp add-json failed");
    expect(JSON.parse(readFileSync(claudeJson, "utf8")).mcpServers["a.b"]).toEqual(dotted);
    const envFiles = readdirSync(join(s.home, ".config", "mcp-op"));
    expect(envFiles).not.toContain("gitlab.env");
    expect(envFiles).not.toContain("a-b.env");
    expect(envFiles).toHaveLength(7);
    const summary = r.stderr.split("\n").find((l) => l.includes("no migrated entry uses")) ?? "";
    expect(summary).toContain("op://Private/mcp-op gitlab GITLAB_PERSONAL_ACCESS_TOKEN/credential");
    expect(summary).toContain("op://Private/mcp-op a.b LINEAR_API_KEY/credential");
    expect(Object.keys(vault().Private)).toHaveLength(6);
    for (const secret of Object.values(T)) expect(r.stdout + r.stderr).not.toContain(secret.slice(7));
  }, 120_000);
});

describe("mcp-op migrate: hostile configs", () => {
  test("server names never become paths: env files stay in $XDG_CONFIG_HOME/mcp-op, named from [A-Za-z0-9_-]", async () => {
    const s = sandbox({ Private: {} });
    const names = ["../../target/app", "/tmp/x/abs", "..", "x\n\u001b[31mred"];
    const servers = Object.fromEntries(
      names.map((n, i) => [
        n,
        { command: "npx", args: ["srv"], env: { GITHUB_TOKEN: `${T.github.slice(0, -1)}${i}` } },
      ]),
    );
    mkdirSync(join(s.dir, ".cursor"), { recursive: true });
    writeFileSync(join(s.dir, ".cursor", "mcp.json"), JSON.stringify({ mcpServers: servers }));
    const env = s.env({ PATH: `${OP_DIR}:/usr/local/bin:/usr/bin:/bin` });
    const r = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const envDir = join(s.home, ".config", "mcp-op");
    expect(readdirSync(envDir).sort()).toEqual(["server.env", "target-app.env", "tmp-x-abs.env", "x-31mred.env"]);
    expect(readdirSync(s.home).sort()).toEqual([".config", ".local"]);
    expect(() => statSync("/tmp/x/abs.env")).toThrow();
    // Each name is shown, on one line, without its control characters.
    expect(r.stdout).toContain("cursor (project) ../../target/app: migrated (");
    expect(r.stdout).toContain('cursor (project) "x\\n\\u001b[31mred": migrated (');
    expect(r.stdout).not.toContain("\u001b");
    const entries = JSON.parse(readFileSync(join(s.dir, ".cursor", "mcp.json"), "utf8")).mcpServers;
    expect(entries["../../target/app"].args).toContain(join(envDir, "target-app.env"));
  });

  test("a number is never moved (its digits may not survive), null args are never dropped: both left, said, not shown", async () => {
    const s = sandbox({ Private: {} });
    const gemini = join(s.home, ".gemini", "settings.json");
    const cursor = join(s.home, ".cursor", "mcp.json");
    mkdirSync(join(gemini, ".."), { recursive: true });
    mkdirSync(join(cursor, ".."), { recursive: true });
    const geminiText = `{"mcpServers": {"num": {"command": "npx", "args": ["x"], "env": {"API_KEY": 12345678901234567890, "GH_TOKEN": "${T.github}"}}}}\n`;
    const cursorText = `{"mcpServers": {"nul": {"command": "npx", "args": ["x", null, "--token", "${T.gitlab}"]}}}\n`;
    writeFileSync(gemini, geminiText);
    writeFileSync(cursor, cursorText);
    const env = s.env({ PATH: `${OP_DIR}:/usr/local/bin:/usr/bin:/bin` });
    const r = await run([bin, "migrate", "--apply"], { env, cwd: s.dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `gemini (user) num: ${gemini}\n  not migrated: env API_KEY is a number, not a string: only a string moves exactly`,
    );
    expect(r.stdout).toContain(
      `cursor (user) nul: ${cursor}\n  not migrated: argument 2 is null, not a string: rewriting the entry would change it`,
    );
    expect(r.stdout).toContain("nothing to migrate");
    expect(r.stdout).not.toContain("1234567");
    expect(readFileSync(gemini, "utf8")).toBe(geminiText);
    expect(readFileSync(cursor, "utf8")).toBe(cursorText);
    expect(JSON.parse(readFileSync(join(s.dir, "vault.json"), "utf8"))).toEqual({ Private: {} });
  });
});
