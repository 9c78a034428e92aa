#!/usr/bin/env bash
# Makes sure the Debian packages Haven needs are installed (`--for-tests`: and those the tests need).
# As root it installs what is missing; otherwise it prints the exact apt-get line and stops,
# because a silent sudo prompt in the middle of `make` helps nobody.
set -euo pipefail

# libmimalloc-dev: the allocator the `haven` binary links (see Package.swift).
packages=(postgresql-15 postgresql-15-postgis-3 postgresql-contrib libpq-dev libmimalloc-dev)

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$package")
    fi
done

# `make test` also needs a Python that can make a virtual environment for its test tools
# (scripts/ensure-test-tools.sh); `make run` does not.
if [[ "${1:-}" == "--for-tests" ]] && ! python3 -c "import ensurepip, venv" 2>/dev/null; then
    missing+=(python3-venv)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "Haven needs these Debian packages: ${missing[*]}" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
