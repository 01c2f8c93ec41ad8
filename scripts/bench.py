#!/usr/bin/env python3
"""Benchmark validate, build and the loader against the I/O floor, at growing sizes.

    python scripts/bench.py [--sizes 10000 100000 1000000] [--runs 5] [--out FILE]

For each N it writes a synthetic dataset (scripts/synth.py) and reports the median of
--runs runs, each in a fresh process, of:
  validate   `allyledger validate`                       (wall time, peak RSS)
  build      `allyledger build` (validation included)    (wall time, peak RSS)
  floor      read every CSV with pyarrow.csv and write zstd Parquet, no checks
  invalid    `allyledger validate` on a copy with 1% of event rows broken
and, in this process, the median time to load support_events through
`allyledger.load` from a warm cache (served from 127.0.0.1) against plain
`pandas.read_parquet` of the same file. Ratios compare numbers measured in the same run:
each is the median of the runs' own ratios (each run times validate, the floor, build
and invalid one after another), so that the machine's drift does not enter it.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd

AS_OF = "2026-11-25"
FLOOR = """
import sys, pathlib, pyarrow.csv as c, pyarrow.parquet as pq
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
for path in sorted(src.glob("*.csv")):
    pq.write_table(c.read_csv(path), out / (path.stem + ".parquet"), compression="zstd")
"""


def timed(command: list[str]) -> tuple[float, float, int]:
    """Run a command; return (seconds, peak RSS in MB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def paired(
    a: list[tuple[float, float, int]], b: list[tuple[float, float, int]]
) -> float:
    """The median over runs of run i's time in `a` over its time in `b`."""
    return statistics.median(x[0] / y[0] for x, y in zip(a, b, strict=True))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def loader_times(
    dist: Path, build: Path, runs: int, cache: Path
) -> tuple[float, float]:
    import allyledger

    handler = functools.partial(_Quiet, directory=str(dist))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        allyledger.load(
            "support_events", base_url=url, cache_dir=cache
        )  # warm the cache
        load, plain = [], []
        for _ in range(runs):
            start = time.perf_counter()
            allyledger.load("support_events", base_url=url, cache_dir=cache)
            load.append(time.perf_counter() - start)
            start = time.perf_counter()
            pd.read_parquet(build / "support_events.parquet")
            plain.append(time.perf_counter() - start)
    finally:
        server.shutdown()
        server.server_close()
    return statistics.median(load), statistics.median(plain)


def serve_build(build: Path, dist: Path) -> None:
    """A DIST holding `build` as edition 2026.1, for the loader's timing: the files
    and an editions.json of their sizes and SHA-256s, which is all `load` reads. (A
    full `release` would also write the CSVs, the workbook and the report, which at
    a million rows takes minutes and is not what this measures.)"""
    from allyledger.outputs import file_entry
    from allyledger.tableschema import dumps

    edition = dist / "2026.1"
    shutil.copytree(build, edition)
    files = [file_entry(path) for path in sorted(edition.iterdir())]
    index = {
        "editions": [
            {
                "edition": "2026.1",
                "date": AS_OF,
                "schema_version": json.loads(
                    (build / "manifest.json").read_text("utf-8")
                )["schema_version"],
                "files": files,
            }
        ],
        "latest": "2026.1",
    }
    (dist / "editions.json").write_text(dumps(index), encoding="utf-8")


def bench_size(n: int, runs: int, work: Path) -> dict[str, Any]:
    folder = work / str(n)
    dataset = folder / "dataset"
    shutil.rmtree(folder, ignore_errors=True)
    # Generated in child processes, so this process stays small: a child's peak RSS
    # (ru_maxrss) starts from its parent's size at fork.
    script = str(Path(__file__).parent / "synth.py")
    subprocess.run([sys.executable, script, str(n), "--out", str(dataset)], check=True)
    subprocess.run(
        [
            sys.executable,
            script,
            str(n),
            "--out",
            str(folder / "invalid"),
            "--broken-every",
            "100",
        ],
        check=True,
    )
    broken = -(-n // 100)
    tool = [sys.executable, "-m", "allyledger"]
    samples: dict[str, list[tuple[float, float, int]]] = {
        "validate": [],
        "build": [],
        "floor": [],
        "invalid": [],
    }
    # In each run the floor is timed between validate and build, so that each of
    # them is compared with a floor measured a moment before or after it.
    for i in range(runs):
        samples["validate"].append(
            timed([*tool, "validate", str(dataset), "--as-of", AS_OF])
        )
        samples["floor"].append(
            timed(
                [sys.executable, "-c", FLOOR, str(dataset), str(folder / f"floor{i}")]
            )
        )
        samples["build"].append(
            timed(
                [
                    *tool,
                    "build",
                    str(dataset),
                    "--out",
                    str(folder / f"build{i}"),
                    "--as-of",
                    AS_OF,
                ]
            )
        )
        samples["invalid"].append(
            timed(
                [
                    *tool,
                    "validate",
                    str(folder / "invalid"),
                    "--as-of",
                    AS_OF,
                    "--max-errors",
                    "1000",
                ]
            )
        )
    codes = {k: {c for _, _, c in v} for k, v in samples.items()}
    if codes["validate"] != {0} or codes["build"] != {0} or codes["invalid"] != {1}:
        raise SystemExit(f"unexpected exit codes at N={n}: {codes}")
    serve_build(folder / "build0", folder / "dist")
    load, plain = loader_times(
        folder / "dist", folder / "build0", runs, folder / "cache"
    )
    row: dict[str, Any] = {"n": n, "broken_rows": broken}
    for key, values in samples.items():
        row[f"{key}_s"] = statistics.median(v[0] for v in values)
        row[f"{key}_rss_mb"] = max(v[1] for v in values)
    row["load_s"], row["read_parquet_s"] = load, plain
    # Each ratio is the median of the runs' own ratios: this machine's speed drifts
    # by a fifth or more within a minute, and a ratio of two numbers measured
    # seconds apart keeps its meaning where a ratio of two medians may not.
    row["validate_vs_floor"] = paired(samples["validate"], samples["floor"])
    row["build_vs_floor"] = paired(samples["build"], samples["floor"])
    row["invalid_vs_valid"] = paired(samples["invalid"], samples["validate"])
    row["samples_s"] = {key: [v[0] for v in values] for key, values in samples.items()}
    row["load_vs_read_parquet"] = load / plain
    shutil.rmtree(folder, ignore_errors=True)
    return row


def machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": round(
            os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1
        ),
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| N events | validate s | build s | floor s | validate/floor | build/floor | "
        "peak RSS validate / build MB | invalid/valid | load s | read_parquet s | "
        "load/read_parquet |"
    )
    lines = [head, "|" + " ---: |" * (head.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {int(r['n']):,} | {r['validate_s']:.2f} | {r['build_s']:.2f} | "
            f"{r['floor_s']:.2f} | {r['validate_vs_floor']:.2f}x | {r['build_vs_floor']:.2f}x | "
            f"{r['validate_rss_mb']:.0f} / {r['build_rss_mb']:.0f} | "
            f"{r['invalid_vs_valid']:.2f}x | {r['load_s']:.3f} | {r['read_parquet_s']:.3f} | "
            f"{r['load_vs_read_parquet']:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000]
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"))
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="scratch folder (default: a temporary one)",
    )
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="allyledger-bench-"))
    rows = [bench_size(n, args.runs, work) for n in args.sizes]
    result: dict[str, object] = {
        "machine": machine(),
        "runs": args.runs,
        "results": rows,
    }
    if len(rows) > 1:
        result["growth_last_vs_previous"] = (
            rows[-1]["validate_s"] / rows[-2]["validate_s"]
        )
        result["build_growth_last_vs_previous"] = (
            rows[-1]["build_s"] / rows[-2]["build_s"]
        )
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(table(rows))
    if "growth_last_vs_previous" in result:
        print(
            f"validate growth {args.sizes[-2]:,} -> {args.sizes[-1]:,}: "
            f"{result['growth_last_vs_previous']:.1f}x; build: "
            f"{result['build_growth_last_vs_previous']:.1f}x"
        )
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return result


if __name__ == "__main__":
    main()
