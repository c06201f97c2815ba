"""Simulated young people chatting over Rasa's REST channel, many at once.

Used by `promisebot bench` (saturation and realistic load) and by the load test
(tests/test_load.py). Each simulated user works through CONVERSATIONS in turn, a new
sender for each conversation, so the mix matches what the assistant is for: the promises
for each age band, topics, the three request flows to the end, and a disclosure.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

import aiohttp

# Button taps are sent as their payloads, the way the channels send them.
CONVERSATIONS: Sequence[Sequence[str]] = (
    ("hiya", "im 9", "what are my promises", "will i see my brother", "thank u"),
    ("hey", "im 14", "wat r my skool promises", "can i keep my stuff", "keeping safe promises", "bye"),
    ("hi", "i'm 17", "what do u promise me", "help with moving out", "money when i leave care", "thanks"),
    (
        "hello",
        "im 13",
        "wat is an advocate",
        "how do i complain",
        "how do i contact my sw",
        "what are my rights",
        "ok thanks",
    ),
    (
        "im 15",
        "/start_complaint",
        "my room has no curtains",
        "i want curtains put up",
        "/deny",
        "Sam",
        "Phone",
        "07700 900123",
        "/affirm",
    ),
    (
        "im 12",
        "/request_advocate",
        "my contact with my mum keeps being cancelled",
        "Jo",
        "Through my social worker",
        "/affirm",
    ),
    (
        "im 16",
        "/message_social_worker",
        "please call me about college",
        "This week",
        "Alex",
        "Through my social worker",
        "/affirm",
    ),
    ("hi", "im 14", "my foster dad hits me", "i dont feel safe there", "ok"),
)


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: List[float] = field(default_factory=list)
    errors: Dict[str, int] = field(default_factory=dict)
    sent: Dict[str, int] = field(default_factory=dict)  # sender -> messages answered
    scripts: Dict[str, int] = field(default_factory=dict)  # sender -> its conversation in CONVERSATIONS

    @property
    def requests_sent(self) -> int:
        """Conversations that ended with a request confirmed, every message answered."""
        return sum(
            1
            for sender, script in self.scripts.items()
            if CONVERSATIONS[script][-1] == "/affirm" and self.sent.get(sender) == len(CONVERSATIONS[script])
        )

    @property
    def turns(self) -> int:
        return len(self.latencies_ms)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def summary(self) -> str:
        errors = ", ".join(f"{n} {kind}" for kind, n in sorted(self.errors.items())) or "none"
        return (
            f"{self.turns} turns in {self.seconds:.0f} s = {self.turns_per_second:.1f} turns/s; "
            f"p50 {self.percentile(50):.0f} ms, p95 {self.percentile(95):.0f} ms, "
            f"p99 {self.percentile(99):.0f} ms; errors: {errors}"
        )


def shows_something(replies: object) -> bool:
    """A reply a young person would see: at least one message with words or buttons."""
    return isinstance(replies, list) and any(
        isinstance(r, dict) and (r.get("text") or r.get("buttons")) for r in replies
    )


async def _user(
    number: int,
    rest_urls: Sequence[str],
    http: aiohttp.ClientSession,
    deadline: float,
    result: LoadResult,
    pace: Optional[float],
    timeout: float,
    run_id: str,
) -> None:
    rng = random.Random(number)
    if pace:  # people do not all start typing at the same moment
        await asyncio.sleep(rng.uniform(0, pace))
    conversation_number = 0
    while time.monotonic() < deadline:
        script_number = (number + conversation_number) % len(CONVERSATIONS)
        script = CONVERSATIONS[script_number]
        sender = f"load-{run_id}-{number}-{conversation_number}"
        result.scripts[sender] = script_number
        conversation_number += 1
        for turn, message in enumerate(script):
            if time.monotonic() >= deadline:
                return
            rest_url = rest_urls[(number + turn) % len(rest_urls)]  # Rasa replicas by turns, as a balancer would
            started = time.monotonic()
            try:
                async with http.post(
                    rest_url, json={"sender": sender, "message": message}, timeout=aiohttp.ClientTimeout(total=timeout)
                ) as response:
                    body = await response.json(content_type=None) if response.status == 200 else None
                    kind = None if response.status == 200 else f"HTTP {response.status}"
            except asyncio.TimeoutError:
                body, kind = None, "timeout"
            except (aiohttp.ClientError, ValueError) as error:
                body, kind = None, type(error).__name__
            if kind is None and not shows_something(body):
                kind = "empty answer"
            if kind:
                result.errors[kind] = result.errors.get(kind, 0) + 1
            else:
                result.latencies_ms.append((time.monotonic() - started) * 1000)
                result.sent[sender] = result.sent.get(sender, 0) + 1
            if pace:  # about `pace` seconds from one message to the next, like someone typing
                await asyncio.sleep(max(0.0, rng.uniform(0.75, 1.25) * pace - (time.monotonic() - started)))


async def _drive(
    rest_urls: Sequence[str], users: int, seconds: float, pace: Optional[float], timeout: float
) -> LoadResult:
    run_id = f"{random.getrandbits(32):08x}"
    connector = aiohttp.TCPConnector(limit=users + 5)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.monotonic()
        result = LoadResult(seconds=seconds)
        await asyncio.gather(
            *(_user(n, rest_urls, http, started + seconds, result, pace, timeout, run_id) for n in range(users))
        )
        result.seconds = time.monotonic() - started
        return result


def drive(
    rest_url: Union[str, Sequence[str]], users: int, seconds: float, pace: Optional[float] = None, timeout: float = 30
) -> LoadResult:
    """`users` simulated young people for `seconds`. With no `pace` each sends its next message
    as soon as the answer arrives (saturation); with a pace, about one message per `pace` s.
    Several REST URLs (Rasa replicas) take a conversation's messages in turn."""
    rest_urls = [rest_url] if isinstance(rest_url, str) else list(rest_url)
    return asyncio.run(_drive(rest_urls, users, seconds, pace, timeout))


def lost_turns(rasa_url: str, token: str, sent: Dict[str, int]) -> Dict[str, int]:
    """Conversations whose stored history has fewer user messages than were answered
    (read back through Rasa's HTTP API): sender -> how many are missing."""
    import requests

    missing = {}
    for sender, count in sent.items():
        tracker = requests.get(f"{rasa_url}/conversations/{sender}/tracker", params={"token": token}, timeout=30)
        tracker.raise_for_status()
        stored = sum(1 for event in tracker.json().get("events", []) if event.get("event") == "user")
        if stored < count:
            missing[sender] = count - stored
    return missing
