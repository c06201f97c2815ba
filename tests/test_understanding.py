"""The sentence encoder (verified, and computing what the published model computes) and the
meaning finder's decisions (bot/understanding/)."""

import zipfile

import numpy as np
import pytest

from bot import replies
from bot.content import load_content
from bot.understanding.encoder import EXPECTED_SHA256, EncoderError, encoder, model_zip, verified_files
from bot.understanding.finder import (
    UNKNOWN_BAND,
    Decision,
    Index,
    Scores,
    Thresholds,
    decide,
    phrasings_by_promise,
    promise_id,
)

CONTENT = load_content()


@pytest.mark.parametrize(
    "first, second, published",
    [
        # sentence-transformers' own example for all-MiniLM-L6-v2 (util.cos_sim, 4 decimals)
        ("A man is eating food.", "A man is eating a piece of bread.", 0.7553),
        ("A man is riding a horse.", "A man is riding a white horse on an enclosed ground.", 0.7369),
        ("A monkey is playing drums.", "Someone in a gorilla costume is playing a set of drums.", 0.6433),
    ],
)
def test_the_encoder_gives_the_published_model_s_similarities(first, second, published):
    a, b = encoder().encode([first, second])
    assert float(a @ b) == pytest.approx(published, abs=0.002)


def test_vectors_are_unit_length_and_do_not_depend_on_the_batch():
    texts = ["can i keep my teddy", "wat happens if i complain", "hi", "x" * 5000, ""]
    together = encoder().encode(texts)
    alone = np.stack([encoder().encode([t])[0] for t in reversed(texts)][::-1])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)
    assert np.allclose(together, alone, atol=1e-4)


def test_weights_that_are_not_the_verified_ones_are_refused(tmp_path):
    tampered = tmp_path / "model.zip"
    with zipfile.ZipFile(model_zip()) as original, zipfile.ZipFile(tampered, "w") as copy:
        for name in EXPECTED_SHA256:
            data = original.read(name)
            copy.writestr(name, data + b" " if name == "config.json" else data)
    with pytest.raises(EncoderError, match="config.json .* does not match"):
        verified_files(tampered)


def test_a_zip_missing_a_file_is_refused(tmp_path):
    empty = tmp_path / "model.zip"
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(EncoderError, match="no model.safetensors"):
        verified_files(empty)


T = Thresholds(sure=0.4, margin=0.1, close=0.4, offer=0.05, top_k=2)
SAFE_HOME, TOYS = promise_id("up_to_11", "keeping_safe", 0), promise_id("up_to_11", "keeping_safe", 1)
OLDER = promise_id("16_18", "keeping_safe", 0)
FAMILY_TIME, FOSTERING = "topic/family_time", "topic/fostering"


def scores(likelihood, closeness=0.6):
    """Scores with every candidate this close, unless given per candidate."""
    near = closeness if isinstance(closeness, dict) else {c: closeness for c in likelihood}
    return Scores(near, likelihood)


def test_one_likely_candidate_is_the_answer_for_its_band_only():
    s = scores({TOYS: 0.3, SAFE_HOME: 0.05, OLDER: 0.6, FAMILY_TIME: 0.05})
    assert decide(s, "up_to_11", T) == Decision(answer=TOYS)  # 0.75 of what up_to_11 can mean
    assert decide(s, "16_18", T) == Decision(answer=OLDER)


def test_candidates_equally_likely_are_offered_as_a_choice_best_first():
    s = scores({TOYS: 0.35, SAFE_HOME: 0.3, FAMILY_TIME: 0.3, FOSTERING: 0.02, OLDER: 0.03})
    assert decide(s, "up_to_11", T) == Decision(choices=[TOYS, SAFE_HOME, FAMILY_TIME])


def test_a_message_far_from_everything_offers_nothing_however_the_likelihood_falls():
    assert decide(scores({TOYS: 0.9, FAMILY_TIME: 0.1}, closeness=0.2), "up_to_11", T) == Decision()


def test_before_the_age_is_known_only_topics_are_offered():
    s = scores({TOYS: 0.9, FAMILY_TIME: 0.05, FOSTERING: 0.05})
    assert decide(s, UNKNOWN_BAND, T) == Decision(choices=[FAMILY_TIME, FOSTERING])


def test_a_topic_answer_brings_the_promise_about_the_same_thing():
    in_touch = promise_id("up_to_11", "keeping_in_touch", 1)
    s = scores({FAMILY_TIME: 0.7, in_touch: 0.25, TOYS: 0.05})
    assert decide(s, "up_to_11", T) == Decision(answer=FAMILY_TIME, related=in_touch)


def test_closeness_is_the_mean_of_a_candidate_s_nearest_phrasings_and_likelihood_sums_to_one():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8], [0.8, 0.6]], dtype=np.float32)
    index = Index(["a", "a", "b", "b"], vectors, np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2), ["a", "b"])
    assert index.scores(np.array([1.0, 0.0]), top_k=1).closeness == pytest.approx({"a": 1.0, "b": 0.8})
    assert index.scores(np.array([1.0, 0.0]), top_k=2).closeness == pytest.approx({"a": 0.5, "b": 0.7})
    likelihood = index.scores(np.array([1.0, 0.0]), top_k=1).likelihood
    assert sum(likelihood.values()) == pytest.approx(1.0) and likelihood["a"] > likelihood["b"]


def test_every_promise_has_its_own_words_and_at_least_30_ways_children_ask():
    texts = phrasings_by_promise(CONTENT)
    promises = {
        promise_id(band.id, theme.id, i)
        for band in CONTENT.bands.values()
        for theme in band.themes
        for i, _ in enumerate(theme.promises)
    }
    assert set(texts) == promises  # no phrasings for a promise that does not exist
    thin = {p: len(t) - 1 for p, t in texts.items() if len(t) - 1 < 30}
    assert not thin


def test_did_you_mean_buttons_name_the_promise_and_the_topic():
    [reply] = replies.did_you_mean(CONTENT, [TOYS, "topic/family_time"])
    titles = [b["title"] for b in reply["buttons"]]
    payloads = [b["payload"] for b in reply["buttons"]]
    assert titles[:2] == [CONTENT.promise_by_id(TOYS)[2].short, CONTENT.topics["family_time"].title]
    assert payloads[:2] == [f'/promise_question{{"promise_id":"{TOYS}"}}', f"/{CONTENT.topics['family_time'].intent}"]


def test_a_tapped_promise_is_quoted_and_one_from_another_band_is_not_trusted():
    [reply] = replies.promise_question(CONTENT, "up_to_11", "", None, TOYS)
    assert CONTENT.promise_by_id(TOYS)[2].text in reply["text"]
    # A button from before they changed their age, or a made-up one: no crash, no wrong band.
    for stale in (OLDER, "up_to_11/keeping_safe/99", "nonsense"):
        answer = replies.promise_question(CONTENT, "up_to_11", "", None, stale)
        assert not any(CONTENT.promise_by_id(OLDER)[2].text in r["text"] for r in answer)


def test_not_understood_answers_what_the_finder_is_sure_of_else_offers_a_choice_else_the_menu():
    sure = {"up_to_11": Decision(answer=TOYS).as_dict()}
    unsure = {"up_to_11": Decision(choices=[TOYS, FAMILY_TIME]).as_dict()}
    assert CONTENT.promise_by_id(TOYS)[2].text in replies.fallback(CONTENT, sure, "up_to_11")[0]["text"]
    assert replies.fallback(CONTENT, unsure, "up_to_11")[0]["source"] == "messages.yml did_you_mean"
    assert replies.fallback(CONTENT, None, "up_to_11")[0]["source"] == "messages.yml fallback"
    # Something the bot does not cover is never answered as a promise: at most a choice.
    assert replies.small_talk(CONTENT, "out_of_scope", sure, "up_to_11")[0]["source"] == "messages.yml did_you_mean"


def test_rasa_s_training_cache_retrains_the_finder_when_the_phrasings_change(tmp_path, monkeypatch):
    from bot.nlu import meaning_finder

    phrasings = tmp_path / "promise_phrasings.yml"
    phrasings.write_text("version: 1\n")
    monkeypatch.setattr(meaning_finder, "PHRASINGS", phrasings)
    before = meaning_finder.MeaningFinder.fingerprint_addon({})
    phrasings.write_text("version: 1\nbands: {}\n")
    assert meaning_finder.MeaningFinder.fingerprint_addon({}) != before
