"""The layers only point down (docs/design.md, "Layout"): a module may import its own layer and
the layers below, never one above. Imports only for type checking do not count.

0  shared names and foundations: bot.names, settings, logs, privacy, the safeguarding rules
1  what the bot knows and says: content, the calendar, languages, understanding, replies, flows
2  storage: bot.store
3  services on the store: casework, Council4Kidz testers, the privacy notice
4  Rasa's side: NLU components, actions, the Rasa and action servers, the model
5  the channels
6  applications and tools: staff dashboard, supervisor, CLI, benchmarks, evaluations
"""

import ast
from pathlib import Path

import pytest

from bot.names import ROOT

LAYERS = [
    (
        "bot",
        "bot.names",
        "bot.settings",
        "bot.logs",
        "bot.privacy.failures",
        "bot.privacy.lexicon",
        "bot.privacy.names",
        "bot.privacy.shapes",
        "bot.privacy.redaction",
        "bot.privacy",
        "bot.age",
        "bot.safeguarding",
        "bot.safeguarding.judgement",
        "bot.safeguarding.patterns",
        "bot.safeguarding.detector",
    ),
    (
        "bot.content_schema",
        "bot.content",
        "bot.contact_hours",
        "bot.casework.timescales",
        "bot.languages",
        "bot.reading",
        "bot.nlu_data",
        "bot.understanding",
        "bot.safeguarding.model",
        "bot.replies",
        "bot.flows",
    ),
    ("bot.store",),
    ("bot.casework", "bot.council4kidz.testers", "bot.privacy.notice"),
    ("bot.nlu", "actions", "bot.rasa_server", "bot.action_server", "bot.model_cache"),
    ("bot.channels",),
    (
        "bot.staff",
        "bot.supervisor",
        "bot.cli",
        "bot.benchmark",
        "bot.terminal_chat",
        "bot.council4kidz.ask",
        "bot.council4kidz.sheets",
        "bot.nlu_eval",
        "bot.safeguarding.evaluate",
        "bot.understanding.evaluate",
        "bot.privacy.evaluate",
    ),
]
RUNTIME = range(0, 6)  # what serves a young person: no file under tests/ may be read by it (the staff pages too)


def layer(module: str) -> int:
    """The layer of the longest prefix that names it."""
    matches = [
        (len(prefix), rank)
        for rank, prefixes in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    assert matches, f"{module} is in no layer: add it to tests/test_layers.py"
    return max(matches)[1]


def modules():
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")]):
        if "migrations" not in path.parts:
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield name.removesuffix(".__init__"), path


def project_imports(path: Path):
    """Every module of ours that `path` imports, at the top or inside a function, except under
    `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"bot.{a.name}" for a in node.names] if node.module == "bot" else [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        yield from (n for n in names if n.split(".")[0] in ("bot", "actions"))


@pytest.mark.parametrize("module,path", list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_a_module_imports_only_its_own_layer_and_those_below(module, path):
    upward = [f"{name} (layer {layer(name)})" for name in project_imports(path) if layer(name) > layer(module)]
    assert not upward, f"{module} (layer {layer(module)}) imports from above: {upward}"


def test_the_shared_names_are_a_leaf():
    assert list(project_imports(ROOT / "bot" / "names.py")) == []


def test_no_runtime_code_reads_the_tests_folder():
    readers = []
    for module, path in modules():
        if layer(module) in RUNTIME or module.startswith("bot.staff"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and node.value in ("tests", "tests/")
                    or (
                        isinstance(node, ast.Constant)
                        and isinstance(node.value, str)
                        and node.value.startswith("tests/")
                    )
                ):
                    readers.append(module)
    assert not readers, f"runtime code that names the tests folder: {sorted(set(readers))}"


def test_the_layer_check_sees_an_upward_import(tmp_path):
    upward = tmp_path / "upward.py"
    upward.write_text("from bot.staff import server\n\ndef later():\n    import bot.channels.telegram\n")
    assert [layer(name) for name in project_imports(upward)] == [6, 5]
    typed = tmp_path / "typed.py"
    typed.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.staff import server\n")
    assert list(project_imports(typed)) == []
