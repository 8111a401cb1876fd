"""End-to-end evaluation: whole conversations, as people really write them, through the real bot.

    python scripts/eval.py [--min-pass X] [--json OUT] [--only NAME] [--class 5|2,3] [--workers N] [--show-passing]

Starts the real servers (tests/integration/sipserver.py's ``running()``: the action server and
the Rasa server with the REST channel, on spare ports, with a conversation store of their own),
plays every conversation of tests/eval/*.yml with a fresh sender id, and prints:

- pass rate: the share of conversations all of whose turns pass;
- turn pass rate;
- fallback rate: the share of turns answered with "Förlåt, jag förstod inte riktigt" (domain.yml
  utter_default, Rasa's nlu_fallback), the out-of-scope answer (utter_out_of_scope) or the
  bot's "den frågan kan jag inte besvara ännu" — a SIP question must never get any of them;
- rule hit rate: of the turns that name expected rules (``rules_any``), the share whose answer
  stated at least one of them (every answer carries its rule ids in ``custom.sipguiden.rules``);
- the failures, grouped by class (tests/eval/README.md describes the classes and the format).

A turn passes when it got an answer that is neither an error nor (unless allowed) a fallback,
contains none of its ``not`` phrases, leaves the conversation in the expected ``region`` and,
unless it is an allowed clarifying question (``clarify_ok``: a reply that asks back, with
buttons or ending in "?"), states one of ``rules_any`` and contains one of ``says_any``.

--min-pass X exits 1 when the pass rate is below X (0.95 or 95). Exits 2 when the servers
cannot be started or a request fails (a crash, not a result). Expectations come from the
knowledge base, not from what the bot answers today: a low figure is a finding, not a bug here.
"""


import argparse
import concurrent.futures
import json
import re
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Optional

from pydantic import BaseModel, Extra, Field, HttpUrl, conint, constr, root_validator, validator

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "tests" / "eval"
sys.path.insert(0, str(ROOT))

from bot.knowledge import knowledge  # noqa: E402
from bot.readability import answer_shape, plain_texts, shape_figures, summary as lix_summary  # noqa: E402
from bot.places import OTHER, load_regions  # noqa: E402

CLASSES = {
    0: "vanlig fråga",
    1: "plats (och roll) i samma meddelande som frågan",
    2: "plats i ett ärende byter inte region",
    3: "ärende med egna ord",
    4: "fråga med datum",
    5: "fråga som rutinen inte tar upp",
    6: "läsarens röst",
    7: "korta svar på botens frågor",
}
VOICES = ("staff", "guardian", "young", "newcomer")
REGIONS = (*(r.id for r in load_regions().regions), OTHER)  # knowledge/regions.yml


# ----------------------------------------------------------------------------- the set's schema
class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_population_by_field_name = True


class Turn(_Strict):
    user: constr(strip_whitespace=True, min_length=1)
    rules_any: List[str] = []
    region: Optional[str] = None
    says_any: List[constr(min_length=1)] = []
    not_: List[constr(min_length=1)] = Field(default_factory=list, alias="not")
    no_fallback: bool = True
    clarify_ok: bool = False

    @validator("region")
    def _region(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and v not in REGIONS:
            raise ValueError(f"okänd region {v!r} (en av {', '.join(REGIONS)})")
        return v

    @validator("rules_any", each_item=True)
    def _rule_id(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z]+(\.[a-z_]+)+", v):
            raise ValueError(f"{v!r} ser inte ut som ett regel-id")
        return v


class Conversation(_Strict):
    name: constr(strip_whitespace=True, min_length=1)
    class_: conint(ge=0, le=7) = Field(alias="class")
    voice: str
    origin: Optional[str] = None   # faq (rephrased from a public Q&A page: `source`) | issue (the issue's own example)
    source: Optional[HttpUrl] = None
    note: Optional[str] = None
    turns: List[Turn]

    @validator("voice")
    def _voice(cls, v: str) -> str:
        if v not in VOICES:
            raise ValueError(f"okänd röst {v!r} (en av {', '.join(VOICES)})")
        return v

    @validator("origin")
    def _origin(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and v not in ("faq", "issue"):
            raise ValueError(f"okänt ursprung {v!r} (faq eller issue)")
        return v

    @validator("turns")
    def _turns(cls, v: List[Turn]) -> List[Turn]:
        if not 1 <= len(v) <= 4:
            raise ValueError(f"{len(v)} repliker: 1–4 per samtal")
        return v

    @root_validator(skip_on_failure=True)
    def _faq_has_source(cls, values):
        if values.get("origin") == "faq" and not values.get("source"):
            raise ValueError("origin: faq kräver source (sidans adress)")
        return values

    def region_at(self, index: int) -> Optional[str]:
        """The region the conversation is expected to be in at turn ``index`` (0-based)."""
        region = None
        for turn in self.turns[: index + 1]:
            region = turn.region or region
        return region


class EvalFile(BaseModel):
    __root__: List[Conversation]


def load_set(directory: Path = EVAL_DIR) -> List[tuple]:
    """[(file name, Conversation)] of every tests/eval/*.yml, validated; errors name the file."""
    from bot.yamlio import load_yaml

    out = []
    for path in sorted(directory.glob("*.yml")):
        data = load_yaml(path)
        try:
            parsed = EvalFile.parse_obj(data or [])
        except Exception as exc:  # noqa: BLE001 - re-raised with the file name
            raise ValueError(f"{path.name}: {exc}") from exc
        out.extend((path.name, c) for c in parsed.__root__)
    return out


# ----------------------------------------------------------------------------- reading replies
def _domain_texts(*names: str) -> List[str]:
    from bot.yamlio import load_yaml

    responses = load_yaml(ROOT / "domain.yml").get("responses", {})
    return [variant["text"] for name in names for variant in responses.get(name, []) if variant.get("text")]


def markers():
    """Recognisable beginnings of the fallback answers and of the error answers."""
    from actions.actions import SORRY
    from bot.channels import replies

    def head(text: str) -> str:
        return text.split(".")[0].strip()

    fallback = [head(t) for t in _domain_texts("utter_default", "utter_out_of_scope")]
    fallback += ["Förlåt, den frågan kan jag inte besvara ännu", head(replies.NO_ANSWER_REPLY)]
    error = [head(t) for t in (SORRY, replies.ERROR_REPLY, replies.UNAVAILABLE_REPLY, replies.TIMEOUT_REPLY)]
    return fallback, error


class Reply:
    def __init__(self, messages: List[dict], region: Optional[str], fallback_markers, error_markers):
        self.messages = messages
        self.region = region
        self.text = "\n".join(m.get("text") or "" for m in messages)
        payloads = [m["custom"]["sipguiden"] for m in messages
                    if isinstance(m.get("custom"), dict) and isinstance(m["custom"].get("sipguiden"), dict)]
        self.rules = [r for p in payloads for r in p.get("rules") or []]
        self.answer_regions = [p.get("region") for p in payloads]
        self.fallback = any(marker in self.text for marker in fallback_markers)
        self.error = not messages or any(marker in self.text for marker in error_markers)
        last = messages[-1] if messages else {}
        buttons = last.get("buttons") or []
        self.clarifying = (not self.fallback and not self.error
                           and ((last.get("text") or "").rstrip().endswith("?") or len(buttons) >= 2))

    def excerpt(self, limit: int = 220) -> str:
        text = re.sub(r"\s+", " ", self.text).strip()
        return text if len(text) <= limit else text[: limit - 1] + "…"


def _has(text: str, phrase: str) -> bool:
    return phrase.casefold() in text.casefold()


def judge(turn: Turn, reply: Reply) -> List[str]:
    """The reasons the turn fails (empty: it passes)."""
    problems = []
    if reply.error:
        problems.append("fel eller inget svar")
    if reply.fallback and turn.no_fallback:
        problems.append("fallback (”förstod inte” eller utanför ämnet)")
    for phrase in turn.not_:
        if _has(reply.text, phrase):
            problems.append(f"får inte stå: {phrase!r}")
    if turn.region is not None and reply.region != turn.region:
        problems.append(f"region: väntade {turn.region}, blev {reply.region}")
    if reply.error or reply.fallback:
        return problems
    content_waived = turn.clarify_ok and reply.clarifying
    if turn.rules_any and not content_waived and not set(turn.rules_any) & set(reply.rules):
        problems.append(f"regel: väntade en av {turn.rules_any}, svaret angav {reply.rules or 'inga'}")
    if turn.says_any and not content_waived and not any(_has(reply.text, p) for p in turn.says_any):
        problems.append(f"saknar någon av {turn.says_any}")
    return problems


# ----------------------------------------------------------------------------- playing
class Player:
    def __init__(self, bot, token: str):
        from sipserver import request

        self.bot, self.token, self.request = bot, token, request
        self.fallback_markers, self.error_markers = markers()
        self.kb = knowledge()

    def region(self, sender: str) -> Optional[str]:
        status, body = self.request(f"{self.bot.base}/conversations/{sender}/tracker?token={self.token}")
        if status != 200:
            raise RuntimeError(f"tracker för {sender}: HTTP {status}: {body[:200]}")
        return (json.loads(body).get("slots") or {}).get("region")

    def play(self, conversation: Conversation) -> dict:
        sender = f"eval-{uuid.uuid4().hex[:16]}"
        turns = []
        for n, turn in enumerate(conversation.turns, 1):
            messages = self.bot.say(sender, turn.user)
            reply = Reply(messages, self.region(sender), self.fallback_markers, self.error_markers)
            problems = judge(turn, reply)
            turns.append({
                "turn": n, "user": turn.user, "passed": not problems, "problems": problems,
                "fallback": reply.fallback, "error": reply.error, "clarifying": reply.clarifying,
                "rules": reply.rules, "region": reply.region, "expected_rules": turn.rules_any,
                "rule_hit": (bool(set(turn.rules_any) & set(reply.rules)) if turn.rules_any else None),
                "excerpt": reply.excerpt(),
                "shape": answer_shape(messages, self.kb),
            })
        return {"name": conversation.name, "class": conversation.class_, "voice": conversation.voice,
                "passed": all(t["passed"] for t in turns), "turns": turns}


# ----------------------------------------------------------------------------- figures
def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def figures(results: List[dict]) -> dict:
    turns = [t for r in results for t in r["turns"]]
    with_rules = [t for t in turns if t["rule_hit"] is not None]
    per_class = {}
    for cls in sorted({r["class"] for r in results}):
        rs = [r for r in results if r["class"] == cls]
        ts = [t for r in rs for t in r["turns"]]
        per_class[str(cls)] = {
            "title": CLASSES[cls], "conversations": len(rs), "passed": sum(r["passed"] for r in rs),
            "failed": sum(not r["passed"] for r in rs), "pass_rate": _rate(sum(r["passed"] for r in rs), len(rs)),
            "turns": len(ts), "turns_failed": sum(not t["passed"] for t in ts),
            "fallbacks": sum(t["fallback"] for t in ts),
        }
    reasons = Counter(re.split(r"[:\[(]", p)[0].strip() for t in turns for p in t["problems"])
    return {
        "conversations": len(results),
        "conversations_passed": sum(r["passed"] for r in results),
        "pass_rate": _rate(sum(r["passed"] for r in results), len(results)),
        "turns": len(turns),
        "turns_passed": sum(t["passed"] for t in turns),
        "turn_pass_rate": _rate(sum(t["passed"] for t in turns), len(turns)),
        "fallbacks": sum(t["fallback"] for t in turns),
        "fallback_rate": _rate(sum(t["fallback"] for t in turns), len(turns)),
        "errors": sum(t["error"] for t in turns),
        "turns_with_expected_rules": len(with_rules),
        "rule_hit_rate": _rate(sum(t["rule_hit"] for t in with_rules), len(with_rules)),
        "failure_reasons": dict(reasons.most_common()),
        "classes": per_class,
        "shape": shape_figures([s for t in turns for s in t.get("shape") or []]),
        "lix_plain": {field: lix_summary(t for k, t in plain_texts(knowledge()).items() if k.endswith(":" + field))
                      for field in ("plain", "guardian", "answer")},
    }


def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def report(results: List[dict], f: dict, seconds: float, show_passing: bool = False) -> None:
    print(f"\nSIP-guiden, utvärdering av hela samtal (tests/eval): {f['conversations']} samtal, "
          f"{f['turns']} repliker, {seconds:.0f} s")
    print(f"  samtal som klarar alla repliker:  {pct(f['pass_rate'])} ({f['conversations_passed']}/{f['conversations']})")
    print(f"  repliker som klarar sig:          {pct(f['turn_pass_rate'])} ({f['turns_passed']}/{f['turns']})")
    print(f"  repliker med fallback:            {pct(f['fallback_rate'])} ({f['fallbacks']}/{f['turns']})")
    print(f"  svar med väntad regel:            {pct(f['rule_hit_rate'])} (av {f['turns_with_expected_rules']} repliker med rules_any)")
    if f["errors"]:
        print(f"  fel (inget svar eller felmeddelande): {f['errors']}")
    sh = f.get("shape") or {}
    if sh.get("answers"):
        print(f"\n  svarens form ({sh['answers']} svar med regler, issue 14; mål: median ≤ 40 ord, p90 ≤ 70, 0, 0):")
        print(f"    ord i det som visas först:      median {sh['words_median']:g}, 90:e percentilen {sh['words_p90']}")
        print(f"    LIX i det som visas först:      median {sh['lix_median']:g}")
        print(f"    annan regions rutin som källa utan raden om nationell grund: {sh['foreign_sources']}")
        for r in results:
            for t in r["turns"]:
                if any(s.get("foreign_source") for s in t.get("shape") or []):
                    print(f"      - {r['name']}, replik {t['turn']}: {t['user']!r}")
        print(f"    guidesteg med fler än 6 punkter före ”Visa mer”:            {sh['guide_steps_over_six']}")
    lx = f.get("lix_plain") or {}
    if lx:
        print("  LIX i klarspråkstexterna (mål: median ≤ 35): " +
              ", ".join(f"{k} {v['median']:g} (p90 {v['p90']:g}, {v['n']} texter)" for k, v in lx.items()))
    print("\n  klass                                              samtal  klarar  repliker fel  fallback")
    for cls, c in f["classes"].items():
        print(f"  {cls} {c['title']:<48} {c['conversations']:>6}  {pct(c['pass_rate']):>7}  {c['turns_failed']:>11}  {c['fallbacks']:>8}")
    if f["failure_reasons"]:
        print("\n  skäl: " + ", ".join(f"{k} {v}" for k, v in f["failure_reasons"].items()))
    by_class: Dict[int, List[dict]] = defaultdict(list)
    for r in results:
        if not r["passed"] or show_passing:
            by_class[r["class"]].append(r)
    for cls in sorted(by_class):
        print(f"\n=== Klass {cls}: {CLASSES[cls]} ({sum(not r['passed'] for r in by_class[cls])} samtal klarar sig inte)")
        for r in by_class[cls]:
            print(f"- {r['name']} [{r['voice']}]" + ("" if not r["passed"] else "  (klarar sig)"))
            for t in r["turns"]:
                if t["passed"] and not show_passing:
                    continue
                mark = "ok" if t["passed"] else "FEL"
                print(f"    {t['turn']}. {mark} {t['user']!r}")
                for p in t["problems"]:
                    print(f"         - {p}")
                print(f"         svar: {t['excerpt']}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--min-pass", type=float, default=None,
                        help="lägsta andel samtal som ska klara sig (0.95 eller 95); under den: exit 1")
    parser.add_argument("--json", dest="json_out", default=None, help="skriv siffrorna och felen som JSON hit")
    parser.add_argument("--only", default=None, help="bara samtal vars namn innehåller detta (skiftlägesokänsligt)")
    parser.add_argument("--class", dest="classes", default=None,
                        help="bara dessa klasser, kommaseparerade (\"5\" eller \"2,3\")")
    parser.add_argument("--workers", type=int, default=6, help="samtal som spelas samtidigt (standard 6)")
    parser.add_argument("--show-passing", action="store_true", help="visa också samtalen som klarar sig")
    args = parser.parse_args(argv)

    try:
        conversations = load_set()
    except Exception as exc:  # noqa: BLE001
        print(f"Utvärderingsmängden går inte att läsa: {exc}", file=sys.stderr)
        return 2
    if args.only:
        conversations = [(f, c) for f, c in conversations if args.only.casefold() in c.name.casefold()]
        if not conversations:
            print(f"Inget samtal heter något med {args.only!r}.", file=sys.stderr)
            return 2

    if args.classes:
        try:
            wanted = {int(c) for c in args.classes.split(",") if c.strip()}
        except ValueError:
            print(f"--class väntar klassnummer, till exempel 5 eller 2,3 (fick {args.classes!r}).", file=sys.stderr)
            return 2
        conversations = [(f, c) for f, c in conversations if c.class_ in wanted]
        if not conversations:
            print(f"Inga samtal i klass {args.classes}.", file=sys.stderr)
            return 2

    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from sipserver import MODEL, TOKEN, running

    if not MODEL.exists():
        print("Ingen tränad modell: kör `make train` (make eval gör det först).", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="sipguiden-eval-") as tmp, running(Path(tmp)) as bot:
            print(f"==> servrarna är igång ({time.monotonic() - started:.0f} s); spelar {len(conversations)} samtal")
            player = Player(bot, TOKEN)
            with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
                results = list(pool.map(lambda fc: player.play(fc[1]), conversations))
    except Exception as exc:  # noqa: BLE001 - a crash of the set-up, not a result of the bot
        print(f"Utvärderingen kraschade: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    seconds = time.monotonic() - started
    f = figures(results)
    report(results, f, seconds, args.show_passing)
    if args.json_out:
        out = Path(args.json_out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({**f, "seconds": round(seconds, 1),
                                   "failures": [r for r in results if not r["passed"]]},
                                  ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"\nSiffrorna finns i {out}")
    if args.min_pass is not None:
        threshold = args.min_pass / 100 if args.min_pass > 1 else args.min_pass
        if f["pass_rate"] < threshold:
            print(f"\nFÖR LÅGT: {pct(f['pass_rate'])} av samtalen klarar sig, minst {pct(threshold)} krävs.")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
