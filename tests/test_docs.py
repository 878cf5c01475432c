"""Documentation that must stay true to the code."""

import re

from etl.cli import build_parser
from etl.contract import COLUMN_NAMES, data_dictionary_markdown
from etl.settings import SETTING_NAMES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_data_dictionary_is_the_contracts():
    assert (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8") == data_dictionary_markdown()
    for name in COLUMN_NAMES:
        assert f"`{name}`" in data_dictionary_markdown()


def test_every_setting_is_documented_in_the_readme():
    for name in SETTING_NAMES:
        assert f"`{name}`" in README, name


def test_every_command_is_documented_in_the_readme():
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert re.search(rf"`python -m etl {name}\b", README), name


def test_the_readme_names_the_two_setup_commands():
    assert "make demo" in README and "make test" in README
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
