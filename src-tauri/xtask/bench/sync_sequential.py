"""The sequential client of `cargo xtask bench sync`: scim2-cli's `modify`
sending the changes one after the other.

- Timed over all the changes: one scim2-cli session (the server described
  once from the schema files, one HTTP connection) running `modify` for each
  change, in one Python process. This is the fastest way scim2-cli can send
  them one by one.
- Timed on a sample first: `scim2 modify` invoked as a command per change,
  inside this process (the interpreter's start not counted) and as separate
  processes (as a person would run it).

The sample's changes are joins, made again by the full run as no-ops (the
server keeps a member once).

Prints one JSON object.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import click
from scim2_cli import cli
from scim2_cli.modify import modify_cli
from scim2_cli.session import Session


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--changes", required=True)
    parser.add_argument("--schemas", required=True)
    parser.add_argument("--resource-types", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--command-sample", type=int, default=200)
    parser.add_argument("--process-sample", type=int, default=10)
    args = parser.parse_args()
    headers = f"Authorization: Bearer {args.token}"
    os.environ["SCIM_CLI_HEADERS"] = headers
    with open(args.changes, encoding="utf-8") as f:
        changes = [json.loads(line) for line in f if line.strip()]

    def operations(change):
        if change["join"]:
            return ["add", "members", json.dumps([{"value": change["user"]}])]
        return ["remove", f'members[value eq "{change["user"]}"]']

    def command(change):
        files = ["-s", args.schemas, "-r", args.resource_types, "-c", args.config]
        return ["--url", args.url, *files, "modify", "group", change["group"], *operations(change)]

    devnull = open(os.devnull, "w")
    real_stdout = sys.stdout

    # The command per change, as separate processes, then inside this one.
    scim2 = os.path.join(os.path.dirname(sys.executable), "scim2")
    sample = [c for c in changes if c["join"]][: args.process_sample]
    started = time.perf_counter()
    for change in sample:
        subprocess.run([scim2, *command(change)], check=True, stdout=subprocess.DEVNULL)
    per_process = (time.perf_counter() - started) / max(len(sample), 1)
    sample = [c for c in changes if c["join"]][: args.command_sample]
    started = time.perf_counter()
    for change in sample:
        sys.stdout = devnull
        try:
            cli.main(command(change), standalone_mode=False)
        finally:
            sys.stdout = real_stdout
    per_command = (time.perf_counter() - started) / max(len(sample), 1)

    # All the changes through one session.
    with open(args.schemas) as s, open(args.resource_types) as r, open(args.config) as c:
        session = Session(
            url=args.url,
            headers={"Authorization": f"Bearer {args.token}"},
            verify=True,
            schemas=s,
            resource_types=r,
            service_provider_config=c,
        )
        session.client  # discovery, once, outside the timing
    started = time.perf_counter()
    for change in changes:
        sys.stdout = devnull
        try:
            with click.Context(cli, obj=session) as ctx:
                ctx.invoke(modify_cli, arguments=("group", change["group"], *operations(change)), me=False, indent=False)
        finally:
            sys.stdout = real_stdout
    seconds = time.perf_counter() - started
    print(json.dumps({
        "seconds": seconds,
        "changes": len(changes),
        "per_command_ms": per_command * 1000,
        "command_sample": len(sample),
        "per_process_ms": per_process * 1000,
        "process_sample": args.process_sample,
    }))


if __name__ == "__main__":
    main()
