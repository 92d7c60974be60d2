"""The Dask engine: partitions as tasks on a cluster, the model loaded once per worker.

A worker plugin loads the model when each worker starts (and again when a restarted
worker joins), so tasks carry only the partition to do, never the model. Each worker's
numerical libraries use its own threads only: Dask's nanny sets ``OMP_NUM_THREADS=1``
(LightGBM, PyTorch) and the plugin sizes Arrow's pool to the worker's threads. A task that
raises is retried ``retries`` times; a worker that dies is handled by the scheduler, which
reschedules its tasks up to ``distributed.scheduler.allowed-failures`` times. Partitions
are written atomically and verified, so a task that ran twice writes its file twice, the
same file, and a killed one leaves nothing behind: no row is lost or duplicated.

Imported only when the Dask engine is asked for (``pip install 'astrolearn[scale]'``).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from pathlib import Path

from astrolearn.errors import AstrolearnInputError

try:
    import distributed
except ImportError as err:  # pragma: no cover - the message is the point
    raise AstrolearnInputError("the dask engine needs dask.distributed",
                               fix="pip install 'astrolearn[scale]'") from err

from astrolearn.scale.engines import ModelSource, Progress, stopped_error
from astrolearn.scale.partitions import Partition
from astrolearn.scale.work import PartitionResult, run_partition

__all__ = ["ModelOnWorker", "close", "connect", "run_dask"]


class ModelOnWorker(distributed.WorkerPlugin):
    """Worker plugin that loads the model once per worker; tasks find it by name.

    Parameters
    ----------
    source : ModelSource
        Model folder (on a file system the workers share) or pickled model.
    name : str
        Plugin name, unique per run.
    """

    def __init__(self, source: ModelSource, name: str) -> None:
        self.source, self.name = source, name
        self.model = None
        self.loads = 0

    def setup(self, worker) -> None:
        """Load the model (called by the worker when it starts or when registered), and
        give Arrow's thread pool as many threads as the worker has: with one worker
        process per core, Parquet decoding then stays on the worker's own core."""
        import pyarrow as pa

        state = getattr(worker, "state", worker)
        pa.set_cpu_count(max(1, int(getattr(state, "nthreads", 1) or 1)))
        self.model = self.source.load()
        self.loads += 1


def _work_on_worker(work, partition: Partition, out: str, key: str,
                    plugin_name: str) -> PartitionResult:
    plugin = distributed.get_worker().plugins[plugin_name]
    return run_partition(work, plugin.model, partition, out, key)


def _loads_on_worker(plugin_name: str, dask_worker=None) -> int:
    plugin = dask_worker.plugins.get(plugin_name)  # client.run passes the worker
    return 0 if plugin is None else plugin.loads


def _wait_until_idle(client: distributed.Client, prefix: str, timeout: float = 60) -> None:
    """Wait until no task of this run is still running on a worker (cancelling a future
    does not stop a task that has started), so that nothing writes after we report."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = [k for keys in client.processing().values() for k in keys
                   if str(k).startswith(prefix)]
        if not running:
            return
        time.sleep(0.2)


def connect(scheduler: str | None = None, workers: int | None = None, *,
            threads_per_worker: int = 1, timeout: float | None = None) -> distributed.Client:
    """A Dask client: to ``scheduler`` if given, else to a local cluster of ``workers``
    processes on loopback (default: one per core), which :func:`close` shuts down.

    ``timeout`` (seconds) defaults to Dask's ``distributed.comm.timeouts.connect``.

    Examples
    --------
    >>> connect("tcp://127.0.0.1:1", timeout=0.5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    astrolearn.errors.AstrolearnInputError: cannot reach the Dask scheduler at ...
    """
    if scheduler:
        try:
            return distributed.Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as err:
            raise AstrolearnInputError(
                f"cannot reach the Dask scheduler at {scheduler} ({type(err).__name__}: "
                f"{err})", fix="check the address and that the scheduler is running, or "
                "leave out --scheduler to start a local cluster") from err
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise AstrolearnInputError(f"--workers must be at least 1, got {workers}",
                                   fix="use --workers 2")
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker,
                                       processes=True, dashboard_address=None,
                                       host="127.0.0.1")
    client = distributed.Client(cluster)
    client._astrolearn_cluster = cluster
    return client


def close(client: distributed.Client) -> None:
    """Close ``client`` and the local cluster :func:`connect` started for it, if any."""
    cluster = getattr(client, "_astrolearn_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def run_dask(work, partitions: Sequence[Partition], model: ModelSource, out: Path,
             keys: dict[str, str], progress: Progress, client: distributed.Client, *,
             retries: int = 1) -> tuple[list[PartitionResult], int]:
    """Run ``work`` on every partition as a Dask task.

    Returns
    -------
    results : list of PartitionResult
    loads : int
        How many times the workers alive at the end loaded the model (one each when the
        model is loaded once per worker).
    """
    name = "astrolearn-model-" + hashlib.sha256(
        f"{model.identity()}{time.time_ns()}".encode()).hexdigest()[:12]
    client.register_plugin(ModelOnWorker(model, name), name=name)
    futures: dict = {}
    try:
        for partition in partitions:
            future = client.submit(_work_on_worker, work, partition, str(out),
                                   keys[partition.key], name, key=f"{name}-{partition.key}",
                                   retries=retries, pure=False)
            futures[future] = partition
        results: list[PartitionResult] = []
        for future in distributed.as_completed(list(futures)):
            partition = futures[future]
            if future.status != "finished":
                error = future.exception()
                client.cancel(list(futures))
                _wait_until_idle(client, name)
                if isinstance(error, AstrolearnInputError):
                    raise error
                how = ("after the worker running it died repeatedly"
                       if type(error).__name__ == "KilledWorker" else
                       f"{retries + 1} time(s)")
                raise stopped_error(partition, error, how, len(results), len(partitions),
                                    out)
            result = future.result()
            results.append(result)
            progress.done(partition.rows)
        loads = sum(client.run(_loads_on_worker, name).values())
        return results, loads
    finally:
        try:
            client.unregister_worker_plugin(name)
        except Exception:  # the cluster may be gone: nothing left to clean
            pass
