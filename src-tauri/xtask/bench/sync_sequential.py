"""The sequential client of `cargo xtask bench sync`: scim2-cli's `modify`
command run once per change, one after the other, inside one Python process
(so the interpreter's start is not counted), with the server's schemas and
configuration given as files (so it does not fetch them for each change).
A few changes are also timed as separate `scim2` processes, as a person
running the command would.

Prints one JSON object: {"seconds": S, "changes": N, "process_per_change_ms": M, "process_sample": K}.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from scim2_cli import cli


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--changes", required=True)
    parser.add_argument("--schemas", required=True)
    parser.add_argument("--resource-types", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--process-sample", type=int, default=10)
    args = parser.parse_args()
    os.environ["SCIM_CLI_HEADERS"] = f"Authorization: Bearer {args.token}"
    with open(args.changes, encoding="utf-8") as f:
        changes = [json.loads(line) for line in f if line.strip()]

    def command(change):
        base = ["--url", args.url, "-s", args.schemas, "-r", args.resource_types, "-c", args.config, "modify", "group", change["group"]]
        if change["join"]:
            return base + ["add", "members", json.dumps([{"value": change["user"]}])]
        return base + ["remove", f'members[value eq "{change["user"]}"]']

    # The sample first: these changes are then already made, and the
    # in-process run makes them again (adding a member twice, removing an
    # absent one), as idempotent writes.
    sample = changes[: args.process_sample]
    scim2 = os.path.join(os.path.dirname(sys.executable), "scim2")
    started = time.perf_counter()
    for change in sample:
        subprocess.run([scim2, *command(change)], check=True, stdout=subprocess.DEVNULL)
    per_process = (time.perf_counter() - started) / max(len(sample), 1)

    devnull = open(os.devnull, "w")
    real_stdout = sys.stdout
    started = time.perf_counter()
    for change in changes:
        sys.stdout = devnull
        try:
            cli.main(command(change), standalone_mode=False)
        finally:
            sys.stdout = real_stdout
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "changes": len(changes), "process_per_change_ms": per_process * 1000, "process_sample": len(sample)}))


if __name__ == "__main__":
    main()
