/**
 * `mcp-op doctor [--json]`: explain a setup in one command. Each finding is ok, warning or
 * error, with a fix. Exits 1 when any error is found (0 otherwise).
 */
import type { ArgsDef, CommandDef } from "citty";
import { parseOptions } from "../core/args.ts";
import { CODEX_STARTUP_TIMEOUT_SEC } from "../core/clients.ts";
import { extendedPath } from "../core/locate.ts";
import { authMode } from "../core/plan.ts";
import { opErrorMessage } from "../core/signin.ts";
import { checkEnvFile } from "../core/validate.ts";
import { readEnvFile, TOKEN_FILE_VAR } from "../effects/files.ts";
import { locateCommand, locateOp } from "../effects/locate.ts";
import { spawnCapture } from "../effects/native.ts";
import { facts, scanServers } from "../effects/registry.ts";
import { EXIT, McpOpError } from "../errors.ts";
import { definedOnly, environment } from "../runtime.ts";

/** The oldest op with everything mcp-op relies on (service accounts arrived in 2.18.0). */
export const MIN_OP_VERSION = "2.18.0";
/** What launchd gives GUI apps on macOS: Claude Desktop, Cursor... start servers with this. */
export const GUI_PATH = "/usr/bin:/bin:/usr/sbin:/sbin";

export interface Finding {
  level: "ok" | "warning" | "error";
  subject: string;
  message: string;
  fix?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const doctorArgs = {
  json: { type: "boolean", description: "machine-readable output" },
  op: { type: "string", valueHint: "PATH", description: "path to the op binary" },
} as const satisfies ArgsDef;

/** Compare dotted versions numerically; pre-release suffixes ignored. */
export function versionAtLeast(version: string, min: string): boolean {
  const parse = (v: string) =>
    v
      .split(/[-+]/)[0]
      ?.split(".")
      .map((n) => Number(n) || 0) ?? [];
  const a = parse(version);
  const b = parse(min);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

async function op(opPath: string, args: string[], env: Env) {
  return spawnCapture(opPath, args, { env: definedOnly(env), stdin: "ignore", stderr: "pipe", timeoutMs: 20_000 });
}

/** The accounts op knows (sign-in addresses), or none when op is missing or says nothing. */
export async function opAccounts(env: Env, opFlag?: string): Promise<string[]> {
  let opPath: string;
  try {
    opPath = locateOp(opFlag, env);
  } catch {
    return [];
  }
  const r = await op(opPath, ["account", "list", "--format", "json"], env);
  if (r?.code !== 0) return [];
  try {
    const list = JSON.parse(r?.stdout ?? "") as Array<{ url?: string; email?: string; shorthand?: string }>;
    return Array.isArray(list) ? list.map((a) => a.shorthand ?? a.url ?? a.email ?? "?") : [];
  } catch {
    return [];
  }
}

export async function diagnose(env: Env, opFlag?: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  // Hints from McpOpError may already start with "fix: ".
  const add = (level: Finding["level"], subject: string, message: string, fix?: string) =>
    findings.push({ level, subject, message, ...(fix ? { fix: fix.replace(/^fix: /, "") } : {}) });

  // 1. op itself.
  let opPath: string | undefined;
  try {
    opPath = locateOp(opFlag, env);
  } catch (error) {
    add("error", "op", (error as McpOpError).message, (error as McpOpError).hint);
  }
  if (opPath) {
    const v = await op(opPath, ["--version"], env);
    const version = v?.code === 0 ? v.stdout.trim() : "";
    if (!version) add("error", "op", `${opPath} --version failed`, "reinstall the 1Password CLI");
    else if (!versionAtLeast(version, MIN_OP_VERSION)) {
      add(
        "error",
        "op",
        `${opPath} is version ${version}, older than ${MIN_OP_VERSION}`,
        "update the 1Password CLI (brew upgrade 1password-cli)",
      );
    } else add("ok", "op", `${opPath} ${version} (minimum ${MIN_OP_VERSION})`);

    // 2. Authentication: which mode, and whether it works (without raising a prompt).
    const mode = authMode({ noSignin: false }, env);
    if (mode === "interactive") {
      const who = await op(opPath, ["whoami"], env);
      if (who?.code === 0) add("ok", "auth", "signed in (app integration or a session)");
      else {
        add(
          "warning",
          "auth",
          `not signed in now (${who ? opErrorMessage(who.stderr) : "op whoami timed out"}): the first server start asks the 1Password app`,
          "turn on app integration (Settings > Developer > Integrate with 1Password CLI), or use a service account (--token-file)",
        );
      }
    } else {
      const r = await op(opPath, ["vault", "list", "--format", "json"], env);
      if (r?.code === 0) add("ok", "auth", `${mode} works`);
      else
        add("error", "auth", `${mode}: ${r ? opErrorMessage(r.stderr) : "op vault list timed out"}`, "check the token");
    }
    if (env[TOKEN_FILE_VAR]) add("ok", "auth", `token file from $${TOKEN_FILE_VAR}`);
  }
  const accounts = await opAccounts(env, opFlag);

  // 3. Every registered server.
  let servers: ReturnType<typeof scanServers> = [];
  const f = facts(env);
  try {
    servers = scanServers(f);
  } catch (error) {
    if (!(error instanceof McpOpError)) throw error;
    add("error", "clients", error.message, "fix the file by hand; mcp-op never rewrites a file it cannot parse");
  }
  if (servers.length === 0)
    add("warning", "clients", "no MCP servers registered in any client config found", "mcp-op add <name> -- <command>");
  // A GUI client's PATH, extended the way `mcp-op run` extends it.
  const guiPath = extendedPath({ ...env, PATH: GUI_PATH }, process.platform);
  for (const s of servers) {
    const subject = `${s.name} (${s.loc.client}, ${s.loc.scope})`;
    for (const finding of s.findings) {
      add(
        "warning",
        subject,
        `plaintext ${finding.where === "env" ? `env ${finding.key}` : "argument"}: ${finding.display} (${finding.reason})`,
        "store it in 1Password and reference it: mcp-op add --force --env KEY=op://vault/item/field ...",
      );
    }
    if (!s.viaMcpOp) continue;
    const entryCommand = s.spec?.command ?? "";
    try {
      locateCommand(entryCommand, guiPath, env, f.cwd);
    } catch {
      add(
        "error",
        subject,
        `the entry runs ${entryCommand}, which does not exist`,
        "mcp-op add --force ... to rewrite it",
      );
    }
    for (const file of s.envFiles) {
      try {
        const text = readEnvFile(file, f.home, f.cwd);
        const problems = checkEnvFile(text.display, text.text, env).problems;
        const errors = problems.filter((p) => p.severity === "error");
        if (errors.length)
          for (const p of errors) add("error", subject, `${p.where}: ${p.message}`, "fix the line (mcp-op check)");
        else add("ok", subject, `${file} is valid`);
      } catch (error) {
        if (!(error instanceof McpOpError)) throw error;
        add("error", subject, error.message, error.hint);
      }
    }
    const [serverCommand] = s.server;
    if (serverCommand) {
      try {
        locateCommand(serverCommand, guiPath, env, f.cwd);
        add("ok", subject, `${serverCommand} resolves under a GUI app's PATH`);
      } catch {
        add(
          "error",
          subject,
          `${serverCommand} is not found under a GUI app's PATH (${guiPath})`,
          "give its absolute path after --",
        );
      }
    }
    if (accounts.length > 1 && !(s.spec?.args ?? []).includes("--account")) {
      add(
        "warning",
        subject,
        `several 1Password accounts (${accounts.join(", ")}) and no --account in the entry`,
        "mcp-op add --force --account ACCOUNT ...",
      );
    }
    if (s.loc.client === "codex") {
      const timeout = (s.raw as { startup_timeout_sec?: number } | undefined)?.startup_timeout_sec;
      if (timeout === undefined || timeout < CODEX_STARTUP_TIMEOUT_SEC) {
        add(
          "warning",
          subject,
          `startup_timeout_sec is ${timeout ?? "10 (default)"}: too short for a biometric unlock`,
          `set startup_timeout_sec = ${CODEX_STARTUP_TIMEOUT_SEC} in ${s.loc.path}`,
        );
      }
    }
  }
  return findings;
}

export default {
  meta: { name: "doctor", description: "Diagnose op, authentication, env files and every registered server" },
  args: doctorArgs,
  async run({ rawArgs }) {
    const { values } = parseOptions("doctor", doctorArgs, rawArgs);
    const findings = await diagnose(environment(), values.op as string | undefined);
    if (values.json === true) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
    else {
      for (const f of findings) {
        process.stdout.write(
          `${f.level.padEnd(7)} ${f.subject}: ${f.message}${f.fix ? `\n        fix: ${f.fix}` : ""}\n`,
        );
      }
    }
    if (findings.some((f) => f.level === "error")) throw McpOpError.reported(EXIT.FINDINGS);
  },
} satisfies CommandDef<typeof doctorArgs>;
