#!/usr/bin/env python3
"""Scales a real dbt manifest up to N models by replicating its nodes.

Each replica k renames every model, seed, snapshot and test (suffix __k) and rewires depends_on
to the nodes of the same replica, so the DAG keeps the original's shape and schemas. Writes a
"before" manifest and an "after" one in which `changed` models of replica 0 have a new checksum.
"""
import copy
import json
import sys


def main():
    source, models, before_path, after_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    changed = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    with open(source) as f:
        manifest = json.load(f)
    originals = {k: v for k, v in manifest["nodes"].items()
                 if v["resource_type"] in ("model", "seed", "snapshot", "test")}
    base_models = sum(1 for v in originals.values() if v["resource_type"] == "model")
    replicas = max(1, -(-models // base_models))
    nodes = {}
    for k in range(replicas):
        for uid, node in originals.items():
            clone = copy.deepcopy(node)
            new_id = f"{uid}__{k}"
            clone["unique_id"] = new_id
            clone["name"] = f"{node['name']}__{k}"
            clone["alias"] = clone["name"]
            clone["original_file_path"] = node["original_file_path"].replace(".", f"__{k}.", 1)
            deps = clone.get("depends_on", {})
            deps["nodes"] = [f"{d}__{k}" if d in originals else d for d in deps.get("nodes", [])]
            nodes[new_id] = clone
    manifest["nodes"] = nodes
    manifest["parent_map"] = {}
    manifest["child_map"] = {}
    with open(before_path, "w") as f:
        json.dump(manifest, f)
    model_ids = sorted(uid for uid, n in nodes.items() if n["resource_type"] == "model" and uid.endswith("__0"))
    for uid in model_ids[:changed]:
        nodes[uid]["checksum"] = {"name": "sha256", "checksum": "0" * 64}
    with open(after_path, "w") as f:
        json.dump(manifest, f)
    total = sum(1 for n in nodes.values() if n["resource_type"] == "model")
    print(f"{total} models, {len(nodes)} nodes, {changed} changed")


if __name__ == "__main__":
    main()
