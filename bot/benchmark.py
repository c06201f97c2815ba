"""`promisebot bench`: the figures the project is judged by, printed, not asserted.

- held-out NLU intent macro F1 (tests/nlu/heldout.yml)
- safeguarding recall and false alarms, held-out and fresh sets (tests/safeguarding/)
- training time from scratch (Rasa's training cache switched off)
- model load time: starting the Rasa server until it answers
- per-turn latency over the REST channel, p50 / p95, for a mix of real conversations
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import List

import requests

from bot.model_cache import ensure_model, rasa_env, train
from bot.nlu_eval import evaluate
from bot.safeguarding import evaluate as safeguarding
from bot.supervisor import Ports, assistant_services, start_all, stop_all

# A young person's conversation, as the latency is measured on.
CONVERSATION = [
    "hiya", "im 14", "wat r my skool promises", "can i keep my stuff", "keeping safe promises",
    "how do i make a complaint", "wat is an advocate", "how do i contact my sw", "thanks", "bye",
]


def training_seconds() -> float:
    """Train once with an empty Rasa cache, into a throwaway folder."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(rasa_env(), RASA_CACHE_DIRECTORY=str(Path(tmp) / "cache"))
        started = time.monotonic()
        train(Path(tmp), "bench", env=env, quiet=True)
        return time.monotonic() - started


def percentile(values: List[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(turns: int = 200, with_training: bool = True) -> int:
    model = ensure_model()
    print(f"machine: {os.cpu_count()} cores; model {model.name}")
    scores = evaluate(model)
    print(f"held-out intent macro F1: {scores.macro_f1:.3f} "
          f"(accuracy {scores.accuracy:.3f}, {len(scores.mistakes)} mistakes)")
    for label, disclosures, benign in (("held-out", "disclosures", "benign"),
                                       ("fresh", "fresh_disclosures", "fresh_benign")):
        print(safeguarding.summary(f"safeguarding {label}", *safeguarding.evaluate(model, disclosures, benign)))
    if with_training:
        print(f"training time (no cache): {training_seconds():.0f} s")

    services = assistant_services(model, Ports(rasa=5205, actions=5255, web=5280, staff=5281), telegram=False)
    started = time.monotonic()
    start_all(services[:1])
    actions_ready = time.monotonic()
    start_all(services[1:2])
    print(f"model load time (Rasa server start to ready): {time.monotonic() - actions_ready:.1f} s; "
          f"cold start of both servers: {time.monotonic() - started:.1f} s")
    try:
        url = "http://127.0.0.1:5205/webhooks/rest/webhook"
        latencies, errors = [], 0
        sender = ""
        for turn in range(turns):
            if turn % len(CONVERSATION) == 0:
                sender = f"bench-{uuid.uuid4().hex[:8]}"
            message = CONVERSATION[turn % len(CONVERSATION)]
            t0 = time.perf_counter()
            response = requests.post(url, json={"sender": sender, "message": message}, timeout=30)
            latencies.append((time.perf_counter() - t0) * 1000)
            errors += response.status_code != 200 or not response.json()
        print(f"per-turn latency over REST, {turns} turns: p50 {percentile(latencies, 50):.0f} ms, "
              f"p95 {percentile(latencies, 95):.0f} ms, mean {statistics.mean(latencies):.0f} ms, errors {errors}")
    finally:
        stop_all(services)
    return 0

