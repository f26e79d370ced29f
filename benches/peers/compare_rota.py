#!/usr/bin/env python3
"""Runs renkei and the CP-SAT peer on the rota bench instances, alternating, and scores
both rotas with renkei's independent validator.

    python3 benches/peers/compare_rota.py [--time-limit 30] [--runs 3]
        [--instances group-08,group-12,group-16,joint-3,city-12] [--workers 2]

Run from anywhere; paths are relative to the repository. Needs `target/release/renkei`
(`cargo build --release`) and the instances (`cargo run -q --release -p renkei-benches
--bin rota-instances`). Writes target/rota-bench/compare.md and compare.json; rotas and
exported problems go to target/rota-bench/compare/<instance>/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "target" / "rota-bench"
PEER = Path(__file__).resolve().parent / "cpsat_rota.py"
DEFAULT_INSTANCES = "group-08,group-12,group-16,joint-3,city-12"


def run(command: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    """Runs a whole process; its wall time."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return done, time.perf_counter() - started


def validate(renkei: Path, problem_toml: Path, rota: Path) -> dict:
    """renkei's validator on a rota file: violations, shortfall units and objective."""
    done, _ = run([str(renkei), "rota", "validate", str(problem_toml), str(rota), "--format", "json"])
    if done.returncode not in (0, 1, 2) or not done.stdout.strip():
        return {"error": f"validate exited {done.returncode}: {done.stderr.strip()[:500]}"}
    report = json.loads(done.stdout)["report"]
    return {
        "exit": done.returncode,
        "violations": report["violations"],
        "shortfall": sum(s.get("missing", 1) for s in report["shortfalls"]),
        "objective": report["objective"]["total"],
        "terms": {k: v for k, v in report["objective"].items() if k != "total"},
    }


def loud(message: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n!!! {message}\n{bar}\n", file=sys.stderr, flush=True)


def solve_renkei(renkei: Path, problem_toml: Path, out: Path, time_limit: float) -> dict:
    done, wall = run([str(renkei), "rota", "solve", str(problem_toml), "--time-limit", str(time_limit),
                      "--format", "json", "--out", str(out)])
    result = {"wall": wall, "exit": done.returncode}
    if done.returncode not in (0, 2):
        result["error"] = done.stderr.strip()[-1000:]
        return result
    answer = json.loads(done.stdout)
    status = answer["status"]
    result["status"] = status["status"]
    if status["status"] != "optimal":
        result["proof"] = status
    result["solver_objective"] = answer["report"]["objective"]["total"]
    result["stages"] = [{k: s[k] for k in ("stage", "optimal", "objective", "bound", "seconds", "binaries")}
                        for s in answer["stages"]]
    result["binaries"] = sum(s["binaries"] for s in answer["stages"] if s["stage"] == "coverage")
    return result


def solve_cpsat(problem_json: Path, out: Path, time_limit: float, workers: int, subsolvers: str | None) -> dict:
    command = [sys.executable, str(PEER), str(problem_json), "--time-limit", str(time_limit),
               "--out", str(out), "--workers", str(workers)]
    if subsolvers is not None:
        command += ["--subsolvers", subsolvers]
    done, wall = run(command)
    result = {"wall": wall, "exit": done.returncode}
    if done.returncode != 0:
        result["error"] = done.stderr.strip()[-1000:]
        return result
    if done.stderr.strip():
        result["stderr"] = done.stderr.strip()[-1000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    result["status"] = answer["status"].lower()
    for key in ("shortfall", "objective", "bound", "seconds", "stage_seconds", "binaries", "components"):
        result[key if key not in ("shortfall", "objective") else "solver_" + key] = answer[key]
    return result


def fmt(value: float) -> str:
    text = f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def summary(runs: list[dict]) -> dict:
    """Medians and the spread of a solver's runs on one instance."""
    ok = [r for r in runs if "error" not in r and "error" not in r.get("validator", {"error": 1})]
    if not ok:
        return {"wall": "error", "status": "error", "shortfall": "—", "objective": "—", "optimum": "—"}
    walls = [r["wall"] for r in ok]
    statuses = [r["status"] for r in ok]
    status = statuses[0] if len(set(statuses)) == 1 else "/".join(statuses)
    if len(set(statuses)) == 1 and len(ok) > 1:
        status += f" ×{len(ok)}"

    def spread(values: list[float]) -> str:
        if len(set(values)) == 1:
            return fmt(values[0])
        return f"{fmt(statistics.median(values))} [{fmt(min(values))}–{fmt(max(values))}]"

    shortfalls = [r["validator"]["shortfall"] for r in ok]
    objectives = [r["validator"]["objective"] for r in ok]
    proven = [r["wall"] for r in ok if r["status"] == "optimal"]
    if not proven:
        optimum = "—"
    else:
        optimum = f"{statistics.median(proven):.2f} s"
        if len(proven) < len(ok):
            optimum += f" ({len(proven)}/{len(ok)} runs)"
    violations = sum(len(r["validator"]["violations"]) for r in ok)
    return {
        "wall": f"{statistics.median(walls):.2f}",
        "status": status,
        "shortfall": spread(shortfalls),
        "objective": spread(objectives) + (f" ⚠ {violations} violations" if violations else ""),
        "optimum": optimum,
    }


def table(rows: list[dict], time_limit: float, runs: int, workers: int) -> str:
    lines = [
        f"Time limit {fmt(time_limit)} s per run, {runs} runs each, alternating renkei and CP-SAT; "
        f"CP-SAT with {workers} workers. Wall = median wall-clock seconds of the whole process. "
        "Shortfall and objective are renkei's validator's scores of each rota "
        "(median [min–max] when runs differ). Time to proven optimum: median wall of the runs "
        "that proved every stage optimal. The raw runs give the 1-minute load average before each run "
        "(the machine has 2 cores; other work skews wall times).",
        "",
        "| instance | doctors | binaries | renkei wall s | renkei status | renkei shortfall | renkei objective "
        "| CP-SAT wall s | CP-SAT status | CP-SAT shortfall | CP-SAT objective "
        "| renkei time to proven optimum | CP-SAT time to proven optimum |",
        "|---|--:|--:|--:|---|--:|--:|--:|---|--:|--:|--:|--:|",
    ]
    for row in rows:
        r, c = summary(row["renkei"]), summary(row["cpsat"])
        lines.append(
            f"| {row['instance']} | {row['doctors']} | {row['binaries']} "
            f"| {r['wall']} | {r['status']} | {r['shortfall']} | {r['objective']} "
            f"| {c['wall']} | {c['status']} | {c['shortfall']} | {c['objective']} "
            f"| {r['optimum']} | {c['optimum']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--instances", default=DEFAULT_INSTANCES)
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    parser.add_argument("--subsolvers", default=None, help="passed to cpsat_rota.py (default: its own)")
    parser.add_argument("--renkei", default=str(ROOT / "target" / "release" / "renkei"))
    args = parser.parse_args()
    renkei = Path(args.renkei)
    if not renkei.exists():
        sys.exit(f"{renkei} not found: cargo build --release")

    rows = []
    for instance in args.instances.split(","):
        problem_toml = BENCH / instance / "problem.toml"
        if not problem_toml.exists():
            sys.exit(f"{problem_toml} not found: cargo run -q --release -p renkei-benches --bin rota-instances")
        work = BENCH / "compare" / instance
        work.mkdir(parents=True, exist_ok=True)
        exported = subprocess.run([str(renkei), "rota", "export", str(problem_toml)],
                                  capture_output=True, text=True, check=True).stdout
        problem_json = work / "problem.json"
        problem_json.write_text(exported, encoding="utf-8")
        problem = json.loads(exported)
        row = {"instance": instance, "doctors": len(problem["doctors"]), "binaries": None,
               "renkei": [], "cpsat": []}
        for i in range(1, args.runs + 1):
            for solver in ("renkei", "cpsat"):
                out = work / f"rota-{solver}-{i}.json"
                out.unlink(missing_ok=True)
                load = os.getloadavg()[0]  # other work on the machine skews wall times
                if solver == "renkei":
                    result = solve_renkei(renkei, problem_toml, out, args.time_limit)
                else:
                    result = solve_cpsat(problem_json, out, args.time_limit, args.workers, args.subsolvers)
                result["run"] = i
                result["load_before"] = round(load, 2)
                if "error" in result:
                    loud(f"{instance} run {i}: {solver} failed: {result['error']}")
                elif not out.exists():
                    result["error"] = "no rota file written"
                    loud(f"{instance} run {i}: {solver} wrote no rota")
                else:
                    result["validator"] = validate(renkei, problem_toml, out)
                    v = result["validator"]
                    if "error" in v:
                        loud(f"{instance} run {i}: validating {solver}'s rota failed: {v['error']}")
                    elif v["violations"]:
                        loud(f"{instance} run {i}: {solver}'s rota BREAKS {len(v['violations'])} HARD RULES: "
                             + json.dumps(v["violations"][:10], ensure_ascii=False))
                    if solver == "renkei" and "binaries" in result:
                        row["binaries"] = result["binaries"]
                    if solver == "cpsat" and "error" not in v and v["objective"] != result.get("solver_objective"):
                        if abs(v["objective"] - result["solver_objective"]) > 1e-6:
                            loud(f"{instance} run {i}: CP-SAT peer says objective {result['solver_objective']}, "
                                 f"validator says {v['objective']}")
                row[solver].append(result)
                v = result.get("validator", {})
                print(f"{instance} run {i} {solver:6}: {result['wall']:.2f} s wall, "
                      f"{result.get('status', 'error')}, shortfall {v.get('shortfall')}, "
                      f"objective {v.get('objective')}", file=sys.stderr, flush=True)
        rows.append(row)

    markdown = table(rows, args.time_limit, args.runs, args.workers)
    print(markdown)
    raw = {"time_limit": args.time_limit, "runs": args.runs, "workers": args.workers,
           "subsolvers": args.subsolvers, "instances": rows}
    (BENCH / "compare.json").write_text(json.dumps(raw, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = [markdown, "## Raw runs", "",
             "| instance | run | solver | wall s | load | status | shortfall | objective | violations | detail |",
             "|---|--:|---|--:|--:|---|--:|--:|--:|---|"]
    for row in rows:
        for solver in ("renkei", "cpsat"):
            for r in row[solver]:
                v = r.get("validator", {})
                if solver == "renkei":
                    detail = "; ".join(f"{s['stage']} {s['seconds']:.2f}s {'opt' if s['optimal'] else 'gap'} "
                                       f"{fmt(s['objective'])}≥{fmt(s['bound'])}" for s in r.get("stages", []))
                else:
                    detail = (f"stages {r.get('stage_seconds')}; bound {r.get('bound')}"
                              if "error" not in r else r["error"][:200])
                lines.append(f"| {row['instance']} | {r['run']} | {solver} | {r['wall']:.2f} | {r['load_before']} | "
                             f"{r.get('status', 'error')} | {v.get('shortfall', '—')} | {v.get('objective', '—')} | "
                             f"{len(v.get('violations', []))} | {detail} |")
    (BENCH / "compare.md").write_text(markdown + "\n" + "\n".join(lines[1:]) + "\n", encoding="utf-8")
    print(f"wrote {BENCH / 'compare.md'} and {BENCH / 'compare.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
