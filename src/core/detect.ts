/**
 * Plaintext secrets in an MCP client's server entry (docs/mcp-clients.md, "Plaintext secrets in
 * client configs"): which `env` values and which parts of which `args` hold a token, why they
 * look like one, and where exactly they are, so `list`/`doctor` can warn and `migrate` can
 * replace just the secret. Pure: the caller reads the config.
 *
 * No field of a finding carries a character of the secret beyond a well-known public prefix
 * (`ghp_`, `xoxb-`, ...): `display` is that prefix and the length; `key`, `reason` and
 * `suggestedName` come from names, flags and rules, never from the value. Only the offsets
 * point into the value.
 */

/** One plaintext secret in a server entry: where it is, why it looks like one, a name for it. */
export interface PlaintextFinding {
  where: "env" | "args";
  /** env: the variable name; args: the index in args of the arg holding the value */
  key: string;
  argIndex?: number;
  /** For args: the value may be part of an arg (e.g. "Authorization: Bearer X" or "--token=X"): start/end offsets of the secret inside args[argIndex]. */
  start?: number;
  end?: number;
  /** Why it looks like a secret: "known prefix ghp_", "name GITHUB_TOKEN", "--token flag", "Authorization header" ... */
  reason: string;
  /** Safe to print: the well-known PUBLIC prefix (if any) and the length, never other characters: `ghp_… (40 chars)` or `… (32 chars)`. */
  display: string;
  /** A suggested env var name for the secret (GITHUB_TOKEN, or derived from the flag --api-key -> API_KEY, else SECRET_1...). */
  suggestedName: string;
}

/** Shortest value a known prefix counts as a token in (so `sk-` alone, or `ghp_x`, is not one). */
const MIN_TOKEN_LENGTH = 16;
/** ... and at least this much after the prefix (`github_pat_abc12` is 16 long, but not a token). */
const MIN_BODY_LENGTH = 8;

interface KnownPrefix {
  prefix: string;
  /** The variable servers conventionally read this kind of token from. */
  name: string;
  /** The whole token's shape, for prefixes that also occur in ordinary words or identifiers. */
  shape?: RegExp;
}

const PREFIXES: readonly KnownPrefix[] = [
  { prefix: "ghp_", name: "GITHUB_TOKEN" },
  { prefix: "gho_", name: "GITHUB_TOKEN" },
  { prefix: "ghu_", name: "GITHUB_TOKEN" },
  { prefix: "ghs_", name: "GITHUB_TOKEN" },
  { prefix: "ghr_", name: "GITHUB_TOKEN" },
  { prefix: "github_pat_", name: "GITHUB_TOKEN" },
  { prefix: "xoxb-", name: "SLACK_BOT_TOKEN" },
  { prefix: "xoxp-", name: "SLACK_USER_TOKEN" },
  { prefix: "xoxa-", name: "SLACK_TOKEN" },
  { prefix: "xapp-", name: "SLACK_APP_TOKEN" },
  { prefix: "sk-ant-", name: "ANTHROPIC_API_KEY" },
  { prefix: "sk-proj-", name: "OPENAI_API_KEY" },
  // Bare `sk-` is also the start of ordinary words (`sk-learn-...`): OpenAI-style keys are long
  // and mix letters and digits.
  { prefix: "sk-", name: "OPENAI_API_KEY", shape: /^sk-(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{20,}$/ },
  { prefix: "glpat-", name: "GITLAB_PERSONAL_ACCESS_TOKEN" },
  // AWS access key IDs have an exact shape; without it `ASIA...` is an ordinary word.
  { prefix: "AKIA", name: "AWS_ACCESS_KEY_ID", shape: /^AKIA[A-Z0-9]{16}$/ },
  { prefix: "ASIA", name: "AWS_ACCESS_KEY_ID", shape: /^ASIA[A-Z0-9]{16}$/ },
  { prefix: "lin_api_", name: "LINEAR_API_KEY" },
  { prefix: "npm_", name: "NPM_TOKEN", shape: /^npm_[A-Za-z0-9]{30,}$/ },
  { prefix: "pypi-", name: "PYPI_TOKEN" },
  { prefix: "shpat_", name: "SHOPIFY_ACCESS_TOKEN" },
  { prefix: "sq0atp-", name: "SQUARE_ACCESS_TOKEN" },
  { prefix: "SG.", name: "SENDGRID_API_KEY", shape: /^SG\.[\w-]{16,}\.[\w-]{16,}$/ },
  { prefix: "hf_", name: "HF_TOKEN", shape: /^hf_[A-Za-z0-9]{30,}$/ },
  { prefix: "dop_v1_", name: "DIGITALOCEAN_API_TOKEN" },
  { prefix: "ntn_", name: "NOTION_TOKEN" },
  // Notion's legacy integration tokens: `secret_` and 43 letters/digits, nothing looser.
  { prefix: "secret_", name: "NOTION_TOKEN", shape: /^secret_[A-Za-z0-9]{43}$/ },
  { prefix: "AIza", name: "GOOGLE_API_KEY", shape: /^AIza[\w-]{35}$/ },
  // 1Password service-account tokens: this tool's own credential, the last thing to leave in a config.
  { prefix: "ops_", name: "OP_SERVICE_ACCOUNT_TOKEN", shape: /^ops_[\w-]{40,}=*$/ },
];

/** Well-known public token prefixes; a value starting with one (and long enough) is a token whatever its name. */
export const KNOWN_PREFIXES: readonly string[] = PREFIXES.map((p) => p.prefix);

const LONGEST_FIRST = [...PREFIXES].sort((a, b) => b.prefix.length - a.prefix.length);

function knownPrefix(token: string): KnownPrefix | undefined {
  if (token.length < MIN_TOKEN_LENGTH) return undefined;
  return LONGEST_FIRST.find(
    (p) =>
      token.startsWith(p.prefix) && token.length - p.prefix.length >= MIN_BODY_LENGTH && (p.shape?.test(token) ?? true),
  );
}

/**
 * How a secret may be shown: its well-known public prefix (only when the whole value is a token
 * of that kind: long enough, right shape) and its length, nothing else.
 * @example maskValue("ghp_" + "x".repeat(36)) // "ghp_… (40 chars)"
 * @example maskValue("hunter2-correct-horse") // "… (21 chars)"
 */
export function maskValue(value: string): string {
  return `${knownPrefix(value)?.prefix ?? ""}… (${value.length} ${value.length === 1 ? "char" : "chars"})`;
}

// ---------------------------------------------------------------------------------------------
// Placeholders: references and variables the client or `op` fills in are not plaintext.

/** Stands in for a placeholder's characters so offsets stay those of the original text. */
const HOLE = "\u0000";

/**
 * Blank out `{{ ... }}`, `${...}`, `$VAR` and `op://...`. The syntax of `${VAR:-default}` is
 * blanked with spaces and the default kept: Claude Code's `.mcp.json` uses the default when the
 * variable is unset, so a token there is plaintext.
 */
function maskPlaceholders(text: string): string {
  const holes = (m: string) => HOLE.repeat(m.length);
  return text
    .replace(/\{\{[\s\S]*?\}\}/g, holes)
    .replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-)([^}]*)\}/g,
      (_m, name: string, op: string, fallback: string) => `${" ".repeat(2 + name.length + op.length)}${fallback} `,
    )
    .replace(/\$\{[^}]*\}/g, holes)
    .replace(/(?<![A-Za-z0-9$])\$[A-Za-z_][A-Za-z0-9_]*/g, holes)
    .replace(/(?<![A-Za-z0-9+.-])op:\/\/[^\s"'`,;]*/g, holes);
}

/** A doc-style stand-in such as `<YOUR_TOKEN>` or `<api key>`: not a secret, just unfilled. */
const DOC_PLACEHOLDER = /^<[^<>]*>$/;
const BOOLEANISH = /^(true|false|yes|no|on|off|null|none|nil|undefined)$/i;
const NUMBERISH = /^[+-]?\d+(\.\d+)?$/;
const PATHLIKE = /^(\/|~[/\\]|\.{1,2}[/\\]|[A-Za-z]:[/\\]|%[A-Za-z_]+%[/\\])/;

/**
 * A value that carries no secret even under a sensitive name: empty, all placeholders, a
 * boolean, a short number, a path (a file holding the secret is not the secret), a URL without
 * credentials, or `<YOUR_TOKEN>`.
 */
function isTrivial(masked: string): boolean {
  const rest = masked.replaceAll(HOLE, "").trim();
  if (!/[A-Za-z0-9]/.test(rest.replace(/\b(bearer|basic|token)\b/gi, ""))) return true;
  if (BOOLEANISH.test(rest) || DOC_PLACEHOLDER.test(rest) || PATHLIKE.test(rest)) return true;
  if (NUMBERISH.test(rest) && rest.length < MIN_TOKEN_LENGTH) return true;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S*$/.test(rest) && urlSpans(rest).length === 0) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Names.

/**
 * Names that hold secrets. End-anchored for TOKEN/KEY/SECRET/PAT/PASS so `*_TOKEN_URL`,
 * `*_KEY_FILE` and `*_KEY_ID` (AWS_ACCESS_KEY_ID: its AKIA value is caught by prefix) do not
 * match; PASSWORD/PASSWD/CREDENTIAL anywhere; AUTH, AUTH_* and AUTHORIZATION* (not AUTHOR).
 * `-` counts as `_`, so an HTTP `headers` block (X-API-Key) can be checked like `env`.
 */
const SENSITIVE_NAME =
  /(TOKEN|SECRET|(^|_)(KEY|APIKEY|PAT|PASS|PASSPHRASE))$|PASSWORD|PASSWD|CREDENTIAL|^AUTH(_|ORIZATION|$)/i;

/** Settings that sit next to secrets under matching names but are not secrets themselves. */
const NOT_SECRET_SUFFIX =
  /_(ID|URL|URI|HOST|DOMAIN|ENDPOINT|ISSUER|MODE|TYPE|METHOD|PROVIDER|SCOPES?|ENABLED|DISABLED|TIMEOUT|PORT|FILE|PATH|DIR|USER|USERNAME|EMAIL|HELPER|LENGTH)$/i;

function isSensitiveName(name: string): boolean {
  const n = name.replaceAll("-", "_");
  return SENSITIVE_NAME.test(n) && !NOT_SECRET_SUFFIX.test(n);
}

/**
 * Flags whose value is a secret (`--token`, `--api-key`, `--api_key`, `--apikey`,
 * `--access-token`, `--client-secret`, `--password`, ...); one or two dashes. Not `-t` or `--key`
 * (too generic), not `--token-file`/`--no-token`.
 */
const SENSITIVE_FLAG =
  /^(?!no-)([a-z0-9]+-)*(token|secret|password|passwd|pass|pat|apikey|api-key|(access|secret|private|auth|client)-key)$/;

function isSensitiveFlag(name: string): boolean {
  return SENSITIVE_FLAG.test(name.toLowerCase().replaceAll("_", "-"));
}

/** Flags named for a password: a value of digits only is still one there (a numeric password). */
const PASSWORD_FLAG = /(^|-)(password|passwd|pass)$/;

/**
 * `-p` is a password in database clients (`mysql -u root -p hunter2`, `-phunter2`) and a port,
 * package or profile almost everywhere else (`docker -p 8080:80`, `npx -p @scope/pkg`, `uv run
 * -p 3.12`). Its value counts as a password only by its shape: six characters or more, and not
 * a number, a port mapping, a path or URL, a package (`@scope/pkg`, `pkg@1.2`, `owner/repo`),
 * a version or interpreter (`python3.11`), nor a lowercase name without digits (`typescript`,
 * `my-profile`, a word). So `hunter2`, `s3cr3t!`, `P@ssw0rd` count; `default`, `8080`,
 * `3000:3000`, `@modelcontextprotocol/server-github` do not.
 */
function shortPasswordFlagValue(value: string): boolean {
  if (value.length < 6 || value.startsWith("-") || isTrivial(maskPlaceholders(value))) return false;
  if (/^\d+$/.test(value)) return false;
  if (/^(\d{1,3}(\.\d{1,3}){3}:)?\d+(-\d+)?(:\d+(-\d+)?)*(\/(tcp|udp|sctp))?$/.test(value)) return false;
  if (value.startsWith("@") || value.includes("/") || value.includes("\\")) return false;
  if (/^[\w.-]+@(latest|next|[\d^~<>=*xX][\w.+-]*)$/.test(value)) return false;
  if (/^[A-Za-z-]*\d+(\.\d+)+$/.test(value)) return false;
  if (/^[a-z]+([-_.][a-z]+)*$/.test(value)) return false;
  return true;
}

/** HTTP headers whose value is a credential (besides Authorization). */
const SENSITIVE_HEADER = /(api-?key|token|secret|password|subscription-key|access-key|auth-key)$/i;

/** Query parameters that carry a credential. */
const SENSITIVE_PARAM =
  /^(token|access[-_]?token|auth[-_]?token|api[-_]?key|apikey|key|secret|client[-_]?secret|password|pass|pwd)$/i;

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--api-key` -> `API_KEY`; undefined when nothing usable is left. */
function envName(text: string): string | undefined {
  const name = text
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return /^[A-Z_][A-Z0-9_]*$/.test(name) ? name : undefined;
}

// ---------------------------------------------------------------------------------------------
// Spans: where in one string a secret sits, found by each rule.

interface Span {
  start: number;
  end: number;
  /** Lower ranks are listed first in `reason` and win the suggested name. */
  rank: number;
  reason: string;
  /** The name this rule would give the secret; undefined: SECRET_n. */
  name: string | undefined;
  /** Digits alone are a secret here (the value of `--password`, `--pin`). */
  digits?: boolean;
}

const RANK = { name: 0, prefix: 1, privateKey: 2, flag: 3, header: 4, bearer: 5, param: 6, url: 7 } as const;

/** Schemes whose URL password is a database's (postgres://u:p@h/db -> POSTGRES_PASSWORD). */
const DB_SCHEMES: Record<string, string> = {
  postgres: "POSTGRES",
  postgresql: "POSTGRES",
  mysql: "MYSQL",
  mariadb: "MARIADB",
  mongodb: "MONGODB",
  "mongodb+srv": "MONGODB",
  redis: "REDIS",
  rediss: "REDIS",
  amqp: "AMQP",
  amqps: "AMQP",
  mssql: "MSSQL",
  sqlserver: "MSSQL",
  clickhouse: "CLICKHOUSE",
};

const TOKEN_RUN = new RegExp(
  `(?<![A-Za-z0-9_\\-])(?:${LONGEST_FIRST.map((p) => p.prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})[A-Za-z0-9_\\-.=]*`,
  "g",
);

/** Tokens with a known prefix, anywhere in the text (at a word boundary). */
function prefixSpans(masked: string): Span[] {
  const spans: Span[] = [];
  for (const m of masked.matchAll(TOKEN_RUN)) {
    const token = m[0].replace(/\.+$/, "");
    const known = knownPrefix(token);
    if (!known) continue;
    const start = m.index;
    spans.push({
      start,
      end: start + token.length,
      rank: RANK.prefix,
      reason: `known prefix ${known.prefix}`,
      name: known.name,
    });
  }
  return spans;
}

/** Passwords in `scheme://user:password@host` and credential query parameters. */
function urlSpans(masked: string): Span[] {
  const spans: Span[] = [];
  for (const m of masked.matchAll(/(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*):\/\/([^\s/?#"'`]*)/g)) {
    const [, scheme = "", authority = ""] = m;
    const at = authority.lastIndexOf("@");
    const colon = authority.indexOf(":");
    if (at === -1 || colon === -1 || colon > at || colon + 1 === at) continue;
    const start = m.index + scheme.length + 3 + colon + 1;
    const end = m.index + scheme.length + 3 + at;
    const db = DB_SCHEMES[scheme.toLowerCase()];
    spans.push({ start, end, rank: RANK.url, reason: "credentials in URL", name: db && `${db}_PASSWORD` });
  }
  for (const m of masked.matchAll(/[?&]([A-Za-z0-9_.-]+)=([^&#\s"'`]*)/g)) {
    const [whole, param = "", value = ""] = m;
    if (!SENSITIVE_PARAM.test(param) || value === "") continue;
    const start = m.index + whole.length - value.length;
    const name = param.toLowerCase() === "key" ? "API_KEY" : envName(param);
    spans.push({ start, end: start + value.length, rank: RANK.param, reason: `${param} parameter in URL`, name });
  }
  return spans;
}

/** Authentication schemes that may precede the credentials in a header or flag value. */
const SCHEME = /^(bearer|basic|token|bot|digest|apikey|api-key|sso-key)\s+/i;

/** The credential part of `Bearer X` / `X`, as [start, end) inside `value` (which starts at `offset`). */
function credential(value: string, offset: number): [number, number] {
  const lead = value.length - value.trimStart().length;
  const body = value.trim();
  const scheme = SCHEME.exec(body);
  const from = lead + (scheme ? scheme[0].length : 0);
  return [offset + from, offset + lead + body.length];
}

/** `Authorization: <scheme> X`, `X-API-Key: X`, also as `--header=...`. */
function headerSpans(masked: string): Span[] {
  const m = /^((?:--?[A-Za-z][\w-]*=)?\s*)([A-Za-z][A-Za-z0-9-]*)(\s*:)(.*)$/s.exec(masked);
  if (!m) return [];
  const [, lead = "", header = "", colon = "", value = ""] = m;
  const isAuthorization = /^(proxy-)?authorization$/i.test(header);
  if (!isAuthorization && !SENSITIVE_HEADER.test(header)) return [];
  if (/^\/\//.test(value)) return []; // `token://...` is a URL, not a header
  const [start, end] = credential(value, lead.length + header.length + colon.length);
  return [
    {
      start,
      end,
      rank: RANK.header,
      reason: `${header} header`,
      name: isAuthorization ? "AUTH_TOKEN" : envName(header),
    },
  ];
}

/**
 * `Bearer X` anywhere (JSON headers, `--auth "Bearer X"`). Outside a header the word may be
 * prose, so the token must be at least 8 characters.
 */
function bearerSpans(masked: string): Span[] {
  const spans: Span[] = [];
  for (const m of masked.matchAll(/\bBearer\s+([A-Za-z0-9\-._~+/]+=*)/gi)) {
    const token = m[1] ?? "";
    if (token.length < 8) continue;
    const start = m.index + m[0].length - token.length;
    spans.push({ start, end: start + token.length, rank: RANK.bearer, reason: "Bearer token", name: "AUTH_TOKEN" });
  }
  return spans;
}

/** PEM private keys (an SSH or service-account key pasted into a config). */
function privateKeySpans(masked: string): Span[] {
  const spans: Span[] = [];
  const pem = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----(?:[\s\S]*?-----END \1PRIVATE KEY-----|[\s\S]*$)/g;
  for (const m of masked.matchAll(pem)) {
    spans.push({
      start: m.index,
      end: m.index + m[0].length,
      rank: RANK.privateKey,
      reason: "private key",
      name: "PRIVATE_KEY",
    });
  }
  return spans;
}

/** Every rule that reads the text alone (no name, no neighbouring arg). */
function contentSpans(masked: string): Span[] {
  return [
    ...prefixSpans(masked),
    ...privateKeySpans(masked),
    ...headerSpans(masked),
    ...bearerSpans(masked),
    ...urlSpans(masked),
  ];
}

/**
 * Keep spans that hold plaintext (no placeholder inside or touching them) and merge overlapping
 * ones: the union is replaced, so nothing of the secret is left behind.
 */
function mergeSpans(masked: string, spans: readonly Span[]): Span[][] {
  const kept = spans
    .filter((s) => s.end > s.start)
    .filter((s) => !masked.slice(Math.max(0, s.start - 1), s.end + 1).includes(HOLE))
    .filter(
      (s) =>
        s.rank === RANK.prefix ||
        s.rank === RANK.privateKey ||
        s.rank === RANK.url ||
        (s.digits === true && /^\d+$/.test(masked.slice(s.start, s.end).trim())) ||
        !isTrivial(masked.slice(s.start, s.end)),
    )
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const groups: Span[][] = [];
  let end = -1;
  for (const span of kept) {
    const last = groups.at(-1);
    if (last && span.start < end) {
      last.push(span);
      end = Math.max(end, span.end);
    } else {
      groups.push([span]);
      end = span.end;
    }
  }
  return groups;
}

function describe(spans: readonly Span[]): { reason: string; name: string | undefined } {
  const ranked = [...spans].sort((a, b) => a.rank - b.rank);
  const reasons = [...new Set(ranked.map((s) => s.reason))];
  return { reason: reasons.join(", "), name: ranked.find((s) => s.name !== undefined)?.name };
}

// ---------------------------------------------------------------------------------------------

interface Draft {
  finding: Omit<PlaintextFinding, "suggestedName">;
  /** The secret's text, to give one secret one name; never leaves this module. */
  secret: string;
  /** The env key, the name in `NAME=value`, a derived name, or undefined for SECRET_n. */
  name: string | undefined;
  /** Who names first: 0 env keys (fixed), 1 explicit `NAME=value`, 2 derived, 3 SECRET_n. */
  priority: 0 | 1 | 2 | 3;
}

function envDrafts(env: Record<string, unknown>): Draft[] {
  const drafts: Draft[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (typeof value !== "string") continue;
    const masked = maskPlaceholders(value);
    const reasons = mergeSpans(masked, contentSpans(masked)).flat();
    const byName = isSensitiveName(key) && !isTrivial(masked);
    if (reasons.length === 0 && !byName) continue;
    const reason = [describe(reasons).reason, byName ? `name ${key}` : ""].filter(Boolean).join(", ");
    drafts.push({
      finding: { where: "env", key, reason, display: maskValue(value) },
      secret: value,
      name: key,
      priority: 0,
    });
  }
  return drafts;
}

function argDrafts(args: readonly unknown[]): Draft[] {
  const drafts: Draft[] = [];
  for (const [i, arg] of args.entries()) {
    if (typeof arg !== "string") continue;
    const masked = maskPlaceholders(arg);
    const spans = contentSpans(masked);
    // `--token X`: the value is the next arg.
    const prev = args[i - 1];
    const flag = typeof prev === "string" ? /^--?([A-Za-z][\w-]*)$/.exec(prev) : null;
    if (flag?.[1] && isSensitiveFlag(flag[1]) && !arg.startsWith("-")) {
      const [start, end] = credential(masked, 0);
      const digits = PASSWORD_FLAG.test(flag[1].toLowerCase().replaceAll("_", "-"));
      spans.push({ start, end, rank: RANK.flag, reason: `${prev} flag`, name: envName(flag[1]), digits });
    }
    // `-p X` and `-pX` (database clients), when X is shaped like a password.
    if (prev === "-p" && shortPasswordFlagValue(masked)) {
      spans.push({ start: 0, end: arg.length, rank: RANK.flag, reason: "-p flag", name: "PASSWORD" });
    }
    const attached = /^-p(.+)$/s.exec(masked);
    if (attached?.[1] && shortPasswordFlagValue(attached[1])) {
      spans.push({ start: 2, end: arg.length, rank: RANK.flag, reason: "-p flag", name: "PASSWORD" });
    }
    // `--token=X`
    const inline = /^(--?([A-Za-z][\w-]*))=/.exec(masked);
    if (inline?.[1] && inline[2] && isSensitiveFlag(inline[2])) {
      const [start, end] = credential(masked.slice(inline[0].length), inline[0].length);
      const digits = PASSWORD_FLAG.test(inline[2].toLowerCase().replaceAll("_", "-"));
      spans.push({ start, end, rank: RANK.flag, reason: `${inline[1]} flag`, name: envName(inline[2]), digits });
    }
    // `NAME=value` (docker -e, env, --env): the name says what it is.
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(masked);
    if (assignment?.[1] && isSensitiveName(assignment[1])) {
      const start = assignment[0].length;
      spans.push({ start, end: arg.length, rank: RANK.name, reason: `name ${assignment[1]}`, name: assignment[1] });
    }
    for (const group of mergeSpans(masked, spans)) {
      const start = Math.min(...group.map((s) => s.start));
      const end = Math.max(...group.map((s) => s.end));
      const { reason, name } = describe(group);
      const secret = arg.slice(start, end);
      drafts.push({
        finding: { where: "args", key: String(i), argIndex: i, start, end, reason, display: maskValue(secret) },
        secret,
        name,
        priority: name === undefined ? 3 : group.some((s) => s.rank === RANK.name) ? 1 : 2,
      });
    }
  }
  return drafts;
}

/**
 * Give each secret a name: env findings keep their variable's name, then names written in the
 * args (`NAME=value`) are claimed, then derived ones; the same secret found twice gets one name;
 * a taken name gets `_2`, `_3`, ... (taken: every variable the entry sets, compared
 * case-insensitively as Windows does); with no name to derive, SECRET_1, SECRET_2, ...
 */
function nameDrafts(drafts: readonly Draft[], envKeys: readonly string[]): PlaintextFinding[] {
  const taken = new Set(envKeys.map((k) => k.toUpperCase()));
  const bySecret = new Map<string, string>();
  const names: string[] = [];
  let n = 0;
  const order = drafts
    .map((_, i) => i)
    .sort((a, b) => (drafts[a]?.priority ?? 0) - (drafts[b]?.priority ?? 0) || a - b);
  for (const i of order) {
    const draft = drafts[i] as Draft;
    let name = draft.priority === 0 ? draft.name : bySecret.get(draft.secret);
    if (name === undefined) {
      const base = draft.name;
      if (base === undefined) {
        do name = `SECRET_${++n}`;
        while (taken.has(name));
      } else {
        name = base;
        for (let k = 2; taken.has(name.toUpperCase()); k++) name = `${base}_${k}`;
      }
    }
    taken.add(name.toUpperCase());
    // Only a usable variable name is passed on to the same secret in args (not an env key like "").
    if (!bySecret.has(draft.secret) && VARIABLE.test(name)) bySecret.set(draft.secret, name);
    names[i] = name;
  }
  return drafts.map((draft, i) => ({ ...draft.finding, suggestedName: names[i] ?? "" }));
}

/**
 * Plaintext secrets in one server entry (`env` and `args` as the client stores them; other
 * fields are ignored). Env findings cover the whole value; args findings give the arg index and
 * the secret's offsets in it. Order: env in key order, then args by index and offset.
 * @example detectSecrets({ env: { GITHUB_PERSONAL_ACCESS_TOKEN: "ghp_…" } })
 *   // [{ where: "env", key: "GITHUB_PERSONAL_ACCESS_TOKEN", reason: "known prefix ghp_, name GITHUB_PERSONAL_ACCESS_TOKEN",
 *   //    display: "ghp_… (40 chars)", suggestedName: "GITHUB_PERSONAL_ACCESS_TOKEN" }]
 * @example detectSecrets({ args: ["mcp-remote", "https://x/sse", "--header", "Authorization: Bearer abc…"] })
 *   // [{ where: "args", key: "3", argIndex: 3, start: 22, end: …, reason: "Authorization header, Bearer token",
 *   //    display: "… (32 chars)", suggestedName: "AUTH_TOKEN" }]
 * @example detectSecrets({ env: { GITHUB_TOKEN: "op://Private/GitHub/token" } }) // []
 */
export function detectSecrets(entry: { env?: Record<string, unknown>; args?: unknown[] }): PlaintextFinding[] {
  const env = isRecord(entry.env) ? entry.env : {};
  const args = Array.isArray(entry.args) ? entry.args : [];
  return nameDrafts([...envDrafts(env), ...argDrafts(args)], Object.keys(env));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Arguments for display: every detected secret span replaced by its masked form
 * (`ghp_… (40 chars)`). For logs and listings only; never for what is executed.
 */
export function maskArgs(args: readonly string[]): string[] {
  const out = [...args];
  const findings = detectSecrets({ args: [...args] })
    .filter((f) => f.where === "args" && f.argIndex !== undefined)
    .sort((a, b) => (b.start ?? 0) - (a.start ?? 0));
  for (const f of findings) {
    const i = f.argIndex as number;
    const arg = out[i] ?? "";
    const start = f.start ?? 0;
    const end = f.end ?? arg.length;
    out[i] = `${arg.slice(0, start)}${maskValue((args[i] ?? "").slice(start, end))}${arg.slice(end)}`;
  }
  return out;
}

/** Text for display with each of the given secret values replaced by its masked form. */
export function maskValuesIn(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    if (value.length === 0) continue;
    out = out.split(value).join(maskValue(value));
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) out = out.split(escaped).join(maskValue(value));
  }
  return out;
}
