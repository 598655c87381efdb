# Shared by scripts/build.sh and scripts/test.sh (sourced, not run).
#
# Creates the virtual environment on first use and reuses it afterwards, installs a
# requirements file only when it (or pyproject.toml) changed since the last install,
# and installs missing system tools with apt-get where that is available. The only
# network access is to PyPI (pip), the npm registry and the Debian archive.
#
# Environment: VENV (default: .venv in the repository) to use another virtual
# environment; PYTHON (default: python3) to create it with another interpreter.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\n==> %s\n' "$*"; }

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "please install: $* (no apt-get on this machine)"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "please install as root: apt-get install $*"
    sudo="sudo"
  fi
  say "installing $* with apt-get"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$@"
}

ensure_venv() {
  if [ -x "$VENV/bin/python" ]; then
    return
  fi
  command -v "$PYTHON" >/dev/null 2>&1 || apt_install python3 python3-venv
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version 2>&1))"
  say "creating the virtual environment $VENV"
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    apt_install python3-venv
    "$PYTHON" -m venv "$VENV"
  fi
}

# install_requirements FILE: pip-install FILE into the venv unless already done.
install_requirements() {
  local file="$1"
  local stamp="$VENV/.installed-$(basename "$file")"
  local digest
  digest="$(cat "$ROOT/$file" "$ROOT/requirements.txt" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    return
  fi
  say "installing $file into $VENV"
  (cd "$ROOT" && "$VENV/bin/python" -m pip install --quiet --upgrade pip \
    && "$VENV/bin/python" -m pip install --quiet -r "$file")
  echo "$digest" > "$stamp"
}

ensure_npm() {
  command -v npm >/dev/null 2>&1 || apt_install npm
}
