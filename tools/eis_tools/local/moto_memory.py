"""moto without its record of every model instance: a long-running local stack's memory stays flat.

moto's ``BaseModel.__new__`` appends every instance it creates to its class's ``instances_tracked``
list, for its dashboard (``/moto-api/data.json``), and never removes one. A DynamoDB query answers
with deep copies of the items it found (``Table.query`` copies its results), and each copy is a
tracked ``Item``, so every ``GET /alerts`` or ``GET /queue`` kept copies of a page of alerts, cases
and officers for as long as the process ran: about 54 KB per list request, which is how a demo was
seen at 11 GB after a long run of probes.

The local stack does not use moto's dashboard. :func:`stop_tracking_instances` makes new instances
go untracked, except for S3's, whose ``reset`` closes the temporary files of the keys and multipart
uploads it finds in that list. Only the local stack calls it (idempotent); ``mock_aws`` in tests
keeps moto's behaviour.
"""

from __future__ import annotations

from typing import Any

TRACKED_MODULES = ("moto.s3.",)  # moto's S3 reset disposes of its keys' buffers through the list


class Untracked(list[Any]):
    """An ``instances_tracked`` that keeps nothing (moto's dashboard then lists no such instance)."""

    def append(self, instance: Any) -> None:
        return None


_UNTRACKED = Untracked()


def stop_tracking_instances() -> None:
    """From now on moto records no new model instance, except those of :data:`TRACKED_MODULES`."""
    from moto.core.common_models import BaseModel

    if getattr(BaseModel, "_eis_untracked", False):
        return
    original = BaseModel.__dict__["__new__"]
    if isinstance(original, staticmethod):
        original = original.__func__

    def untracked_new(cls: Any, *args: Any, **kwargs: Any) -> Any:
        # Set per class on each creation: moto's reset_model_data puts a fresh list back on every class.
        tracked = cls.__dict__.get("instances_tracked")
        if not cls.__module__.startswith(TRACKED_MODULES) and type(tracked) is not Untracked:
            cls.instances_tracked = _UNTRACKED
        return original(cls, *args, **kwargs)

    BaseModel.__new__ = staticmethod(untracked_new)  # type: ignore[method-assign]
    BaseModel._eis_untracked = True  # type: ignore[attr-defined]
    _originals[:] = [original]


_originals: list[Any] = []


def restore_tracking() -> None:
    """Undo :func:`stop_tracking_instances` (for tests that compare both)."""
    from moto.core.common_models import BaseModel

    if _originals:
        BaseModel.__new__ = staticmethod(_originals[0])  # type: ignore[method-assign]
        BaseModel._eis_untracked = False  # type: ignore[attr-defined]
        _originals.clear()
