"""Imports on a real Dask cluster (LocalCluster, two worker processes) against the
sandbox, with records in MongoDB (SecantusDB over TCP)."""

import os
import signal
import threading
import uuid

import pymongo
import pytest

import mastwidgets as mw
from mastwidgets.errors import ConfigurationError
from mastwidgets.imports.cluster._connect import close_clients
from mastwidgets.sandbox import Faults
from mastwidgets.transfer import FileState

from ..catalog.conftest import mongodb_uri  # noqa: F401 - the SecantusDB server fixture
from ..test_cli import run

distributed = pytest.importorskip("distributed")

PRIVATE = "jw06543-o001_t001_nirspec_g395h-f290lp"  # exclusive access (needs the token)
HST_M16 = ["icdm01010", "icdm01020", "icdm02010", "icdm02020"]


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
        close_clients()  # those the tests opened by address, before their scheduler goes


@pytest.fixture
def cluster_env(sandbox_env, monkeypatch, mongodb_uri):  # noqa: F811
    database = f"test_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("MASTWIDGETS_MONGODB_URI", mongodb_uri)
    monkeypatch.setenv("MASTWIDGETS_MONGODB_DB", database)
    records = pymongo.MongoClient(mongodb_uri)[database]["records"]
    yield records
    records.database.client.close()


def same_as_sandbox(mast_sandbox, result) -> None:
    for f in result.transfer.files:
        collection = "JWST" if f.name.split("/")[-1].startswith("jw") else "HST"
        original = mast_sandbox.path_of(f"mast:{collection}/product/{f.name.split('/')[-1]}")
        assert f.path.read_bytes() == original.read_bytes(), f.name


def each_recorded_once(records, result) -> None:
    keys = [doc["key"] for doc in records.find({}, {"key": 1})]
    assert len(keys) == len(set(keys)) == len(result.transfer.files)
    paths = {doc["path"] for doc in records.find({}, {"path": 1})}
    assert paths == {str(f.path) for f in result.transfer.files}


def test_an_import_runs_on_two_workers_and_records_each_file_once(
    client, cluster_env, mast_sandbox, tmp_path
):
    found = mw.search_target("M16")
    events = []
    job = mw.import_observations(found, tmp_path / "data", products={}, executor=client)
    assert isinstance(job, mw.imports.ImportJob)
    job.subscribe(lambda event: events.append(event))
    result = job.wait(timeout=180)
    assert result.ok and len(result.transfer.files) == 186 and len(result.records) == 186
    same_as_sandbox(mast_sandbox, result)
    each_recorded_once(cluster_env, result)
    assert len({o.worker for o in job.transfer.outcomes}) == 2  # both workers took shards
    snap = job.snapshot()
    assert snap.counts == {"done": 186} and snap.bytes_done == snap.total == 10_169_249
    assert any(e.kind == "progress" for e in events) and events[-1].job.status == "done"
    jobs = mw.list_jobs()  # one job, not its shards
    assert list(jobs["id"]) == [job.id]
    assert jobs.loc[0, "status"] == "done" and jobs.loc[0, "bytes_done"] == 10_169_249


def test_the_embedded_catalog_is_refused(client, sandbox_env, tmp_path):
    with pytest.raises(ConfigurationError, match="MongoDB"):
        mw.import_observations(["icdm01010"], tmp_path, executor=client)
    assert not list(sandbox_env.state_dir.glob("*.json"))


def test_an_unreachable_scheduler_is_a_clear_error(cluster_env, sandbox_env, monkeypatch):
    monkeypatch.setenv("MASTWIDGETS_DASK_SCHEDULER", "tcp://127.0.0.1:9")
    monkeypatch.setenv("MASTWIDGETS_TIMEOUT", "1")  # how long it waits for an answer
    with pytest.raises(mw.errors.ClusterUnavailable, match=r"127\.0\.0\.1:9"):
        mw.import_observations(["icdm01010"])


def _when(job, condition) -> threading.Event:
    reached = threading.Event()

    def check(event):
        if event.kind == "progress" and condition(job.snapshot()):
            reached.set()

    job.subscribe(check)
    return reached


def test_a_worker_killed_mid_import_the_job_still_completes(
    client, cluster_env, mast_sandbox, tmp_path
):
    mast_sandbox.set_faults(Faults(throttle=60_000))
    job = mw.import_observations(
        HST_M16, tmp_path / "data", products={}, executor=client, connections=2, parallel=2
    )
    assert _when(job, lambda s: s.counts.get("done", 0) >= 3).wait(120)
    done_before = {f.name for f in job.snapshot().files if f.status == "done"}
    running = {w: keys for w, keys in client.processing().items() if keys}
    address, keys = next(iter(running.items()))
    shard = int(str(keys[0]).split(".s")[1][:4])  # its task: <job>.sNNNN-<time>
    victim = client.run(os.getpid, workers=[address])[address]
    mark = mast_sandbox.served
    os.kill(victim, signal.SIGKILL)
    result = job.wait(timeout=180)
    assert job.transfer.outcomes[shard].worker != address  # run again elsewhere
    mast_sandbox.set_faults(None)
    assert result.ok, result.errors
    same_as_sandbox(mast_sandbox, result)
    each_recorded_once(cluster_env, result)
    again = {path.rsplit("uri=", 1)[-1] for _, path, _ in mast_sandbox.requests_since(mark)}
    assert not {n for n in done_before if any(a.endswith(n.split("/")[-1]) for a in again)}


def _moving(client, mast_sandbox, folder, obs_ids=HST_M16):
    """An import on the cluster, from a slow sandbox, once its first bytes are in."""
    mast_sandbox.set_faults(Faults(throttle=60_000))
    job = mw.import_observations(
        obs_ids, folder, products={}, executor=client, connections=2, parallel=2
    )
    assert _when(job, lambda s: s.bytes_done > 0).wait(120)
    return job


def test_pause_and_resume_across_workers(client, cluster_env, mast_sandbox, tmp_path):
    job = _moving(client, mast_sandbox, tmp_path / "data")
    job.pause()
    paused = job.wait(timeout=120)
    assert paused.status == "paused"
    row = mw.list_jobs().set_index("id").loc[job.id]
    assert row["status"] == "paused" and 0 < row["bytes_done"] < row["bytes_total"]
    mast_sandbox.set_faults(None)
    resumed = mw.resume(job.id, executor=client)
    result = resumed.wait(timeout=180)
    # once (of ~30 full runs) this wait ran out under load: say where the import stood
    assert result is not None, (resumed.snapshot(), resumed.transfer.outcomes)
    assert result.ok, result.errors
    same_as_sandbox(mast_sandbox, result)
    each_recorded_once(cluster_env, result)
    assert mw.list_jobs().set_index("id").loc[job.id, "status"] == "done"


def test_cancel_across_workers_leaves_no_part_files(client, cluster_env, mast_sandbox, tmp_path):
    job = _moving(client, mast_sandbox, tmp_path / "data")
    job.cancel()
    result = job.wait(timeout=120)
    mast_sandbox.set_faults(None)
    assert result.status == "cancelled"
    assert not list((tmp_path / "data").rglob("*.part"))
    done = {str(f.path) for f in result.transfer.files if f.status == "done"}
    assert len(done) < 24
    assert {doc["path"] for doc in cluster_env.find({}, {"path": 1})} == done


def test_a_cluster_job_resumes_only_on_a_cluster(client, cluster_env, mast_sandbox, tmp_path):
    job = _moving(client, mast_sandbox, tmp_path / "data", ["icdm01010"])
    job.pause()
    job.wait(timeout=120)
    mast_sandbox.set_faults(None)
    with pytest.raises(ConfigurationError, match="Dask cluster"):
        mw.resume(job.id)


def test_the_token_reaches_the_workers_but_no_file(
    client, cluster_env, mast_sandbox, tmp_path, monkeypatch
):
    token = mast_sandbox.token
    monkeypatch.setenv("MAST_API_TOKEN", token)
    result = mw.import_observations([PRIVATE], tmp_path / "data", executor=client).wait(180)
    assert result.ok and result.records  # exclusive-access files: the workers sent it
    for path in [*tmp_path.rglob("*"), *mw.get_settings().state_dir.rglob("*")]:
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
    assert token not in str(list(cluster_env.find({})))


def test_the_command_line_imports_on_the_cluster(client, cluster_env, sandbox_env, mast_sandbox):
    address = client.scheduler.address
    imported = run(["import", "icdm01010", "icdm01020", "--dask", address])
    assert imported.returncode == 0, imported.stderr
    assert "done; 6/6 file(s)" in imported.stdout and "6 catalog record(s)" in imported.stdout
    drz = sandbox_env.data_dir / "HST" / "icdm01010" / "icdm01010_drz.fits"
    assert (
        drz.read_bytes() == mast_sandbox.path_of("mast:HST/product/icdm01010_drz.fits").read_bytes()
    )
    assert cluster_env.count_documents({}) == 6


def test_the_app_imports_on_the_cluster_of_its_setting(
    client, cluster_env, mast_sandbox, monkeypatch
):
    from mastwidgets.ui import App

    from ..ui.test_import_flow import wait_for_threads
    from ..ui.test_search_panel import run_search

    monkeypatch.setenv("MASTWIDGETS_DASK_SCHEDULER", client.scheduler.address)
    app = App()
    run_search(app.search, "Target name", "M16")
    app.search.select(["icdm01010", "icdm01020"])
    wait_for_threads()
    app.imports.ticks.value = "All listed"
    wait_for_threads()
    app.imports.start()
    wait_for_threads()
    assert "on the Dask cluster" in app.imports.status.value
    (view,) = app.imports.progress.children
    result = view.job.wait(timeout=120)
    # Not over in two minutes (once in a run beside the other pytest worker): say where.
    assert result is not None, (
        view.job.snapshot(),
        client.processing(),
        view.job.transfer.outcomes,
    )
    assert result.ok and view.job.on_cluster and len(result.records) == 12
    view.render(view.job.snapshot())  # the progress view, unchanged, shows the cluster's job
    assert "done" in view.title.value and view.total.value == 1.0
    assert all('data-status="done"' in row.text.value for row in view.rows.children)
    assert cluster_env.count_documents({}) == 12
    app.jobs.refresh()
    row = app.jobs._rows[view.job.id]  # the Jobs tab: its bar full, every file over
    assert 'data-status="done"' in row.title.value and row.bar.value == 1.0
    assert "12 of 12 files" in row.numbers.value
    app.jobs.show_files(view.job.id)  # the job's files, as its shards left them
    assert app.jobs.detail.children[0].value.count("✓") == 12


def test_a_worker_that_cannot_see_the_destination_says_so(client, tmp_path):
    from mastwidgets.imports.cluster._shards import Shard, run_shard

    shard = Shard(
        index=0,
        parent="20260101T000000Z-abcdef",
        dest_dir=str(tmp_path / "not-on-this-worker"),
        state_dir=str(tmp_path / "jobs" / "x.shards"),
        files=(FileState("a.fits", http="http://127.0.0.1:9/a.fits", size=10),),
        products={},
        parallel=1,
        options={},
        s3_endpoint=None,
    )
    outcome = client.submit(run_shard, shard, pure=False).result(timeout=60)
    assert outcome.status == "failed"
    ((name, error),) = outcome.errors
    assert name == "a.fits" and "not visible on the Dask worker" in error
    assert "filesystem every worker shares" in error


def test_a_shard_dask_gave_up_on_is_submitted_again(cluster_env, mast_sandbox, tmp_path, caplog):
    import dask

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as impatient,
    ):
        mast_sandbox.set_faults(Faults(throttle=60_000))
        job = mw.import_observations(
            HST_M16, tmp_path / "data", products={}, executor=impatient, connections=2
        )
        assert _when(job, lambda s: s.bytes_done > 0).wait(120)
        address = next(w for w, keys in impatient.processing().items() if keys)
        os.kill(impatient.run(os.getpid, workers=[address])[address], signal.SIGKILL)
        result = job.wait(timeout=180)
        mast_sandbox.set_faults(None)
    assert result.ok, result.errors  # KilledWorker at once; submitted again, completed
    assert "submitting it again" in caplog.text
    same_as_sandbox(mast_sandbox, result)
    each_recorded_once(cluster_env, result)


def test_a_big_shard_records_every_file_on_a_daemonic_worker(
    client, cluster_env, mast_sandbox, tmp_path
):
    """Past READERS_FROM files an import reads its records in reader processes, which a
    Dask worker (a daemonic process) may not start: the shard hung, done but unrecorded."""
    from mastwidgets.imports import READERS_FROM
    from mastwidgets.imports.cluster._shards import Secret, Shard, run_shard

    products = mw.list_products(mw.search_target("M16"), auxiliary=True, catalog=False)
    assert len(products) > READERS_FROM
    uri = os.environ["MASTWIDGETS_MONGODB_URI"]
    database = os.environ["MASTWIDGETS_MONGODB_DB"]
    names = [f"{r.obs_id}/{r.productFilename}" for r in products.itertuples()]
    shard = Shard(
        index=0,
        parent="20260101T000000Z-b16b16",
        dest_dir=str(tmp_path),
        state_dir=str(tmp_path / "jobs" / "x.shards"),
        files=tuple(
            FileState(n, http=r.url, size=int(r.size))
            for n, r in zip(names, products.itertuples(), strict=True)
        ),
        products={
            n: {"dataURI": r.dataURI} for n, r in zip(names, products.itertuples(), strict=True)
        },
        parallel=3,
        options={},
        s3_endpoint=None,
        catalog=(Secret(uri), database, "records"),
    )
    (tmp_path / "jobs").mkdir()
    outcome = client.submit(run_shard, shard, pure=False).result(timeout=300)
    assert outcome.status == "done" and len(outcome.records) == len(products)
    assert cluster_env.count_documents({}) == len(products)
