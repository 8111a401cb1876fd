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


def _as_sent(turn):
    return [{"text": m.text, "custom": m.payload()} for m in turn.messages]


def test_the_answer_shape_is_measured_on_what_is_shown_first():
    import datetime as dt

    from bot import dialogue, guide
    from bot.readability import answer_shape, shape_figures, words

    kb = knowledge()
    turn = dialogue.question("ask_consent", "Behöver båda vårdnadshavarna samtycka?", [], {"region": "skane"},
                             dt.date(2026, 12, 4))
    shapes = answer_shape(_as_sent(turn), kb)
    assert len(shapes) == 1 and shapes[0]["words"] == len(words(turn.messages[-1].shaped.answer))
    assert shapes[0]["words"] < len(words(turn.messages[-1].text))
    assert shapes[0]["foreign_source"] is False
    # another region's routine given as the user's own source, without the baseline line, is counted
    sent = _as_sent(turn)
    halland = next(s for s in kb.sources.values() if s.region == "halland")
    sent[-1]["custom"]["sipguiden"].update(answer="Ja.", national=[], sources=[f"Källa: {halland.title}, avsnitt ”x”"])
    assert answer_shape(sent, kb)[0]["foreign_source"] is True
    page = dialogue.guide_turn("goto", {"region": "skane", "guide_step": 1.0}, step="3")
    points = answer_shape(_as_sent(page), kb)[0]["guide_points"]
    assert 0 < points <= guide.MAX_POINTS
    figures = shape_figures(shapes + answer_shape(_as_sent(page), kb))
    assert figures["answers"] == 2 and figures["foreign_sources"] == 0 and figures["guide_steps_over_six"] == 0


def test_a_comparison_may_show_the_regions_it_compares():
    from bot import dialogue
    from bot.readability import answer_shape

    turn = dialogue.compare("hur skiljer sig Halland och Skåne om samtycke?", [], {"region": "uppsala"})
    shapes = answer_shape(_as_sent(turn), knowledge())
    assert shapes and shapes[-1]["foreign_source"] is False
