#!/usr/bin/env python3
"""Writes the runner benchmark's DAG twice: as a tame pipeline and as a
ninja build file, so that bench/run_bench.sh compares like with like.

  gen_runner_dag.py OUT_DIR [LEVELS WIDTH]

OUT_DIR/pipeline.json  LEVELS x WIDTH shell steps running `true` with sh
                       (ninja runs its commands with /bin/sh -c), each
                       needing two steps of the level before, cache on
OUT_DIR/run.ninja      the same DAG of `true` commands; outputs are never
                       made, so every build runs every command
OUT_DIR/noop.ninja     the same DAG of commands that touch their output,
                       for the no-op build that a cached rerun compares to
"""
import json
import os
import sys


def main():
    out = sys.argv[1]
    levels = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    os.makedirs(out, exist_ok=True)
    steps = []
    edges = []
    for level in range(levels):
        for i in range(width):
            step = {"id": f"s{level}-{i}", "uses": "shell",
                    "with": {"run": "true", "shell": "sh"}, "cache": True}
            deps = []
            if level > 0:
                deps = [f"s{level - 1}-{i}", f"s{level - 1}-{(i + 1) % width}"]
                step["needs"] = deps
            steps.append(step)
            edges.append((step["id"], deps))
    with open(os.path.join(out, "pipeline.json"), "w") as f:
        json.dump({"version": 1, "name": "bench-dag", "steps": steps}, f)
    for name, command in (("run.ninja", "true"), ("noop.ninja", "touch $out")):
        with open(os.path.join(out, name), "w") as f:
            f.write(f"rule step\n  command = {command}\n")
            for target, deps in edges:
                implicit = " | " + " ".join(deps) if deps else ""
                f.write(f"build {target}: step{implicit}\n")


if __name__ == "__main__":
    main()
