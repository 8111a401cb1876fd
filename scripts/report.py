"""The SIP coordinator's report (issue 14): ``make report`` writes var/report/index.html.

    scripts/report.py [--scaled] [--out MAPP]        make report [SCALED=1] [OUT=mapp]

A static page with charts (matplotlib, Agg backend, PNG images inlined as data: URLs) and the
same numbers as tables:

- questions per topic and region: each user turn answered with a rule counts once, for the
  topic of the answer's first rule and the region it was answered for;
- the fallback and clarification rate per day: the share of user turns that Rasa's NLU could
  not place (intent ``nlu_fallback``, or Rasa's ``action_default_fallback``), and the share the
  bot answered with a question back (which topic was meant, or which region);
- 👍/👎 per rule from the feedback table (bot/feedback.py), the worst rules first, with reasons;
- topics where the routine is silent, asked most: answers given for a known region from the
  national baseline (the message's ``national`` list, or a rule id ``national.…`` given for a
  known region).

Counts only: no message text, no sender id and no date finer than a day leaves the database.
Reads the tracker store of the SIPGUIDEN_* settings (bot/settings.py: SQLite var/tracker.db
by default), or with ``--scaled`` the scaled set-up's PostgreSQL (var/scale/env, as
scripts/lifecycle.py), **read-only**: SQLite opened with ``mode=ro``, PostgreSQL in a
read-only transaction. A store never used gives a report that says so.

Exit codes: 0 written, 1 the store cannot be read or the page not written, 2 wrong use.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import os
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import URL, Engine  # noqa: E402

from bot import feedback, lifecycle  # noqa: E402
from bot.dialogue import ASK_REGION, CLARIFY  # noqa: E402
from bot.knowledge import NATIONAL, REGION_IDS, KnowledgeBase, knowledge  # noqa: E402
from bot.render import region_label  # noqa: E402
from bot.settings import Settings, SettingsError  # noqa: E402

DEFAULT_OUT = ROOT / "var" / "report"
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTION = "action_default_fallback"
UNKNOWN_REGION = "ingen region"
TOP = 15  # rows in a chart (the tables have them all)
# What the bot asks back: which topic was meant, or which region (the start of its text).
ASKS_BACK = (CLARIFY, ASK_REGION.split("?")[0] + "?")

USAGE = """\
Användning: scripts/report.py [--scaled] [--out MAPP]
  skriver MAPP/index.html (standard var/report): frågor per ämne och region, andel reservsvar
  och motfrågor per dag, 👍/👎 per regel och ämnen där rutinen är tyst – bara antal, aldrig text.
  --scaled   den skalade uppsättningens PostgreSQL (inställningarna i var/scale/env)
Via make: make report [SCALED=1] [OUT=mapp]"""


class Usage(Exception):
    pass


class Failure(Exception):
    pass


# --- reading the store, read-only ------------------------------------------------------------


def read_only_engine(settings: Settings, env: Mapping[str, str]) -> Engine:
    """An engine on the tracker store that cannot write: SQLite with ``mode=ro`` (a missing file
    is not created), PostgreSQL with read-only transactions."""
    if settings.tracker_store == "sqlite":
        path = Path(settings.sqlite_path).expanduser()
        if not path.is_absolute():
            path = ROOT / path
        return sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    engine = lifecycle.engine_for(settings, env)
    options = "-c default_transaction_read_only=on"
    schema = env.get(lifecycle.SCHEMA_VARIABLE, "").strip()
    if schema:
        options += f" -csearch_path={schema}"
    url: URL = engine.url
    engine.dispose()
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10, "options": options})


def _sqlite_missing(engine: Engine) -> bool:
    if engine.dialect.name != "sqlite":
        return False
    database = engine.url.database or ""
    path = database[len("file:"):].split("?")[0] if database.startswith("file:") else database
    return bool(path) and not Path(path).exists()


def load_events(engine: Engine) -> List[Tuple[str, str, float, Optional[str], Optional[str], Optional[str]]]:
    """(sender_id, type_name, timestamp, intent_name, action_name, data) of every event, ordered
    per conversation; sender ids only group the turns here and are never written out."""
    if _sqlite_missing(engine):
        return []
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(lifecycle.EVENTS.name):
            return []
        t = lifecycle.EVENTS
        rows = conn.execute(
            sa.select(t.c.sender_id, t.c.type_name, t.c.timestamp, t.c.intent_name, t.c.action_name, t.c.data)
            .where(t.c.type_name.in_(("user", "bot", "action")))
            .order_by(t.c.sender_id, t.c.id)
        ).all()
    return [tuple(r) for r in rows]


def load_feedback(engine: Engine) -> List[feedback.Feedback]:
    if _sqlite_missing(engine):
        return []
    return feedback.rows(engine)


# --- counting --------------------------------------------------------------------------------


@dataclass
class Turn:
    day: dt.date
    fallback: bool = False
    asked_back: bool = False
    answer: Optional[Mapping[str, Any]] = None  # the first bot payload with rules


@dataclass
class Figures:
    turns: int = 0
    conversations: int = 0
    per_topic_region: Counter = field(default_factory=Counter)   # (topic, region) -> n
    per_day: Dict[dt.date, List[int]] = field(default_factory=dict)  # day -> [turns, fallback, asked back]
    silent: Counter = field(default_factory=Counter)              # (topic, region) -> n
    ratings: List[Dict[str, Any]] = field(default_factory=list)   # feedback.per_rule
    feedback_count: int = 0


def _payload(data: Optional[str]) -> Tuple[str, Optional[Mapping[str, Any]]]:
    try:
        event = json.loads(data) if data else {}
    except ValueError:
        return "", None
    if not isinstance(event, dict):
        return "", None
    text = event.get("text") if isinstance(event.get("text"), str) else ""
    custom = (event.get("data") or {}).get("custom") if isinstance(event.get("data"), dict) else None
    payload = custom.get("sipguiden") if isinstance(custom, dict) else None
    return text, payload if isinstance(payload, dict) else None


def turns(events: Iterable[Tuple[str, str, float, Optional[str], Optional[str], Optional[str]]]) -> Tuple[List[Turn], int]:
    """The user turns of every conversation, and how many conversations."""
    out: List[Turn] = []
    senders = set()
    current: Optional[Turn] = None
    last_sender = None
    for sender, kind, timestamp, intent, action, data in events:
        if sender != last_sender:
            current, last_sender = None, sender
        if kind == "user":
            senders.add(sender)
            day = dt.datetime.fromtimestamp(float(timestamp or 0), dt.timezone.utc).date()
            current = Turn(day, fallback=intent == FALLBACK_INTENT)
            out.append(current)
        elif current is None:
            continue
        elif kind == "action" and action == FALLBACK_ACTION:
            current.fallback = True
        elif kind == "bot":
            text, payload = _payload(data)
            if text.startswith(ASKS_BACK):
                current.asked_back = True
            if payload and payload.get("rules") and current.answer is None:
                current.answer = payload
    return out, len(senders)


def _topic(kb: KnowledgeBase, rule_id: str) -> Optional[str]:
    try:
        return kb.rule_by_id(rule_id).topic
    except (KeyError, ValueError):
        return None


def silent_for(payload: Mapping[str, Any]) -> List[str]:
    """The known regions for which this answer is the national baseline (the routine is silent)."""
    regions = [r for r in payload.get("national") or [] if r in REGION_IDS]
    if not regions and payload.get("region") in REGION_IDS and \
            any(str(r).startswith(NATIONAL + ".") for r in payload.get("rules") or []):
        regions = [payload["region"]]
    return regions


def figures(kb: KnowledgeBase, events, ratings: List[feedback.Feedback]) -> Figures:
    all_turns, conversations = turns(events)
    f = Figures(turns=len(all_turns), conversations=conversations)
    for turn in all_turns:
        day = f.per_day.setdefault(turn.day, [0, 0, 0])
        day[0] += 1
        day[1] += turn.fallback
        day[2] += turn.asked_back
        if turn.answer is None:
            continue
        topic = _topic(kb, str(turn.answer["rules"][0]))
        if topic is None:
            continue
        region = turn.answer.get("region") if turn.answer.get("region") in REGION_IDS else None
        f.per_topic_region[(topic, region)] += 1
        for silent in silent_for(turn.answer):
            f.silent[(topic, silent)] += 1
    f.ratings = feedback.per_rule(ratings)
    f.feedback_count = len(ratings)
    return f


# --- the page --------------------------------------------------------------------------------


def _chart(draw) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from matplotlib.ticker import MaxNLocator

    figure = plt.figure(figsize=(8, 4.5), dpi=100)
    try:
        draw(figure)
        for ax in figure.axes:
            if ax.get_xlabel().startswith("Antal"):
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole numbers
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    finally:
        plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _region(kb: KnowledgeBase, region: Optional[str]) -> str:
    return region_label(kb, region) if region in REGION_IDS else UNKNOWN_REGION


def _title(kb: KnowledgeBase, topic: str) -> str:
    found = kb.topics.get(topic)
    return found.title if found is not None else topic


def _table(caption: str, head: List[str], rows: List[List[Any]]) -> str:
    if not rows:
        return f"<p>{html.escape(caption)}: inga uppgifter ännu.</p>"
    out = [f"<table><caption>{html.escape(caption)}</caption><thead><tr>"]
    out += [f'<th scope="col">{html.escape(h)}</th>' for h in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = [f'<th scope="row">{html.escape(str(row[0]))}</th>'] + [f"<td>{html.escape(str(c))}</td>" for c in row[1:]]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _image(src: str, alt: str) -> str:
    return f'<img src="{src}" alt="{html.escape(alt)}" width="800" height="450">'


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def page(kb: KnowledgeBase, f: Figures, store: str, today: dt.date) -> str:
    regions = [None, *REGION_IDS]
    topics = Counter()
    for (topic, _), n in f.per_topic_region.items():
        topics[topic] += n
    order = [t for t, _ in topics.most_common()]
    sections = []

    # 1. Questions per topic and region.
    rows = [[_title(kb, t)] + [f.per_topic_region.get((t, r), 0) for r in regions] + [topics[t]] for t in order]
    part = ["<h2>Frågor per ämne och region</h2>",
            f"<p>{f.turns} meddelanden i {f.conversations} samtal; {sum(topics.values())} besvarades med en regel.</p>"]
    if order:
        def draw(figure):
            ax = figure.add_subplot(111)
            shown = order[:TOP][::-1]
            left = [0] * len(shown)
            for r in regions:
                values = [f.per_topic_region.get((t, r), 0) for t in shown]
                if any(values):
                    ax.barh([_title(kb, t) for t in shown], values, left=left, label=_region(kb, r))
                    left = [a + b for a, b in zip(left, values)]
            ax.set_xlabel("Antal frågor")
            ax.legend(fontsize=8)
        part.append(_image(_chart(draw), "Stapeldiagram: antal frågor per ämne, uppdelat på region. Siffrorna finns i tabellen nedan."))
    part.append(_table("Frågor per ämne och region", ["Ämne"] + [_region(kb, r) for r in regions] + ["Totalt"], rows))
    sections.append("".join(part))

    # 2. Fallback and clarification rate per day.
    days = sorted(f.per_day)
    part = ["<h2>Reservsvar och motfrågor över tid</h2>",
            "<p>Andel av användarens meddelanden per dag som boten inte kunde tolka (reservsvar) och som den "
            "svarade på med en motfråga (vilket ämne eller vilken region).</p>"]
    if days:
        def draw_rates(figure):
            ax = figure.add_subplot(111)
            ax.plot(days, [100 * f.per_day[d][1] / f.per_day[d][0] for d in days], marker="o", label="Reservsvar")
            ax.plot(days, [100 * f.per_day[d][2] / f.per_day[d][0] for d in days], marker="s", label="Motfrågor")
            import matplotlib.dates as mdates

            ax.set_ylabel("Andel av meddelandena (%)")
            ax.set_ylim(0, 100)
            ax.set_xlim(days[0] - dt.timedelta(days=1), days[-1] + dt.timedelta(days=1))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
            span = (days[-1] - days[0]).days + 2
            ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, span // 8)))  # whole days
            ax.legend()
            figure.autofmt_xdate()
        part.append(_image(_chart(draw_rates), "Linjediagram: andel reservsvar och motfrågor per dag. Siffrorna finns i tabellen nedan."))
    part.append(_table("Reservsvar och motfrågor per dag", ["Dag", "Meddelanden", "Reservsvar", "Andel", "Motfrågor", "Andel"],
                       [[d.isoformat(), n, fb, _percent(fb, n), ab, _percent(ab, n)]
                        for d, (n, fb, ab) in ((d, f.per_day[d]) for d in days)]))
    sections.append("".join(part))

    # 3. 👍/👎 per rule, the worst first.
    part = ["<h2>👍/👎 per regel</h2>",
            f"<p>{f.feedback_count} omdömen. Reglerna med störst andel 👎 står först.</p>"]
    if f.ratings:
        def draw_ratings(figure):
            ax = figure.add_subplot(111)
            shown = f.ratings[:TOP][::-1]
            labels = [r["rule"] for r in shown]
            ax.barh(labels, [-r["down"] for r in shown], color="#8a1c1c", label="Hjälpte inte")
            ax.barh(labels, [r["up"] for r in shown], color="#0a4f8a", label="Hjälpte")
            ax.axvline(0, color="black", linewidth=0.8)
            from matplotlib.ticker import FuncFormatter, MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: str(abs(int(value)))))  # counts both ways
            ax.set_xlabel("Antal omdömen (hjälpte inte till vänster, hjälpte till höger)")  # no emoji font in charts
            ax.legend(fontsize=8)
        part.append(_image(_chart(draw_ratings), "Stapeldiagram: 👎 och 👍 per regel, sämst först. Siffrorna finns i tabellen nedan."))
    part.append(_table("👍/👎 per regel, sämst först", ["Regel", "👍", "👎", "Andel 👎"] + list(feedback.REASONS.values()),
                       [[r["rule"], r["up"], r["down"], _percent(r["down"], r["up"] + r["down"])]
                        + [r["reasons"].get(k, 0) for k in feedback.REASONS] for r in f.ratings]))
    sections.append("".join(part))

    # 4. Topics where the routine is silent, asked most.
    silent_topics = Counter()
    for (topic, _), n in f.silent.items():
        silent_topics[topic] += n
    part = ["<h2>Ämnen där rutinen är tyst</h2>",
            "<p>Frågor för en region vars rutin inte tar upp ämnet, så att svaret byggde på den nationella grunden. "
            "De vanligaste först: här kan rutinen behöva kompletteras.</p>"]
    if silent_topics:
        def draw_silent(figure):
            ax = figure.add_subplot(111)
            shown = silent_topics.most_common(TOP)[::-1]
            ax.barh([_title(kb, t) for t, _ in shown], [n for _, n in shown], color="#b34700")
            ax.set_xlabel("Antal frågor")
        part.append(_image(_chart(draw_silent), "Stapeldiagram: ämnen där rutinen är tyst, efter antal frågor. Siffrorna finns i tabellen nedan."))
    part.append(_table("Ämnen där rutinen är tyst", ["Ämne"] + [_region(kb, r) for r in REGION_IDS] + ["Totalt"],
                       [[_title(kb, t)] + [f.silent.get((t, r), 0) for r in REGION_IDS] + [n]
                        for t, n in silent_topics.most_common()]))
    sections.append("".join(part))

    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1b1f24}"
             "table{border-collapse:collapse;margin:1rem 0}caption{text-align:left;font-weight:700}"
             "th,td{border:1px solid #b8c4d2;padding:.25rem .5rem;text-align:left}td{text-align:right}"
             "img{max-width:100%;height:auto}")
    return (
        "<!doctype html>\n<html lang=\"sv\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>SIP-guiden – rapport {today.isoformat()}</title><style>{style}</style></head><body>"
        f"<header><h1>SIP-guiden – rapport för SIP-samordnaren</h1><p>Skapad {today.isoformat()} ur {html.escape(store)}. "
        "Bara antal: inga meddelanden och inga samtals-id finns i rapporten.</p></header><main>"
        + "".join(f"<section>{s}</section>" for s in sections)
        + "</main></body></html>\n"
    )


# --- the command -----------------------------------------------------------------------------


def parse(argv: List[str]) -> Dict[str, Any]:
    args: Dict[str, Any] = {"scaled": False, "out": DEFAULT_OUT}
    tokens = list(argv)
    while tokens:
        token = tokens.pop(0)
        if token in ("-h", "--help"):
            args["help"] = True
        elif token == "--scaled":
            args["scaled"] = True
        elif token == "--out":
            if not tokens or not tokens[0].strip():
                raise Usage("--out behöver en mapp.")
            args["out"] = Path(tokens.pop(0)).expanduser()
        else:
            raise Usage(f"Okänt argument: {token!r}.")
    return args


def run(argv: List[str], environ: Mapping[str, str]) -> int:
    args = parse(argv)
    if args.get("help"):
        print(USAGE)
        return 0
    env = dict(environ)
    if args["scaled"]:
        from lifecycle import SCALE_ENV, load_scale_env  # scripts/lifecycle.py

        folder = environ.get("SIPGUIDEN_SCALE_DIR", "").strip()
        env.update(load_scale_env(Path(folder) / "env" if folder else SCALE_ENV))
    try:
        settings = Settings.from_env(env)
    except SettingsError as error:
        raise Usage(f"FEL i inställningarna: {error}") from None
    engine = read_only_engine(settings, env)
    label = lifecycle.store_label(lifecycle.engine_for(settings, env))
    try:
        events = load_events(engine)
        ratings = load_feedback(engine)
    except sa.exc.SQLAlchemyError as error:
        raise Failure(f"Samtalslagret {label} gick inte att läsa ({type(error).__name__}).") from None
    finally:
        engine.dispose()
    kb = knowledge()
    text = page(kb, figures(kb, events, ratings), label, dt.date.today())
    out: Path = args["out"]
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "index.html").write_text(text, encoding="utf-8")
    except OSError as error:
        raise Failure(f"Kunde inte skriva {out / 'index.html'}: {error.strerror or error}.") from None
    print(f"Rapporten är skriven: {out / 'index.html'} ({len(events)} händelser, {len(ratings)} omdömen ur {label}).")
    return 0


def main() -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        return run(sys.argv[1:], os.environ)
    except Usage as error:
        print(f"{error}\n{USAGE}", file=sys.stderr)
        return 2
    except Failure as error:
        print(str(error), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
