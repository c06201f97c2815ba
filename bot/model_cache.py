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

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
KEEP_MODELS = 3


def training_inputs(root: Path = ROOT) -> List[Path]:
    files: Iterable[Path] = [root / "config.yml", root / "domain.yml", root / "bot" / "age.py"]
    files = list(files) + sorted((root / "data").rglob("*.yml")) + sorted((root / "bot" / "nlu").rglob("*.py"))
    return files


def inputs_hash(root: Path = ROOT) -> str:
    digest = hashlib.sha256(f"rasa {rasa.__version__}\n".encode())
    for path in training_inputs(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = ROOT) -> Path:
    return root / "models" / f"promises-{inputs_hash(root)}.tar.gz"


def rasa_env() -> dict:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def train(out: Path, name: str, env: Optional[dict] = None, root: Path = ROOT, quiet: bool = False) -> None:
    """`rasa train` of this project into out/name.tar.gz."""
    output = subprocess.DEVNULL if quiet else None
    subprocess.run([sys.executable, "-m", "rasa", "train", "--fixed-model-name", name, "--out", str(out),
                    "--config", "config.yml", "--domain", "domain.yml", "--data", "data"],
                   cwd=root, env=env or rasa_env(), check=True, stdout=output, stderr=output)


def ensure_model(force: bool = False, root: Path = ROOT) -> Path:
    """Path of the model for the current inputs, training it first if there is none."""
    path = model_path(root)
    if path.exists() and not force:
        print(f"Model is up to date: {path.relative_to(root)}")
        return path
    print("Training the model (its inputs changed)...", flush=True)
    started = time.monotonic()
    train(path.parent, path.name[: -len(".tar.gz")], root=root)
    print(f"Trained {path.relative_to(root)} in {time.monotonic() - started:.0f} s")
    old = sorted(path.parent.glob("promises-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in old[KEEP_MODELS:]:
        stale.unlink()
    return path
