#!/usr/bin/env bash
# The Python tools the HSDS tests run: jsonschema (draft 2020-12, for the official schemas) and
# the Frictionless reference validator. When the python3 on PATH lacks them, they go into a
# virtual environment of Haven's own (.build/test-python), never into the system's Python:
# Debian's refuses pip (PEP 668) and packages no frictionless. Prints the directory to put first
# on PATH, or nothing when python3 already has both.
set -euo pipefail
cd "$(dirname "$0")/.."
if python3 -c "import jsonschema, frictionless" 2>/dev/null; then exit 0; fi
venv=.build/test-python
if ! "$venv/bin/python3" -c "import jsonschema, frictionless" 2>/dev/null; then
    echo "==> Python test tools into $venv (jsonschema, frictionless)" >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "jsonschema>=4.18" "frictionless>=5" >&2
fi
echo "$PWD/$venv/bin"
