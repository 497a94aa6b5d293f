/** The hint when op is missing: the install command of the platform mcp-op runs on, in one line. */
import { expect, test } from "bun:test";
import { opInstallHint } from "../../src/core/search-path.ts";

test("op's install hint names the platform's own way, never Homebrew outside macOS", () => {
  expect(opInstallHint("darwin")).toBe(
    "install the 1Password CLI: brew install 1password-cli (or pass --op /path/to/op)",
  );
  expect(opInstallHint("win32")).toBe(
    "install the 1Password CLI: winget install 1password-cli (or pass --op C:\\path\\to\\op.exe)",
  );
  expect(opInstallHint("linux")).toBe(
    "install the 1Password CLI from 1Password's apt, dnf or apk repository (https://developer.1password.com/docs/cli/get-started/) or pass --op /path/to/op",
  );
  expect(opInstallHint("freebsd")).toBe(
    "install the 1Password CLI (https://developer.1password.com/docs/cli/get-started/) or pass --op /path/to/op",
  );
  for (const platform of ["linux", "win32", "freebsd"] as const) expect(opInstallHint(platform)).not.toContain("brew");
  for (const platform of ["darwin", "linux", "win32", "freebsd"] as const) {
    expect(opInstallHint(platform)).not.toContain("\n");
    expect(opInstallHint(platform).length).toBeLessThanOrEqual(150);
  }
});
