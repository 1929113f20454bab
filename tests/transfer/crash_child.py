"""A transfer job in a child process, for the SIGKILL tests: prints bytes done."""

import json
import sys
from pathlib import Path

from mastwidgets import transfer
from mastwidgets.transfer import RetryPolicy


def main() -> None:
    given = sys.argv[1]  # the arguments as JSON, or @file holding them (thousands of files)
    args = json.loads(Path(given[1:]).read_text() if given.startswith("@") else given)

    def report(event):
        if event.kind == "progress":
            print(event.job.bytes_done, flush=True)

    retry = RetryPolicy(attempts=6, backoff=0.01, backoff_max=0.05)
    if args["mode"] == "start":
        transfer.download(
            args["specs"],
            args["dest"],
            state_dir=args["state_dir"],
            job_id=args["job_id"],
            chunk_size=64 * 1024,
            retry=retry,
            on_event=report,
        )
    else:
        transfer.resume(args["job_id"], state_dir=args["state_dir"], retry=retry, on_event=report)
    print("END", flush=True)


if __name__ == "__main__":
    main()
