/**
 * The internal stage: `mcp-op __stage [--unset NAME]... [--template] [--redact NAME]... --
 * <command> [args...]`, which `op run` starts in place of the server when arguments hold `{{ }}`
 * placeholders, for `--redact`, or when credentials would otherwise reach it and `env -u` cannot
 * remove them (Windows, no /usr/bin/env, a server path with `=`: plan.ts); and
 * `mcp-op __stage --pdeathsig PID -- <command> [args...]`, which the `--redact` filter (PID)
 * starts to have the server die with it. Its arguments are built here (`stageArgv`: plan.ts for
 * `op run`, effects/filter.ts for the filter) and parsed here (`parseStageArgs`), which accepts
 * only what mcp-op produces; test/unit/stage.test.ts holds one to the other. Pure: commands/stage.ts
 * carries it out.
 */
import { EXIT, McpOpError } from "../errors.ts";
import { isCredentialVar } from "./signin.ts";
import { GENERATED_PREFIX } from "./template.ts";

export interface StagePlan {
  unset: string[];
  /** Substitute `{{ NAME }}` in the arguments from the environment. */
  template: boolean;
  /** Variables whose values are secrets to redact from the server's output. */
  redact: string[];
  /** The filter that started this stage: the server gets SIGTERM when that process exits (Linux). */
  parentDeath?: number;
  command: string;
  args: string[];
}

/** The hidden command that scrubs credentials, fills `{{ }}` arguments or filters, then execs the server. */
export const STAGE_COMMAND = "__stage";
/** The hidden inner steps of `mcp-op headers` and `mcp-op proxy`, which `op run` starts. */
export const HEADERS_STEP = "__headers";
export const BRIDGE_STEP = "__bridge";

/**
 * A variable the plan generated for a `{{ }}` argument: the prefix, then ASCII digits (what
 * /^MCP_OP_ARG_\d+$/ matches; test/unit/fast-path.test.ts holds the two together). A character
 * test: a RegExp built at load costs every start-up ~0.045 ms.
 */
export function isGenerated(name: string): boolean {
  if (name.length === GENERATED_PREFIX.length || !name.startsWith(GENERATED_PREFIX)) return false;
  for (let i = GENERATED_PREFIX.length; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * A variable the stage can be told to redact: any name the environment can hold (op resolves a
 * reference under `A-B` as under `A_B`), except one that would be read as the end of the
 * stage's own arguments.
 */
export function isRedactName(name: string): boolean {
  return name !== "" && name !== "--" && !name.includes("=");
}

/**
 * The stage's argv after this program's own path (`selfCommand()`): the flags `plan` needs, in
 * a fixed order, then `--`, the command and its arguments as they are (a `--` among them too).
 * @example stageArgv({ unset: ["OP_SESSION_A"], template: false, redact: [], command: "/bin/srv", args: ["-x"] }) // ["__stage", "--unset", "OP_SESSION_A", "--", "/bin/srv", "-x"]
 */
export function stageArgv(plan: Readonly<StagePlan>): string[] {
  return [
    STAGE_COMMAND,
    ...(plan.parentDeath === undefined ? [] : ["--pdeathsig", String(plan.parentDeath)]),
    ...plan.unset.flatMap((name) => ["--unset", name]),
    ...(plan.template ? ["--template"] : []),
    ...plan.redact.flatMap((name) => ["--redact", name]),
    "--",
    plan.command,
    ...plan.args,
  ];
}

/** The stage's own arguments (`own`, before the first `--`) and the server's (`rest`), as cli.ts splits them. */
export function parseStageArgs(own: readonly string[], rest: readonly string[] | null): StagePlan {
  const bad = (why: string) =>
    new McpOpError(EXIT.USAGE, `internal stage: ${why} (it is started by mcp-op run, not by hand)`);
  const plan: StagePlan = { unset: [], template: false, redact: [], command: "", args: [] };
  for (let i = 0; i < own.length; i++) {
    const flag = own[i];
    if (flag === "--template") {
      plan.template = true;
      continue;
    }
    const name = own[i + 1];
    if ((flag !== "--unset" && flag !== "--redact" && flag !== "--pdeathsig") || name === undefined) {
      throw bad(`unexpected argument "${flag}"`);
    }
    i++;
    if (flag === "--pdeathsig") {
      if (!/^[1-9]\d{0,9}$/.test(name)) throw bad(`--pdeathsig takes a process id, not "${name}"`);
      plan.parentDeath = Number(name);
    } else if (flag === "--unset") {
      if (!isCredentialVar(name) && !isGenerated(name)) {
        throw bad(`--unset takes only 1Password credential variables, not "${name}"`);
      }
      plan.unset.push(name);
    } else {
      if (!isRedactName(name)) throw bad(`--redact takes a variable name, not "${name}"`);
      plan.redact.push(name);
    }
  }
  const [command, ...args] = rest ?? [];
  if (command === undefined || command === "") throw bad('no command after "--"');
  plan.command = command;
  plan.args = args;
  return plan;
}

/** The server's environment: the stage's own, minus credentials and generated variables. */
export function scrubEnv(
  env: Readonly<Record<string, string | undefined>>,
  unset: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || unset.includes(key) || isCredentialVar(key) || isGenerated(key)) continue;
    out[key] = value;
  }
  return out;
}
