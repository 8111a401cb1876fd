import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path("scripts/find-python310.sh").resolve()


def run(env):
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True)


def test_finds_a_pyenv_3_10_when_the_shim_fails(tmp_path):
    # A fake pyenv root whose versions/3.10.x holds this test's own Python 3.10.
    bindir = tmp_path / "versions" / "3.10.99" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "python3.10").symlink_to(sys.executable)
    shim_dir = tmp_path / "shims"
    shim_dir.mkdir()
    shim = shim_dir / "python3.10"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.10: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    env = {"PATH": f"{shim_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path)}
    result = run(env)
    assert result.returncode == 0, result.stderr
    found = result.stdout.strip()
    out = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
    assert out.stdout.strip() == "(3, 10)"


@pytest.mark.skipif(
    any(os.path.exists(p) for p in ("/usr/local/bin/python3.10", "/usr/bin/python3.10", "/opt/python3.10/bin/python3.10")),
    reason="this machine has a system-wide Python 3.10",
)
def test_clear_message_when_there_is_no_3_10(tmp_path):
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path)}
    result = subprocess.run(["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "Hittade ingen Python 3.10" in result.stderr
    assert "pyenv install 3.10" in result.stderr
    assert result.stdout == ""
