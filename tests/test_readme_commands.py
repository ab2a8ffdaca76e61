"""Every command the README shows works as written, on a fresh copy of the repository, in an
environment with nothing set (no HOTLINE_ENV, no Twilio token, no DATA_DIR): each runs in
order, exits 0 and never prints a traceback. The defaults the README states are the code's.

A fresh copy is the files git tracks (as they are in the working tree), with the shared
``.venv`` linked in: ``scripts/setup`` would make the same one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
PASSWORD = "correct horse battery"

# Commands that cannot run inside a test, and why. Everything else the README shows is run.
NOT_RUN = {
    "scripts/run": "serves the line until stopped (tests/test_gunicorn.py runs its command)",
    "scripts/test": "runs this whole test suite",
    "scripts/setup": "installs system packages with apt-get (needs the network and root)",
    "scripts/phone --url http://127.0.0.1:5000": "needs a running server (tests/test_sim_*)",
    "scripts/phone": "an interactive phone (tests/test_sim_phone.py drives it)",
    "scripts/phone --url": "names the option (needs a running server, as above)",
    "scripts/walk": "walks every path in every language; tests/test_sim_walk.py runs it",
    "scripts/voice-session --lang ht": "a whole language's phone session, minutes; "
    "tests/test_voices_* drive the same session",
    "scripts/voice-session": "the same, in its language by default",
}
BENCHMARK = re.compile(r"^\.venv/bin/python benchmarks/")  # minutes each, under load


def readme_commands() -> list[str]:
    """Every command line of the README's ```sh blocks, then every inline `.venv/bin/…` or
    `scripts/…` command of its prose, in the order a reader meets them."""
    found: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                found.append(line)
    outside = re.sub(r"```.*?```", "", README, flags=re.S)
    for command in re.findall(r"`((?:\.venv/bin/|scripts/)[^`]+)`", outside):
        if command.rstrip("/") != "scripts" and command not in found:
            found.append(command)
    return found


def _without_comment(line: str) -> str:
    return re.sub(r"\s+#\s.*$", "", line)


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """The repository as a fresh clone has it (tracked files only), with the venv linked."""
    target = tmp_path_factory.mktemp("fresh") / "hotline"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to((ROOT / ".venv").resolve())
    return target


def clean_env(home: Path) -> dict[str, str]:
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    # SECRET_KEY as on any server staff log in to (the README's accounts section asks for it;
    # phone PINs are keyed with it).
    return {**keep, "HOME": str(home), "PASSWORD": PASSWORD, "SECRET_KEY": "readme-test-key"}


def test_the_readme_shows_commands_and_every_one_is_run_or_said_why_not():
    commands = readme_commands()
    assert any("staff add maria" in c for c in commands)
    assert any("content set-text" in c for c in commands)
    skipped = {_without_comment(c) for c in commands} & set(NOT_RUN)
    assert skipped == set(NOT_RUN), "NOT_RUN names a command the README no longer shows"


def test_every_readme_command_works_as_written_on_a_fresh_clone(clone, tmp_path):
    # What the README's commands name, a reader has: a recording to import.
    subprocess.run(
        ["espeak-ng", "-v", "ht", "-w", str(clone / "recording.wav"), "Pou repete, peze nèf."],
        check=True,
    )
    ran = []
    for line in readme_commands():
        command = _without_comment(line)
        if command in NOT_RUN or BENCHMARK.match(command):
            continue
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=clone,
            env=clean_env(tmp_path),
            # Commands that ask for a password twice read it here.
            input=f"{PASSWORD}\n{PASSWORD}\n",
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = result.stdout + result.stderr
        assert "Traceback" not in output, f"{command}\n{output}"
        assert result.returncode == 0, f"{command} exited {result.returncode}\n{output}"
        ran.append(command)
    assert len(ran) >= 18
    # What they did is there: the account, the words, the number, the restore.
    listed = subprocess.run(
        [".venv/bin/flask", "--app", "ivr", "staff", "list"],
        cwd=clone,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "maria" not in listed  # `staff remove maria` ran last


def test_starting_twice_logs_alembic_only_when_it_migrates(tmp_path):
    env = {**clean_env(tmp_path), "DATA_DIR": str(tmp_path / "data")}
    command = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "ivr", "staff", "list"]

    def alembic_lines() -> list[str]:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return [line for line in result.stderr.splitlines() if "alembic" in line]

    first = alembic_lines()
    assert first and all("Running upgrade" in line for line in first)
    assert alembic_lines() == []


def test_the_defaults_the_readme_states_are_the_codes_and_the_procfiles():
    # The defaults as the code has them (this test process patches DATA_DIR: conftest.py).
    printed = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-c",
            "import json; from ivr.config import SETTINGS; "
            "print(json.dumps({k: v[0] for k, v in SETTINGS.items()}))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    defaults = json.loads(printed)
    table = dict(re.findall(r"^\| `([A-Z_]+)` \| `?([^|`]*?)`? \|", README, re.M))
    procfile = (ROOT / "Procfile").read_text()
    for name, stated in table.items():
        default = defaults.get(name)
        in_procfile = re.search(r"\$\{" + name + r":-([^}]*)\}", procfile)
        if in_procfile:
            assert stated == in_procfile.group(1), f"{name}: README {stated}, Procfile"
        if default:
            assert stated == default, f"{name}: README says {stated!r}, the code {default!r}"
        else:
            assert stated in ("–", "random"), f"{name}: README says {stated!r}, the code none"


def test_setup_waits_for_the_package_managers_lock_instead_of_failing():
    setup = (ROOT / "scripts" / "setup").read_text()
    calls = re.findall(r'"\$\{apt_get\[@\]\}" (\w+)', setup)
    assert calls == ["update", "install"]
    assert 'apt-get -o "DPkg::Lock::Timeout=${wait_s}"' in setup
    assert "waiting up to" in setup
    assert not re.search(r"^\s*\$sudo apt-get", setup, re.M)  # no call without the wait
    subprocess.run(["bash", "-n", str(ROOT / "scripts" / "setup")], check=True)
