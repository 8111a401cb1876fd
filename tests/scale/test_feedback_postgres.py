"""The feedback table (bot/feedback.py) and the coordinator's report (scripts/report.py) on the
scaled set-up's PostgreSQL: stored, checked by the database, purged by bot.lifecycle.purge, and
read by the report without writing. Uses the fixture ``postgres_url`` (tests/scale/conftest.py),
a database of its own."""

import datetime as dt
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot import feedback, lifecycle

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
RULE = "halland.consent.both_guardians"


@pytest.fixture(scope="module")
def engine(postgres_url):
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS sipguiden_feedback"))
    yield engine
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS sipguiden_feedback"))
    engine.dispose()


def settings_env(postgres_url):
    url = make_url(postgres_url)
    return {"SIPGUIDEN_TRACKER_STORE": "postgresql", "SIPGUIDEN_DB_HOST": url.host or "localhost",
            "SIPGUIDEN_DB_PORT": str(url.port or 5432), "SIPGUIDEN_DB_NAME": url.database,
            "SIPGUIDEN_DB_USER": url.username, "SIPGUIDEN_DB_PASSWORD": url.password or ""}


def test_ratings_are_stored_checked_and_purged_on_postgresql(engine):
    now = time.mktime(dt.date(2026, 12, 4).timetuple()) + 12 * 3600
    for day, rating, reason in ((dt.date(2026, 10, 1), "down", "fel_svar"), (dt.date(2026, 12, 3), "up", None)):
        feedback.record(engine, feedback.make([RULE], "halland", "staff", rating, reason, day))
    assert [(r.day, r.rating, r.reason) for r in feedback.rows(engine)] == [
        (dt.date(2026, 10, 1), "down", "fel_svar"), (dt.date(2026, 12, 3), "up", None)]
    with pytest.raises(sa.exc.IntegrityError):  # the database keeps to the vocabularies too
        with engine.begin() as conn:
            conn.execute(sa.insert(feedback.FEEDBACK).values(day=dt.date(2026, 12, 4), rules=RULE, rating="up",
                                                             region="Anna Andersson"))
    assert lifecycle.purge(engine, 30, now=now).feedback == 1
    assert [r.day for r in feedback.rows(engine)] == [dt.date(2026, 12, 3)]


def test_the_report_reads_postgresql_and_cannot_write(engine, postgres_url, tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import report
    from bot.settings import Settings

    env = {**os.environ, **settings_env(postgres_url)}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "report.py"), "--out", str(tmp_path)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert RULE in page and "PostgreSQL" in page
    reader = report.read_only_engine(Settings.from_env(env), env)
    try:
        with pytest.raises(sa.exc.DBAPIError, match="read-only"):
            with reader.begin() as conn:
                conn.execute(sa.delete(feedback.FEEDBACK))
    finally:
        reader.dispose()
    assert feedback.rows(engine)  # nothing was deleted
