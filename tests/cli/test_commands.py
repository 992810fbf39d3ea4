"""Every command in the CLI's registry imports and documents itself."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from quellenlage.cli import COMMANDS, EVAL_COMMANDS, cli


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


@pytest.mark.parametrize("name", sorted(EVAL_COMMANDS))
def test_eval_command_has_help_and_takes_data(name):
    result = CliRunner().invoke(cli, ["eval", name, "--help"])
    assert result.exit_code == 0, result.output
    assert "--data" in result.output


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["analyse-this"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and "quellenlage" in result.output
