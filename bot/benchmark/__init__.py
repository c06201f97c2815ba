"""`promisebot bench`: the figures the project is judged by, printed, not asserted.

- held-out NLU intent macro F1 and safeguarding recall / false alarms (`--no-quality` skips)
- for this assistant and, in the same run, for Rasa's default recipe (its default pipeline
  and TED policies, bot/benchmark/default_recipe.yml) trained on the same domain and data,
  with the same action server and tracker store:
  - cold start: starting the action server and Rasa until the first answer
  - saturation: N simulated users, each sending the next message as soon as the answer
    arrives (turns per second is the figure)
  - realistic load: 20 users each sending a message about every 2 s (latency is the figure)
  - the memory of every process, and training time from scratch (`--training`; otherwise
    the time recorded when the model in models/ was trained)
- with `--replicas 2`, this assistant again with two Rasa replicas sharing a Redis lock store
  (and a new PostgreSQL database with `--postgres`), each taking a conversation's turns in turn
The simulated conversations are in bot/benchmark/load.py. docs/benchmarks.md has results.
"""

from __future__ import annotations

import datetime
import os
import platform
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import rasa
import requests

from bot.benchmark.load import CONVERSATIONS, LoadResult, drive, shows_something
from bot.model_cache import ensure_model, rasa_env, recorded_training_seconds, train


@dataclass(frozen=True)
class Recipe:
    label: str
    config: str
    prefix: str  # of its model's file name in models/
    rasa_module: str  # how its Rasa server is started: `python -m <rasa_module> run`


THIS_ASSISTANT = Recipe("this assistant", "config.yml", "promises", "bot.rasa_server")
# Rasa as it comes: its default recipe, served by `rasa run` (without bot/rasa_server.py's fixes).
DEFAULT_RECIPE = Recipe("Rasa default recipe", "bot/benchmark/default_recipe.yml", "default-recipe", "rasa")


@dataclass
class Figures:
    recipe: Recipe
    training_seconds: Optional[float] = None
    training_note: str = ""
    cold_start_seconds: float = 0.0
    saturation: LoadResult = field(default_factory=lambda: LoadResult(seconds=0.0))  # empty until measured
    realistic: LoadResult = field(default_factory=lambda: LoadResult(seconds=0.0))
    memory_mb: Dict[str, float] = field(default_factory=dict)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory_kb / 2**20:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, Rasa {rasa.__version__}"
    )


def process_tree_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (from /proc), in MB."""
    children: Dict[int, List[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total_kb, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total_kb += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        except (OSError, StopIteration):
            continue
    return total_kb / 1024


def time_training(recipe: Recipe) -> float:
    """Train once from scratch (Rasa's cache empty) into a throwaway folder."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(rasa_env(), RASA_CACHE_DIRECTORY=str(Path(tmp) / "cache"))
        started = time.monotonic()
        train(Path(tmp), "bench", env=env, quiet=True, config=recipe.config)
        return time.monotonic() - started


def first_answer(rest_url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reply = requests.post(rest_url, json={"sender": "bench-cold-start", "message": "hi"}, timeout=30)
            if reply.status_code == 200 and shows_something(reply.json()):
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise TimeoutError("no answer from the assistant")


def measure(
    recipe: Recipe,
    users: int,
    seconds: float,
    with_training: bool,
    replicas: int = 1,
    lock_store: Optional[str] = None,
    database_url: Optional[str] = None,
) -> Figures:
    from bot.supervisor import throwaway_assistant

    model = ensure_model(config=recipe.config, prefix=recipe.prefix)
    figures = Figures(recipe)
    if with_training:
        print(f"  training {recipe.label} from scratch...", flush=True)
        figures.training_seconds, figures.training_note = time_training(recipe), "from scratch, in this run"
    else:
        figures.training_seconds = recorded_training_seconds(model)
        figures.training_note = "recorded when models/ was trained (--training measures it again)"
    started = time.monotonic()
    with throwaway_assistant(
        model,
        ("actions", "rasa", "webchat", "staff"),
        prefix="promisebot-bench-",
        rasa_module=recipe.rasa_module,
        replicas=replicas,
        lock_store=lock_store,
        database_url=database_url,
    ) as running:
        rest_urls = [f"{url}/webhooks/rest/webhook" for url in running.rasa_urls]
        first_answer(rest_urls[0])
        figures.cold_start_seconds = time.monotonic() - started
        drive(rest_urls, users=4, seconds=5)  # warm up: first calls of every code path
        print(f"  saturation, {users} users for {seconds:.0f} s...", flush=True)
        figures.saturation = drive(rest_urls, users=users, seconds=seconds)
        print(f"  realistic load, 20 users every ~2 s for {seconds:.0f} s...", flush=True)
        figures.realistic = drive(rest_urls, users=20, seconds=seconds, pace=2.0)
        figures.memory_mb = {s.name: process_tree_mb(s.process.pid) for s in running.services if s.process}
    return figures


def report(ours: Figures, default: Optional[Figures], users: int) -> str:
    columns = [ours] + ([default] if default else [])

    def row(label: str, value, ratio: str = "") -> str:
        cells = " | ".join(value(f) for f in columns)
        return f"| {label} | {cells} |" + (f" {ratio} |" if default else "")

    def ms(result: LoadResult, p: float) -> str:
        return f"{result.percentile(p):.0f} ms" if result.turns else "-"

    def times(mine: float, theirs: float) -> str:
        return f"{mine / theirs:.1f}x" if theirs else "-"

    def quicker(mine: float, theirs: float) -> str:
        """How much less time this assistant took than the default recipe, or more."""
        if not mine or not theirs:
            return "-"
        return f"{theirs / mine:.1f}x faster" if theirs >= mine else f"{mine / theirs:.1f}x slower"

    header = "| | " + " | ".join(f.recipe.label for f in columns) + " |" + (" ratio |" if default else "")
    lines = [
        header,
        "|---" * (len(columns) + 1 + bool(default)) + "|",
        row(
            f"saturation ({users} users): turns/s",
            lambda f: f"{f.saturation.turns_per_second:.1f}",
            times(ours.saturation.turns_per_second, default.saturation.turns_per_second) if default else "",
        ),
        row("saturation: p50 / p99", lambda f: f"{ms(f.saturation, 50)} / {ms(f.saturation, 99)}"),
        row(
            "realistic (20 users, ~2 s): p50",
            lambda f: ms(f.realistic, 50),
            quicker(ours.realistic.percentile(50), default.realistic.percentile(50)) if default else "",
        ),
        row("realistic: p95", lambda f: ms(f.realistic, 95)),
        row(
            "realistic: p99",
            lambda f: ms(f.realistic, 99),
            quicker(ours.realistic.percentile(99), default.realistic.percentile(99)) if default else "",
        ),
        row(
            "turns answered / errors",
            lambda f: (
                f"{f.saturation.turns + f.realistic.turns} / {f.saturation.error_count + f.realistic.error_count}"
            ),
        ),
        row(
            "cold start (to first answer)",
            lambda f: f"{f.cold_start_seconds:.1f} s",
            quicker(ours.cold_start_seconds, default.cold_start_seconds) if default else "",
        ),
        row("training", lambda f: f"{f.training_seconds:.0f} s" if f.training_seconds else "not recorded"),
    ]
    for name in ours.memory_mb:
        lines.append(row(f"memory: {name}", lambda f, n=name: f"{f.memory_mb.get(n, 0):.0f} MB"))
    for f in columns:
        errors = {**f.saturation.errors, **f.realistic.errors}
        if errors:
            lines.append(f"\n{f.recipe.label} errors: {errors}")
        lines.append(f"\n{f.recipe.label}: training time {f.training_note}")
    return "\n".join(lines)


def quality_figures() -> None:
    from bot.nlu_eval import evaluate, fresh_question_answers
    from bot.safeguarding import evaluate as safeguarding
    from bot.supervisor import throwaway_assistant

    model = ensure_model()
    scores = evaluate(model)
    print(
        f"held-out intent macro F1: {scores.macro_f1:.3f} "
        f"(accuracy {scores.accuracy:.3f}, {len(scores.mistakes)} mistakes)"
    )
    for label, disclosures, benign in (
        ("held-out", "disclosures", "benign"),
        ("fresh", "fresh_disclosures", "fresh_benign"),
    ):
        print(safeguarding.summary(f"safeguarding {label}", *safeguarding.evaluate(model, disclosures, benign)))
    # The three answers on the newest fresh sets (never tuned against), multi-turn items over REST;
    # the fresh promise and topic questions, each asked after saying an age.
    with throwaway_assistant(model, ("actions", "rasa"), prefix="promisebot-bench-sg-") as running:
        print(safeguarding.three_answer_report(model, running.rest_url), flush=True)
        print("fresh questions (tests/nlu/fresh_*), over REST:")
        print(fresh_question_answers(running.rest_url).table(), flush=True)


def encoder_figures() -> None:
    """The sentence encoder alone: load (with the hash check), memory, and cost per message."""
    import resource
    import statistics

    from bot.understanding import encoder as encoding

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    model = encoding.SentenceEncoder(encoding.verified_files(encoding.model_zip()))
    load = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    messages = [text for conversation in CONVERSATIONS for text in conversation if not text.startswith("/")]
    costs = []
    for text in messages[:200]:
        model._cache.clear()  # the cost of a new message, not a remembered one
        started = time.perf_counter()
        model.encode([text])
        costs.append((time.perf_counter() - started) * 1000)
    costs.sort()
    print(
        f"sentence encoder: loaded and verified in {load:.2f} s, peak memory +{grown:.0f} MB; per message "
        f"p50 {statistics.median(costs):.1f} ms, p95 {costs[int(len(costs) * 0.95)]:.1f} ms "
        f"({len(costs)} benchmark messages)",
        flush=True,
    )


def main(
    users: int = 10,
    seconds: float = 60,
    with_training: bool = False,
    with_default: bool = True,
    with_quality: bool = True,
    replicas: int = 1,
    lock_store: Optional[str] = None,
    postgres: Optional[str] = None,
) -> int:
    print(f"{datetime.datetime.now():%Y-%m-%d %H:%M}; {machine()}", flush=True)
    encoder_figures()
    if with_quality:
        quality_figures()
    figures = []
    for recipe in [THIS_ASSISTANT] + ([DEFAULT_RECIPE] if with_default else []):
        print(f"{recipe.label} ({recipe.config}):", flush=True)
        figures.append(measure(recipe, users, seconds, with_training))
    print()
    print(report(figures[0], figures[1] if with_default else None, users))
    if replicas > 1:
        from bot.store.database import new_postgres_database

        database_url = new_postgres_database(postgres, "promisebot_bench") if postgres else None
        where = "PostgreSQL" if postgres else "SQLite"
        print(f"\nthis assistant, {replicas} Rasa replicas (Redis lock store, {where}):", flush=True)
        print(report(measure(THIS_ASSISTANT, users, seconds, False, replicas, lock_store, database_url), None, users))
    return 0
