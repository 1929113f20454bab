"""The ``mastwidgets`` command.

Errors are printed as one line on standard error, never a traceback; exit
codes: 0 success, 1 MAST or the network failed, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ._version import __version__
from .errors import (
    ConfigurationError,
    InvalidCoordinates,
    InvalidQuery,
    MastWidgetsError,
    NoProductsFound,
    ObservationNotFound,
    TransferError,
    quoted,
)
from .settings import LAYOUTS

if TYPE_CHECKING:  # pandas is imported by the commands that print tables (0.5 s)
    import pandas as pd

_LAYOUT_HELP = (
    "folders: observation (<collection>/<obs_id>/, the default), flat, or astroquery "
    "(mastDownload/<collection>/<obs_id>/); default: MASTWIDGETS_LAYOUT"
)
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
        scale=args.scale,
        seed=args.seed,
    ) as sb:
        print("MAST sandbox running; Ctrl-C stops it.")
        print(f"  MAST API and downloads: {sb.mast_url}")
        if sb.s3_endpoint:
            print(f"  S3 (bucket {sb.bucket}):    {sb.s3_endpoint}")
        else:
            print("  S3: none (--no-s3; its endpoint below answers nothing: files come over HTTP)")
        recorded = sum(1 for o in sb.catalogue.observations if o.recorded)
        print(
            f"  {len(sb.catalogue.observations) - recorded} curated and {recorded} recorded "
            f"observations, {sum(1 for _ in sb.catalogue.products)} products"
        )
        if args.scale:
            print(f"  {args.scale:,} synthetic observations (seed {args.seed}); big ones:")
            for obs_id, count in sb.big_observations.items():
                print(f"    {obs_id}: {count:,} products")
        print(f"  MAST token for its exclusive-access data: {sb.token}")
        print("Point mastwidgets at it, in the shell that runs Python:")
        for key, value in sb.environ().items():
            print(f"export {key}={value}")
        sys.stdout.flush()
        while not stop.wait(0.5):  # short waits: the handler runs between them
            pass
    return 0


def _search(args: argparse.Namespace) -> int:
    from . import mast

    given = [a for a in (args.target, args.coordinates, args.obs_id, args.targets) if a]
    criteria = dict(word.split("=", 1) for word in args.criteria if "=" in word)
    if len(given) > 1:
        raise InvalidQuery("Give one of --target, --coordinates, --obs-id or --targets.")
    if words := [word for word in args.criteria if "=" not in word]:
        # `mastwidgets search M16`, `search NGC 6611`, `search 274.7 -13.8`: what to
        # search around, named without its option.
        if given:
            raise InvalidQuery(
                f"{' '.join(words)!r} is not a COLUMN=VALUE criterion (e.g. "
                "obs_collection=HST), and a target is given already."
            )
        text = " ".join(words)
        try:
            mast.parse_coordinates(text)
            args.coordinates = text
        except InvalidCoordinates:
            args.target = text
    columns = _SEARCH_COLUMNS
    if args.targets:
        frame = mast.search_targets(Path(args.targets), args.radius, **criteria)
        columns = ["target", *_SEARCH_COLUMNS]
        for target, why in frame.attrs.get("failed", {}).items():
            print(f"mastwidgets: {target}: {why}", file=sys.stderr)
    elif args.target:
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
    import pandas as pd

    with pd.option_context(
        "display.width", 200, "display.max_columns", 20, "display.max_rows", 500
    ):
        print(frame[columns].to_string(index=False))
    print(f"{len(frame)} observation(s)")
    return 0


def _product_filters(args: argparse.Namespace) -> dict | None:
    if getattr(args, "all_products", False):
        return {"auxiliary": True} if args.auxiliary else {}
    filters = {}
    if args.type:
        filters["productType"] = args.type
    if args.calib:
        filters["calib_level"] = args.calib
    if args.ext:
        filters["extension"] = args.ext
    if args.subgroup:
        filters["product_subgroup"] = args.subgroup
    if args.mrp:
        filters["mrp_only"] = True
    if args.auxiliary:
        filters["auxiliary"] = True
    return filters or None


def _print_frame(frame: pd.DataFrame, columns: list[str], empty: str) -> None:
    if frame.empty:
        print(empty)
        return
    import pandas as pd

    with pd.option_context(
        "display.width",
        220,
        "display.max_columns",
        30,
        "display.max_rows",
        1000,
        "display.max_colwidth",
        60,
    ):
        print(frame[columns].to_string(index=False))


def _program(args: argparse.Namespace) -> int:
    from . import mast

    def progress(done: int, total: int, files: int) -> None:
        if sys.stderr.isatty():
            print(f"\rListing: {done}/{total} observations, {files:,} files", end="",
                  file=sys.stderr, flush=True)  # fmt: skip

    if args.dest is None:
        program = mast.search_program(args.mission, args.program, progress=progress)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(program.describe())
        return 0
    from .imports import import_program

    job = import_program(
        args.mission,
        args.program,
        args.dest,
        levels=args.levels,
        layout=args.layout,
        guide_stars=args.guide_stars,
        source=args.source,
        skip_existing=not args.refetch,
        withdrawn=args.withdrawn,
        progress=progress,
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    code = _run_job(job)
    result = job.result
    moved = result.transfer.bytes_transferred if result is not None else None
    print(f"{job.changes.describe(moved)}.")
    return code


def _mission(args: argparse.Namespace) -> int:
    from . import mast

    if args.keywords:
        columns = mast.mission_columns(args.mission)
        width = int(columns["name"].str.len().max())
        for row in columns.itertuples():
            print(f"{row.name:<{width}}  {row.data_type:<9}  {row.description}")
        return 0
    criteria = dict(word.split("=", 1) for word in args.criteria if "=" in word)
    words = " ".join(word for word in args.criteria if "=" not in word)  # a target or position
    frame = mast.search_mission(args.mission, words or None, radius=args.radius, **criteria)
    if args.dest is None:
        columns = ["obs_id", "target_name", "instrument_name", "filters", "t_exptime", "obs_date"]
        if frame["distance"].notna().any():
            columns.append("distance")
        _print_frame(frame, columns, "No datasets found.")
        if not frame.empty:
            print(f"{len(frame):,} {frame.attrs['mission'].upper()} dataset(s)")
        return 0
    if frame.empty:
        print("No datasets found: nothing to import.")
        return 0
    from .imports import import_observations

    job = import_observations(frame, args.dest, source=args.source)
    return _run_job(job)


def _products(args: argparse.Namespace) -> int:
    from . import mast

    frame = mast.list_products(args.obs_id, **(_product_filters(args) or {}))
    frame = frame.assign(in_s3=frame["s3_uri"].notna())
    _print_frame(
        frame,
        [
            "obs_id",
            "productFilename",
            "productType",
            "calib_level",
            "productSubGroupDescription",
            "size",
            "in_s3",
        ],
        "No products match these filters.",
    )
    if not frame.empty:
        print(f"{len(frame)} product(s), {int(frame['size'].sum()):,} bytes")
        if args.script:
            from .exports import download_script

            download_script(frame, args.script, layout=args.layout)
            print(f"Download script: {args.script} (run it with bash where the files go)")
        if args.manifest:
            from .exports import manifest

            manifest(frame).write(args.manifest, overwrite=True)
            print(f"Manifest: {args.manifest}")
    return 0


def _run_job(job) -> int:
    """Show the job's progress until it ends; Ctrl-C pauses it, resumable."""
    from .imports import CatalogJob
    from .transfer import Status
    from .views.progress import TqdmProgress

    if isinstance(job, CatalogJob):
        return _run_catalog_job(job)

    count = len(job.transfer.state.files)
    result = _wait_or_pause(
        job, f"Job {job.id}: {count} file(s)", lambda: TqdmProgress(files=count)
    )
    if result is None:
        return 130
    for name, error in result.errors:
        print(f"  {name}: {error}", file=sys.stderr)
    files = result.transfer.files
    done = sum(1 for f in files if f.status == Status.DONE)
    print(
        f"Job {job.id}: {result.status}; {done}/{len(files)} file(s) in "
        f"{job.transfer.state.dest_dir}; "
        f"{len(result.records)} catalog record(s)."
    )
    if result.transfer.note:
        print(result.transfer.note, file=sys.stderr)
    if result.status != Status.DONE:
        print(f"Continue with: mastwidgets resume {job.id}", file=sys.stderr)
    return 0 if result.ok else 1


def _wait_or_pause(job, heading: str, make_bars):
    """Print ``heading``, show the job's progress with ``make_bars()`` and return its
    result; ``None`` if Ctrl-C paused it (at any moment from the heading on). A job that
    ended as Ctrl-C came (nothing left to pause) returns its result, not "Paused".

    Ctrl-C only marks the wish and this loop acts on it: a ``KeyboardInterrupt``
    raised wherever the main thread happens to be can be lost (one raised inside a
    ``__del__`` that the garbage collector runs is printed and dropped), and the job
    then ran to its end with Ctrl-C ignored.
    """
    from .transfer import Status

    interrupted: list[int] = []  # a list's append: safe to call from a signal handler
    previous = _on_sigint(lambda *_: interrupted.append(signal.SIGINT))
    bars = None
    try:
        print(heading, flush=True)
        bars = make_bars()
        job.subscribe(bars)
        result = None
        while result is None and not interrupted:
            result = job.wait(timeout=0.2)
        if result is not None:
            return result
        job.pause()
        result = job.wait()
        bars.close()
        bars = None
        if result.status != Status.PAUSED:
            return result  # it ended as Ctrl-C came: its own outcome, not "Paused"
        print(f"Paused. Continue with: mastwidgets resume {job.id}", file=sys.stderr)
        return None
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if bars is not None:
            bars.close()


def _on_sigint(handler):
    """Install ``handler`` for SIGINT and return the one it replaced; ``None`` (and
    nothing changed) off the main thread, where Python lets no handler be set."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, handler)


def _run_catalog_job(job) -> int:
    """:func:`_run_job` for a job that catalogs products in place."""
    from .transfer import Status
    from .views.progress import TqdmProgress

    count = len(job.state.files)
    result = _wait_or_pause(
        job,
        f"Job {job.id}: the headers of {count} product(s), read in place",
        lambda: TqdmProgress(files=count, total_label="headers"),
    )
    if result is None:
        return 130
    for name, error in result.errors:
        print(f"  {name}: {error}", file=sys.stderr)
    print(
        f"Job {job.id}: {result.status}; {len(result.records)} remote record(s) from "
        f"{result.requests} request(s), {result.bytes_read / 1e6:.1f} MB read."
    )
    if result.status != Status.DONE:
        print(f"Continue with: mastwidgets resume {job.id}", file=sys.stderr)
    return 0 if result.ok else 1


def _catalog_remote(args: argparse.Namespace) -> int:
    from .imports import catalog_products

    job = catalog_products(
        args.obs_id,
        source=args.source,
        products=_product_filters(args),
        connections=args.connections,
        skip_existing=not args.again,
    )
    if job.already:
        print(f"{len(job.already)} product(s) in the catalog already; skipped.")
    return _run_job(job)


_DASK_HELP = (
    "run on the Dask cluster of this scheduler (tcp://host:8786; default: "
    "MASTWIDGETS_DASK_SCHEDULER): its workers fetch and record the files; the folder "
    "and state folder must be shared, the catalog MongoDB"
)


def _import(args: argparse.Namespace) -> int:
    from .imports import import_observations

    job = import_observations(
        args.obs_id,
        args.dest,
        source=args.source,
        products=_product_filters(args),
        parallel=args.parallel,
        layout=args.layout,
        skip_existing=not args.refetch,
        executor=args.dask,
    )
    if job.already:
        print(f"{len(job.already)} file(s) here already (imported before, unchanged); skipped.")
    return _run_job(job)


def _resume(args: argparse.Namespace) -> int:
    from .imports import resume

    return _run_job(resume(args.job_id, executor=args.dask))


def _stop_job(args: argparse.Namespace) -> int:
    from . import imports

    stop = imports.pause if args.command == "pause" else imports.cancel
    if not stop(args.job_id, wait=args.wait):
        print(f"Job {args.job_id} is not running.")
        return 1
    still = imports.job_state(args.job_id).status
    print(f"Job {args.job_id}: asked to {args.command} (now {still}).")
    return 0


def _remove_job(args: argparse.Namespace) -> int:
    from .imports import remove_job

    remove_job(args.job_id)
    print(f"Job {args.job_id} removed from the list (its files and records stay).")
    return 0


def _jobs(args: argparse.Namespace) -> int:
    from .imports import list_jobs

    jobs = list_jobs()
    _print_frame(
        jobs,
        ["id", "created", "status", "files", "bytes_done", "bytes_total", "observations"],
        "No jobs yet.",
    )
    for job_id, note in zip(jobs["id"], jobs["note"], strict=True):
        if note:  # why a job stopped by itself (the server was down)
            print(f"{job_id}: {note}")
    return 0


def _catalog(args: argparse.Namespace) -> int:
    import json

    from .catalog import Catalog

    with Catalog() as catalog:
        if args.show:
            record = catalog.get(args.show)
            if record is None:
                raise InvalidQuery(f"No record {quoted(args.show)} in the catalog.")
            print(json.dumps(record, indent=1))
            return 0
        filters = {
            k: v
            for k, v in (
                ("obs_id", args.obs_id),
                ("target", args.target),
                ("instrument", args.instrument),
                ("filters", args.filters),
            )
            if v
        }
        frame = catalog.to_dataframe(limit=args.limit, **filters)
    # a local copy, or headers read in place (catalog-remote) of a file not imported
    frame["copy"] = ["local" if p else "remote" for p in frame["path"]]
    _print_frame(
        frame,
        [
            "obs_id",
            "filename",
            "telescope",
            "instrument",
            "filters",
            "target",
            "date_obs",
            "size",
            "source",
            "copy",
            "error",
        ],
        "No records.",
    )
    return 0


def _app(args: argparse.Namespace) -> int:
    from .app import serve

    return serve(
        sandbox=args.sandbox,
        port=args.port,
        open_browser=not args.no_browser,
        theme=args.theme,
        ip=args.ip,
        token=args.token,
        data_root=args.data_root,
        max_import_bytes=args.max_import_bytes,
        max_concurrent_imports=args.max_concurrent_imports,
        kernel_pool=args.kernel_pool,
        imviz=args.imviz,
        verbose=args.verbose,
    )


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one short line (argparse prints the whole usage,
    and the whole of a bad value: a 10,000-character one, in full)."""

    def error(self, message: str) -> NoReturn:
        shown = message if len(message) <= 200 else f"{message[:120]}…{message[-60:]}"
        self.exit(2, f"{self.prog}: {shown} (see: {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mastwidgets", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"mastwidgets {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sandbox = commands.add_parser(
        "sandbox",
        help="run the offline MAST sandbox until Ctrl-C",
        description=(
            "A loopback MAST (portal API, name resolver, downloads, cloud paths) and S3 "
            "bucket. Recorded rows: 61 observations (K2 targets ktwo228162462 and "
            "ktwo228726301 with their K2SFF and EVEREST light curves, TESS TIC 74534430 "
            "and TIC 273985862, "
            "Kepler-10, a TESS full-frame image and two light curves at M15) and 123 product "
            "rows (those and the HLA field NGC5457-FLD2 in M101 of MAST's beginner "
            "tutorial) are real MAST answers recorded by public projects (lightkurve's "
            "cassettes, STScI's tutorials: mastwidgets/sandbox/data/recordings), served "
            "verbatim, so the recorded requests get the recorded answers (their files are "
            "the sandbox's, as long as MAST listed them); the tutorial's four HLA "
            "observations keep their printed columns. Asserted rows: what astroquery's own "
            "tests of the live MAST assert (M10's GALEX rows, programs 8169 and 8880, "
            "files in the cloud, Swift at M15...), the ids, counts and keys as asserted, the "
            "rest the sandbox's. Synthetic rows: the 30 curated JWST, HST and TESS "
            "observations, built to the forms of those recordings, STScI's tutorials and "
            "astroquery's test data; --scale adds more built the same way. "
            "tests/sandbox/test_conformance.py measures how much of what the "
            "sandbox builds real MAST would give."
        ),
    )
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
    sandbox.add_argument(
        "--scale",
        type=int,
        default=0,
        metavar="N",
        help="also serve N synthetic observations, files made on request (default: 0)",
    )
    sandbox.add_argument("--seed", type=int, default=0, help="which synthetic sky (default: 0)")
    sandbox.set_defaults(run=_sandbox)

    def product_options(command: argparse.ArgumentParser, everything: bool) -> None:
        command.add_argument("--type", nargs="+", help="productType, e.g. SCIENCE PREVIEW")
        command.add_argument("--calib", nargs="+", type=int, help="calib_level, e.g. 2 3")
        command.add_argument("--ext", nargs="+", help="file extension, e.g. fits")
        command.add_argument("--subgroup", nargs="+", help="productSubGroupDescription, e.g. I2D")
        command.add_argument(
            "--auxiliary",
            action="store_true",
            help="also AUXILIARY files (JWST guide-star files ...), hidden by default",
        )
        command.add_argument(
            "--mrp",
            action="store_true",
            help="only MAST's Minimum Recommended Products (the Portal's default selection)",
        )
        if everything:
            command.add_argument(
                "--all-products",
                action="store_true",
                help="every file but AUXILIARY ones (default: calibrated science files)",
            )

    program = commands.add_parser(
        "program", help="a whole program: its observations and files, by kind and instrument"
    )
    program.add_argument("mission", help="MAST's mission, e.g. JWST or HST")
    program.add_argument("program", help="the program ID, e.g. 2739 (zero-padded or not)")
    program.add_argument(
        "--import", dest="dest", metavar="DEST",
        help="import it into the folder DEST (without it: the summary only)",
    )  # fmt: skip
    program.add_argument(
        "--levels", type=int, nargs="+", default=[2, 3], metavar="N",
        help="calibration levels of the science files (default: 2 3); associations' "
        "members come whatever their level",
    )  # fmt: skip
    program.add_argument(
        "--layout", default="associations", metavar="LAYOUT",
        help="associations (default: a folder per association, its members beside it), "
        "or observation, flat, astroquery",
    )  # fmt: skip
    program.add_argument(
        "--guide-stars", action="store_true", help="also import the guide-star files"
    )
    program.add_argument("--source", choices=["auto", "s3", "http"], default="auto")
    program.add_argument(
        "--refetch", action="store_true", help="fetch files the catalog has on disk already"
    )
    program.add_argument(
        "--withdrawn", choices=["keep", "remove"], default="keep",
        help="run again into the same folder: keep (default) or remove the files MAST "
        "no longer lists",
    )  # fmt: skip
    program.set_defaults(run=_program)

    mission = commands.add_parser(
        "mission",
        help="MAST's mission search: HST or JWST datasets by the mission's own keywords",
    )
    mission.add_argument("mission", help="HST or JWST (or another of MAST's missions)")
    mission.add_argument(
        "criteria", nargs="*", metavar="KEYWORD=VALUE",
        help="the mission's keywords, e.g. sci_pep_id=13926 'sci_spec_1234=F657N,F502N' "
        "'sci_actual_duration=1000..3000' 'sci_instrume=!ACS'; words without '=' name a "
        "target or position: mastwidgets mission HST M16 sci_aec=S",
    )  # fmt: skip
    mission.add_argument("--radius", default="3 arcmin", help="at most 30 arcmin")
    mission.add_argument(
        "--keywords", action="store_true",
        help="list the mission's keywords with MAST's descriptions, and stop",
    )  # fmt: skip
    mission.add_argument(
        "--import", dest="dest", metavar="DEST",
        help="import the datasets' calibrated science files into the folder DEST",
    )  # fmt: skip
    mission.add_argument("--source", choices=["auto", "s3", "http"], default="auto")
    mission.set_defaults(run=_mission)

    products = commands.add_parser("products", help="list observations' data products")
    products.add_argument("obs_id", nargs="+")
    product_options(products, everything=False)
    products.add_argument(
        "--script", metavar="FILE", help="also write a bash script that downloads them with curl"
    )
    products.add_argument("--manifest", metavar="FILE", help="also write a manifest (.csv/.ecsv)")
    products.add_argument("--layout", choices=list(LAYOUTS), default=None, help=_LAYOUT_HELP)
    products.set_defaults(run=_products)

    imports = commands.add_parser(
        "import",
        help="download observations' products and record them in the catalog (Ctrl-C pauses)",
    )
    imports.add_argument("obs_id", nargs="+")
    imports.add_argument("--dest", default=None, help="folder (default: MASTWIDGETS_DATA_DIR)")
    imports.add_argument("--source", choices=["auto", "s3", "http"], default="auto")
    imports.add_argument("--parallel", type=int, default=3)
    imports.add_argument("--layout", choices=list(LAYOUTS), default=None, help=_LAYOUT_HELP)
    imports.add_argument(
        "--refetch",
        action="store_true",
        help="fetch files even if imported before and unchanged on disk (default: skip them)",
    )
    imports.add_argument("--dask", metavar="ADDRESS", default=None, help=_DASK_HELP)
    product_options(imports, everything=True)
    imports.set_defaults(run=_import)

    remote = commands.add_parser(
        "catalog-remote",
        help="record products' FITS headers in the catalog without downloading the files "
        "(ranged reads from MAST's bucket or download service; Ctrl-C pauses)",
    )
    remote.add_argument("obs_id", nargs="+")
    remote.add_argument("--source", choices=["auto", "s3", "http"], default="auto")
    remote.add_argument(
        "--connections",
        type=int,
        default=None,
        help="products read at once (default: MASTWIDGETS_S3_CONNECTIONS for S3)",
    )
    remote.add_argument(
        "--again",
        action="store_true",
        help="read products the catalog holds already (default: skip them)",
    )
    product_options(remote, everything=True)
    remote.set_defaults(run=_catalog_remote)

    resume = commands.add_parser(
        "resume", help="continue an interrupted or paused import (or catalog-remote job)"
    )
    resume.add_argument("job_id")
    resume.add_argument("--dask", metavar="ADDRESS", default=None, help=_DASK_HELP)
    resume.set_defaults(run=_resume)

    for name in ("pause", "cancel"):
        stop = commands.add_parser(name, help=f"{name} a running job, whichever process runs it")
        stop.add_argument("job_id")
        stop.add_argument(
            "--wait", type=float, default=10.0, help="seconds to wait for it to stop (10)"
        )
        stop.set_defaults(run=_stop_job)
    remove = commands.add_parser(
        "remove", help="take a job that is not running off the list (files and records stay)"
    )
    remove.add_argument("job_id")
    remove.set_defaults(run=_remove_job)

    jobs = commands.add_parser("jobs", help="list import jobs and their status")
    jobs.set_defaults(run=_jobs)

    catalog = commands.add_parser("catalog", help="query the catalog of imported files")
    catalog.add_argument("--obs-id")
    catalog.add_argument("--target")
    catalog.add_argument("--instrument")
    catalog.add_argument("--filters")
    catalog.add_argument("--limit", type=int, default=None)
    catalog.add_argument("--show", metavar="KEY", help="print one record (its dataURI) as JSON")
    catalog.set_defaults(run=_catalog)

    app = commands.add_parser("app", help="serve the web app (Voila) until Ctrl-C")
    app.add_argument(
        "--sandbox",
        action="store_true",
        help="start the offline MAST sandbox and point the app at it",
    )
    app.add_argument("--port", type=int, default=8866)
    app.add_argument("--no-browser", action="store_true", help="do not open a browser")
    app.add_argument(
        "--theme",
        choices=["light", "dark"],
        help="the page's colours (default: MASTWIDGETS_THEME, else light)",
    )
    app.add_argument(
        "--verbose",
        action="store_true",
        help="also print Voila's own log (kernels started, requests)",
    )
    app.add_argument(
        "--imviz",
        action="store_true",
        help="offer 'Open in Imviz' (jdaviz; the page loads about half a second slower)",
    )
    hosting = app.add_argument_group(
        "serving the page to others (see the README's hosting section)"
    )
    hosting.add_argument(
        "--data-root",
        metavar="DIR",
        help="the only folder the page may write under (default: MASTWIDGETS_DATA_ROOT)",
    )
    hosting.add_argument(
        "--token",
        action="store_true",
        help="the page asks for a token: MASTWIDGETS_APP_TOKEN, else a new one (printed)",
    )
    hosting.add_argument(
        "--ip", default="127.0.0.1", help="the address to listen on (beyond loopback: --token)"
    )
    hosting.add_argument(
        "--max-import-bytes",
        metavar="SIZE",
        help="refuse imports bigger than this, e.g. '20 GB' (MASTWIDGETS_MAX_IMPORT_BYTES)",
    )
    hosting.add_argument(
        "--max-concurrent-imports",
        metavar="N",
        type=int,
        help="imports running at once (MASTWIDGETS_MAX_CONCURRENT_IMPORTS)",
    )
    hosting.add_argument(
        "--kernel-pool",
        metavar="N",
        type=int,
        help="kernels kept pre-heated for the next visitors, about 200 MB each "
        "(default: MASTWIDGETS_KERNEL_POOL, else 3; 0: a kernel started per page)",
    )
    app.set_defaults(run=_app)

    search = commands.add_parser("search", help="search MAST and print the observations")
    search.add_argument("--target", help="a target name, e.g. M8")
    search.add_argument("--coordinates", help="e.g. '270.904 -24.387' or '18:03:37 -24:23:13'")
    search.add_argument("--obs-id", nargs="+", help="one or more observation IDs")
    search.add_argument(
        "--targets", metavar="FILE", help="a list of targets: one a line, or CSV (target or ra,dec)"
    )
    search.add_argument("--radius", default="3 arcmin")
    search.add_argument(
        "criteria",
        nargs="*",
        metavar="COLUMN=VALUE",
        help=(
            "criteria, e.g. obs_collection=JWST instrument_name='NIRCAM*'; words without "
            "'=' name a target or position: mastwidgets search M16 obs_collection=HST"
        ),
    )
    search.set_defaults(run=_search)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (
        ConfigurationError,
        InvalidQuery,
        ObservationNotFound,
        NoProductsFound,
        TransferError,
    ) as error:
        print(f"mastwidgets: {error}", file=sys.stderr)
        return 2
    except MastWidgetsError as error:
        print(f"mastwidgets: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
