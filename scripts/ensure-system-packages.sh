#!/usr/bin/env bash
# Makes sure the Debian packages Haven needs are installed.
# As root it installs what is missing; otherwise it prints the exact apt-get line and stops,
# because a silent sudo prompt in the middle of `make` helps nobody.
set -euo pipefail

packages=(postgresql-15 postgresql-15-postgis-3 postgresql-contrib libpq-dev)

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$package")
    fi
done

# The HSDS conformance tests validate responses with Python's jsonschema (draft 2020-12).
if ! python3 -c "import jsonschema" 2>/dev/null; then
    if python3 -m pip --version >/dev/null 2>&1 && python3 -m pip install --quiet "jsonschema>=4.18"; then
        echo "Installed Python's jsonschema with pip"
    elif [[ "$(command -v python3)" == /usr/bin/python3 ]]; then
        missing+=(python3-jsonschema)
    else
        echo "The tests need Python's jsonschema: python3 -m pip install 'jsonschema>=4.18'" >&2
        exit 1
    fi
fi

# The HSDS export tests check packages with the Frictionless reference validator.
if ! python3 -c "import frictionless" 2>/dev/null; then
    if python3 -m pip --version >/dev/null 2>&1 && python3 -m pip install --quiet "frictionless>=5"; then
        echo "Installed Python's frictionless with pip"
    elif [[ "$(command -v python3)" == /usr/bin/python3 ]]; then
        missing+=(python3-frictionless)
    else
        echo "The tests need Python's frictionless: python3 -m pip install 'frictionless>=5'" >&2
        exit 1
    fi
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
