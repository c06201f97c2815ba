"""Council4Kidz's phrasing sheets: answering one with the running assistant, and importing
approved phrasings into the training data, bad rows included."""

import csv
import shutil
import subprocess
import sys

import pytest

from bot.names import ROOT
from bot.nlu_eval import read_nlu_examples


def sheet(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def nlu_dir(tmp_path):
    """A copy of data/nlu to import into, so the real training data is untouched."""
    target = tmp_path / "nlu"
    shutil.copytree(ROOT / "data" / "nlu", target)
    return target


def test_approved_rows_go_to_the_right_intent_and_the_rest_are_counted(tmp_path, nlu_dir):
    from bot.council4kidz.sheets import import_sheet

    path = sheet(
        tmp_path,
        "session3.csv",
        [
            "Phrasing,Topic,Approved",
            "how do i make a moan about my placement,complaints,yes",  # a topic id
            "who sticks up for me at meetings,Getting an advocate,Y",  # a topic title, any case
            "wen do i see my bro,topic_family_time,x",  # an intent name
            "Show me my PROMISES!,promises_all,yes",  # already in training (case and punctuation aside)
            "pls erase our chat,delete_my_chat,yes",  # in the held-out test phrasings
            "this one is not ready,complaints,no",
            ",,",  # an empty row is ignored
        ],
    )
    result = import_sheet(path, target=nlu_dir / "council4kidz.yml")
    assert result.added == {"topic_complaints": 1, "topic_advocacy": 1, "topic_family_time": 1}
    assert (result.duplicates, result.held_out, result.not_approved) == (1, 1, 1)
    assert set(read_nlu_examples(nlu_dir / "council4kidz.yml")) == {
        ("how do i make a moan about my placement", "topic_complaints"),
        ("who sticks up for me at meetings", "topic_advocacy"),
        ("wen do i see my bro", "topic_family_time"),
    }
    again = import_sheet(path, target=nlu_dir / "council4kidz.yml")  # importing twice adds nothing
    assert again.added == {} and again.duplicates == 4


def test_the_imported_file_is_valid_rasa_training_data(tmp_path, nlu_dir):
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.council4kidz.sheets import import_sheet

    import_sheet(
        sheet(tmp_path, "s.csv", ["phrasing,topic,approved", "'can i hav: a \"pet\"' # really,fostering,yes"]),
        target=nlu_dir / "council4kidz.yml",
    )
    examples = load_data(str(nlu_dir / "council4kidz.yml")).intent_examples
    assert [(e.get("text"), e.get("intent")) for e in examples] == [
        ("'can i hav: a \"pet\"' # really", "topic_fostering")
    ]


def test_bad_rows_are_named_and_nothing_is_imported(tmp_path, nlu_dir):
    from bot.council4kidz.sheets import SheetError, import_sheet

    path = sheet(
        tmp_path,
        "bad.csv",
        [
            "phrasing,topic,approved",
            "a fine one,complaints,yes",
            ",complaints,yes",
            "where is my pep,skool stuff,yes",
            "long," + "x" * 10 + ",maybe",
        ],
    )
    with pytest.raises(SheetError) as error:
        import_sheet(path, target=nlu_dir / "council4kidz.yml")
    message = str(error.value)
    assert "row 3: the phrasing is empty" in message
    assert "row 4: unknown topic 'skool stuff'" in message
    assert "row 5: approved should be yes or no" in message
    assert "row 2" not in message and not (nlu_dir / "council4kidz.yml").exists()


def test_a_sheet_without_the_needed_columns_is_refused_by_the_command(tmp_path):
    path = sheet(tmp_path, "wrong.csv", ["question,answer", "hi,hello"])
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "phrasings", "import", str(path)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 1 and "row 1" in run.stderr and "phrasing, topic, approved" in run.stderr
    assert (
        not (ROOT / "data" / "nlu" / "council4kidz.yml").exists()
        or "wrong" not in (ROOT / "data" / "nlu" / "council4kidz.yml").read_text()
    )


def test_answering_a_sheet_shows_what_the_bot_understood_and_said(tmp_path, assistant):
    from bot.council4kidz.ask import asker
    from bot.council4kidz.sheets import answer_rows, read_sheet, write_answers

    path = sheet(tmp_path, "try.csv", ["phrasing,age", "how do i complain,14", "<b>wat is an advocate</b>,", "im 9,"])
    answered = answer_rows(read_sheet(path, ("phrasing",)), asker(assistant.rasa_url, assistant.rasa_token))
    write_answers(answered, tmp_path / "try-answers.csv", tmp_path / "try-answers.html")
    rows = list(csv.DictReader((tmp_path / "try-answers.csv").open(encoding="utf-8")))
    assert [r["phrasing"] for r in rows] == ["how do i complain", "<b>wat is an advocate</b>", "im 9"]
    assert rows[0]["understood as"] == "topic_complaints" and rows[0]["topic"] == "Making a complaint"
    assert "Stage 1" in rows[0]["reply"] and 0 < float(rows[0]["confidence"]) <= 1
    assert rows[2]["understood as"] == "inform_age" and "children aged up to 11" in rows[2]["reply"]
    page = (tmp_path / "try-answers.html").read_text()
    assert "&lt;b&gt;wat is an advocate&lt;/b&gt;" in page and "<b>wat" not in page


def test_the_weakest_topics_report_puts_the_worst_first_with_what_they_were_taken_for():
    from bot.council4kidz.sheets import weakest_topics
    from bot.nlu_eval import Scores

    scores = Scores(
        per_intent={
            "topic_complaints": (0.8, 0.5, 0.62, 8),
            "greet": (1.0, 1.0, 1.0, 8),
            "topic_advocacy": (0.9, 0.75, 0.82, 8),
        },
        macro_f1=0.81,
        accuracy=0.75,
        fallback_rate=0.0,
        mistakes=[
            ("i want to complain", "topic_complaints", "start_complaint", 0.9),
            ("who can help me complain", "topic_complaints", "nlu_fallback", 0.4),
        ],
    )
    lines = weakest_topics(scores).splitlines()
    assert "macro F1 0.810" in lines[0]
    assert "Making a complaint" in lines[1] and "4/8 understood" in lines[1]
    assert "taken for nlu_fallback, start_complaint" in lines[1]
    assert "Getting an advocate" in lines[2] and lines[3].strip().startswith("1.00")


def test_the_answer_command_starts_a_private_assistant_and_writes_both_files(tmp_path, model_path):
    import os

    path = sheet(tmp_path, "group.csv", ["phrasing,age", "wat happens at my review,15", "hiya,"])
    env = {k: v for k, v in os.environ.items() if k != "PROMISEBOT_DATABASE_URL"}
    real_database = ROOT / "var" / "promisebot.sqlite"
    before = real_database.stat().st_mtime if real_database.exists() else None
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "phrasings", "answer", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    rows = list(csv.DictReader((tmp_path / "group-answers.csv").open(encoding="utf-8")))
    assert [r["understood as"] for r in rows] == ["topic_review_iro", "greet"]
    assert "<table>" in (tmp_path / "group-answers.html").read_text()
    after = real_database.stat().st_mtime if real_database.exists() else None
    assert before == after  # a throwaway database answered, not the real one
