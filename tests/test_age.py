"""A young person's age is picked up from how they write it, and only when it is theirs."""

import pytest

from bot.age import find_age


@pytest.mark.parametrize(
    "text,band",
    [
        ("im 14", "12_15"),
        ("I'm fourteen", "12_15"),
        ("I'm 14, what do you promise about school?", "12_15"),
        ("actually I'm 15", "12_15"),
        ("14", "12_15"),
        ("fourteen", "12_15"),
        ("im 9 years old", "up_to_11"),
        ("i am 10", "up_to_11"),
        ("im six", "up_to_11"),
        ("im nearly 12", "up_to_11"),
        ("age 16", "16_18"),
        ("16+", "16_18"),
        ("i just turned 16", "16_18"),
        ("im 17 wat r my promises", "16_18"),
        ("im 19 a care leaver", "18_plus"),
        ("i am twenty one", "18_plus"),
        ("I'm a care leaver", "18_plus"),
        ("14yo", "12_15"),
        ("i’m 13", "12_15"),
        ("im 40", "over_25"),
    ],
)
def test_age_statements_give_the_band(text, band):
    assert find_age(text).band == band


@pytest.mark.parametrize(
    "text",
    [
        "my brother is 14",
        "my sister is 9 years old",
        "im 2 tired",
        "i have 14 merits",
        "ive been in care 5 years",
        "im 5 foot",
        "im in year 9",
        "",
        "😀😀😀",
        "what are my promises",
    ],
)
def test_other_numbers_are_not_an_age(text):
    assert find_age(text) is None
