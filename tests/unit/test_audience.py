"""The role a message reveals decides the answer's register."""

import pytest

from bot.audience import GUARDIAN, STAFF, YOUNG, infer, wants_plain

CASES = [
    ("jag är mamma till en pojke på 12 år, behövs båda föräldrarnas samtycke?", GUARDIAN),
    ("Jag är vårdnadshavare och undrar vad SIP är", GUARDIAN),
    ("min son har kontakt med BUP", GUARDIAN),
    ("vi föräldrar vill ha en SIP", GUARDIAN),
    ("jag är 15 år och vill inte gå på mötet", YOUNG),
    ("min mamma vill ha SIP men inte jag", YOUNG),
    ("jag går i nian och har kontakt med bup", YOUNG),
    ("blir det en plan, vem får läsa det som står om mig?", YOUNG),
    ("får jag säga nej senare fast jag säger ja nu?", YOUNG),
    ("jag är kurator, vad betyder mitt samtycke som personal?", STAFF),
    ("kan jag kalla bup utan samtycke", None),
    ("jag jobbar på elevhälsan, vem ska jag kalla?", STAFF),
    ("jag är kurator och har en elev med BUP-kontakt", STAFF),
    ("min elevs mamma vill inte samtycka", STAFF),
    ("vi har en 14-åring där pappan säger nej", STAFF),
    ("vi på BUP undrar om remiss", STAFF),
    ("vad är SIP?", None),
    ("kan vi avsluta sipen", None),
    ("", None),
]


@pytest.mark.parametrize("text,role", CASES)
def test_infer_role(text, role):
    assert infer(text) == role


def test_register():
    assert wants_plain(GUARDIAN) and wants_plain(YOUNG)
    assert not wants_plain(STAFF) and not wants_plain(None)


def test_a_role_word_alone_is_read_only_by_the_looser_reading():
    from bot.audience import infer, infer_loose

    assert infer("vårdnadshavare") is None and infer_loose("vårdnadshavare") == "guardian"
    assert infer_loose("ungdom") == "young" and infer_loose("kurator") == "staff"
    assert infer_loose("vad gäller?") is None
