/**
 * add / remove / list / doctor / check --resolve through the compiled binary, with the real
 * claude, codex and gemini CLIs where they run here (HOME in a temp dir).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { binary, NODE, OP_DIR, ROOT, run, type Sandbox, SECRETS, SERVER_EVERYTHING, sandbox } from "./helpers.ts";

/**
 * Real clients and servers, on a loaded machine: more than the 5 s Bun 1.4.4 falls back to when
 * several test files run in one process (the preload's setDefaultTimeout did not reach them all).
 */
const SLOW = 120_000;

let bin: string;
beforeAll(async () => {
  bin = await binary();
});

const BIN_DIR = join(ROOT, "node_modules", ".bin");
const CLAUDE = join(BIN_DIR, "claude");
const CODEX = join(BIN_DIR, "codex");
const GEMINI = join(BIN_DIR, "gemini");

/** A sandbox whose PATH also finds the real client CLIs. */
function clientEnv(s: Sandbox, extra: Record<string, string> = {}) {
  return s.env({ PATH: `${OP_DIR}:${BIN_DIR}:/usr/local/bin:/usr/bin:/bin`, ...extra });
}

const GH = ["--env", "GITHUB_TOKEN=op://Private/GitHub/token"];
/** A service-account token the stand-in accepts (any `ops_` token); it must never be printed or stored. */
const SA_TOKEN = "ops_clientsTestTokenNeverShown0123456789";
const SERVER = ["--", NODE, SERVER_EVERYTHING];

/**
 * The real claude behind a wrapper that runs `instead` (shell) the first time it gets `mcp <sub>`,
 * and logs every argv to <sandbox>/claude-argv.log.
 */
function wrappedClaude(s: Sandbox, sub: string, instead: string): Record<string, string> {
  const wrapDir = join(s.dir, "wrap");
  mkdirSync(wrapDir, { recursive: true });
  writeFileSync(
    join(wrapDir, "claude"),
    `#!/bin/sh
printf '%s\\n' "$*" >> "${s.dir}/claude-argv.log"
if [ "$2" = ${sub} ] && [ ! -e "${s.dir}/once" ]; then : > "${s.dir}/once"; ${instead}; fi
exec "${CLAUDE}" "$@"
`,
  );
  chmodSync(join(wrapDir, "claude"), 0o755);
  const env = clientEnv(s);
  return { ...env, PATH: `${wrapDir}:${env.PATH}` };
}

describe("mcp-op add with the real clients", () => {
  test(
    "claude-code: registered through the claude CLI, and `claude mcp list` connects",
    async () => {
      const s = sandbox();
      const env = clientEnv(s);
      const add = await run([bin, "add", "github", "--client", "claude-code", ...GH, ...SERVER], { env, cwd: s.dir });
      expect(add).toEqual({
        code: 0,
        stdout: "added github to claude-code (user) through the claude CLI\n",
        stderr: "",
      });
      const envFile = join(s.home, ".config", "mcp-op", "github.env");
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(envFile, "utf8")).toContain("GITHUB_TOKEN=op://Private/GitHub/token\n");
      const config = JSON.parse(readFileSync(join(s.home, ".claude.json"), "utf8"));
      expect(config.mcpServers.github).toMatchObject({
        command: bin,
        args: ["run", "--env-file", envFile, "--", NODE, SERVER_EVERYTHING],
      });
      const list = await run([CLAUDE, "mcp", "list"], { env, cwd: s.dir });
      expect(list.stdout.split("\n").find((l) => l.startsWith("github: "))).toEndWith("✔ Connected");
      // A second add of the same name is refused; --force replaces it.
      const again = await run([bin, "add", "github", "--client", "claude-code", ...GH, "--force", ...SERVER], {
        env,
        cwd: s.dir,
      });
      expect(again.code).toBe(0);
      const collide = await run([bin, "add", "github", "--client", "claude-code", "--env-file", envFile, ...SERVER], {
        env,
        cwd: s.dir,
      });
      expect(collide.code).toBe(78);
      expect(collide.stderr).toContain('a server named "github" already exists (use --force to replace it)');
    },
    SLOW,
  );

  test("claude-code --force: when the claude CLI fails to add, the previous entry and env file are put back", async () => {
    const s = sandbox();
    const env = clientEnv(s);
    expect(
      (await run([bin, "add", "github", "--client", "claude-code", ...GH, ...SERVER], { env, cwd: s.dir })).code,
    ).toBe(0);
    const before = JSON.parse(readFileSync(join(s.home, ".claude.json"), "utf8")).mcpServers.github;
    const envFile = join(s.home, ".config", "mcp-op", "github.env");
    const envBefore = readFileSync(envFile, "utf8");
    // The real claude, except that its first `mcp add-json` fails (failure injection).
    const wrapped = wrappedClaude(s, "add-json", 'echo "Error: injected" >&2; exit 1');
    const r = await run(
      [
        bin,
        "add",
        "github",
        "--client",
        "claude-code",
        "--force",
        "--env",
        "GITHUB_TOKEN=op://Private/Other/token",
        ...SERVER,
      ],
      { env: wrapped, cwd: s.dir },
    );
    expect(r.code).toBe(78);
    expect(r.stderr).toBe(
      '[warn] [mcp-op] put the previous "github" entry back\n[error] [mcp-op] claude mcp add-json failed: Error: injected\n',
    );
    expect(JSON.parse(readFileSync(join(s.home, ".claude.json"), "utf8")).mcpServers.github).toEqual(before);
    // Nothing half-done: the env file the entry names is the one it had.
    expect(readFileSync(envFile, "utf8")).toBe(envBefore);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
  });

  test("several clients, a later one fails: the earlier ones are taken back, byte for byte, and the env file too", async () => {
    const s = sandbox();
    const cursorConfig = join(s.home, ".cursor", "mcp.json");
    mkdirSync(join(s.home, ".cursor"));
    const original = '{\n  // mine\n  "theme": "dark"\n}\n';
    writeFileSync(cursorConfig, original);
    const codexConfig = join(s.home, ".codex", "config.toml"); // does not exist yet
    const env = wrappedClaude(s, "add-json", 'echo "Error: injected" >&2; exit 1');
    const r = await run(
      [bin, "add", "github", "--client", "cursor", "--client", "codex", "--client", "claude-code", ...GH, ...SERVER],
      { env, cwd: s.dir },
    );
    expect(r.code).toBe(78);
    expect(r.stdout).toStartWith(`added github to cursor (user): ${cursorConfig} (backup: `);
    expect(r.stdout).toContain(`added github to codex (user): ${codexConfig}\n`);
    expect(r.stderr).toBe(
      '[warn] [mcp-op] took "github" back out of codex (user)\n' +
        '[warn] [mcp-op] took "github" back out of cursor (user)\n' +
        "[error] [mcp-op] claude mcp add-json failed: Error: injected\n",
    );
    expect(readFileSync(cursorConfig, "utf8")).toBe(original);
    expect(existsSync(join(s.home, ".codex"))).toBe(false); // created for the entry, gone with it
    expect(existsSync(join(s.home, ".config", "mcp-op", "github.env"))).toBe(false);
    expect(existsSync(join(s.home, ".claude.json"))).toBe(false); // the failed add wrote nothing
  });

  test("claude-code first, then a config broken meanwhile: the claude entry is removed again", async () => {
    const s = sandbox();
    const cursorConfig = join(s.home, ".cursor", "mcp.json");
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(cursorConfig, "{}\n");
    // Another program breaks Cursor's config while claude registers (after mcp-op checked it).
    const env = wrappedClaude(s, "add-json", `"${CLAUDE}" "$@" || exit 1; printf '{,' > "${cursorConfig}"; exit 0`);
    const r = await run([bin, "add", "github", "--client", "claude-code", "--client", "cursor", ...GH, ...SERVER], {
      env,
      cwd: s.dir,
    });
    expect(r.code).toBe(78);
    expect(r.stdout).toBe("added github to claude-code (user) through the claude CLI\n");
    const [warn, error, ...more] = r.stderr.split("\n");
    expect(warn).toBe('[warn] [mcp-op] took "github" back out of claude-code (user)');
    expect(error).toStartWith(`[error] [mcp-op] ${cursorConfig}: `);
    expect(more).toEqual([""]);
    expect(JSON.parse(readFileSync(join(s.home, ".claude.json"), "utf8")).mcpServers?.github).toBeUndefined();
    expect(existsSync(join(s.home, ".config", "mcp-op", "github.env"))).toBe(false);
  });

  test("a take-back that fails is reported, and the env file its entry needs stays", async () => {
    const s = sandbox();
    const cursorConfig = join(s.home, ".cursor", "mcp.json");
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(cursorConfig, "{}\n");
    // Cursor's config turns read-only after mcp-op wrote it; then claude fails.
    const env = wrappedClaude(s, "add-json", `chmod 444 "${cursorConfig}"; echo "Error: injected" >&2; exit 1`);
    const r = await run([bin, "add", "github", "--client", "cursor", "--client", "claude-code", ...GH, ...SERVER], {
      env,
      cwd: s.dir,
    });
    expect(r.code).toBe(78);
    expect(r.stderr).toBe(
      `[error] [mcp-op] could not take "github" back out of cursor (user): ${cursorConfig}: is read-only (mode 0444); mcp-op leaves read-only configs alone\n` +
        "[error] [mcp-op] claude mcp add-json failed: Error: injected\n",
    );
    const envFile = join(s.home, ".config", "mcp-op", "github.env");
    expect(JSON.parse(readFileSync(cursorConfig, "utf8")).mcpServers.github.args).toContain(envFile);
    expect(readFileSync(envFile, "utf8")).toContain("GITHUB_TOKEN=op://Private/GitHub/token\n");
  });

  test("--force, a later client fails: the replaced entry and env file come back", async () => {
    const s = sandbox();
    const cursorConfig = join(s.home, ".cursor", "mcp.json");
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(cursorConfig, "{}\n");
    const first = await run([bin, "add", "github", "--client", "cursor", ...GH, ...SERVER], {
      env: clientEnv(s),
      cwd: s.dir,
    });
    expect(first.code).toBe(0);
    const cursorText = readFileSync(cursorConfig, "utf8");
    const envFile = join(s.home, ".config", "mcp-op", "github.env");
    const envText = readFileSync(envFile, "utf8");
    const env = wrappedClaude(s, "add-json", 'echo "Error: injected" >&2; exit 1');
    const r = await run(
      [
        bin,
        "add",
        "github",
        "--force",
        "--client",
        "cursor",
        "--client",
        "claude-code",
        "--env",
        "GITHUB_TOKEN=op://Private/Other/token",
        "--",
        NODE,
        SERVER_EVERYTHING,
        "--new",
      ],
      { env, cwd: s.dir },
    );
    expect(r.code).toBe(78);
    expect(r.stderr).toBe(
      '[warn] [mcp-op] put the previous "github" back into cursor (user)\n' +
        "[error] [mcp-op] claude mcp add-json failed: Error: injected\n",
    );
    expect(readFileSync(cursorConfig, "utf8")).toBe(cursorText);
    expect(readFileSync(envFile, "utf8")).toBe(envText);
  });

  test("Ctrl-C midway: held until the step ends, then everything done is undone, exit 130", async () => {
    const s = sandbox();
    const cursorConfig = join(s.home, ".cursor", "mcp.json");
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(cursorConfig, "{}\n");
    // The wrapper is mcp-op's child: it interrupts mcp-op, then lets the real claude add the entry.
    const env = wrappedClaude(s, "add-json", 'kill -INT "$PPID"');
    const r = await run(
      [bin, "add", "github", "--client", "cursor", "--client", "claude-code", "--client", "codex", ...GH, ...SERVER],
      { env, cwd: s.dir },
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toBe(
      '[warn] [mcp-op] took "github" back out of claude-code (user)\n' +
        '[warn] [mcp-op] took "github" back out of cursor (user)\n' +
        "[error] [mcp-op] interrupted (SIGINT)\n",
    );
    expect(readFileSync(cursorConfig, "utf8")).toBe("{}\n");
    expect(JSON.parse(readFileSync(join(s.home, ".claude.json"), "utf8")).mcpServers?.github).toBeUndefined();
    expect(existsSync(join(s.home, ".codex"))).toBe(false);
    expect(existsSync(join(s.home, ".config", "mcp-op", "github.env"))).toBe(false);
  });

  test("Ctrl-C during the last client's step: also undone, exit 130", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    const env = wrappedClaude(s, "add-json", 'kill -INT "$PPID"');
    const r = await run([bin, "add", "github", "--client", "cursor", "--client", "claude-code", ...GH, ...SERVER], {
      env,
      cwd: s.dir,
    });
    expect(r.code).toBe(130);
    expect(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).toBe("{}\n");
    expect(JSON.parse(readFileSync(join(s.home, ".claude.json"), "utf8")).mcpServers?.github).toBeUndefined();
    expect(existsSync(join(s.home, ".config", "mcp-op", "github.env"))).toBe(false);
  });

  test("claude-code --scope project from a subdirectory: the .mcp.json at the git root, added and removed", async () => {
    const s = sandbox();
    const repo = join(s.dir, "repo");
    mkdirSync(join(repo, "sub"), { recursive: true });
    expect(Bun.spawnSync(["git", "init", "-q", repo]).exitCode).toBe(0);
    const env = clientEnv(s);
    const sub = join(repo, "sub");
    const add = await run([bin, "add", "gh", "--client", "claude-code", "--scope", "project", ...GH, ...SERVER], {
      env,
      cwd: sub,
    });
    expect(add).toMatchObject({
      code: 0,
      stdout:
        "added gh to claude-code (project) through the claude CLI\n" +
        "to share it, commit .mcp-op/gh.env, .mcp.json; each teammate needs mcp-op on PATH, op signed in, and access to the vault\n",
    });
    // The shared env file at the git root too, next to .mcp.json.
    expect(existsSync(join(repo, ".mcp-op", "gh.env"))).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(join(repo, ".mcp.json"), "utf8")).mcpServers)).toEqual(["gh"]);
    expect(existsSync(join(sub, ".mcp.json"))).toBe(false);
    expect((await run([bin, "remove", "gh", "--scope", "project"], { env, cwd: sub })).code).toBe(0);
    expect(JSON.parse(readFileSync(join(repo, ".mcp.json"), "utf8")).mcpServers.gh).toBeUndefined();
  });

  test("continue --scope project: .continue/mcpServers/gh.yaml written, listed, and deleted by remove", async () => {
    const s = sandbox();
    const env = clientEnv(s);
    const block = join(s.dir, ".continue", "mcpServers", "gh.yaml");
    const add = await run([bin, "add", "gh", "--client", "continue", "--scope", "project", ...GH, ...SERVER], {
      env,
      cwd: s.dir,
    });
    expect(add.code).toBe(0);
    expect(add.stdout).toBe(
      `added gh to continue (project): ${block}\n` +
        "to share it, commit .mcp-op/gh.env, .continue/mcpServers/gh.yaml; each teammate needs mcp-op on PATH, op signed in, and access to the vault\n",
    );
    expect(readFileSync(block, "utf8")).toStartWith(
      "name: gh\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: gh\n    command: mcp-op\n",
    );
    expect(existsSync(join(s.dir, ".mcp-op", "gh.env"))).toBe(true);
    const list = await run([bin, "list", "--client", "continue"], { env, cwd: s.dir });
    expect(list.stdout).toBe(`continue (project) gh: mcp-op (.mcp-op/gh.env): ${NODE} ${SERVER_EVERYTHING}\n`);
    const remove = await run([bin, "remove", "gh", "--scope", "project"], { env, cwd: s.dir });
    expect([remove.code, remove.stdout]).toEqual([0, `removed gh from continue (project): ${block}\n`]);
    expect(existsSync(block)).toBe(false);
  });

  test("the clients of docs/clients.md: add writes each file in its shape, list shows each entry, remove takes it out", async () => {
    const s = sandbox();
    const env = clientEnv(s);
    const goose = join(s.home, ".config", "goose", "config.yaml");
    mkdirSync(join(s.home, ".config", "goose"), { recursive: true });
    writeFileSync(goose, "# my goose\nGOOSE_PROVIDER: openai # kept\n");
    const clients = ["goose", "continue", "opencode", "copilot", "cline", "crush", "amp"];
    const add = await run([bin, "add", "gh", ...clients.flatMap((c) => ["--client", c]), ...GH, ...SERVER], {
      env,
      cwd: s.dir,
    });
    expect(add.stderr).toBe("");
    expect(add.code).toBe(0);
    expect(add.stdout.trim().split("\n")).toHaveLength(clients.length);
    const json = (...p: string[]) => JSON.parse(readFileSync(join(s.home, ...p), "utf8"));
    const envFile = join(s.home, ".config", "mcp-op", "gh.env");
    const args = ["run", "--env-file", envFile, "--", NODE, SERVER_EVERYTHING];
    expect(json(".config", "opencode", "opencode.jsonc").mcp.gh).toEqual({ type: "local", command: [bin, ...args] });
    expect(json(".copilot", "mcp-config.json").mcpServers.gh).toEqual({
      tools: ["*"],
      type: "local",
      command: bin,
      args,
    });
    expect(json(".cline", "data", "settings", "cline_mcp_settings.json").mcpServers.gh.timeout).toBe(60);
    expect(json(".config", "crush", "crush.json").mcp.gh.timeout).toBe(30);
    expect(json(".config", "amp", "settings.json")["amp.mcpServers"].gh.command).toBe(bin);
    const yaml = readFileSync(goose, "utf8");
    expect(yaml).toStartWith("# my goose\nGOOSE_PROVIDER: openai # kept\nextensions:\n  gh:\n    name: gh\n");
    expect(readFileSync(join(s.home, ".continue", "config.yaml"), "utf8")).toContain("mcpServers:\n  - name: gh\n");

    const list = await run([bin, "list"], { env, cwd: s.dir });
    expect(list.code).toBe(0);
    for (const c of clients)
      expect(list.stdout).toContain(`${c} (user) gh: mcp-op (${envFile}): ${NODE} ${SERVER_EVERYTHING}\n`);

    const remove = await run([bin, "remove", "gh", ...clients.flatMap((c) => ["--client", c])], { env, cwd: s.dir });
    expect(remove.code).toBe(0);
    expect(readFileSync(goose, "utf8")).toBe("# my goose\nGOOSE_PROVIDER: openai # kept\nextensions: {}\n");
    expect(json(".config", "opencode", "opencode.jsonc").mcp).toEqual({});
    expect((await run([bin, "list"], { env, cwd: s.dir })).stdout).not.toContain(" gh: ");
  });

  test("codex: config.toml gets the entry and a startup timeout; `codex mcp list` shows it", async () => {
    const s = sandbox();
    const env = clientEnv(s);
    mkdirSync(join(s.home, ".codex"));
    writeFileSync(
      join(s.home, ".codex", "config.toml"),
      '# my settings\nmodel = "o4"\n\n[mcp_servers.other]\ncommand = "x"\n',
    );
    const add = await run([bin, "add", "github", "--client", "codex", ...GH, ...SERVER], { env, cwd: s.dir });
    expect(add.code).toBe(0);
    const toml = readFileSync(join(s.home, ".codex", "config.toml"), "utf8");
    expect(toml).toStartWith('# my settings\nmodel = "o4"\n');
    expect(toml).toContain("[mcp_servers.other]");
    expect(toml).toContain("startup_timeout_sec = 30");
    const list = await run([CODEX, "mcp", "list"], { env, cwd: s.dir });
    const line = list.stdout.split("\n").find((l) => l.startsWith("github"));
    expect(line).toContain(bin);
  });

  test(
    "gemini (project scope): `gemini mcp list` connects through mcp-op",
    async () => {
      const s = sandbox();
      // A project entry runs mcp-op by name: on PATH, as a teammate has it.
      const env = clientEnv(s, { PATH: `${dirname(bin)}:${OP_DIR}:${BIN_DIR}:/usr/local/bin:/usr/bin:/bin` });
      mkdirSync(join(s.home, ".gemini"));
      writeFileSync(join(s.home, ".gemini", "settings.json"), '{"security":{"folderTrust":{"enabled":false}}}');
      const project = join(s.dir, "project");
      mkdirSync(join(project, ".gemini"), { recursive: true });
      writeFileSync(join(project, ".gemini", "settings.json"), "{}\n");
      const add = await run([bin, "add", "github", "--client", "gemini", "--scope", "project", ...GH, ...SERVER], {
        env,
        cwd: project,
      });
      expect(add.code).toBe(0);
      const list = await run([GEMINI, "mcp", "list"], { env, cwd: project });
      // gemini prints its list on stderr.
      expect(list.stdout + list.stderr).toMatch(/✓ github: .* - Connected/);
    },
    SLOW,
  );

  test("the entry names a stable link on PATH, not the versioned path it resolves to", async () => {
    const s = sandbox();
    const linkDir = join(s.home, ".local", "bin");
    mkdirSync(linkDir, { recursive: true });
    symlinkSync(bin, join(linkDir, "mcp-op"));
    const env = clientEnv(s, { PATH: `${linkDir}:${OP_DIR}:/usr/bin:/bin` });
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    const add = await run([bin, "add", "github", ...GH, ...SERVER], { env, cwd: s.dir });
    expect(add.code).toBe(0);
    const config = JSON.parse(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8"));
    expect(config.mcpServers.github.command).toBe(join(linkDir, "mcp-op"));
  });
});

describe("add: safety", () => {
  test("--dry-run prints the change and writes nothing", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    const original = '{\n  // mine\n  "mcpServers": {}\n}\n';
    writeFileSync(join(s.home, ".cursor", "mcp.json"), original);
    const r = await run([bin, "add", "github", "--dry-run", ...GH, ...SERVER], { env: clientEnv(s), cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`--- ${join(s.home, ".config", "mcp-op", "github.env")} (new, mode 0600)`);
    expect(r.stdout).toContain('+    "github": {');
    expect(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).toBe(original);
    expect(existsSync(join(s.home, ".config", "mcp-op", "github.env"))).toBe(false);
  });

  test("one server, one env file: another client later reuses it; --force says who else it reaches", async () => {
    const s = sandbox();
    for (const d of [".cursor", ".gemini"]) mkdirSync(join(s.home, d));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    writeFileSync(join(s.home, ".gemini", "settings.json"), "{}\n");
    const env = clientEnv(s);
    const envFile = join(s.home, ".config", "mcp-op", "github.env");
    expect((await run([bin, "add", "github", "--client", "cursor", ...GH, ...SERVER], { env, cwd: s.dir })).code).toBe(
      0,
    );
    // The same references for one more client: no --force needed.
    const again = await run([bin, "add", "github", "--client", "gemini", ...GH, ...SERVER], { env, cwd: s.dir });
    expect(again).toMatchObject({ code: 0, stderr: "" });
    // Other references: refused without --force; with it, the entries sharing the file are named.
    const other = ["--env", "GITHUB_TOKEN=op://Private/Other/token"];
    const refused = await run([bin, "add", "github", "--client", "gemini", ...other, ...SERVER], { env, cwd: s.dir });
    expect(refused.code).toBe(78);
    const forced = await run([bin, "add", "github", "--force", "--client", "gemini", ...other, ...SERVER], {
      env,
      cwd: s.dir,
    });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toBe(
      `[warn] [mcp-op] ${envFile} is also used by github (cursor, user): they get the new references too\n`,
    );
    expect(readFileSync(envFile, "utf8")).toContain("GITHUB_TOKEN=op://Private/Other/token\n");
  });

  test("the README's Quick start, then its own add: the hand-written env file has the same references, so it is reused as it is", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    const envFile = join(s.home, ".config", "mcp-op", "github.env");
    mkdirSync(join(s.home, ".config", "mcp-op"), { recursive: true });
    // Step 2 of the Quick start: echo '...' > ~/.config/mcp-op/github.env; chmod 600
    const handWritten = "GITHUB_PERSONAL_ACCESS_TOKEN=op://Private/GitHub/token\n";
    writeFileSync(envFile, handWritten, { mode: 0o600 });
    const env = clientEnv(s);
    const ref = ["--env", "GITHUB_PERSONAL_ACCESS_TOKEN=op://Private/GitHub/token"];
    const r = await run([bin, "add", "github", ...ref, ...SERVER], { env, cwd: s.dir });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(readFileSync(envFile, "utf8")).toBe(handWritten);
    expect(JSON.parse(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).mcpServers.github.args).toContain(
      envFile,
    );
    // A file with other references is still refused without --force.
    writeFileSync(
      join(s.home, ".config", "mcp-op", "gh3.env"),
      "GITHUB_PERSONAL_ACCESS_TOKEN=op://Private/GitHub/token\nEXTRA=op://Private/GitHub/token\n",
      { mode: 0o600 },
    );
    const differs = await run([bin, "add", "gh3", "--client", "cursor", ...ref, ...SERVER], { env, cwd: s.dir });
    expect(differs.code).toBe(78);
    expect(differs.stderr).toContain("gh3.env already exists with other references");
  });

  test("--env-file is repeatable, as for run: the entry names each file in order", async () => {
    const s = sandbox();
    const a = s.envFile("a.env", "A=op://Private/GitHub/token\n");
    const b = s.envFile("b.env", "B=op://Private/GitHub/token\n");
    const r = await run([bin, "add", "two", "--client", "cursor", "--env-file", a, "--env-file", b, ...SERVER], {
      env: clientEnv(s),
      cwd: s.dir,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).mcpServers.two.args).toEqual([
      "run",
      "--env-file",
      a,
      "--env-file",
      b,
      "--",
      NODE,
      SERVER_EVERYTHING,
    ]);
  });

  test("--account naming no account op knows is refused before anything is written", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    const env = clientEnv(s);
    const bad = await run([bin, "add", "github", "--account", "nobody@example.com", ...GH, ...SERVER], {
      env,
      cwd: s.dir,
    });
    expect(bad).toMatchObject({
      code: 64,
      stderr: "[error] [mcp-op] --account nobody@example.com: op has no such account; one of: my.1password.com\n",
    });
    expect(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).toBe("{}\n");
    expect(existsSync(join(s.home, ".config", "mcp-op", "github.env"))).toBe(false);
    // op's own matching decides: its shorthand is accepted although `account list` does not show it.
    const ok = await run([bin, "add", "github", "--account", "my", ...GH, ...SERVER], { env, cwd: s.dir });
    expect(ok.code).toBe(0);
    expect(JSON.parse(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).mcpServers.github.args).toContain(
      "my",
    );
  });

  test("server arguments with a {{ }} run would refuse: 65 now, with the escape; \\{{ and real templates pass", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    const env = clientEnv(s);
    const bad = await run([bin, "add", "dk", ...GH, "--", "printf", "%s", "{{.Names}}"], { env, cwd: s.dir });
    expect(bad).toMatchObject({
      code: 65,
      stdout: "",
      stderr:
        "[error] [mcp-op] server argument 2: {{ }} holds neither an op:// reference nor a variable name (write \\{{ for a literal {{)\n",
    });
    expect(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).toBe("{}\n");
    expect(existsSync(join(s.home, ".config", "mcp-op", "dk.env"))).toBe(false);
    const args = ["--", "printf", "%s", "\\{{.Names}}", "{{ op://Private/GitHub/token }}", "{{ GITHUB_TOKEN }}"];
    expect((await run([bin, "add", "dk", ...GH, ...args], { env, cwd: s.dir })).code).toBe(0);
  });

  test("--env PATH=... is warned about once, as run would at every start; an unwritable env-file dir is 78", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    const env = clientEnv(s);
    const r = await run(
      [bin, "add", "x", "--client", "cursor", "--env", "PATH=op://Private/Bin/path", "--", "npx", "y"],
      {
        env,
        cwd: s.dir,
      },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `[warn] [mcp-op] ${join(s.home, ".config", "mcp-op", "x.env")}:2: sets PATH for the server: it changes what code runs, so keep this file as private as a key\n`,
    );
    writeFileSync(join(s.dir, "file"), "");
    const blocked = await run([bin, "add", "y", "--client", "cursor", ...GH, "--", "npx", "y"], {
      env: { ...env, XDG_CONFIG_HOME: join(s.dir, "file") },
      cwd: s.dir,
    });
    expect(blocked).toMatchObject({
      code: 78,
      stderr: `[error] [mcp-op] cannot write the env file ${join(s.dir, "file", "mcp-op", "y.env")}: a parent of this path is not a directory\n`,
    });
    expect(JSON.parse(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).mcpServers.y).toBeUndefined();
  });

  test("a plaintext --env value is refused without repeating it", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    const r = await run([bin, "add", "github", "--env", `GITHUB_TOKEN=${SECRETS.github}`, ...SERVER], {
      env: clientEnv(s),
      cwd: s.dir,
    });
    expect(r.code).toBe(65);
    expect(r.stderr).not.toContain(SECRETS.github.slice(4));
    expect(r.stderr).toContain("--env GITHUB_TOKEN: not a secret reference");
    expect(existsSync(join(s.home, ".config", "mcp-op", "github.env"))).toBe(false);
    expect(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).toBe("{}\n");
  });

  type Case = [string, (s: Sandbox) => string[], number, string];
  const bad: Case[] = [
    // --force skips the name check, not the parse.
    ...[[], ["--force"]].map(
      (force): Case => [
        `malformed JSON config${force.length ? ", with --force" : ""}`,
        (s) => {
          mkdirSync(join(s.home, ".cursor"));
          writeFileSync(join(s.home, ".cursor", "mcp.json"), '{"mcpServers": {,}\n');
          return ["add", "github", "--client", "cursor", ...force, ...GH, ...SERVER];
        },
        78,
        "mcp.json",
      ],
    ),
    [
      "a config that is a directory",
      (s) => {
        mkdirSync(join(s.home, ".cursor", "mcp.json"), { recursive: true });
        return ["add", "github", "--client", "cursor", ...GH, ...SERVER];
      },
      78,
      "mcp.json",
    ],
    [
      "a read-only config after a writable one",
      (s) => {
        mkdirSync(join(s.home, ".cursor"));
        writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
        mkdirSync(join(s.home, ".codex"));
        writeFileSync(join(s.home, ".codex", "config.toml"), "");
        chmodSync(join(s.home, ".codex", "config.toml"), 0o444);
        return ["add", "github", "--client", "cursor", "--client", "codex", ...GH, ...SERVER];
      },
      78,
      "config.toml: is read-only (mode 0444)",
    ],
    [
      "an odd name",
      () => ["add", "../evil", "--client", "cursor", ...GH, ...SERVER],
      64,
      'server name "../evil" may hold only letters',
    ],
    [
      "an unknown client",
      () => ["add", "github", "--client", "notepad", ...GH, ...SERVER],
      64,
      'unknown client "notepad"',
    ],
    ["no server command", () => ["add", "github", "--client", "cursor", ...GH], 64, 'no server command after "--"'],
    [
      "an empty --env-file",
      () => ["add", "github", "--client", "cursor", "--env-file", "", ...SERVER],
      64,
      "flag --env-file needs FILE, not an empty string",
    ],
    [
      "a --token-file others can read",
      (s) => {
        mkdirSync(join(s.home, ".cursor"));
        writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
        s.envFile("sa.token", `${SA_TOKEN}\n`, 0o644);
        return ["add", "github", "--client", "cursor", ...GH, "--token-file", join(s.dir, "sa.token"), ...SERVER];
      },
      77,
      "sa.token: readable or writable by others (mode 0644); it must be 0600",
    ],
    [
      "a missing --token-file",
      (s) => ["add", "github", "--client", "cursor", ...GH, "--token-file", join(s.dir, "none.token"), ...SERVER],
      66,
      "none.token: no such file",
    ],
  ];
  for (const [name, setup, code, message] of bad) {
    test(`${name}: exit ${code}, one line, nothing written`, async () => {
      const s = sandbox();
      const args = setup(s);
      const before =
        existsSync(join(s.home, ".cursor", "mcp.json")) && statSync(join(s.home, ".cursor", "mcp.json")).isFile()
          ? readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")
          : undefined;
      const r = await run([bin, ...args], { env: clientEnv(s), cwd: s.dir });
      expect(r.code).toBe(code);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(message);
      if (before !== undefined) expect(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8")).toBe(before);
      expect(existsSync(join(s.home, ".config", "mcp-op", "github.env"))).toBe(false);
    });
  }
});

describe("list and remove", () => {
  test("list shows what runs through mcp-op and plaintext values as prefix and length only", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(
      join(s.home, ".cursor", "mcp.json"),
      JSON.stringify({
        mcpServers: {
          slack: {
            command: "npx",
            args: ["-y", "slack-mcp"],
            env: { SLACK_BOT_TOKEN: "xoxb-1234567890-abcdefghijklmnop" },
          },
        },
      }),
    );
    const env = clientEnv(s);
    expect((await run([bin, "add", "github", "--client", "cursor", ...GH, ...SERVER], { env, cwd: s.dir })).code).toBe(
      0,
    );
    const r = await run([bin, "list", "--json"], { env, cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("1234567890");
    const rows = JSON.parse(r.stdout) as Array<{
      name: string;
      viaMcpOp: boolean;
      plaintext: Array<{ key: string; value: string }>;
    }>;
    const slack = rows.find((x) => x.name === "slack");
    const github = rows.find((x) => x.name === "github");
    expect(slack?.viaMcpOp).toBe(false);
    expect(slack?.plaintext).toEqual([expect.objectContaining({ key: "SLACK_BOT_TOKEN", value: "xoxb-… (32 chars)" })]);
    expect(github).toMatchObject({ viaMcpOp: true, plaintext: [] });
    const text = await run([bin, "list"], { env, cwd: s.dir });
    expect(text.stdout).toContain("cursor (user) github: mcp-op");
    expect(text.stdout).toContain("plaintext env SLACK_BOT_TOKEN: xoxb-… (32 chars)");

    const removed = await run([bin, "remove", "github"], { env, cwd: s.dir });
    expect(removed.stdout).toBe(`removed github from cursor (user): ${join(s.home, ".cursor", "mcp.json")}\n`);
    const after = JSON.parse(readFileSync(join(s.home, ".cursor", "mcp.json"), "utf8"));
    expect(Object.keys(after.mcpServers)).toEqual(["slack"]);
  });

  test("list and doctor show a remote server's URL and the plaintext in its URL and headers, masked", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    const token = "abcdefghijklmnop1234";
    const bearer = "sk-abcdefghijklmnopqrstuvwxyz123456";
    const gh = { url: `https://api.example.com/mcp?token=${token}`, headers: { Authorization: `Bearer ${bearer}` } };
    writeFileSync(join(s.home, ".cursor", "mcp.json"), JSON.stringify({ mcpServers: { gh } }));
    const env = clientEnv(s);
    const list = await run([bin, "list"], { env, cwd: s.dir });
    expect(list).toEqual({
      code: 0,
      stdout:
        "cursor (user) gh: remote: https://api.example.com/mcp?token=… (20 chars)\n" +
        "  plaintext header Authorization: … (42 chars) (known prefix sk-, Bearer token, name Authorization)\n" +
        "  plaintext url: … (20 chars) (token parameter in URL)\n",
      stderr: "",
    });
    const doctor = await run([bin, "doctor"], { env, cwd: s.dir });
    expect(doctor.stdout).toContain(
      "warning gh (cursor, user): plaintext in a remote server's header Authorization: … (42 chars)",
    );
    const json = await run([bin, "list", "--json"], { env, cwd: s.dir });
    for (const r of [list, doctor, json])
      expect(r.stdout + r.stderr).not.toMatch(new RegExp(`${token}|${bearer.slice(3)}`));
  });

  test("list and doctor show every Claude Code project's local servers, and the project .mcp.json from a subdirectory", async () => {
    const s = sandbox();
    const other = join(s.dir, "other-project");
    const entry = { type: "stdio", command: "npx", args: ["gh"], env: { GITHUB_TOKEN: SECRETS.github } };
    writeFileSync(
      join(s.home, ".claude.json"),
      JSON.stringify({ projects: { [other]: { mcpServers: { gh: entry } } } }),
    );
    const repo = join(s.dir, "repo");
    mkdirSync(join(repo, "sub"), { recursive: true });
    expect(Bun.spawnSync(["git", "init", "-q", repo]).exitCode).toBe(0);
    writeFileSync(join(repo, ".mcp.json"), JSON.stringify({ mcpServers: { shared: { command: "npx", args: ["s"] } } }));
    const env = clientEnv(s);
    const list = await run([bin, "list"], { env, cwd: join(repo, "sub") });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(
      `claude-code (local ${other}) gh: directly: npx gh\n  plaintext env GITHUB_TOKEN: ghp_… (`,
    );
    expect(list.stdout).toContain("claude-code (project) shared: directly: npx s\n");
    const doctor = await run([bin, "doctor"], { env, cwd: join(repo, "sub") });
    expect(doctor.stdout).toContain(`warning gh (claude-code, local ${other}): plaintext env GITHUB_TOKEN`);
    expect(doctor.stdout).toContain(`fix: in ${other}: mcp-op migrate shows the plan`);
    for (const r of [list, doctor]) expect(r.stdout + r.stderr).not.toContain(SECRETS.github.slice(4));
  });

  test("list and doctor print a hostile server name escaped on one line (no terminal control)", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    const name = "gh\nfake line\u001b[2J";
    writeFileSync(join(s.home, ".cursor", "mcp.json"), JSON.stringify({ mcpServers: { [name]: { command: "npx" } } }));
    const env = clientEnv(s);
    const list = await run([bin, "list"], { env, cwd: s.dir });
    expect(list.stdout).toBe('cursor (user) "gh\\nfake line\\u001b[2J": directly: npx\n');
    const doctor = await run([bin, "doctor"], { env, cwd: s.dir });
    expect(doctor.stdout).not.toContain("\u001b");
    expect(doctor.stdout).not.toContain("\nfake line");
  });

  test("list: one broken config is named (78), the other clients are still listed", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    mkdirSync(join(s.home, ".gemini"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), '{"mcpServers": {"a": {"command": "x"}}}');
    const gemini = join(s.home, ".gemini", "settings.json");
    writeFileSync(gemini, "{ broken");
    const r = await run([bin, "list"], { env: clientEnv(s), cwd: s.dir });
    expect(r.code).toBe(78);
    expect(r.stdout).toBe("cursor (user) a: directly: x\n");
    expect(r.stderr).toStartWith(`[error] [mcp-op] ${gemini}: `);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("run from $HOME, where Cursor's and Gemini's project config is their user config: each entry once", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    mkdirSync(join(s.home, ".gemini"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    writeFileSync(join(s.home, ".gemini", "settings.json"), "{}\n");
    const env = clientEnv(s);
    const add = await run([bin, "add", "github", ...GH, ...SERVER], { env, cwd: s.home });
    expect(add.code).toBe(0);
    expect(
      add.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(":")[0]),
    ).toEqual(["added github to cursor (user)", "added github to gemini (user)"]);
    const list = await run([bin, "list", "--json"], { env, cwd: s.home });
    const rows = JSON.parse(list.stdout) as Array<{ client: string; scope: string; name: string }>;
    expect(rows.map((r) => `${r.client} ${r.scope} ${r.name}`)).toEqual(["cursor user github", "gemini user github"]);
    const removed = await run([bin, "remove", "github"], { env, cwd: s.home });
    expect(removed.code).toBe(0);
    expect(removed.stdout.split("\n").filter(Boolean)).toHaveLength(2);
  });

  /** github registered in cursor (file edit) and claude-code (real CLI); returns both files. */
  async function inTwoClients(s: Sandbox) {
    mkdirSync(join(s.home, ".cursor"));
    const cursor = join(s.home, ".cursor", "mcp.json");
    writeFileSync(cursor, '{\n  // mine\n  "mcpServers": {}\n}\n');
    const args = ["add", "github", "--client", "cursor", "--client", "claude-code", ...GH, ...SERVER];
    expect((await run([bin, ...args], { env: clientEnv(s), cwd: s.dir })).code).toBe(0);
    const claude = join(s.home, ".claude.json");
    return { cursor, claude, cursorText: readFileSync(cursor, "utf8") };
  }

  test("remove: a later client failing puts the entry back into the ones done before", async () => {
    const s = sandbox();
    const { cursor, claude, cursorText } = await inTwoClients(s);
    const claudeEntry = JSON.parse(readFileSync(claude, "utf8")).mcpServers.github;
    const env = wrappedClaude(s, "remove", 'echo "Error: injected" >&2; exit 1');
    const r = await run([bin, "remove", "github", "--client", "cursor", "--client", "claude-code"], {
      env,
      cwd: s.dir,
    });
    expect(r.code).toBe(78);
    expect(r.stdout).toBe(`removed github from cursor (user): ${cursor}\n`);
    expect(r.stderr).toBe(
      '[warn] [mcp-op] put "github" back into cursor (user)\n[error] [mcp-op] claude mcp remove failed: Error: injected\n',
    );
    expect(readFileSync(cursor, "utf8")).toBe(cursorText);
    expect(JSON.parse(readFileSync(claude, "utf8")).mcpServers.github).toEqual(claudeEntry);
  });

  test("remove: claude-code done, then a config broken meanwhile: the claude entry is put back", async () => {
    const s = sandbox();
    const { cursor, claude } = await inTwoClients(s);
    const claudeEntry = JSON.parse(readFileSync(claude, "utf8")).mcpServers.github;
    const env = wrappedClaude(s, "remove", `"${CLAUDE}" "$@" || exit 1; printf '{,' > "${cursor}"; exit 0`);
    const r = await run([bin, "remove", "github"], { env, cwd: s.dir });
    expect(r.code).toBe(78);
    expect(r.stdout).toBe(`removed github from claude-code (user): ${claude}\n`);
    const [warn, error, ...more] = r.stderr.split("\n");
    expect(warn).toBe('[warn] [mcp-op] put "github" back into claude-code (user)');
    expect(error).toStartWith(`[error] [mcp-op] ${cursor}: `);
    expect(more).toEqual([""]);
    expect(JSON.parse(readFileSync(claude, "utf8")).mcpServers.github).toEqual(claudeEntry);
  });

  test("remove: a claude entry put back keeps its plaintext out of claude's argv", async () => {
    const s = sandbox();
    const { cursor, claude } = await inTwoClients(s);
    // A server mcp-op did not write, holding a plaintext token (what migrate later replaces).
    const config = JSON.parse(readFileSync(claude, "utf8"));
    config.mcpServers.github = {
      type: "stdio",
      command: "npx",
      args: ["gh-mcp"],
      env: { GITHUB_TOKEN: SECRETS.github },
    };
    writeFileSync(claude, JSON.stringify(config, null, 2));
    const servers = config.mcpServers;
    const env = wrappedClaude(s, "remove", `"${CLAUDE}" "$@" || exit 1; printf '{,' > "${cursor}"; exit 0`);
    const r = await run([bin, "remove", "github"], { env, cwd: s.dir });
    expect(r.code).toBe(78);
    expect(r.stderr).toStartWith('[warn] [mcp-op] put "github" back into claude-code (user)\n');
    expect(JSON.parse(readFileSync(claude, "utf8")).mcpServers).toEqual(servers);
    const argv = readFileSync(join(s.dir, "claude-argv.log"), "utf8");
    expect(argv).toBe("mcp remove -s user github\n");
    expect(`${argv}${r.stdout}${r.stderr}`).not.toContain(SECRETS.github);
  });

  test("remove: SIGTERM midway puts back what was removed, exit 143 (128 + SIGTERM)", async () => {
    const s = sandbox();
    const { cursor, claude, cursorText } = await inTwoClients(s);
    const claudeEntry = JSON.parse(readFileSync(claude, "utf8")).mcpServers.github;
    const env = wrappedClaude(s, "remove", 'kill -TERM "$PPID"');
    const r = await run([bin, "remove", "github", "--client", "claude-code", "--client", "cursor"], {
      env,
      cwd: s.dir,
    });
    expect(r.code).toBe(143);
    expect(r.stderr).toBe(
      '[warn] [mcp-op] put "github" back into claude-code (user)\n[error] [mcp-op] interrupted (SIGTERM)\n',
    );
    expect(JSON.parse(readFileSync(claude, "utf8")).mcpServers.github).toEqual(claudeEntry);
    expect(readFileSync(cursor, "utf8")).toBe(cursorText);
  });

  test("remove: a read-only config among them is refused before anything changes", async () => {
    const s = sandbox();
    const { cursor, cursorText } = await inTwoClients(s);
    mkdirSync(join(s.home, ".codex"));
    const codex = join(s.home, ".codex", "config.toml");
    writeFileSync(codex, '[mcp_servers.github]\ncommand = "x"\n');
    chmodSync(codex, 0o444);
    const r = await run([bin, "remove", "github", "--client", "cursor", "--client", "codex"], {
      env: clientEnv(s),
      cwd: s.dir,
    });
    expect(r.code).toBe(78);
    expect(r.stdout).toBe("");
    expect(r.stderr).toStartWith(`[error] [mcp-op] ${codex}: is read-only (mode 0444)`);
    expect(readFileSync(cursor, "utf8")).toBe(cursorText);
  });
});

describe("doctor", () => {
  function healthy(extra: Record<string, string> = {}) {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    return { s, env: clientEnv(s, extra) };
  }

  test("a healthy setup: every finding ok, exit 0", async () => {
    const { s, env } = healthy();
    expect((await run([bin, "add", "github", ...GH, ...SERVER], { env, cwd: s.dir })).code).toBe(0);
    const r = await run([bin, "doctor"], { env, cwd: s.dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok +op: .*\/op 2\.32\.0 \(minimum 2\.18\.0\)$/m);
    expect(r.stdout).toMatch(/^ok +github \(cursor, user\): .*github\.env is valid$/m);
    expect(r.stdout).not.toMatch(/^error/m);
  });

  const broken: Array<[string, (s: Sandbox, envFile: string) => Record<string, string>, RegExp]> = [
    [
      "no op",
      () => ({ PATH: `${BIN_DIR}:/usr/bin:/bin` }),
      /^error +op: 1Password CLI "op" not found.*\n +fix: install the 1Password CLI/m,
    ],
    [
      "old op",
      () => ({ OP_STUB_VERSION: "2.10.0" }),
      /^error +op: .* is version 2\.10\.0, older than 2\.18\.0\n +fix: update the 1Password CLI/m,
    ],
    [
      "insecure env file",
      (_s, envFile) => {
        chmodSync(envFile, 0o666);
        return {};
      },
      /^error +github \(cursor, user\): .*refusing an env file writable by group or others.*\n +fix: chmod go-w/m,
    ],
    [
      "bad reference",
      (_s, envFile) => {
        writeFileSync(envFile, "GITHUB_TOKEN=op://Private/gh\n");
        return {};
      },
      /^error +github \(cursor, user\): .*github\.env:1: "op:\/\/Private\/gh" is not a secret reference.*\n +fix: fix the line/m,
    ],
  ];
  for (const [name, breakIt, expected] of broken) {
    test(`${name}: reported with its fix, exit 1`, async () => {
      const { s, env } = healthy();
      expect((await run([bin, "add", "github", ...GH, ...SERVER], { env, cwd: s.dir })).code).toBe(0);
      const extra = breakIt(s, join(s.home, ".config", "mcp-op", "github.env"));
      const r = await run([bin, "doctor"], { env: { ...env, ...extra }, cwd: s.dir });
      expect(r.stdout).toMatch(expected);
      expect(r.code).toBe(1);
    });
  }

  test("a server command missing under a GUI app's PATH: reported with its fix", async () => {
    const { s, env } = healthy();
    const local = join(s.dir, "bin");
    mkdirSync(local);
    writeFileSync(join(local, "my-server"), "#!/bin/sh\n");
    chmodSync(join(local, "my-server"), 0o755);
    const add = await run([bin, "add", "mine", ...GH, "--", "my-server"], {
      env: { ...env, PATH: `${local}:${env.PATH}` },
      cwd: s.dir,
    });
    expect(add.code).toBe(0);
    const r = await run([bin, "doctor", "--json"], { env, cwd: s.dir });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout) as Array<{ level: string; subject: string; message: string; fix?: string }>;
    expect(findings).toContainEqual(
      expect.objectContaining({
        level: "error",
        subject: "mine (cursor, user)",
        fix: "give its absolute path after --",
      }),
    );
  });
});

describe("check --resolve", () => {
  test("each reference resolves or not, through op read; values never printed", async () => {
    const s = sandbox();
    const file = s.envFile("gh.env", "GITHUB_TOKEN=op://Private/GitHub/token\nNOPE=op://Private/Nope/token\n");
    const r = await run([bin, "check", "--resolve", file], { env: s.env() });
    expect(r.code).toBe(65);
    expect(r.stdout).toBe(
      `${file}: failed (2 variables, 2 secret references; 1 does not resolve)\n  GITHUB_TOKEN: op://Private/GitHub/token resolves\n`,
    );
    expect(r.stderr).toBe(
      `[error] [mcp-op] ${file}:2: NOPE: op://Private/Nope/token does not resolve: could not read secret 'op://Private/Nope/token': could not get item Private/Nope: "Nope" isn't an item in the "Private" vault. Specify the item with its UUID, name, or domain.\n`,
    );
    expect(r.stdout + r.stderr).not.toContain(SECRETS.github);
    // Signed in first, as run does (one prompt at most), then one read per reference.
    expect(s.opCalls().map((a) => a.slice(0, 2))).toEqual([
      ["whoami"],
      ["read", "--no-newline"],
      ["read", "--no-newline"],
    ]);
  });
});

describe("review fixes: no plaintext in listings, diffs, logs or stray backups", () => {
  const TOKEN = "ghp_PLAINTEXTplaintextPLAINTEXT1234567890";
  function withPlaintext() {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(
      join(s.home, ".cursor", "mcp.json"),
      JSON.stringify({ mcpServers: { gh: { command: "npx", args: ["srv", "--token", TOKEN] } } }),
    );
    return { s, env: clientEnv(s) };
  }

  test("list (text and --json) masks secrets in server arguments", async () => {
    const { s, env } = withPlaintext();
    const text = await run([bin, "list"], { env, cwd: s.dir });
    const json = await run([bin, "list", "--json"], { env, cwd: s.dir });
    for (const r of [text, json]) {
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(TOKEN.slice(4));
    }
    expect(text.stdout).toContain("ghp_… (41 chars)");
    // Counted from 1 after the command, as migrate and doctor count: args ["srv", "--token", T].
    expect(text.stdout).toContain("  plaintext argument 3: ghp_… (41 chars)");
    const migrate = await run([bin, "migrate"], { env, cwd: s.dir });
    expect(migrate.stdout).toContain("argument 3: ghp_… (41 chars)");
  });

  test("--dry-run diffs mask the plaintext of neighbouring entries", async () => {
    const { s, env } = withPlaintext();
    const add = await run([bin, "add", "new", "--client", "cursor", "--dry-run", ...GH, "--", "npx", "y"], {
      env,
      cwd: s.dir,
    });
    const remove = await run([bin, "remove", "gh", "--dry-run"], { env, cwd: s.dir });
    for (const r of [add, remove]) {
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(TOKEN.slice(4));
    }
  });

  test("an --env flag without = is not echoed", async () => {
    const { s, env } = withPlaintext();
    const r = await run([bin, "add", "x", "--client", "cursor", "--env", TOKEN, "--", "npx", "y"], { env, cwd: s.dir });
    expect(r.code).toBe(64);
    expect(r.stderr).toBe('[error] [mcp-op] --env takes KEY=op://vault/item/field; this one has no "="\n');
    expect(r.stderr).not.toContain(TOKEN.slice(4, 12));
  });

  test("edits back up into the private state directory, not next to the config", async () => {
    const { s, env } = withPlaintext();
    expect((await run([bin, "remove", "gh"], { env, cwd: s.dir })).code).toBe(0);
    expect(readdirSync(join(s.home, ".cursor"))).toEqual(["mcp.json"]);
    const dir = join(s.home, ".local", "state", "mcp-op", "backups", "edits", "cursor-user");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  test("--allow-plain values are quoted so op reads them back unchanged; newlines are refused", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    const env = clientEnv(s);
    const ok = await run([bin, "add", "p", "--allow-plain", "--env", "PASS=pa$word #1", "--", "npx", "y"], {
      env,
      cwd: s.dir,
    });
    expect(ok.code).toBe(0);
    expect(readFileSync(join(s.home, ".config", "mcp-op", "p.env"), "utf8")).toContain("PASS='pa$word #1'\n");
    // A ' goes in double quotes when nothing else in the value is special there.
    const quote = await run([bin, "add", "q1", "--allow-plain", "--env", "Q=it's a 'test'", "--", "npx", "y"], {
      env,
      cwd: s.dir,
    });
    expect(quote.code).toBe(0);
    expect(readFileSync(join(s.home, ".config", "mcp-op", "q1.env"), "utf8")).toContain(`Q="it's a 'test'"\n`);
    const both = await run([bin, "add", "q2", "--allow-plain", "--env", "Q=it's $5", "--", "npx", "y"], {
      env,
      cwd: s.dir,
    });
    expect(both).toMatchObject({
      code: 65,
      stderr: `[error] [mcp-op] --env Q: a plain value with ' and one of " $ \\ cannot be written safely\n`,
    });
    const bad = await run([bin, "add", "q", "--allow-plain", "--env", "B=x\nPATH=/evil", "--", "npx", "y"], {
      env,
      cwd: s.dir,
    });
    expect(bad.code).toBe(65);
    expect(existsSync(join(s.home, ".config", "mcp-op", "q.env"))).toBe(false);
  });

  test("--dry-run shows an --allow-plain value by its length only", async () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".cursor"));
    writeFileSync(join(s.home, ".cursor", "mcp.json"), "{}\n");
    const r = await run(
      [bin, "add", "p", "--dry-run", "--allow-plain", "--env", `API_KEY=${SECRETS.github}`, ...GH, "--", "npx", "y"],
      { env: clientEnv(s), cwd: s.dir },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `API_KEY=<plain value, ${SECRETS.github.length} chars, not shown>\nGITHUB_TOKEN=op://Private/GitHub/token\n`,
    );
    expect(`${r.stdout}${r.stderr}`).not.toContain(SECRETS.github.slice(4));
  });
});

describe("a service-account token the client does not pass on (real gemini)", () => {
  /**
   * This machine has no 1Password account: a fact of the machine, not of an environment. The
   * stand-in reads it from OP_STUB_AUTH, a name gemini removes (*AUTH*) like the token, so an
   * `op` first on PATH fixes it for every process, under gemini too.
   */
  function noAccountMachine(s: Sandbox): string {
    const dir = join(s.dir, "machine");
    mkdirSync(dir);
    writeFileSync(join(dir, "op"), `#!/bin/sh\nOP_STUB_AUTH=none exec "${OP_DIR}/op" "$@"\n`);
    chmodSync(join(dir, "op"), 0o755);
    return dir;
  }

  test(
    "gemini shows Disconnected and doctor names the dropped token with the whole add line; that line makes it Connected",
    async () => {
      const s = sandbox();
      const machine = noAccountMachine(s);
      // `mcp-op` on PATH, as the printed fix line calls it.
      const links = join(s.dir, "links");
      mkdirSync(links);
      symlinkSync(bin, join(links, "mcp-op"));
      const env = clientEnv(s, {
        PATH: `${links}:${machine}:${BIN_DIR}:/usr/local/bin:/usr/bin:/bin`,
        OP_SERVICE_ACCOUNT_TOKEN: SA_TOKEN,
      });
      mkdirSync(join(s.home, ".gemini"));
      writeFileSync(join(s.home, ".gemini", "settings.json"), '{"security":{"folderTrust":{"enabled":false}}}');
      const outputs: string[] = [];
      const runAll = async (argv: string[]) => {
        const r = await run(argv, { env, cwd: s.dir });
        outputs.push(r.stdout, r.stderr);
        return r;
      };

      const add = await runAll([bin, "add", "gh", "--client", "gemini", "--account", "my", ...GH, ...SERVER]);
      expect(add.code).toBe(0);
      expect(add.stderr).toContain(
        "[warn] [mcp-op] gemini does not pass OP_SERVICE_ACCOUNT_TOKEN to MCP servers (it removes every variable named like *TOKEN*): mcp-op there would sign in instead; pass --token-file FILE (a file only you can read, holding the service-account token)\n",
      );
      const before = await runAll([GEMINI, "mcp", "list"]);
      expect(before.stdout + before.stderr).toMatch(/✗ gh: .* - Disconnected/);

      const envFile = join(s.home, ".config", "mcp-op", "gh.env");
      const doctor = await runAll([bin, "doctor"]);
      expect(doctor.code).toBe(1);
      const fixLine = `mcp-op add gh --client gemini --account my --env-file ${envFile} --token-file FILE --force -- ${NODE} ${SERVER_EVERYTHING}`;
      expect(doctor.stdout).toContain(
        "error   gh (gemini, user): gemini does not pass OP_SERVICE_ACCOUNT_TOKEN to MCP servers (it removes every variable named like *TOKEN*), so mcp-op there has no service-account credentials and signs in instead\n" +
          `        fix: put the service-account token in a FILE only you can read (chmod 600), then: ${fixLine}\n`,
      );
      expect(doctor.stdout).toMatch(/^ok +auth: service-account works$/m);
      // --connect starts it as gemini does: mcp-op there finds no token and no account.
      const connect = await runAll([bin, "doctor", "--connect"]);
      expect(connect.code).toBe(1);
      expect(connect.stdout).toMatch(/^error +gh \(gemini, user\): failed to connect as gemini starts it: /m);
      expect(connect.stdout).toMatch(/^ +\| .*\(op: no account found for filter my\)/m);

      // The fix, as printed, with the token in a private file.
      const tokenFile = s.envFile("sa.token", `${SA_TOKEN}\n`);
      const fixed = await runAll(["/bin/sh", "-c", fixLine.replace("FILE", tokenFile)]);
      expect(fixed.code).toBe(0);
      const settings = readFileSync(join(s.home, ".gemini", "settings.json"), "utf8");
      expect(JSON.parse(settings).mcpServers.gh.args).toEqual([
        "run",
        "--account",
        "my",
        "--env-file",
        envFile,
        "--token-file",
        tokenFile,
        "--",
        NODE,
        SERVER_EVERYTHING,
      ]);
      const after = await runAll([GEMINI, "mcp", "list"]);
      expect(after.stdout + after.stderr).toMatch(/✓ gh: .* - Connected/);
      const healthy = await runAll([bin, "doctor", "--connect"]);
      expect(healthy.stdout).toMatch(
        /^ok +gh \(gemini, user\): under gemini, mcp-op authenticates as service-account \(--token-file\)$/m,
      );
      expect(healthy.stdout).toMatch(/^ok +gh \(gemini, user\): connected \(\d+ tools\)$/m);
      expect(healthy.code).toBe(0);
      // The token is only ever in its file.
      for (const text of [...outputs, settings]) expect(text).not.toContain(SA_TOKEN.slice(4));
    },
    SLOW,
  );

  test(
    "add warns for clients that drop the token (gemini, codex), not for Claude Code, and not with --token-file",
    async () => {
      const s = sandbox();
      const env = clientEnv(s, { OP_SERVICE_ACCOUNT_TOKEN: SA_TOKEN, PATH: `${OP_DIR}:/usr/bin:/bin` });
      const r = await run(
        [bin, "add", "gh", "--dry-run", "--client", "codex", "--client", "claude-code", ...GH, ...SERVER],
        {
          env,
          cwd: s.dir,
        },
      );
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(
        "[warn] [mcp-op] codex does not pass OP_SERVICE_ACCOUNT_TOKEN to MCP servers (it passes only a short list of variables and the entry's env_vars): mcp-op there would sign in instead; pass --token-file FILE (a file only you can read, holding the service-account token)\n",
      );
      const tokenFile = s.envFile("sa.token", `${SA_TOKEN}\n`);
      const quiet = await run([bin, "add", "gh", "--client", "codex", "--token-file", tokenFile, ...GH, ...SERVER], {
        env,
        cwd: s.dir,
      });
      expect(quiet).toMatchObject({ code: 0, stderr: "" });
      const toml = readFileSync(join(s.home, ".codex", "config.toml"), "utf8");
      expect(toml).toContain(`"--token-file", "${tokenFile}"`);
      expect(toml).not.toContain(SA_TOKEN.slice(4));
    },
    SLOW,
  );
});
