"""The operator's CLI, run in process."""

from bot.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``airetro *argv`` in process: its exit code, and what it printed to stdout and stderr."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
