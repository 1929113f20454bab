"""An import in a child process, for the SIGKILL test: prints bytes done."""

import json
import sys

import mastwidgets as mw


def main() -> None:
    args = json.loads(sys.argv[1])

    def report(event):
        if event.kind == "progress":
            print(event.job.bytes_done, flush=True)

    if args["mode"] == "start":
        job = mw.import_observations(
            args["obs_ids"],
            products={},
            chunk_size=64 * 1024,
            source=args.get("source", "auto"),
        )
    else:
        job = mw.resume(args["job_id"])
    print("JOB", job.id, flush=True)
    job.subscribe(report)
    result = job.wait()
    print("END", result.status, flush=True)


if __name__ == "__main__":
    main()
