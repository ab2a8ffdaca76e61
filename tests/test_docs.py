"""The README stays true: every setting is documented, and it starts with the two commands."""

from pathlib import Path

from ivr.config import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme():
    missing = [name for name in SETTINGS if f"`{name}`" not in README]
    assert missing == []


def test_the_readme_starts_with_the_run_and_test_commands():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "scripts/run" in first_block and "scripts/test" in first_block


def test_ci_runs_the_readmes_test_command():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "scripts/test" in ci
