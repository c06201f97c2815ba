"""Per-chat flood control: at most `limit` messages in any `window` seconds."""

from __future__ import annotations

import time
from collections import deque
from typing import Callable, Deque, Dict, Hashable


class RateLimiter:
    def __init__(self, limit: int = 8, window: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._recent: Dict[Hashable, Deque[float]] = {}
        self._warned: Dict[Hashable, float] = {}

    def allow(self, key: Hashable) -> bool:
        now = self.clock()
        recent = self._recent.setdefault(key, deque())
        while recent and now - recent[0] >= self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            return False
        recent.append(now)
        self._forget_idle(now)
        return True

    def should_warn(self, key: Hashable) -> bool:
        """True once per window for a chat that is over its limit: one notice, not a flood of them."""
        now = self.clock()
        if now - self._warned.get(key, -self.window) < self.window:
            return False
        self._warned[key] = now
        return True

    def _forget_idle(self, now: float) -> None:
        if len(self._recent) > 10_000:  # keep memory bounded however many chats come and go
            for key in [k for k, times in self._recent.items() if not times or now - times[-1] >= self.window]:
                self._recent.pop(key, None)
                self._warned.pop(key, None)
