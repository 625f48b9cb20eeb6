#!/usr/bin/env python3
"""Writes the CycloneDX 1.6 SBOM of the `keycellar` binary to stdout.

    supply/sbom.py > keycellar.cdx.json
    supply/sbom.py --check keycellar.cdx.json   (validates a file against the CycloneDX schema)

The components are the crates compiled into the binary on the target platform (normal
dependencies of `keycellar-cli`, followed through; build scripts, proc-macros' own
dependencies, proc-macros and what only they use, and dev-dependencies are left out: they
are not in the binary), each with its
licence expression, package URL and the SHA-256 of its .crate from Cargo.lock. No
cargo-cyclonedx binary is published where CI can install it quickly, hence this script over
`cargo metadata`. The output carries no timestamp or serial number: the same commit gives
the same bytes.
"""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY_PACKAGE = "keycellar-cli"


def host_triple():
    out = subprocess.run(["rustc", "-vV"], check=True, capture_output=True, text=True).stdout
    return next(line.split()[1] for line in out.splitlines() if line.startswith("host:"))


def metadata():
    command = ["cargo", "metadata", "--format-version", "1", "--locked", "--offline",
               "--filter-platform", host_triple()]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out)


def lock_checksums():
    lock = tomllib.loads((ROOT / "Cargo.lock").read_text())
    return {(p["name"], p["version"]): p.get("checksum") for p in lock["package"]}


def in_binary(meta):
    """Package ids reachable from the binary's package through normal dependencies."""
    nodes = {node["id"]: node for node in meta["resolve"]["nodes"]}
    kinds_of = {}
    for node in nodes.values():
        for dep in node["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            kinds_of[(node["id"], dep["pkg"])] = kinds
    root = next(p["id"] for p in meta["packages"] if p["name"] == BINARY_PACKAGE)
    # A proc-macro runs in the compiler; none of its code is linked.
    macros = {p["id"] for p in meta["packages"]
              if any("proc-macro" in t["kind"] for t in p["targets"])}
    seen, todo = {root}, [root]
    while todo:
        node = nodes[todo.pop()]
        for dep in node["deps"]:
            linked = None in kinds_of[(node["id"], dep["pkg"])] and dep["pkg"] not in macros
            if linked and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    return root, seen, nodes, kinds_of


def component(package, checksums):
    ref = f"pkg:cargo/{package['name']}@{package['version']}"
    entry = {"type": "library", "bom-ref": ref, "name": package["name"],
             "version": package["version"]}
    if package.get("description"):
        entry["description"] = package["description"].strip()
    if package.get("license"):
        entry["licenses"] = [{"expression": package["license"]}]
    if package["source"] and package["source"].startswith("registry+"):
        entry["purl"] = ref
        checksum = checksums.get((package["name"], package["version"]))
        if checksum:
            entry["hashes"] = [{"alg": "SHA-256", "content": checksum}]
    return entry


def sbom():
    meta = metadata()
    checksums = lock_checksums()
    root, ids, nodes, kinds_of = in_binary(meta)
    packages = {p["id"]: p for p in meta["packages"]}
    ref = {i: f"pkg:cargo/{packages[i]['name']}@{packages[i]['version']}" for i in ids}
    components = sorted((component(packages[i], checksums) for i in ids if i != root),
                        key=lambda c: (c["name"], c["version"]))
    dependencies = sorted(
        ({"ref": ref[i], "dependsOn": sorted(ref[d["pkg"]] for d in nodes[i]["deps"]
                                             if d["pkg"] in ids
                                             and None in kinds_of[(i, d["pkg"])])}
         for i in ids),
        key=lambda d: d["ref"])
    main = component(packages[root], checksums)
    main["type"] = "application"
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": main},
        "components": components,
        "dependencies": dependencies,
    }


def check(path):
    # Installed by .ci/run: cyclonedx-python-lib and jsonschema, pinned there.
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    text = Path(path).read_text()
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        reason = getattr(error.data, "message", error)
        sys.exit(f"{path} is not a valid CycloneDX 1.6 document: {reason}")
    count = len(json.loads(text)["components"])
    print(f"{path}: valid CycloneDX 1.6, {count} components")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--check"] and len(sys.argv) == 3:
        check(sys.argv[2])
    elif len(sys.argv) == 1:
        json.dump(sbom(), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        sys.exit(__doc__)
