import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # data paths in tests are relative to the project root


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    """The real servers in the default environment (scripts/run.py, as `make run`, with a
    conversation store of their own; tests/integration/sipserver.py), started once per test
    session and shared by the integration and browser modules that only talk to them (they use
    senders of their own). A module that stops, restarts or reconfigures the servers
    (test_servers, test_teams, test_feedback_report) defines its own ``bot``."""
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from sipserver import running

    with running(tmp_path_factory.mktemp("bot")) as servers:
        yield servers
