"""bot/rasa_patches.py: every channel installs the patches to Rasa's internals, and installing
them again changes nothing. (What each patch does is tested in test_store_failures.py,
tests/integration/test_reliability.py and tests/scale/test_scaled.py.)"""

import subprocess
import sys

import pytest

MARKS = """
import bot.rasa_patches
from rasa.core.actions.action import RemoteAction
from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.events import Event
import rasa.core.tracker_store as module
marks = [getattr(FailSafeTrackerStore.retrieve, "sipguiden_strict", False),
         getattr(module.create_engine_kwargs, "sipguiden_ping", False),
         getattr(RedisLockStore.issue_ticket, "sipguiden_atomic", False),
         getattr(RemoteAction._validate_action_result, "sipguiden_cached", False),
         getattr(Event.resolve_by_type, "sipguiden_cached", False)]
print(marks)
"""

CHANNELS = {
    "rest": "from bot.channels.rest import RedactingRestInput; RedactingRestInput()",
    "webchat": "from bot.channels.webchat import WebChatInput; WebChatInput()",
    # The keys URL is a closed loopback port: the constructor logs a warning and goes on.
    "teams": "from bot.channels.teams import TeamsInput; TeamsInput('app', 'secret', openid_url='http://127.0.0.1:9/openid')",
}


def marks_before_and_after(code: str) -> list:
    done = subprocess.run([sys.executable, "-c", MARKS + code + "\n" + MARKS], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-2:]


@pytest.mark.slow  # a fresh interpreter per channel
@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_every_channel_installs_every_patch_on_its_own(channel):
    before, after = marks_before_and_after(CHANNELS[channel])
    assert before == str([False] * 5)  # importing the channel (or the module) patches nothing
    assert after == str([True] * 5), f"kanalen {channel} installerar inte alla patchar"


def test_applying_twice_changes_nothing():
    from rasa.core.tracker_store import FailSafeTrackerStore
    from rasa.shared.core.events import Event, SlotSet, UserUttered

    from bot import rasa_patches

    rasa_patches.apply()
    installed = (FailSafeTrackerStore.retrieve, Event.resolve_by_type)
    rasa_patches.apply()
    assert (FailSafeTrackerStore.retrieve, Event.resolve_by_type) == installed
    assert Event.resolve_by_type("slot") is SlotSet and Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("no-such-event", default=UserUttered) is UserUttered
    with pytest.raises(ValueError):
        Event.resolve_by_type("no-such-event")
