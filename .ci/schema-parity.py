#!/usr/bin/env python3
"""The JSON Schema and the validator must give the same structural verdict.

Two checks, both run by .ci/run:

1. The probe corpus (Tests/FlowModelTests/schema-probes/*.yaml). Each probe's first line says
   `# expect: valid` or `# expect: invalid`; the schema must agree here, and the Swift test
   `SchemaProbeTests` requires the same of the validator. Each documented leniency has a probe.
2. Mutants of the example flows: every value in every flow in flows/ is replaced in turn by a
   number, a fraction, a boolean, nothing, a quoted number, an empty mapping, an empty list, a list
   of itself, its first item, or removed, and keys are added. `flowgate validate` judges each mutant;
   a mutant the schema refuses must have a structural error from the validator, and a mutant with a
   structural error must be refused by the schema.

The YAML is read with YAML 1.2's core schema, as the YAML language server in editors reads it (so
`yes` and `2026-11-21` are text, not a boolean and a date).

Usage: .ci/schema-parity.py path/to/flowgate [--mutants N] [--seed S]
"""
import argparse
import copy
import json
import os
import random
import re
import subprocess
import sys
import tempfile

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "docs", "flow.schema.json")
PROBES = os.path.join(ROOT, "Tests", "FlowModelTests", "schema-probes")

# The validator's rules about the shape of a file: what a schema can see.
STRUCTURAL = {"wrong-type", "missing-key", "unknown-key", "node-kind", "duplicate-key", "yaml-syntax", "invalid-value"}

# Value checks the schema leaves to the validator, by the key whose value is checked. Each is
# documented in docs/flow-format.md ("What the schema checks"). A mutant whose only structural
# errors are these may pass the schema.
VALUE_CHECKS = {
    "time_zone",  # an IANA zone the system knows
    "closed",  # real calendar dates (no 2026-02-30)
    "pattern",  # a regular expression that compiles
    "at",  # real dates for a schedule's day
}


class CoreLoader(yaml.SafeLoader):
    """YAML 1.2 core schema: null, true/false, integers, floats; everything else is text."""


CoreLoader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", list("~nN") + [""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+0123456789.")),
]:
    CoreLoader.add_implicit_resolver(tag, re.compile(pattern), first)


def core_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


def core_float(loader, node):
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


CoreLoader.add_constructor("tag:yaml.org,2002:int", core_int)
CoreLoader.add_constructor("tag:yaml.org,2002:float", core_float)


def load(text):
    return yaml.load(text, Loader=CoreLoader)


def schema_errors(validator, document):
    return [error.message for error in validator.iter_errors(document)]


# MARK: Probes


def check_probes(validator):
    failures = 0
    names = sorted(name for name in os.listdir(PROBES) if name.endswith(".yaml"))
    for name in names:
        with open(os.path.join(PROBES, name), encoding="utf-8") as handle:
            text = handle.read()
        expect = re.match(r"# expect: (valid|invalid)", text)
        if not expect:
            print(f"{name}: the first line must be '# expect: valid' or '# expect: invalid'")
            failures += 1
            continue
        errors = schema_errors(validator, load(text))
        verdict = "invalid" if errors else "valid"
        if verdict != expect.group(1):
            print(f"{name}: expected {expect.group(1)}, the schema says {verdict}: {errors[:2]}")
            failures += 1
    print(f"probes: {len(names)} checked, {failures} disagree with the schema")
    return failures


# MARK: Mutants


def paths(value, prefix=()):
    """Every path to a value inside `value`, parents before children."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


def get(document, path):
    for step in path:
        document = document[step]
    return document


def replaced(document, path, make):
    """A copy of `document` with the value at `path` replaced by make(old), or removed for None."""
    copy_ = copy.deepcopy(document)
    parent = get(copy_, path[:-1])
    new = make(parent[path[-1]])
    if new is REMOVE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return copy_


REMOVE = object()
MUTATIONS = {
    "number": lambda old: 123,
    "fraction": lambda old: 1.5,
    "whole-fraction": lambda old: 2.0,
    "negative": lambda old: -1,
    "boolean": lambda old: True,
    "nothing": lambda old: None,
    "quoted-number": lambda old: "2",
    "text": lambda old: "x",
    "empty-mapping": lambda old: {},
    "empty-list": lambda old: [],
    "list-of-it": lambda old: [old],
    "first-item": lambda old: old[0] if isinstance(old, list) and old else old,
    "removed": lambda old: REMOVE,
    "extra-key": lambda old: {**old, "colour": "red"} if isinstance(old, dict) else old,
}


def mutants(flows, count, rng):
    candidates = []
    for name, document in flows:
        for path in paths(document):
            if not path:
                continue
            for mutation in MUTATIONS:
                candidates.append((name, document, path, mutation))
    rng.shuffle(candidates)
    seen = set()
    for name, document, path, mutation in candidates:
        mutant = replaced(document, path, MUTATIONS[mutation])
        key = json.dumps(mutant, sort_keys=True, default=str)
        if key in seen or mutant == document:
            continue
        seen.add(key)
        yield f"{name}:{'/'.join(map(str, path))}:{mutation}", path, mutant
        if len(seen) >= count:
            return


def check_mutants(validator, flowgate, count, seed):
    rng = random.Random(seed)
    flows = []
    flows_dir = os.path.join(ROOT, "flows")
    for name in sorted(os.listdir(flows_dir)):
        if name.endswith(".yaml"):
            with open(os.path.join(flows_dir, name), encoding="utf-8") as handle:
                flows.append((name, load(handle.read())))
    with tempfile.TemporaryDirectory() as folder:
        cases = {}
        for index, (label, path, mutant) in enumerate(mutants(flows, count, rng)):
            file = os.path.join(folder, f"m{index:05}.yaml")
            # A unique name, so that mutants do not collide as duplicate flows.
            if isinstance(mutant, dict) and isinstance(mutant.get("flow"), str):
                mutant["flow"] = f"{mutant['flow']}-{index}"
            # JSON is YAML: strings come out quoted (text) and numbers and booleans plain, as meant.
            with open(file, "w", encoding="utf-8") as handle:
                json.dump(mutant, handle, ensure_ascii=False)
            cases[file] = (label, path, mutant)
        result = subprocess.run([flowgate, "validate", "--format", "json", folder], capture_output=True, text=True)
        try:
            report = json.loads(result.stdout)
        except json.JSONDecodeError:
            print("flowgate validate did not print JSON:", result.stdout[:500], result.stderr[:500])
            return 1
        verdicts = {}
        for entry in report["files"]:
            errors = [d for d in entry["diagnostics"] if d["severity"] == "error"]
            verdicts[os.path.realpath(entry["file"])] = (errors, [d for d in errors if d["rule"] in STRUCTURAL])
        failures = 0
        for file, (label, path, mutant) in sorted(cases.items()):
            errors, structural = verdicts.get(os.path.realpath(file), ([], []))
            schema = not validator.is_valid(mutant)
            if schema and errors:
                continue  # both refuse it (the validator may name a limit rather than a shape)
            value_only = structural and all(
                d["rule"] == "invalid-value" and any(part in VALUE_CHECKS for part in path if isinstance(part, str))
                for d in structural)
            if not schema and (not structural or value_only):
                continue
            failures += 1
            if failures <= 40:
                said = "refuses" if schema else "accepts"
                why = "; ".join(schema_errors(validator, mutant)[:1]) if schema else "; ".join(f"{d['message']} [{d['rule']}]" for d in structural[:2])
                print(f"{label}: the schema {said} it, the validator {'accepts' if schema else 'refuses'}: {why}")
        print(f"mutants: {len(cases)} checked (seed {seed}), {failures} verdicts differ")
        return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("flowgate", help="the flowgate executable")
    parser.add_argument("--mutants", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    with open(SCHEMA, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    failures = check_probes(validator) + check_mutants(validator, arguments.flowgate, arguments.mutants, arguments.seed)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
