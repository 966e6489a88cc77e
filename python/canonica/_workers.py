"""Which engine's worker runs the calling thread: Spark, Dask or Ray.

Inside such a worker the engine already runs one task per core, so canonica uses one thread per
batch there unless `set_num_threads` or `CANONICA_NUM_THREADS` says otherwise. The check runs
before every batch (`resolve_many`, `num_threads`), looks only at engines already imported, and
asks each engine's own API:

* Spark: `pyspark.TaskContext.get()` is set in the Python worker while it runs a task (and is
  None on the driver).
* Dask: `distributed.get_worker()` answers in a thread that runs a task on a worker and raises
  ValueError elsewhere (the client, or a thread that is not a task's).
* Ray: the process's runtime context is in worker mode (`ray.WORKER_MODE`) in tasks and
  actors, and in script mode on the driver.
"""

from __future__ import annotations

import sys


def _spark() -> bool:
    from pyspark import TaskContext

    return TaskContext.get() is not None


def _dask() -> bool:
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


def _ray() -> bool:
    import ray

    if not ray.is_initialized():
        return False
    worker = getattr(ray.get_runtime_context(), "worker", None)
    return getattr(worker, "mode", None) == getattr(ray, "WORKER_MODE", 1)


_ENGINES = (("pyspark", "spark", _spark), ("distributed", "dask", _dask), ("ray", "ray", _ray))


def engine() -> str | None:
    """The engine ("spark", "dask" or "ray") whose worker task runs the calling thread."""
    for module, name, check in _ENGINES:
        if module in sys.modules:
            try:
                if check():
                    return name
            except Exception:  # an engine half imported or torn down: not its worker
                continue
    return None
