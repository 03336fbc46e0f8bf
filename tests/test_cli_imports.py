"""The command line starts light: building the parser and ``--help`` import no Slack, database or usage-format
code, and a command loads only its own module (bot/cli/parser.py names it); a failure is still one line with its
exit status, whichever libraries the command loaded."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import OperationalError

from bot.cli import build_parser, main
from bot.cli.common import CliError, run_command
from bot.cli.parser import FROM_API
from bot.config import ConfigError

HEAVY = ("slack_bolt", "slack_sdk", "alembic", "sqlalchemy", "sqlmodel", "pydantic_settings", "apscheduler")


def _loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code`` (its stdout: one module a line)."""
    script = f"import contextlib, io, sys\n{code}\nsys.__stdout__.write('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split("\n"))


def _heavy(modules: set[str]) -> list[str]:
    formats = [m for m in modules if m.startswith("bot.usage.formats.")]  # a format's parser, not the names
    return sorted(m for m in modules if m.split(".")[0] in HEAVY) + sorted(formats)


@pytest.mark.parametrize("argv", [[], ["--help"], ["digest", "--help"], ["import-usage", "--help"], ["db", "-h"]])
def test_building_the_parser_and_help_import_nothing_heavy(argv):
    code = "from bot.cli import build_parser, main\nbuild_parser()\n"
    if argv:  # --help prints and exits 0; no command exits 2 with the usage
        code += f"with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n    main({argv!r})"
    modules = _loaded_after(code)
    assert "bot.cli.parser" in modules
    assert _heavy(modules) == []
    assert not [m for m in modules if m.startswith("bot.cli.") and m != "bot.cli.parser"]  # no command module


def test_a_command_that_never_talks_to_slack_never_loads_slack(tmp_path):
    database = f"sqlite:///{tmp_path}/light.db"
    code = "from bot.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n    main(['db', 'upgrade'])"
    modules = _loaded_after(code, env={**os.environ, "DATABASE_URL": database})
    assert "bot.cli.db" in modules and "bot.cli.digest" not in modules
    assert not [m for m in modules if m.split(".")[0] in ("slack_bolt", "slack_sdk")]


def test_the_light_names_match_the_real_ones():
    from bot.usage.fetch import PROVIDERS

    assert FROM_API == [*PROVIDERS, "copilot"]
    choices = {a.dest: a.choices for a in _subparser(build_parser(), "import-usage")._actions}
    assert choices["from_api"] == FROM_API


def test_every_command_names_a_function_that_exists():
    import importlib

    runs = _runs(build_parser()) | {"bot.cli.usage:cmd_import_usage_from_api"}  # set by --from-api
    assert len(runs) == 21
    for run in runs:
        module, _, name = run.partition(":")
        assert callable(getattr(importlib.import_module(module), name)), run


def _failing(exc: BaseException):
    def command(_args, _settings):
        raise exc

    return command


@pytest.mark.parametrize(
    ("exc", "status", "line"),
    [
        (CliError("no team named 'x'"), 1, "airetro: no team named 'x'"),
        (ConfigError("PORT: not a number"), 2, "airetro: PORT: not a number"),
        (LookupError("nope"), 1, "airetro: nope"),
        (
            SlackApiError("denied", {"ok": False, "error": "not_in_channel"}),
            1,
            "airetro: Slack answered 'not_in_channel'",
        ),
        (SlackClientError("connection refused\nmore"), 1, "airetro: cannot talk to Slack: connection refused"),
        (
            OperationalError("SELECT 1", {}, Exception("locked\ndetail")),
            1,
            "airetro: database error: (builtins.Exception) locked",
        ),
        (PermissionError("denied: out.png"), 1, "airetro: denied: out.png"),
        (KeyboardInterrupt(), 130, ""),
    ],
)
def test_a_failure_is_one_line_with_its_exit_status(exc, status, line, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/unused.db")
    monkeypatch.setattr(sys.modules[__name__], "failing", _failing(exc), raising=False)
    assert run_command(argparse.Namespace(run=f"{__name__}:failing")) == status
    err = capsys.readouterr().err
    assert err.startswith(line) and err.count("\n") == (1 if line else 0)


def test_an_unknown_command_is_argparse_s_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["nope"])
    assert exited.value.code == 2 and "invalid choice: 'nope'" in capsys.readouterr().err


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def _runs(parser: argparse.ArgumentParser) -> set[str]:
    runs = {parser.get_default("run")} - {None}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                runs |= _runs(child)
    return runs
