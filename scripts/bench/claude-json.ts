/**
 * A `~/.claude.json` the size real users have: Claude Code files a `projects` entry for every
 * directory it was ever started in (its defaults, `"mcpServers": {}` included, as claude 2.1.328
 * writes them: `allowedTools:[],mcpContextUris:[],mcpServers:{},enabledMcpjsonServers:[],...` in
 * its binary), and older versions kept each project's prompt `history` there, pasted text and
 * all, which is what grows the file to tens of MB. A few projects and the user scope have
 * servers, some with plaintext tokens. Deterministic for a given size and count; written as
 * Claude Code writes it (`JSON.stringify(config, null, 2)`).
 */

/** Small deterministic PRNG (mulberry32): the same file for the same arguments. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'fix the failing test in src refactor this function add a flag why does build break explain run lint again please update readme commit and push check types ünïcödé 日本語 "quoted" back\\slash tab\there'
    .split(" ")
    .filter(Boolean);

export interface ClaudeJsonOptions {
  /** Approximate size of the file in bytes. */
  bytes: number;
  projects: number;
  /** The project directory prefix (each project is `${root}/proj-<n>`). */
  root?: string;
}

export interface ClaudeJson {
  text: string;
  /** Projects that have servers (their keys), and the server names per project. */
  withServers: Record<string, string[]>;
  /** User-scope server names. */
  userServers: string[];
}

function stdioServer(i: number, token: boolean): Record<string, unknown> {
  return {
    type: "stdio",
    command: "npx",
    args: ["-y", `@example/server-${i}`],
    env: token ? { GITHUB_TOKEN: `ghp_${"x".repeat(32)}${String(i).padStart(4, "0")}` } : {},
  };
}

export function claudeJson(opts: ClaudeJsonOptions): ClaudeJson {
  const rand = prng(opts.bytes ^ opts.projects);
  const root = opts.root ?? "/home/user/work";
  const perProject = Math.max(0, Math.floor(opts.bytes / Math.max(1, opts.projects)) - 700);
  const sentence = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
  const projects: Record<string, unknown> = {};
  const withServers: Record<string, string[]> = {};
  for (let p = 0; p < opts.projects; p++) {
    const key = `${root}/proj-${p}`;
    const history: unknown[] = [];
    let size = 0;
    while (size < perProject) {
      // Mostly short prompts; now and then a pasted file (multi-line, escapes), as people paste logs.
      const pasted = rand() < 0.08;
      const display = sentence(3 + Math.floor(rand() * 30));
      const content = pasted ? `${sentence(200 + Math.floor(rand() * 800))}\n`.repeat(3) : undefined;
      const item = {
        display: pasted ? `${display} [Pasted text #1 +${Math.floor(rand() * 200)} lines]` : display,
        pastedContents: content ? { "1": { id: 1, type: "text", content } } : {},
      };
      // Its bytes as written: UTF-8, escapes, and the indentation of its 4 to 9 lines.
      const itemBytes = Buffer.byteLength(JSON.stringify(item)) + (content ? 90 : 40);
      if (size + itemBytes > perProject && history.length > 0) {
        if (perProject - size < 400) break;
        continue; // too big for what is left: a shorter one
      }
      history.push(item);
      size += itemBytes;
    }
    const servers: Record<string, unknown> = {};
    // Every 400th project has servers (one of them with a plaintext token): the rest have {}.
    if (p % 400 === 7) {
      servers[`local-${p}`] = stdioServer(p, true);
      servers[`plain-${p}`] = stdioServer(p + 1, false);
      withServers[key] = Object.keys(servers);
    }
    projects[key] = {
      allowedTools: [],
      history,
      mcpContextUris: [],
      mcpServers: servers,
      enabledMcpjsonServers: [],
      disabledMcpjsonServers: [],
      hasTrustDialogAccepted: rand() < 0.5,
      projectOnboardingSeenCount: Math.floor(rand() * 5),
      hasClaudeMdExternalIncludesApproved: false,
      hasClaudeMdExternalIncludesWarningShown: false,
      lastCost: Math.round(rand() * 10_000) / 1000,
      lastAPIDuration: Math.floor(rand() * 100_000),
      lastDuration: Math.floor(rand() * 1_000_000),
      lastLinesAdded: Math.floor(rand() * 500),
      lastLinesRemoved: Math.floor(rand() * 300),
      lastTotalInputTokens: Math.floor(rand() * 1_000_000),
      lastTotalOutputTokens: Math.floor(rand() * 100_000),
      lastSessionId: `${Math.floor(rand() * 2 ** 32).toString(16)}-0000-4000-8000-${p.toString(16).padStart(12, "0")}`,
      exampleFiles: ["src/index.ts", "README.md", "package.json"],
    };
  }
  const userServers = ["github", "filesystem", "slack"];
  const config = {
    numStartups: 1234,
    installMethod: "npm-global",
    autoUpdates: true,
    userID: "0".repeat(64),
    hasCompletedOnboarding: true,
    tipsHistory: { "new-user-warmup": 7, "memory-command": 12 },
    mcpServers: {
      github: stdioServer(0, true),
      filesystem: { type: "stdio", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", root] },
      slack: { ...stdioServer(2, false), env: { SLACK_BOT_TOKEN: `xoxb-${"1".repeat(12)}-${"a".repeat(24)}` } },
    },
    projects,
    cachedChangelog: sentence(2000),
  };
  return { text: `${JSON.stringify(config, null, 2)}\n`, withServers, userServers };
}
