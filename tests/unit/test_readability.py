"""Klarspråk stays easy to read: the median LIX of the plain, guardian and opening texts is at
most bot.readability.LIX_TARGET (35), and the LIX formula itself is right."""

import pytest

from bot.knowledge import knowledge
from bot.readability import LIX_TARGET, lix, plain_texts, summary

TEXTS = plain_texts(knowledge())


def test_lix_counts_sentence_length_and_long_words():
    assert lix("Vi ses i dag. Det är bra.") == pytest.approx(3.5)
    # 4 words, 1 sentence, 2 long words (> 6 letters): 4 + 50
    assert lix("Samtycket dokumenteras alltid nu.") == pytest.approx(4 + 100 * 2 / 4)
    assert lix("") == 0.0


@pytest.mark.parametrize("field", ["plain", "guardian", "answer"])
def test_the_plain_texts_are_easy_to_read(field):
    figures = summary(t for k, t in TEXTS.items() if k.endswith(":" + field))
    assert figures["n"] > 100
    assert figures["median"] <= LIX_TARGET, f"{field}: median-LIX {figures['median']} (högst {LIX_TARGET})"
