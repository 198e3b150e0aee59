#!/usr/bin/env bash
# Creates everything Ransel needs on a fresh Debian machine, reusing what is already there.
#
#   scripts/bootstrap.sh debian [demo|test]   Debian packages (espeak-ng; chromium for tests)
#   scripts/bootstrap.sh app                  the app env (Python 3.11, uv.lock)      -> .venv
#   scripts/bootstrap.sh engine               the engine env (Python 3.10, rasa 3.6)  -> .engine-venv
#
# Envs live outside the clone in $RANSEL_CACHE_DIR (default ~/.cache/ransel), keyed by a hash
# of their lock files, so a second run (or a second clone) reuses them. The app env's key
# also covers the clone's path because the project is installed into it in editable mode.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${RANSEL_CACHE_DIR:-$HOME/.cache/ransel}"
export UV_PYTHON_DOWNLOADS=never
UV_VERSION="0.13.9"

log() { printf '\033[1m[ransel]\033[0m %s\n' "$*" >&2; }

hash_of() { cat "$@" | sha256sum | cut -c1-16; }

python_for() {  # python_for 3.10 -> absolute interpreter path, never downloaded
  local want="$1" path=""
  if command -v pyenv >/dev/null 2>&1; then
    path="$(pyenv which "python$want" 2>/dev/null || true)"
    if [ -z "$path" ]; then
      local v; v="$(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}\.[0-9]+$" | sort -V | tail -1 || true)"
      [ -n "$v" ] && path="$(pyenv root)/versions/$v/bin/python$want"
    fi
  fi
  [ -z "$path" ] && path="$(command -v "python$want" || true)"
  if [ -z "$path" ] || ! "$path" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))" 2>/dev/null; then
    log "Python $want is required (install it with pyenv or the python$want Debian package)"; exit 1
  fi
  echo "$path"
}

ensure_uv() {
  local venv="$CACHE/uv-$UV_VERSION"
  if [ ! -x "$venv/bin/uv" ]; then
    log "installing uv $UV_VERSION into $venv"
    "$(python_for 3.11)" -m venv "$venv"
    "$venv/bin/pip" install -q "uv==$UV_VERSION"
  fi
  echo "$venv/bin/uv"
}

ensure_debian() {
  local purpose="${1:-demo}" packages=(espeak-ng)
  [ "$purpose" = "test" ] && packages+=(chromium)
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
    $sudo apt-get update -q >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
}

ensure_app() {
  local uv key env
  uv="$(ensure_uv)"
  key="$(hash_of "$ROOT/uv.lock" "$ROOT/pyproject.toml" <(echo "$ROOT"))"
  env="$CACHE/app-$key"
  if [ ! -f "$env/.ransel-complete" ]; then
    log "creating the app env (Python 3.11) in $env"
    rm -rf "$env"
    (cd "$ROOT" && UV_PROJECT_ENVIRONMENT="$env" "$uv" sync --frozen -q -p "$(python_for 3.11)")
    touch "$env/.ransel-complete"
  fi
  ln -sfn "$env" "$ROOT/.venv"
  echo "$env"
}

ensure_engine() {
  local uv key env
  uv="$(ensure_uv)"
  key="$(hash_of "$ROOT/engine/requirements.lock")"
  env="$CACHE/engine-$key"
  if [ ! -f "$env/.ransel-complete" ]; then
    log "creating the engine env (Python 3.10, Rasa 3.6) in $env"
    rm -rf "$env"
    "$uv" venv -q -p "$(python_for 3.10)" "$env"
    VIRTUAL_ENV="$env" "$uv" pip sync -q "$ROOT/engine/requirements.lock"
    touch "$env/.ransel-complete"
  fi
  ln -sfn "$env" "$ROOT/.engine-venv"
  echo "$env"
}

case "${1:-}" in
  debian) ensure_debian "${2:-demo}" ;;
  app) ensure_app >/dev/null ;;
  engine) ensure_engine >/dev/null ;;
  *) echo "usage: $0 debian [demo|test] | app | engine" >&2; exit 2 ;;
esac
