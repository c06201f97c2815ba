"""The questions the bot could not answer (redacted), grouped by similar wording, so that
Council4Kidz and staff can see what is asked again and again and turn it into phrasings or a
new topic (`promisebot phrasings import` reads the sheet a group downloads as).

Similar wording is measured on character n-grams (TF-IDF, scikit-learn), which survive
text-speak and misspellings, and questions are joined while their average similarity stays
above CLOSE. Nothing is learned or kept: themes are worked out when the page is opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence

from bot.staff.pages import csv_text

CLOSE = 0.35  # average cosine similarity of a theme's questions (char 2-4-grams, TF-IDF)


@dataclass
class Theme:
    questions: List[str] = field(default_factory=list)

    @property
    def example(self) -> str:
        return self.questions[0]

    @property
    def other_wordings(self) -> List[str]:
        """Up to four of its other questions, each wording once: enough to see what it is about."""
        return list(dict.fromkeys(self.questions))[1:5]


def group_by_wording(questions: Sequence[str], close: float = CLOSE) -> List[Theme]:
    """Themes of similar questions, the biggest first (ties: the one asked most recently), each
    in the order given. Average-linkage clustering: the same themes whatever the order."""
    texts = [q.strip() for q in questions if q and q.strip()]
    if len(texts) < 2:
        return [Theme([text]) for text in texts]
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = (
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True, sublinear_tf=True)
        .fit_transform(texts)
        .toarray()
    )
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=1 - close, affinity="cosine", linkage="average"
    ).fit_predict(vectors)
    themes: Dict[int, Theme] = {}
    for label, text in zip(labels, texts):
        themes.setdefault(int(label), Theme()).questions.append(text)
    return sorted(themes.values(), key=lambda theme: (-len(theme.questions), texts.index(theme.example)))


def phrasing_sheet(theme: Theme) -> str:
    """The theme as a sheet for `promisebot phrasings import`: a topic and yes/no to fill in."""
    return csv_text(
        ["phrasing", "topic", "approved"], [(question, "", "") for question in dict.fromkeys(theme.questions)]
    )  # each wording once
