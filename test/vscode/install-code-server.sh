#!/usr/bin/env bash
# Installs code-server (VS Code 1.100.3 server, runs on Node 20) into DEST with only the npm registry
# and Debian's apt: the machines that run `npm run test:vscode` cannot download VS Code itself.
# Usage: install-code-server.sh DEST      (as root on a fresh machine; idempotent)
set -euo pipefail
DEST="${1:?usage: install-code-server.sh DEST}"
CS_VERSION="${CS_VERSION:-4.100.3}"    # the newest code-server that runs on Node 20
RG_PKG_VERSION=1.15.11                 # @vscode/ripgrep pinned by code-server 4.100.3
RG_TAG=v13.0.0-10                      # the tag its postinstall asks for
RG_TARGET=x86_64-unknown-linux-musl

# System packages: kerberos headers (a native module of code-server compiles from source),
# ripgrep (stands in for a GitHub download), chromium (driven by playwright-core), fonts.
if ! dpkg -s libkrb5-dev ripgrep chromium fonts-liberation >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y libkrb5-dev ripgrep chromium fonts-liberation
fi

mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"
# @vscode/ripgrep's postinstall reuses <tmpdir>/vscode-ripgrep-cache-<ver>/ripgrep-<tag>-<target>.tar.gz
# when present: seed it with Debian's rg so nothing is fetched from GitHub.
export TMPDIR="$DEST/.tmp"
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-$RG_PKG_VERSION"
mkdir -p "$RG_CACHE" "$DEST/.rg-stage"
cp /usr/bin/rg "$DEST/.rg-stage/rg"
tar czf "$RG_CACHE/ripgrep-$RG_TAG-$RG_TARGET.tar.gz" -C "$DEST/.rg-stage" rg
rm -rf "$DEST/.rg-stage"

cd "$DEST"
[ -f package.json ] || echo '{"name":"code-server-host","private":true}' > package.json
# unsafe_perm: code-server's postinstall refuses root otherwise; yes: node-pty's postinstall runs npx
export npm_config_yes=true npm_config_unsafe_perm=true npm_config_fund=false npm_config_audit=false
npm install --unsafe-perm --no-audit --no-fund --no-save "code-server@$CS_VERSION" </dev/null
test -x "$DEST/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
# even --version writes a config under $XDG_CONFIG_HOME: keep it out of $HOME
XDG_CONFIG_HOME="$TMPDIR/xdg-config" XDG_DATA_HOME="$TMPDIR/xdg-data" "$DEST/node_modules/.bin/code-server" --version
