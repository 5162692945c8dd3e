#!/usr/bin/env bash
# Runs sloop's whole test suite on a fresh machine:
#   1. installs what the tests need when it is missing (Debian packages, as root or via sudo),
#   2. cargo fmt --check, 3. cargo clippy (warnings are errors), 4. every test of the workspace.
# Usage: scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }

# Debian packages the tests use, as "command:package" pairs. Later features
# (real Prometheus, PostgreSQL, Chromium) add theirs here.
NEEDED=(
  "git:git"
  "promtool:prometheus"
  "prometheus:prometheus"
  "pg_ctlcluster:postgresql"
  "chromium:chromium"
  "chromedriver:chromium-driver"
)

install_missing() {
  local missing=()
  for pair in "${NEEDED[@]}"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is not installed: install Rust from your distribution or rustup first" >&2
  exit 2
fi
cargo fmt --version >/dev/null 2>&1 || { say "adding rustfmt"; rustup component add rustfmt; }
cargo clippy --version >/dev/null 2>&1 || { say "adding clippy"; rustup component add clippy; }
install_missing

say "cargo fmt --check"
cargo fmt --all --check

say "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "cargo test"
cargo test --workspace --locked "$@"
