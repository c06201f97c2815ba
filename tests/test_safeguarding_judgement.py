"""The three answers, as the judgement weighs its signals (bot/safeguarding/judgement.py)."""

import pytest

from bot.safeguarding.judgement import CHECK_IN, NOT_HARM_AFTER_ALL, URGENT, Thresholds, judge, most_telling, parts

T = Thresholds(
    urgent=0.6,
    check_in=0.3,
    telling_beats_other=0.35,
    classifier_sure=0.8,
    classifier_urgent=0.5,
    classifier_overruled=0.05,
)


@pytest.mark.parametrize("kind", ["cry_for_help", "danger_now", "suicide"])
def test_what_must_never_wait_is_urgent_whatever_else_is_said(kind):
    assert judge(kind, "topic_sg_self_harm", 0.99, 0.01, T) == URGENT
    assert judge(kind, "out_of_scope", 0.99, 0.01, T) == URGENT


def test_even_suicide_in_the_past_is_at_least_a_check_in():
    assert judge("suicide", "safeguarding_past", 0.95, 0.2, T) == CHECK_IN


def test_words_of_harm_read_confidently_as_a_question_get_the_topic_answer():
    assert judge("online_grooming", "topic_sg_grooming", 0.95, 0.1, T) is None


def test_a_question_the_model_hears_as_telling_is_at_least_a_check_in():
    # "i think a man online is groomin me", which the classifier took for a question about grooming
    assert judge("online_grooming", "topic_sg_grooming", 0.96, 0.55, T) == CHECK_IN


def test_words_of_harm_read_as_past_or_everyday_talk_get_a_check_in_not_the_alarm():
    assert judge("self_harm", "safeguarding_past", 0.9, 0.2, T) == CHECK_IN
    assert judge("physical_abuse", "out_of_scope", 0.9, 0.2, T) == CHECK_IN


def test_words_of_harm_with_a_model_that_hears_telling_are_urgent():
    assert judge("physical_abuse", "topic_sg_telling", 0.95, 0.7, T) == URGENT
    assert judge("physical_abuse", "greet", 0.5, 0.5, T) == URGENT


def test_the_classifier_alone_hearing_a_disclosure_is_urgent_unless_the_model_disagrees_strongly():
    assert judge(None, "safeguarding_disclosure", 0.9, 0.5, T) == URGENT
    assert judge(None, "safeguarding_disclosure", 0.9, 0.1, T) == CHECK_IN
    # "can i ring my mum tonight", heard as a disclosure by the classifier alone: the model is sure it is not
    assert judge(None, "safeguarding_disclosure", 1.0, 0.02, T) == NOT_HARM_AFTER_ALL


def test_the_model_alone_can_raise_a_check_in_or_the_alarm():
    assert judge(None, "out_of_scope", 0.6, 0.65, T) == URGENT
    assert judge(None, "nlu_fallback", 0.3, 0.4, T) == CHECK_IN
    assert judge(None, "topic_complaints", 0.9, 0.1, T) is None


def test_a_question_about_a_topic_without_words_of_harm_is_the_topic():
    assert judge(None, "topic_sg_fgm", 0.9, 0.9, T) is None


def test_the_past_is_a_check_in():
    assert judge(None, "safeguarding_past", 0.7, 0.2, T) == CHECK_IN


def test_without_a_learned_model_the_detector_and_classifier_decide():
    assert judge("physical_abuse", "greet", 0.5, None, T) == URGENT
    assert judge(None, "safeguarding_disclosure", 0.9, None, T) == URGENT
    assert judge(None, "out_of_scope", 0.9, None, T) is None


def test_thresholds_come_from_config():
    assert Thresholds.from_config({"urgent": "0.7", "check_in": 0.2, "other": 1}) == Thresholds(
        urgent=0.7,
        check_in=0.2,
        telling_beats_other=0.15,
        classifier_sure=0.9,
        classifier_urgent=0.8,
        classifier_overruled=0.2,
    )


def test_a_longer_message_is_weighed_in_parts_and_a_short_one_is_not():
    assert parts("can u help with my maths homework. i have to be quick before he gets home cos he hits me") == [
        "can u help with my maths homework",
        "i have to be quick before he gets home cos he hits me",
    ]
    assert parts("he hits me") == [] and parts("my dad hits me, help") == []  # one part worth weighing: none


def test_the_most_telling_part_counts_unless_the_whole_message_is_the_past():
    homework = {"telling": 0.1, "past": 0.05}
    assert most_telling(homework, [{"telling": 0.02}, {"telling": 0.9}]) == 0.9
    years_ago = {"telling": 0.01, "past": 0.95}  # "he hit me, but that was years ago and im safe now"
    assert most_telling(years_ago, [{"telling": 0.9}, {"telling": 0.0}]) == 0.01
