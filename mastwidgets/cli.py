"""The ``mastwidgets`` command.

Errors are printed as one line on standard error, never a traceback; exit
codes: 0 success, 1 MAST or the network failed, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

import pandas as pd

from .errors import InvalidQuery, MastWidgetsError, NoProductsFound, ObservationNotFound

_SEARCH_COLUMNS = [
    "obs_id",
    "target_name",
    "obs_collection",
    "instrument_name",
    "filters",
    "t_exptime",
    "obs_date",
    "in_cloud",
]


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox import Sandbox

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with Sandbox(
        host=args.host,
        port=args.port,
        s3=not args.no_s3,
        file_size=args.file_size,
        files_dir=args.files_dir,
    ) as sb:
        print("MAST sandbox running; Ctrl-C stops it.")
        print(f"  MAST API and downloads: {sb.mast_url}")
        if sb.s3_endpoint:
            print(f"  S3 (bucket {sb.bucket}):    {sb.s3_endpoint}")
        print(
            f"  {len(sb.catalogue.observations)} observations, "
            f"{sum(1 for _ in sb.catalogue.products)} products"
        )
        print(f"  MAST token for its exclusive-access data: {sb.token}")
        print("Point mastwidgets at it, in the shell that runs Python:")
        for key, value in sb.environ().items():
            print(f"export {key}={value}")
        sys.stdout.flush()
        stop.wait()
    return 0


def _search(args: argparse.Namespace) -> int:
    from . import mast

    given = [a for a in (args.target, args.coordinates, args.obs_id) if a]
    criteria = dict(pair.split("=", 1) for pair in args.criteria)
    if len(given) > 1:
        raise InvalidQuery("Give one of --target, --coordinates or --obs-id.")
    if args.target:
        frame = mast.search_target(args.target, args.radius, **criteria)
    elif args.coordinates:
        frame = mast.search_region(args.coordinates, args.radius, **criteria)
    elif args.obs_id:
        frame = mast.search_obs_id(args.obs_id)
    else:
        frame = mast.search_criteria(**criteria)
    if frame.empty:
        print("No observations found.")
        return 0
    with pd.option_context(
        "display.width", 200, "display.max_columns", 20, "display.max_rows", 500
    ):
        print(frame[_SEARCH_COLUMNS].to_string(index=False))
    print(f"{len(frame)} observation(s)")
    return 0


def _app(args: argparse.Namespace) -> int:
    from .app import serve

    return serve(sandbox=args.sandbox, port=args.port, open_browser=not args.no_browser)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mastwidgets", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    sandbox = commands.add_parser("sandbox", help="run the offline MAST sandbox until Ctrl-C")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    sandbox.add_argument("--no-s3", action="store_true", help="do not start the S3 server")
    sandbox.add_argument(
        "--file-size",
        type=int,
        default=None,
        metavar="BYTES",
        help="approximate size of each science image (default: tiny)",
    )
    sandbox.add_argument("--files-dir", default=None, help="where to keep the product files")
    sandbox.set_defaults(run=_sandbox)

    app = commands.add_parser("app", help="serve the web app (Voila) until Ctrl-C")
    app.add_argument(
        "--sandbox",
        action="store_true",
        help="start the offline MAST sandbox and point the app at it",
    )
    app.add_argument("--port", type=int, default=8866)
    app.add_argument("--no-browser", action="store_true", help="do not open a browser")
    app.set_defaults(run=_app)

    search = commands.add_parser("search", help="search MAST and print the observations")
    search.add_argument("--target", help="a target name, e.g. M8")
    search.add_argument("--coordinates", help="e.g. '270.904 -24.387' or '18:03:37 -24:23:13'")
    search.add_argument("--obs-id", nargs="+", help="one or more observation IDs")
    search.add_argument("--radius", default="3 arcmin")
    search.add_argument(
        "criteria",
        nargs="*",
        metavar="COLUMN=VALUE",
        help="criteria, e.g. obs_collection=JWST instrument_name='NIRCAM*'",
    )
    search.set_defaults(run=_search)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (InvalidQuery, ObservationNotFound, NoProductsFound) as error:
        print(f"mastwidgets: {error}", file=sys.stderr)
        return 2
    except MastWidgetsError as error:
        print(f"mastwidgets: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
