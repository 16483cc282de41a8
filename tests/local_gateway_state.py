"""State shared by every copy of ``local_gateway_stub`` (a module the copies import, not copy)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class StubState:
    calls: list[str] = field(default_factory=list)
    modules: set[str] = field(default_factory=set)
    together: threading.Barrier = field(default_factory=lambda: threading.Barrier(2, timeout=10))

    def reset(self) -> StubState:
        self.calls.clear()
        self.modules.clear()
        self.together = threading.Barrier(2, timeout=10)
        return self


STATE = StubState()
