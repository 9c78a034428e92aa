#!/usr/bin/env python3
"""Validates HSDS documents against the official HSDS 3.0 JSON Schemas (draft 2020-12).

Reads a JSON array from the file named as the first argument (or stdin): [{"schema": NAME, "label": TEXT, "document": {...}}, ...], where
NAME is a file under Seeds/hsds/schema (e.g. "compiled/service.json", "taxonomy_term.json") or
"openapi:Page" / "openapi:meta" for the schemas inside the HSDS API reference. Prints one line
per problem ("label: path: message") and exits 1 when there is any, 0 when every document is
valid. Formats (uuid, email, uri, date-time) are checked.

Used by the conformance tests (Tests/HavenServerTests/HSDSConformanceTests.swift).
"""
import json
import os
import sys

import jsonschema

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Seeds", "hsds", "schema")
# The canonical schemas refer to each other by file name, relative to their upstream home.
BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


def load(name):
    with open(os.path.join(SCHEMA_DIR, name), encoding="utf-8") as handle:
        return json.load(handle)


def openapi_schema(name):
    document = load("openapi.json")
    if name == "Page":
        return document["components"]["schemas"]["Page"]
    if name == "meta":
        return document["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    raise SystemExit(f"unknown schema openapi:{name}")


def validator_for(name, cache):
    if name in cache:
        return cache[name]
    schema = openapi_schema(name.split(":", 1)[1]) if name.startswith("openapi:") else load(name)
    schema = dict(schema)
    schema.setdefault("$id", BASE + (name if not name.startswith("openapi:") else "openapi.json"))
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resources = [
            (BASE + file, Resource.from_contents(load(file), default_specification=DRAFT202012))
            for file in ("taxonomy.json", "taxonomy_term.json", "metadata.json")
        ]
        validator = jsonschema.Draft202012Validator(
            schema, registry=Registry().with_resources(resources), format_checker=checker
        )
    except ImportError:  # jsonschema before 4.18 (Debian's python3-jsonschema)
        store = {BASE + file: load(file) for file in ("taxonomy.json", "taxonomy_term.json", "metadata.json")}
        resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
        validator = jsonschema.Draft202012Validator(schema, resolver=resolver, format_checker=checker)
    cache[name] = validator
    return validator


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as handle:
            items = json.load(handle)
    else:
        items = json.load(sys.stdin)
    if not items:
        print("nothing to validate", file=sys.stderr)
        return 2
    cache = {}
    problems = 0
    for item in items:
        validator = validator_for(item["schema"], cache)
        for error in sorted(validator.iter_errors(item["document"]), key=lambda e: list(e.absolute_path)):
            path = "/" + "/".join(str(part) for part in error.absolute_path)
            print(f"{item['label']}: {path}: {error.message[:300]}")
            problems += 1
    print(f"{len(items)} documents checked, {problems} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
