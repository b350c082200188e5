"""The garbage collector in long-running processes (the API's server processes, the worker's
pool processes).

What a process builds while it starts (modules, the app, its routes and schemas, SQLAlchemy's
and pydantic's caches) lives as long as the process. Left to the collector, each full
collection walks all of it, holding the GIL for tens of milliseconds: measured under load,
a full collection in an API process took 75-77 ms of one request's CPU and stalled every
call that process held. Frozen once the process is built, those objects are never walked
again; what requests allocate is collected as before.
"""

import gc


def freeze_startup_heap() -> None:
    """Collect once, then move every surviving object out of the collector's reach."""
    gc.collect()
    gc.freeze()
