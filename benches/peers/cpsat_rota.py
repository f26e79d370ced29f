#!/usr/bin/env python3
"""OR-Tools CP-SAT peer for renkei's rota engine.

    python3 benches/peers/cpsat_rota.py PROBLEM.json --time-limit S --out ROTA.json [--workers N]

PROBLEM.json is `renkei rota export PROBLEM.toml`. The model is the one renkei solves
(core/src/rota/model, scored by core/src/rota/validate): see README.md in this
directory for the rule-by-rule mapping. Lexicographic, like renkei: stage 1 minimises
coverage shortfall units, stage 2 the soft objective with the shortfall held at stage
1's best. Independent components (groups linked by doctors in several groups) are
solved one after another, as renkei solves them separately.

Prints one JSON line: status, shortfall, objective (unscaled), bound (unscaled, stage
2), seconds, stage_seconds ([coverage, fairness] summed over components), and details
per component.
"""

from __future__ import annotations

import os
import time


def _process_age() -> float:
    """Seconds since this process started (Linux), so the budget covers interpreter
    start-up too; 0 where /proc is missing."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return max(uptime - start_ticks / os.sysconf("SC_CLK_TCK"), 0.0)
    except (OSError, ValueError, IndexError):
        return 0.0


# The run's budget starts with the process, before the (slow) ortools import.
STARTED = time.perf_counter() - _process_age()

import argparse
import json
import math
import sys
from datetime import date, datetime
from fractions import Fraction

from ortools.sat.python import cp_model

ROLES = ("primary", "secondary")
NIGHTS = ("weekday_night", "holiday_night")
HOLIDAY_DUTIES = ("holiday_day", "holiday_night")
POINT_SCALE = 100  # points and targets in 1/100 point: targets have 2 decimals, points are k/4
SAFETY = 0.15  # seconds kept back from --time-limit for writing the output


# ---------------------------------------------------------------------------------------
# Exact arithmetic helpers


def exact_int(value: float, scale: int, what: str) -> int:
    """`value × scale` as an integer; fails loudly if it is not one."""
    scaled = Fraction(str(value)) * scale
    if scaled.denominator != 1:
        raise SystemExit(f"{what} = {value} is not a multiple of 1/{scale}; cannot scale exactly")
    return int(scaled)


def cost_scale(weights: dict) -> int:
    """The smallest power of ten S making every objective coefficient an integer when
    costs are multiplied by S (fairness is priced per 1/100 point)."""
    per_unit = [Fraction(str(c)) / POINT_SCALE for c in weights["fairness"]]
    others = [Fraction(str(c)) for c in weights["holiday_fairness"] + weights["night_fairness"]]
    others += [Fraction(str(weights["request"])), Fraction(str(weights["unmet_patient"]))]
    for power in range(0, 9):
        scale = 10**power
        if all((f * scale).denominator == 1 for f in per_unit + others):
            return scale
    raise SystemExit("objective weights cannot be scaled to integers")


class Piecewise:
    """Cost of a deviation `e ≥ 0` beyond a band: segments of given widths (None = the
    rest) at given integer costs per unit, like ObjectiveWeights::fairness_cost and
    count_cost."""

    def __init__(self, widths: list[int | None], costs: list[int]):
        self.widths = widths
        self.costs = costs

    def __call__(self, excess: int) -> int:
        total, left = 0, max(excess, 0)
        for width, cost in zip(self.widths, self.costs):
            take = left if width is None else min(left, width)
            total += cost * take
            left -= take
        return total

    def convex(self) -> bool:
        return all(c >= 0 for c in self.costs) and all(a <= b for a, b in zip(self.costs, self.costs[1:]))

    def lines(self) -> list[tuple[int, int]]:
        """For a convex cost: (slope, intercept) with cost(e) = max(0, max slope·e + intercept)."""
        lines, start, value = [], 0, 0
        for width, cost in zip(self.widths, self.costs):
            lines.append((cost, value - cost * start))
            if width is None:
                break
            value += cost * width
            start += width
        return lines


# ---------------------------------------------------------------------------------------
# The problem


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Problem:
    def __init__(self, raw: dict):
        self.raw = raw
        self.groups = raw["groups"]
        self.doctors = raw["doctors"]
        self.slots = raw["slots"]
        self.cover_sets = raw["cover_sets"]
        self.requests = raw["requests"]
        self.demands = raw["cover_demands"]
        self.weights = raw["weights"]
        for slot in self.slots:
            slot["_date"] = date.fromisoformat(slot["date"])
            slot["_start"] = parse_instant(slot["start"])
            slot["_end"] = parse_instant(slot["end"])
            slot["_blocked"] = {b["doctor"] for b in slot["blocked"]}
            slot["_points"] = [exact_int(p, POINT_SCALE, "slot points") for p in slot["points"]]
        for demand in self.demands:
            demand["_points"] = exact_int(demand["points"], POINT_SCALE, "cover points")

        w = self.weights
        self.scale = cost_scale(w)
        s = self.scale
        self.half = exact_int(w["band_half_width"], POINT_SCALE, "band_half_width")
        seg = exact_int(w["segment_width"], POINT_SCALE, "segment_width")
        self.fairness = Piecewise(
            [seg, seg, None], [int(Fraction(str(c)) * s / POINT_SCALE) for c in w["fairness"]]
        )
        self.holiday = Piecewise([1, None], [int(Fraction(str(c)) * s) for c in w["holiday_fairness"]])
        self.night = Piecewise([1, None], [int(Fraction(str(c)) * s) for c in w["night_fairness"]])
        self.request_unit = Fraction(str(w["request"])) * s
        self.unmet_unit = Fraction(str(w["unmet_patient"])) * s
        for doctor in self.doctors:
            doctor["_target"] = exact_int(doctor["target"], POINT_SCALE, "target")
            doctor["_holiday_band"] = (math.floor(doctor["holiday_target"]), math.ceil(doctor["holiday_target"]))
            doctor["_night_band"] = (math.floor(doctor["night_target"]), math.ceil(doctor["night_target"]))

    def components(self) -> list[list[int]]:
        """Groups linked by shared doctors, like RotaProblem::components."""
        parent = list(range(len(self.groups)))

        def root(g: int) -> int:
            while parent[g] != g:
                parent[g] = parent[parent[g]]
                g = parent[g]
            return g

        for doctor in self.doctors:
            for a, b in zip(doctor["groups"], doctor["groups"][1:]):
                ra, rb = root(a), root(b)
                parent[max(ra, rb)] = min(ra, rb)
        by_root: dict[int, list[int]] = {}
        for g in range(len(self.groups)):
            by_root.setdefault(root(g), []).append(g)
        return list(by_root.values())

    # Exact scoring of a rota (ints, scaled): the validator's terms, for reporting and
    # for hints. Independent of the CP-SAT model.
    def score(self, duties: set, covers: set, doctors=None, slots=None, demands=None, requests=None):
        doctors = range(len(self.doctors)) if doctors is None else doctors
        slots = range(len(self.slots)) if slots is None else slots
        demands = range(len(self.demands)) if demands is None else demands
        requests = range(len(self.requests)) if requests is None else requests
        on_duty: dict[int, set] = {}
        filled: dict[tuple, int] = {}
        points = {d: 0 for d in doctors}
        nights = {d: 0 for d in doctors}
        holidays = {d: 0 for d in doctors}
        for s, r, d in duties:
            slot = self.slots[s]
            on_duty.setdefault(s, set()).add(d)
            filled[s, r] = filled.get((s, r), 0) + 1
            if d in points:
                points[d] += slot["_points"][ROLES.index(r)]
                nights[d] += slot["kind"] in NIGHTS
                holidays[d] += slot["kind"] in HOLIDAY_DUTIES
        covered = {}
        for a, d in covers:
            covered[a] = d
            if d in points:
                points[d] += self.demands[a]["_points"]
        shortfall = 0
        for s in slots:
            slot = self.slots[s]
            there = on_duty.get(s, set())
            for r in ROLES:
                shortfall += max(slot["demand"][r] - filled.get((s, r), 0), 0)
            if slot["needs_medical_care_child"] and not any(self.doctors[d]["medical_care_child"] for d in there):
                shortfall += 1
            for c in slot["cover_sets"]:
                if not there.intersection(self.cover_sets[c]["doctors"]):
                    shortfall += 1
        shortfall += sum(1 for a in demands if a not in covered)
        terms = {"fairness": 0, "holiday_fairness": 0, "night_fairness": 0, "requests": 0, "unmet_patients": 0}
        for d in doctors:
            doc = self.doctors[d]
            low, high = doc["_target"] - self.half, doc["_target"] + self.half
            terms["fairness"] += self.fairness(max(points[d] - high, 0) + max(low - points[d], 0))
            lo, hi = doc["_holiday_band"]
            terms["holiday_fairness"] += self.holiday(max(holidays[d] - hi, 0) + max(lo - holidays[d], 0))
            lo, hi = doc["_night_band"]
            terms["night_fairness"] += self.night(max(nights[d] - hi, 0) + max(lo - nights[d], 0))
        for q in requests:
            req = self.requests[q]
            weight = self.request_unit * req["weight"]
            taken = sum(1 for s in req["slots"] if req["doctor"] in on_duty.get(s, ()))
            if req["kind"] == "avoid":
                terms["requests"] += weight * taken
            elif taken == 0:
                terms["requests"] += weight
        for a, d in covers:
            unmet = next((c["unmet"] for c in self.demands[a]["candidates"] if c["doctor"] == d), 0)
            terms["unmet_patients"] += self.unmet_unit * unmet
        terms = {k: int(v) for k, v in terms.items()}
        return shortfall, terms


# ---------------------------------------------------------------------------------------
# One component's model


class ComponentModel:
    def __init__(self, problem: Problem, groups: list[int]):
        self.p = p = problem
        self.groups = set(groups)
        self.slot_ids = [s for s, slot in enumerate(p.slots) if slot["group"] in self.groups]
        self.doctor_ids = [d for d, doc in enumerate(p.doctors) if self.groups.intersection(doc["groups"])]
        self.demand_ids = [a for a, dem in enumerate(p.demands) if dem["group"] in self.groups]
        in_comp = set(self.doctor_ids)
        self.request_ids = [q for q, req in enumerate(p.requests) if req["doctor"] in in_comp]
        self.m = m = cp_model.CpModel()

        # Variables x[s, r, d]: members not blocked, roles with demand.
        self.x: dict[tuple, cp_model.IntVar] = {}
        self.x_of_slot_doctor: dict[tuple, list] = {}
        self.slots_of: dict[int, list[int]] = {d: [] for d in self.doctor_ids}
        for s in self.slot_ids:
            slot = p.slots[s]
            for r in ROLES:
                if slot["demand"][r] == 0:
                    continue
                for d in p.groups[slot["group"]]["members"]:
                    if d in slot["_blocked"]:
                        continue
                    var = m.new_bool_var(f"x_{s}_{r[0]}_{d}")
                    self.x[s, r, d] = var
                    self.x_of_slot_doctor.setdefault((s, d), []).append(var)
        self.x_by_slot: dict[int, list] = {s: [] for s in self.slot_ids}
        for (s, r, d), v in self.x.items():
            self.x_by_slot[s].append((r, d, v))
        for s, d in self.x_of_slot_doctor:
            self.slots_of[d].append(s)
        for d in self.slots_of:
            self.slots_of[d].sort()
        # y[a, d]: cover candidates.
        self.y: dict[tuple, cp_model.IntVar] = {}
        for a in self.demand_ids:
            for c in p.demands[a]["candidates"]:
                self.y[a, c["doctor"]] = m.new_bool_var(f"y_{a}_{c['doctor']}")

        self.slacks: list[cp_model.IntVar] = []
        self.add_hard_rules()
        self.add_coverage()
        self.soft_added = False
        self.hinted: list[tuple] = []  # auxiliary (var, value from the hinted rota)
        self.hint_value: dict[int, int] = {}
        self.objective_terms: list = []
        self.objective_constant = 0

    def on_duty(self, s: int, d: int):
        return sum(self.x_of_slot_doctor.get((s, d), []))

    # Hard rules -----------------------------------------------------------------------
    def add_hard_rules(self):
        p, m = self.p, self.m
        for d in self.doctor_ids:
            doc = p.doctors[d]
            slots = self.slots_of[d]
            if not slots:
                continue
            k = doc["min_days_between"]
            # A doctor takes at most one role of a slot (implied by a window when k ≥ 1).
            for s in slots:
                vars_ = self.x_of_slot_doctor[s, d]
                if len(vars_) > 1:
                    m.add_at_most_one(vars_)
            # min_days_between: dates closer than k days apart → at most one duty in every
            # window of k consecutive dates (covers every pair with |Δdate| < k).
            by_date: dict[date, list] = {}
            for s in slots:
                by_date.setdefault(p.slots[s]["_date"], []).extend(self.x_of_slot_doctor[s, d])
            dates = sorted(by_date)
            if k >= 1:
                seen = set()
                for first in dates:
                    in_window = [t for t in dates if 0 <= (t - first).days < k]
                    key = tuple(in_window)
                    vars_ = [v for t in in_window for v in by_date[t]]
                    if len(vars_) > 1 and key not in seen:
                        seen.add(key)
                        m.add_at_most_one(vars_)
            # No overlap in time: cliques of slots containing each start instant.
            cliques = set()
            for s in slots:
                at = p.slots[s]["_start"]
                clique = tuple(t for t in slots if p.slots[t]["_start"] <= at < p.slots[t]["_end"])
                if len(clique) < 2:
                    continue
                span = max(p.slots[t]["_date"] for t in clique) - min(p.slots[t]["_date"] for t in clique)
                if span.days < k:
                    continue  # one window holds them all
                cliques.add(clique)
            for clique in cliques:
                m.add_at_most_one([v for t in clique for v in self.x_of_slot_doctor[t, d]])
            # No nights on dates one day apart (pairs; implied by a window when k ≥ 2).
            if doc["no_consecutive_nights"] and k < 2:
                nights: dict[date, list[int]] = {}
                for s in slots:
                    if p.slots[s]["kind"] in NIGHTS:
                        nights.setdefault(p.slots[s]["_date"], []).append(s)
                for t, tonight in nights.items():
                    for tomorrow in nights.get(date.fromordinal(t.toordinal() + 1), []):
                        for s in tonight:
                            m.add_at_most_one(self.x_of_slot_doctor[s, d] + self.x_of_slot_doctor[tomorrow, d])
        # Monthly caps per group, per doctor, per calendar month, over that group's slots.
        for g in self.groups:
            group = p.groups[g]
            caps = [(group["rules"].get("max_duties_per_month"), False),
                    (group["rules"].get("max_holiday_duties_per_month"), True)]
            for cap, weekend_only in caps:
                if cap is None:
                    continue
                for d in group["members"]:
                    by_month: dict[tuple, list] = {}
                    for s in self.slots_of.get(d, []):
                        slot = p.slots[s]
                        if slot["group"] != g or (weekend_only and not slot["weekend_or_holiday"]):
                            continue
                        month = (slot["_date"].year, slot["_date"].month)
                        by_month.setdefault(month, []).extend(self.x_of_slot_doctor[s, d])
                    for vars_ in by_month.values():
                        if len(vars_) > cap:
                            m.add(sum(vars_) <= cap)

    # Coverage, with shortfall slacks ---------------------------------------------------------
    def add_coverage(self):
        p, m = self.p, self.m
        for s in self.slot_ids:
            slot = p.slots[s]
            for r in ROLES:
                need = slot["demand"][r]
                if need == 0:
                    continue
                filled = [v for role, _d, v in self.x_by_slot[s] if role == r]
                missing = m.new_int_var(0, need, f"miss_{s}_{r[0]}")
                self.slacks.append(missing)
                # Exactly the demand less the shortfall (more would be over-filled).
                m.add(sum(filled) + missing == need)
            on_slot = [(d, v) for _r, d, v in self.x_by_slot[s]]
            if slot["needs_medical_care_child"]:
                missing = m.new_bool_var(f"nocap_{s}")
                self.slacks.append(missing)
                m.add(sum(v for d, v in on_slot if p.doctors[d]["medical_care_child"]) + missing >= 1)
            for c in slot["cover_sets"]:
                near = set(p.cover_sets[c]["doctors"])
                missing = m.new_bool_var(f"nonear_{s}_{c}")
                self.slacks.append(missing)
                m.add(sum(v for d, v in on_slot if d in near) + missing >= 1)
        for a in self.demand_ids:
            missing = m.new_bool_var(f"uncovered_{a}")
            self.slacks.append(missing)
            m.add(sum(v for (b, _d), v in self.y.items() if b == a) + missing == 1)

    def shortfall(self):
        return sum(self.slacks)

    # Soft objective (stage 2) -----------------------------------------------------------
    def band_cost(self, expr, low: int, high: int, cost: Piecewise, ub: int, name: str, hint_of):
        """A variable for cost(max(expr − high, 0) + max(low − expr, 0)), for an integer
        linear `expr` whose value lies in [0, ub]; an int when `expr` is constant.

        Convex costs (the default weights) are written as `var ≥ each line` on both
        sides of the band, linear for the LP relaxation; minimisation makes the variable
        equal to the cost at an optimum, and the reported objective is rescored exactly
        from the rota anyway. A non-convex cost gets an exact max/min encoding."""
        if isinstance(expr, int):
            return cost(max(expr - high, 0) + max(low - expr, 0))
        m = self.m
        worst = cost(max(ub - high, low, 0))  # the largest excess for a value in [0, ub]
        var = m.new_int_var(0, worst, name)
        self.hinted.append((var, lambda: cost(max(hint_of() - high, 0) + max(low - hint_of(), 0))))
        if cost.convex():
            for slope, intercept in cost.lines():
                if ub - high > 0:
                    m.add(var >= slope * (expr - high) + intercept)
                if low > 0:
                    m.add(var >= slope * (low - expr) + intercept)
            return var
        over = m.new_int_var(0, max(ub - high, 0), name + "_over")
        under = m.new_int_var(0, max(low, 0), name + "_under")
        m.add_max_equality(over, [0, expr - high])
        m.add_max_equality(under, [0, low - expr])
        left = over + under
        total = 0
        bound = max(ub - high, 0) + max(low, 0)
        for i, (width, c) in enumerate(zip(cost.widths, cost.costs)):
            rest = m.new_int_var(0, bound, f"{name}_r{i}")
            m.add_max_equality(rest, [0, left])
            if width is None:
                take = rest
            else:
                take = m.new_int_var(0, width, f"{name}_s{i}")
                m.add_min_equality(take, [rest, width])
            left = left - take
            total += c * take
        m.add(var == total)
        return var

    def add_soft(self):
        p, m = self.p, self.m
        terms, constant = [], 0
        x_of_doctor: dict[int, list] = {d: [] for d in self.doctor_ids}
        for (s, r, d), v in self.x.items():
            x_of_doctor[d].append((s, r, v))
        y_of_doctor: dict[int, list] = {d: [] for d in self.doctor_ids}
        for (a, d), v in self.y.items():
            y_of_doctor[d].append((a, v))
        for d in self.doctor_ids:
            doc = p.doctors[d]
            load = [(p.slots[s]["_points"][ROLES.index(r)], v) for s, r, v in x_of_doctor[d]]
            load += [(p.demands[a]["_points"], v) for a, v in y_of_doctor.get(d, [])]
            expr = sum(c * v for c, v in load) if load else 0
            ub = sum(c for c, _ in load)
            low, high = doc["_target"] - p.half, doc["_target"] + p.half
            terms.append(self.band_cost(expr, low, high, p.fairness, ub, f"fair_{d}",
                                        lambda load=load: sum(c * self.hint_value[v.index] for c, v in load)))
            for kinds, band, cost, label in ((HOLIDAY_DUTIES, doc["_holiday_band"], p.holiday, "hol"),
                                             (NIGHTS, doc["_night_band"], p.night, "night")):
                counted = [v for s, _r, v in x_of_doctor[d] if p.slots[s]["kind"] in kinds]
                # A doctor takes at most one role of a slot, so the sum counts duties.
                cexpr = sum(counted) if counted else 0
                terms.append(self.band_cost(cexpr, band[0], band[1], cost, len(counted), f"{label}_{d}",
                                            lambda counted=counted: sum(self.hint_value[v.index] for v in counted)))
        for q in self.request_ids:
            req = p.requests[q]
            weight = p.request_unit * req["weight"]
            assert weight.denominator == 1
            weight = int(weight)
            taken = [v for s in req["slots"] for v in self.x_of_slot_doctor.get((s, req["doctor"]), [])]
            if req["kind"] == "avoid":
                terms.extend(weight * v for v in taken)
            elif not taken:
                constant += weight
            else:
                met = m.new_bool_var(f"met_{q}")
                m.add_max_equality(met, taken)
                self.hinted.append((met, lambda taken=taken: max(self.hint_value[v.index] for v in taken)))
                constant += weight
                terms.append(-weight * met)
        for (a, d), v in self.y.items():
            unmet = next(c["unmet"] for c in p.demands[a]["candidates"] if c["doctor"] == d)
            coef = p.unmet_unit * unmet
            assert coef.denominator == 1
            if coef:
                terms.append(int(coef) * v)
        ints = sum(t for t in terms if isinstance(t, int))
        self.soft = sum(t for t in terms if not isinstance(t, int)) + ints + constant

    # Solving ------------------------------------------------------------------------------
    def solve(self, seconds: float, options):
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(seconds, 0.01)
        solver.parameters.num_workers = options.workers
        solver.parameters.random_seed = 0
        solver.parameters.log_search_progress = options.log
        if options.subsolvers:
            solver.parameters.subsolvers.extend(options.subsolvers.split(","))
        started = time.perf_counter()
        status = solver.solve(self.m)
        return solver, status, time.perf_counter() - started

    def values(self, solver):
        duties = {(s, r, d) for (s, r, d), v in self.x.items() if solver.boolean_value(v)}
        covers = {(a, d) for (a, d), v in self.y.items() if solver.boolean_value(v)}
        return duties, covers

    def hint(self, duties, covers, slack_values):
        """A complete hint: the rota, its slacks, and every auxiliary variable's value."""
        self.m.clear_hints()
        values = self.hint_value
        for key, v in self.x.items():
            values[v.index] = int(key in duties)
        for key, v in self.y.items():
            values[v.index] = int(key in covers)
        for v, value in zip(self.slacks, slack_values):
            values[v.index] = value
        for v, value_of in self.hinted:
            values[v.index] = value_of()
        for v in list(self.x.values()) + list(self.y.values()) + self.slacks + [v for v, _ in self.hinted]:
            self.m.add_hint(v, values[v.index])


def solve_component(problem: Problem, groups: list[int], budget: float, options) -> dict:
    begun = time.perf_counter()
    deadline = begun + budget
    comp = ComponentModel(problem, groups)
    n_bool = len(comp.x) + len(comp.y)

    # Stage 1: least shortfall. Quick; capped at half the component's budget.
    comp.m.minimize(comp.shortfall())
    left = deadline - time.perf_counter()
    solver, status, s1 = comp.solve(left * 0.5, options)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # No rota at all in time (renkei fails with NoSolutionInTime here).
        return {"groups": groups, "status": solver.status_name(status), "stage_status": [solver.status_name(status)],
                "duties": set(), "covers": set(), "stage1_shortfall": None, "stage2_objective": None,
                "stage_seconds": [s1, 0.0], "binaries": n_bool, "optimal": False, "bound": None, "solved": False}
    duties, covers = comp.values(solver)
    best_short = round(solver.objective_value)
    stage1_optimal = status == cp_model.OPTIMAL
    slack_values = [solver.value(v) for v in comp.slacks]

    # Stage 2: soft objective with shortfall held at stage 1's best, hinted from stage 1.
    if best_short == 0:
        for v in comp.slacks:
            comp.m.add(v == 0)
    else:
        comp.m.add(comp.shortfall() <= best_short)
    comp.add_soft()
    comp.m.minimize(comp.soft)
    comp.hint(duties, covers, slack_values)
    left = deadline - time.perf_counter()
    solver2, status2, s2 = comp.solve(left, options)
    bound = None
    optimal = False
    if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        duties, covers = comp.values(solver2)
        bound = solver2.best_objective_bound
        optimal = stage1_optimal and status2 == cp_model.OPTIMAL
        stage2_objective = solver2.objective_value
    else:
        stage2_objective = None
    return {
        "groups": groups, "duties": duties, "covers": covers, "optimal": optimal,
        "status": "OPTIMAL" if optimal else ("FEASIBLE"),
        "stage_status": [solver.status_name(status), solver2.status_name(status2)],
        "stage1_shortfall": best_short, "stage2_objective": stage2_objective, "bound": bound,
        "stage_seconds": [s1, s2], "binaries": n_bool,
        "doctors": comp.doctor_ids, "slots": comp.slot_ids, "demands": comp.demand_ids,
        "requests": comp.request_ids, "solved": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problem")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--subsolvers", default="max_lp",
                        help="CP-SAT full-problem subsolver(s), comma-separated; '' for CP-SAT's default "
                             "portfolio (with 2 workers: default_lp, whose LP bound stays at 0 here)")
    parser.add_argument("--log", action="store_true", help="CP-SAT search log on stderr")
    args = parser.parse_args()
    deadline = STARTED + args.time_limit - SAFETY

    with open(args.problem, encoding="utf-8") as f:
        problem = Problem(json.load(f))
    components = problem.components()
    # Solve the smallest components first; each gets a share of the time left in
    # proportion to its size, and what it does not use passes on to the next.
    def size(groups):
        return sum(len(problem.groups[problem.slots[s]["group"]]["members"])
                   for s in range(len(problem.slots)) if problem.slots[s]["group"] in groups)
    components.sort(key=size)
    results = []
    for i, groups in enumerate(components):
        left = deadline - time.perf_counter()
        share = left * size(groups) / sum(size(g) for g in components[i:])
        results.append(solve_component(problem, groups, max(share, 0.05), args))

    duties = set().union(*(r["duties"] for r in results))
    covers = set().union(*(r["covers"] for r in results))
    shortfall, terms = problem.score(duties, covers)
    scale = problem.scale
    objective = sum(terms.values())
    # Doctors outside every group (none in practice) add a constant to the bound.
    outside = [d for d, doc in enumerate(problem.doctors) if not doc["groups"]]
    _, outside_terms = problem.score(set(), set(), doctors=outside, slots=[], demands=[], requests=[])
    constant = sum(outside_terms.values())
    solved = all(r["stage2_objective"] is not None for r in results)
    bound = (sum(r["bound"] for r in results) + constant) / scale if solved else None
    # Self-check: the rescored objective is never above the model's (the model's cost
    # variables are ≥ the costs, equal at an optimum). CP-SAT's reported objective can be
    # slightly above the returned solution's after postsolve; the rescoring is exact.
    model_objective = sum(r["stage2_objective"] for r in results) + constant if solved else None
    if solved and objective > model_objective + 1e-6:
        print(f"BUG: rescored objective {objective / scale} > model objective {model_objective / scale}",
              file=sys.stderr)

    records = {
        "duties": [
            {"group": problem.groups[problem.slots[s]["group"]]["id"], "date": problem.slots[s]["date"],
             "slot": problem.slots[s]["kind"], "role": r, "doctor": problem.doctors[d]["id"]}
            for s, r, d in sorted(duties)
        ],
        "covers": [
            {"group": problem.groups[problem.demands[a]["group"]]["id"], "absence": problem.demands[a]["absence"],
             "doctor": problem.doctors[d]["id"]}
            for a, d in sorted(covers)
        ],
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(records, f, ensure_ascii=False, indent=1)

    if not all(r["solved"] for r in results):
        status = "UNKNOWN"
    else:
        status = "OPTIMAL" if all(r["optimal"] for r in results) else "FEASIBLE"
    out = {
        "status": status,
        "shortfall": shortfall,
        "objective": objective / scale,
        "bound": bound,
        "seconds": round(time.perf_counter() - STARTED, 3),
        "stage_seconds": [round(sum(r["stage_seconds"][i] for r in results), 3) for i in range(2)],
        "terms": {k: v / scale for k, v in terms.items()},
        "binaries": sum(r["binaries"] for r in results),
        "components": [
            {"groups": [problem.groups[g]["id"] for g in r["groups"]], "status": r["status"],
             "stage_status": r["stage_status"], "shortfall": r["stage1_shortfall"],
             "objective": None if r["stage2_objective"] is None else r["stage2_objective"] / scale,
             "bound": None if r["bound"] is None else r["bound"] / scale,
             "stage_seconds": [round(t, 3) for t in r["stage_seconds"]], "binaries": r["binaries"]}
            for r in results
        ],
    }
    print(json.dumps(out, ensure_ascii=False))
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown (ortools' takes a few tenths of a second)


if __name__ == "__main__":
    main()
