"""Train the Rasa model only when what it is trained from has changed.

The model file is named after a hash of its inputs (config, domain, training data and
the code of our NLU components), so an unchanged project reuses the model it already has,
and `git checkout` of an older commit finds that commit's model again.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional

import rasa

from bot.names import MODELS_DIR, ROOT

MODELS = MODELS_DIR
KEEP_MODELS = 3
CONFIG = "config.yml"
MODEL_PREFIX = "promises"


def training_inputs(root: Path = ROOT, config: str = CONFIG) -> List[Path]:
    # The learned safeguarding model is fitted at training time (bot/nlu/safeguarding_judge.py).
    files: Iterable[Path] = [
        root / config,
        root / "domain.yml",
        root / "bot" / "age.py",
        root / "bot" / "safeguarding" / "model.py",
    ]
    # The promise finder indexes the promises and their phrasings (bot/understanding/).
    files = list(files) + [
        root / "content" / n for n in ("promises.yml", "promise_phrasings.yml", "topic_phrasings.yml")
    ]
    files += sorted((root / "data").rglob("*.yml")) + sorted((root / "bot" / "nlu").rglob("*.py"))
    return files + sorted((root / "bot" / "understanding").rglob("*.py"))


def inputs_hash(root: Path = ROOT, config: str = CONFIG) -> str:
    digest = hashlib.sha256(f"rasa {rasa.__version__}\n".encode())
    for path in training_inputs(root, config):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = ROOT, config: str = CONFIG, prefix: str = MODEL_PREFIX) -> Path:
    """`config` and `prefix` name another recipe trained on the same data (the benchmark's)."""
    return root / "models" / f"{prefix}-{inputs_hash(root, config)}.tar.gz"


def rasa_env() -> dict:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def train(
    out: Path, name: str, env: Optional[dict] = None, root: Path = ROOT, quiet: bool = False, config: str = CONFIG
) -> None:
    """`rasa train` of this project into out/name.tar.gz."""
    output = subprocess.DEVNULL if quiet else None
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "--fixed-model-name",
            name,
            "--out",
            str(out),
            "--config",
            config,
            "--domain",
            "domain.yml",
            "--data",
            "data",
        ],
        cwd=root,
        env=env or rasa_env(),
        check=True,
        stdout=output,
        stderr=output,
    )


def ensure_model(force: bool = False, root: Path = ROOT, config: str = CONFIG, prefix: str = MODEL_PREFIX) -> Path:
    """Path of the model for the current inputs, training it first if there is none."""
    path = model_path(root, config, prefix)
    if path.exists() and not force:
        print(f"Model is up to date: {path.relative_to(root)}")
        return path
    print("Training the model (its inputs changed)...", flush=True)
    started = time.monotonic()
    train(path.parent, path.name[: -len(".tar.gz")], root=root, config=config)
    seconds = time.monotonic() - started
    print(f"Trained {path.relative_to(root)} in {seconds:.0f} s")
    training_record(path).write_text(f"{seconds:.1f}\n")  # for `promisebot bench`
    old = sorted(path.parent.glob(f"{prefix}-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in old[KEEP_MODELS:]:
        stale.unlink()
        training_record(stale).unlink(missing_ok=True)
    return path


def training_record(model: Path) -> Path:
    return model.with_name(model.name[: -len(".tar.gz")] + ".training-seconds")


def recorded_training_seconds(model: Path) -> Optional[float]:
    """How long `ensure_model` took to train this model (with whatever Rasa had cached)."""
    try:
        return float(training_record(model).read_text())
    except (OSError, ValueError):
        return None
