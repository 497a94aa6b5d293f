#!/bin/sh
# Install the mcp-op standalone binary from a GitHub Release (macOS and Linux).
#
#   curl -fsSL https://github.com/mcp-op/mcp-op/releases/latest/download/install.sh | sh
#   curl -fsSL .../install.sh | sh -s -- --version 1.2.3 --dir /usr/local/bin
#   MCP_OP_VERSION=1.2.3 MCP_OP_INSTALL_DIR="$HOME/bin" sh install.sh
#
# Flags (each wins over its environment variable):
#   --version X, --version=X   release to install: "latest" (default), "1.2.3" or "v1.2.3"
#   --dir D, --dir=D           directory to install mcp-op into
#   -h, --help                 print a short usage summary and exit
#
# Environment:
#   MCP_OP_VERSION       release to install (default: latest)
#   MCP_OP_INSTALL_DIR   install directory (default: $HOME/.local/bin)
#   MCP_OP_BASE_URL      releases base URL (default: https://github.com/mcp-op/mcp-op/releases);
#                        assets are fetched from <base>/download/v<version>/<asset>,
#                        or <base>/latest/download/<asset> for the latest release
#   MCP_OP_OS            overrides `uname -s` (Darwin, Linux)
#   MCP_OP_ARCH          overrides `uname -m` (x86_64/amd64, aarch64/arm64)
#   MCP_OP_LIBC          overrides musl detection on Linux: musl or gnu (alias: glibc)
#   TMPDIR               where the private working directory is created (default: /tmp)
#
# What it does: picks mcp-op-darwin-<arch>.tar.gz, or on Linux mcp-op-linux-<arch>-gnu.tar.gz
# (glibc) or mcp-op-linux-<arch>-musl.tar.gz (musl), downloads it and checksums.txt (curl, else
# wget) into a private temp dir, requires the archive to be listed in checksums.txt exactly
# once with a matching SHA-256 (sha256sum, else shasum -a 256), then installs the `mcp-op` it
# contains as <dir>/mcp-op, mode 0755, via a temp name in <dir> and a rename (an existing binary
# is replaced atomically). Nothing is written to <dir> before verification succeeds; the temp
# dir is removed on every exit. All messages go to stderr, prefixed "mcp-op-install:".
#
# Exit codes:
#   0  installed
#   1  unexpected failure (e.g. cannot create the temp dir, the archive cannot be extracted)
#   2  usage error (unknown flag, missing or malformed value)
#   3  unsupported platform (OS or CPU architecture has no prebuilt binary)
#   4  a required tool is missing (curl or wget; sha256sum or shasum; tar)
#   5  download failed (network error, or no such release/asset: HTTP 404)
#   6  verification failed (archive not listed in checksums.txt exactly once, or digest mismatch)
#   7  install failed (install dir not creatable/writable, or the archive lacks mcp-op)
#   130/143  interrupted (SIGINT/SIGTERM)

set -eu

PREFIX="mcp-op-install:"
DEFAULT_BASE_URL="https://github.com/mcp-op/mcp-op/releases"

# Paths the EXIT trap removes; empty until created.
work_dir=""
staged_bin=""

say() {
  printf '%s %s\n' "$PREFIX" "$*" >&2
}

die() {
  # die <exit code> <message...>
  code=$1
  shift
  say "error: $*"
  exit "$code"
}

cleanup() {
  status=$?
  if [ -n "$staged_bin" ]; then rm -f "$staged_bin" || :; fi
  if [ -n "$work_dir" ]; then rm -rf "$work_dir" || :; fi
  exit "$status"
}

usage() {
  say "usage: install.sh [--version X] [--dir D]"
  say "  --version X   release to install: latest (default), 1.2.3 or v1.2.3  [MCP_OP_VERSION]"
  say "  --dir D       install directory (default: \$HOME/.local/bin)          [MCP_OP_INSTALL_DIR]"
  say "  also: MCP_OP_BASE_URL, MCP_OP_OS, MCP_OP_ARCH, MCP_OP_LIBC (musl|gnu); see the script header"
}

have() {
  command -v "$1" >/dev/null 2>&1
}

# --- platform -------------------------------------------------------------------------------

detect_os() {
  os_raw=${MCP_OP_OS:-$(uname -s)}
  case $os_raw in
    Darwin | darwin | macOS | macos) echo darwin ;;
    Linux | linux) echo linux ;;
    *)
      die 3 "unsupported OS '$os_raw': prebuilt binaries exist for macOS and Linux." \
        "On Windows, download mcp-op-windows-x64.zip or mcp-op-windows-arm64.zip from $releases_page" \
        "and put mcp-op.exe on your PATH."
      ;;
  esac
}

detect_arch() {
  # detect_arch <os>
  if [ -n "${MCP_OP_ARCH:-}" ]; then
    arch_raw=$MCP_OP_ARCH
  else
    arch_raw=$(uname -m)
    # An x64 shell under Rosetta 2 on Apple silicon: the native binary is the right one.
    if [ "$1" = darwin ] && [ "$arch_raw" = x86_64 ] &&
      [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || :)" = 1 ]; then
      arch_raw=arm64
    fi
  fi
  case $arch_raw in
    x86_64 | amd64 | x64) echo x64 ;;
    aarch64 | arm64) echo arm64 ;;
    *)
      die 3 "unsupported CPU architecture '$arch_raw': prebuilt binaries exist for x86_64 (amd64)" \
        "and aarch64 (arm64)."
      ;;
  esac
}

is_musl() {
  case ${MCP_OP_LIBC:-} in
    musl) return 0 ;;
    gnu | glibc) return 1 ;;
    "") ;;
    *) die 2 "MCP_OP_LIBC must be musl or gnu, not '$MCP_OP_LIBC'" ;;
  esac
  for loader in /lib/ld-musl-*.so.1; do
    if [ -e "$loader" ]; then return 0; fi
  done
  if have ldd && ldd --version 2>&1 | grep -qi musl; then return 0; fi
  return 1
}

# --- download & verify ----------------------------------------------------------------------

download() {
  # download <url> <file>; the tool's own error text is folded into our message.
  if [ "$downloader" = curl ]; then
    curl -fsSL -o "$2" "$1" 2>"$work_dir/download.err" || download_failed "$1"
  else
    wget -q -O "$2" "$1" 2>"$work_dir/download.err" || download_failed "$1"
  fi
}

download_failed() {
  reason=""
  while IFS= read -r line || [ -n "$line" ]; do
    if [ -n "$line" ]; then reason=$line; fi
  done <"$work_dir/download.err"
  if [ -n "$reason" ]; then reason=" ($reason)"; fi
  die 5 "download failed: $1$reason$download_hint"
}

sha256_of() {
  if [ "$hasher" = sha256sum ]; then
    sha256sum "$1" | awk '{ print $1 }'
  else
    shasum -a 256 "$1" | awk '{ print $1 }'
  fi
}

verify() {
  # verify <archive path> <asset name> <checksums path>
  # Lines are "<digest>  <name>" (or "<digest> *<name>"); match the name field exactly.
  listed=$(awk -v name="$2" '
    { n = $2; sub(/^\*/, "", n) }
    NF == 2 && n == name { count++; digest = $1 }
    END { if (count == 1) print digest; else print "count:" count + 0 }
  ' "$3") || die 1 "cannot read checksums.txt"
  case $listed in
    count:0) die 6 "refusing to install: $2 is not listed in checksums.txt" ;;
    count:*) die 6 "refusing to install: $2 is listed ${listed#count:} times in checksums.txt" ;;
  esac
  expected=$(printf '%s' "$listed" | tr 'A-F' 'a-f')
  case $expected in
    *[!0-9a-f]*) die 6 "refusing to install: malformed checksum for $2 in checksums.txt" ;;
  esac
  if [ ${#expected} -ne 64 ]; then
    die 6 "refusing to install: malformed checksum for $2 in checksums.txt"
  fi
  actual=$(sha256_of "$1") || die 1 "cannot compute the SHA-256 of $2"
  if [ "$actual" != "$expected" ]; then
    die 6 "refusing to install: checksum mismatch for $2 (expected $expected, got $actual);" \
      "the download is corrupt or was tampered with"
  fi
}

# --- main -----------------------------------------------------------------------------------

main() {
  version=${MCP_OP_VERSION:-latest}
  install_dir=${MCP_OP_INSTALL_DIR:-}

  while [ $# -gt 0 ]; do
    case $1 in
      --version)
        [ $# -ge 2 ] || die 2 "--version needs a value"
        version=$2
        shift 2
        ;;
      --version=*)
        version=${1#--version=}
        shift
        ;;
      --dir)
        [ $# -ge 2 ] || die 2 "--dir needs a value"
        install_dir=$2
        shift 2
        ;;
      --dir=*)
        install_dir=${1#--dir=}
        shift
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      *)
        usage
        die 2 "unknown argument: $1"
        ;;
    esac
  done

  base_url=${MCP_OP_BASE_URL:-$DEFAULT_BASE_URL}
  while :; do
    case $base_url in
      */) base_url=${base_url%/} ;;
      *) break ;;
    esac
  done
  releases_page=$base_url

  case $version in
    "" | latest) version=latest ;;
    v*) version=${version#v} ;;
  esac
  case $version in
    "" | *[!0-9A-Za-z.+-]*) die 2 "malformed version '$version' (expected latest, 1.2.3 or v1.2.3)" ;;
  esac

  if [ -z "$install_dir" ]; then
    [ -n "${HOME:-}" ] || die 2 "HOME is not set: pass --dir or set MCP_OP_INSTALL_DIR"
    install_dir=$HOME/.local/bin
  fi
  case $install_dir in
    /*) ;;
    *) install_dir=$(pwd)/$install_dir ;;
  esac
  while :; do
    case $install_dir in
      /) break ;;
      */) install_dir=${install_dir%/} ;;
      *) break ;;
    esac
  done

  os=$(detect_os)
  arch=$(detect_arch "$os")
  # Linux assets name their libc: -gnu (glibc) or -musl. macOS assets have no suffix.
  asset="mcp-op-$os-$arch"
  if [ "$os" = linux ]; then
    if is_musl; then asset="$asset-musl"; else asset="$asset-gnu"; fi
  fi
  asset="$asset.tar.gz"

  if have curl; then
    downloader=curl
  elif have wget; then
    downloader=wget
  else
    die 4 "neither curl nor wget is installed; install one of them and retry"
  fi
  if have sha256sum; then
    hasher=sha256sum
  elif have shasum; then
    hasher=shasum
  else
    die 4 "neither sha256sum nor shasum is installed; cannot verify the download"
  fi
  have tar || die 4 "tar is not installed"

  if [ "$version" = latest ]; then
    asset_base="$base_url/latest/download"
    download_hint=""
  else
    asset_base="$base_url/download/v$version"
    download_hint="; is v$version a published release?"
  fi

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  work_dir=$(mktemp -d "${TMPDIR:-/tmp}/mcp-op-install.XXXXXXXX") || {
    work_dir=""
    die 1 "cannot create a temporary directory"
  }

  label=$version
  [ "$version" = latest ] || label=v$version
  say "downloading $asset ($label)"
  download "$asset_base/checksums.txt" "$work_dir/checksums.txt"
  download "$asset_base/$asset" "$work_dir/$asset"
  verify "$work_dir/$asset" "$asset" "$work_dir/checksums.txt"

  mkdir "$work_dir/x"
  tar -xzf "$work_dir/$asset" -C "$work_dir/x" || die 1 "cannot extract $asset"
  new_bin=$work_dir/x/mcp-op
  if [ ! -f "$new_bin" ] || [ -L "$new_bin" ]; then
    die 7 "$asset does not contain an mcp-op binary at its root"
  fi

  target=$install_dir/mcp-op
  mkdir -p "$install_dir" 2>/dev/null || die 7 "cannot create $install_dir"
  if [ -d "$target" ] && [ ! -L "$target" ]; then
    die 7 "$target is a directory; remove it and retry"
  fi
  staged_bin=$install_dir/.mcp-op.install.$$
  cp "$new_bin" "$staged_bin" 2>/dev/null || die 7 "cannot write to $install_dir"
  chmod 0755 "$staged_bin" || die 7 "cannot make $staged_bin executable"
  mv -f "$staged_bin" "$target" || die 7 "cannot replace $target"
  staged_bin=""

  installed=$("$target" --version </dev/null 2>/dev/null || :)
  case $installed in
    "" | *"
"*) installed=$label ;;
  esac
  say "installed mcp-op $installed to $target"

  case ":${PATH:-}:" in
    *":$install_dir:"* | *":$install_dir/:"*) ;;
    *)
      shown=$install_dir
      case $install_dir in
        "${HOME:-/nonexistent}"/*) shown="\$HOME${install_dir#"${HOME:-/nonexistent}"}" ;;
      esac
      say "$install_dir is not on your PATH. To add it:"
      say "  sh/bash/zsh: add this line to ~/.profile, ~/.bashrc or ~/.zshrc:"
      say "    export PATH=\"$shown:\$PATH\""
      say "  fish: run once:"
      say "    fish_add_path \"$shown\""
      ;;
  esac
}

# Everything above only defines functions: a truncated `curl | sh` download runs nothing.
main "$@"
