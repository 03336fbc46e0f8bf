"""Benchmark the usage import on a generated file and show its memory stays bounded.

    .venv/bin/python benchmarks/import_usage.py [--rows 1000000] [--format csv|litellm] [--small 100000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:55432/postgres]

Writes a file of N rows (streamed to disk) in a temp dir, imports it into a fresh database (a SQLite file, or
with ``--postgres`` a scratch database on that server, created and dropped by the run) and
prints rows/s and peak memory: the Python heap's peak (tracemalloc, in a second import into another
fresh database, as tracing slows Python down) and the process's peak resident size (ru_maxrss, of the
untraced imports). It does the same for ``--small`` rows first, each size in a process of its own, so
the two peaks can be compared: bounded memory means they are about the same although the row counts
differ tenfold. Each file is also imported a second time into the same database and timed (a
re-import: every row replaced, nothing changed).

``csv`` is the plain CSV (one row per person, day and model; a tenth of the keys are e-mails resolved
through a stand-in lookup); ``litellm`` is a ``/spend/logs`` JSON list, one spend log per request,
added up to person × day × model by the import. Not a test: nothing passes or fails.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.services.usage_import import ImportReport, import_files
from storage.engine import make_engine, migrate

try:
    from benchmarks.scratch_db import scratch_database
except ModuleNotFoundError:  # run as a script: its folder is on the path
    from scratch_db import scratch_database

USERS = 1000
MODELS = ("claude-sonnet-4-5", "gpt-4.1", "claude-haiku-4-5", "gpt-4.1-mini")
FIRST_DAY = date(2025, 1, 6)


def _slack_id(i: int) -> str:
    return f"U{i:08d}"


def _email(i: int) -> str:
    return f"user{i:04d}@corp.example"


def write_csv(path: Path, rows: int) -> None:
    """Distinct (person, day, model) rows: every user × model for one day, then the next day."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email_or_slack_id", "date", "model", "input_tokens", "output_tokens", "cost_usd"])
        for i in range(rows):
            user = i % USERS
            model = MODELS[(i // USERS) % len(MODELS)]
            day = FIRST_DAY + timedelta(days=i // (USERS * len(MODELS)))
            key = _email(user) if user % 10 == 0 else _slack_id(user)
            writer.writerow([key, day.isoformat(), model, 1000 + i % 977, 100 + i % 97, f"{0.001 * (i % 50):.3f}"])


def write_litellm(path: Path, rows: int) -> None:
    """A ``/spend/logs`` JSON list: spend logs spread over 30 days, users by e-mail (one in twenty has no
    user, so its hashed api_key is the key), written one object at a time."""
    keys = [hashlib.sha256(f"sk-{i}".encode()).hexdigest() for i in range(50)]
    start = datetime(2025, 1, 6, tzinfo=UTC)
    seconds = 30 * 86400
    with path.open("w") as handle:
        handle.write("[\n")
        for i in range(rows):
            user = i % USERS
            at = start + timedelta(seconds=(i * 7919) % seconds)
            prompt, completion = 500 + i % 1500, 50 + i % 400
            log = {
                "request_id": f"chatcmpl-{i:012d}",
                "call_type": "acompletion",
                "api_key": keys[user % len(keys)],
                "spend": round((prompt * 3 + completion * 15) / 1_000_000, 8),
                "total_tokens": prompt + completion,
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "startTime": at.isoformat(),
                "endTime": (at + timedelta(seconds=2)).isoformat(),
                "model": MODELS[i % len(MODELS)],
                "model_group": MODELS[i % len(MODELS)],
                "custom_llm_provider": "anthropic" if i % 2 == 0 else "openai",
                "api_base": "https://api.anthropic.com/v1/messages",
                "user": "" if user % 20 == 0 else _email(user),
                "metadata": {"user_api_key_alias": f"key-{user % len(keys)}", "status": "success"},
                "cache_hit": "False",
                "request_tags": [],
                "team_id": "team-payments",
                "status": "success",
            }
            handle.write(("," if i else "") + json.dumps(log) + "\n")
        handle.write("]\n")


def _lookup(email: str) -> str | None:
    """A stand-in for users.lookupByEmail: the generated e-mails are workspace members."""
    return _slack_id(int(email[4:8])) if email.startswith("user") else None


def _import(url: str, fmt: str, path: Path, times: int = 1) -> tuple[ImportReport, list[float]]:
    """Import ``path`` ``times`` times into the database at ``url``; the report and each import's seconds."""
    engine = make_engine(url)
    migrate(engine)
    seconds = []
    try:
        for _ in range(times):
            t0 = time.perf_counter()
            report = import_files(engine, fmt, [str(path)], lookup_email=_lookup)
            seconds.append(time.perf_counter() - t0)
        return report, seconds
    finally:
        engine.dispose()


def measure(fmt: str, rows: int, postgres: str | None = None) -> dict:
    """Generate; import untraced, then again into the same database (nothing changes: every row replaced)
    for the rates and ru_maxrss; import traced into a fresh database for the heap peak."""
    with tempfile.TemporaryDirectory(prefix="airetro-bench-") as tmp:
        path = Path(tmp) / ("usage.csv" if fmt == "csv" else "spend_logs.json")
        t0 = time.perf_counter()
        (write_csv if fmt == "csv" else write_litellm)(path, rows)
        generated = time.perf_counter() - t0
        baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        engine_name = "postgresql" if postgres else "sqlite"
        with scratch_database(engine_name, postgres, tmp, "import_a") as url:
            report, (elapsed, again) = _import(url, fmt, path, times=2)
        maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        with scratch_database(engine_name, postgres, tmp, "import_b") as url:
            _import(url, fmt, path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "engine": engine_name,
            "format": fmt,
            "rows": report.rows,
            "file_mib": path.stat().st_size / 2**20,
            "generate_s": generated,
            "import_s": elapsed,
            "rows_per_s": report.rows / elapsed,
            "reimport_s": again,
            "records": report.usage_records,
            "person_weeks": report.person_weeks,
            "unattributed_keys": len(report.unattributed_keys),
            "tracemalloc_peak_mib": peak / 2**20,
            "maxrss_mib": maxrss_kib / 1024,
            "maxrss_before_import_mib": baseline_kib / 1024,
        }


def _child(fmt: str, rows: int, postgres: str | None) -> dict:
    """``measure`` in a process of its own, so ru_maxrss is this size's alone."""
    command = [sys.executable, __file__, "--single", "--format", fmt, "--rows", str(rows)]
    command += ["--postgres", postgres] if postgres else []
    done = subprocess.run(command, capture_output=True, text=True, check=True, env={**os.environ})
    return json.loads(done.stdout.strip().splitlines()[-1])


def _line(m: dict) -> str:
    return (
        f"{m['engine']:>10} {m['format']:>7} {m['rows']:>10,} rows ({m['file_mib']:,.0f} MiB file) → "
        f"{m['records']:>9,} records: "
        f"{m['import_s']:6.1f} s = {m['rows_per_s']:>8,.0f} rows/s (re-import {m['reimport_s']:.1f} s); "
        f"peak Python heap (tracemalloc) "
        f"{m['tracemalloc_peak_mib']:5.1f} MiB; peak RSS (ru_maxrss) {m['maxrss_mib']:6.1f} MiB "
        f"(of which {m['maxrss_before_import_mib']:.1f} MiB before the import)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("csv", "litellm"), default="csv")
    parser.add_argument("--small", type=int, default=100_000, help="the smaller run to compare with (0: none)")
    parser.add_argument("--postgres", help="a PostgreSQL server's URL: import there instead of into SQLite")
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single:
        print(json.dumps(measure(args.format, args.rows, args.postgres)))
        return
    runs = [n for n in (args.small, args.rows) if n]
    results = [_child(args.format, n, args.postgres) for n in runs]
    for result in results:
        print(_line(result))
    if len(results) == 2:
        small, large = results
        print(
            f"{large['rows'] / small['rows']:.0f}× the rows: Python heap peak ×"
            f"{large['tracemalloc_peak_mib'] / small['tracemalloc_peak_mib']:.2f}, "
            f"RSS peak ×{large['maxrss_mib'] / small['maxrss_mib']:.2f}"
        )


if __name__ == "__main__":
    main()
