"""The routing rules, pure: no Flask, no session, no clock. Given an eligible file and the incubators that
could take it (with their current loads), choose one or put the file on the waiting list, and say why.

The rules are PRODUCT.md's, applied in this order to the incubators covering her province:
1. it is active;
2. it works in the project's sector, or is generalist (a hard rule: she is never sent to an association
   that does not know her trade);
3. it meets her accessibility needs: if any incubator left after 1-2 meets more of them than another, only
   those meeting the most stay candidates, even when they are full (she waits for a place she can use
   rather than being sent where she cannot go);
4. it has room under its capacity;
5. among those, the least loaded relative to capacity; ties go to the larger remaining room, then to the
   smaller id, so the same input always gives the same output.

A `Router` keeps the loads it has handed out, so a batch (a waitlist, a benchmark) is routed in one pass,
each file seeing the places the previous ones took.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

#: Accessibility needs an applicant can declare, in the order they are shown.
NEEDS = ("sign_language", "accessible_venue", "large_print", "companion")

# Why an incubator is left out for a file (labels: "routing_exclusion").
INACTIVE = "inactive"
OUTSIDE_PROVINCE = "outside_province"
SECTOR_MISMATCH = "sector_mismatch"
NEEDS_NOT_MET = "needs_not_met"
FULL = "full"

# Why a file waits (labels: "waitlist_reason").
NO_INCUBATOR_IN_PROVINCE = "no_incubator_in_province"
NO_INCUBATOR_FOR_SECTOR = "no_incubator_for_sector"
ALL_FULL = "all_full"


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What routing needs to know of a file."""

    id: int
    province_id: int | None
    sector_id: int | None
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Candidate:
    """An incubator as routing sees it; `load` is the number of files occupying its places now."""

    id: int
    provinces: frozenset[int]
    sectors: frozenset[int]
    generalist: bool
    capacity: int
    load: int = 0
    sign_language: bool = False
    step_free_access: bool = False
    accessible_toilets: bool = False
    active: bool = True

    def needs_met(self, needs: Iterable[str]) -> frozenset[str]:
        """Which of these needs it can meet. Large print and a companion are asked of every incubator."""
        return frozenset(need for need in needs if self._meets(need))

    def _meets(self, need: str) -> bool:
        if need == "sign_language":
            return self.sign_language
        if need == "accessible_venue":
            return self.step_free_access and self.accessible_toilets
        return True

    def works_in(self, sector_id: int | None) -> bool:
        return self.generalist or (sector_id is not None and sector_id in self.sectors)


class Considered(NamedTuple):
    """One incubator looked at for one file: its load then, what it meets, and why it was left out. A named
    tuple, not a dataclass: a national batch makes about ten per file, and tuples are built several times
    faster (bench/routing.py)."""

    incubator_id: int
    load: int
    capacity: int
    needs_met: tuple[str, ...]
    excluded: str | None = None
    chosen: bool = False

    def as_json(self) -> dict:
        return {"incubator_id": self.incubator_id, "load": self.load, "capacity": self.capacity,
                "needs_met": list(self.needs_met), "excluded": self.excluded, "chosen": self.chosen}


@dataclass(frozen=True, slots=True)
class Decision:
    """Where a file goes (`incubator_id`) or why it waits (`reason`), with every incubator considered:
    the chosen one first, then the others that could have taken it by rank, then those left out."""

    file_id: int
    incubator_id: int | None
    reason: str | None
    considered: tuple[Considered, ...] = ()
    needs: tuple[str, ...] = ()
    needs_unmet: tuple[str, ...] = ()

    @property
    def waitlisted(self) -> bool:
        return self.incubator_id is None

    def as_json(self) -> dict:
        return {"incubator_id": self.incubator_id, "reason": self.reason, "needs": list(self.needs),
                "needs_unmet": list(self.needs_unmet), "considered": [c.as_json() for c in self.considered]}


def _ordered_needs(needs: Iterable[str]) -> tuple[str, ...]:
    if not needs:  # nine files in ten declare none
        return ()
    wanted = set(needs)
    return tuple(need for need in NEEDS if need in wanted)


def _rank_key(candidate: Candidate, load: int) -> tuple[float, int, int]:
    """Least loaded relative to capacity, then most room left, then the smaller id. The ratio as a float
    orders exactly: two different fractions with denominators under 10^6 differ by far more than a
    double's rounding."""
    return (load / candidate.capacity, load - candidate.capacity, candidate.id)


@dataclass
class Router:
    """Routes files one after another against a set of incubators, keeping track of the places taken."""

    candidates: Iterable[Candidate]
    _by_province: dict[int, list[Candidate]] = field(init=False, repr=False)
    _load: dict[int, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.candidates = sorted(self.candidates, key=lambda c: c.id)
        self._load = {c.id: c.load for c in self.candidates}
        self._by_province = {}
        for candidate in self.candidates:
            for province_id in candidate.provinces:
                self._by_province.setdefault(province_id, []).append(candidate)

    def load(self, incubator_id: int) -> int:
        return self._load[incubator_id]

    def has_room(self) -> bool:
        """Whether any active incubator still has a place: when none has, nothing waiting can move."""
        return any(c.active and self._load[c.id] < c.capacity for c in self.candidates)

    def route(self, file: FileFacts) -> Decision:
        """Decide for one file and, when it is sent somewhere, count its place there."""
        covering = self._by_province.get(file.province_id, ()) if file.province_id is not None else ()
        decision = evaluate(file, covering, self._load)
        if decision.incubator_id is not None:
            self._load[decision.incubator_id] += 1
        return decision

    def route_all(self, files: Iterable[FileFacts]):
        """Route files in the order given (oldest first, for a waitlist), yielding each decision."""
        for file in files:
            yield self.route(file)


def evaluate(file: FileFacts, covering: Iterable[Candidate], loads: dict[int, int] | None = None,
             chosen_id: int | None = None) -> Decision:
    """Apply the rules to the incubators covering her province. `loads` overrides the candidates' own
    loads (a Router's running count); `chosen_id` records a human choice instead of the engine's."""
    needs = _ordered_needs(file.needs)
    excluded: list[Considered] = []
    suitable: list[tuple[Candidate, int, frozenset[str]]] = []
    any_active = False
    for candidate in covering:
        load = candidate.load if loads is None else loads.get(candidate.id, candidate.load)
        met = candidate.needs_met(needs) if needs else frozenset()
        if not candidate.active:
            code = INACTIVE
        elif file.province_id not in candidate.provinces:
            code = OUTSIDE_PROVINCE
        else:
            any_active = True
            code = None if candidate.works_in(file.sector_id) else SECTOR_MISMATCH
        if code is None:
            suitable.append((candidate, load, met))
        else:
            excluded.append(Considered(candidate.id, load, candidate.capacity, _ordered_needs(met), code, False))

    best = max((len(met) for _, _, met in suitable), default=0)
    with_room: list[tuple[Candidate, int, frozenset[str]]] = []
    for candidate, load, met in suitable:
        if len(met) < best:
            excluded.append(Considered(candidate.id, load, candidate.capacity, _ordered_needs(met), NEEDS_NOT_MET,
                                       False))
        elif load >= candidate.capacity:
            excluded.append(Considered(candidate.id, load, candidate.capacity, _ordered_needs(met), FULL, False))
        else:
            with_room.append((candidate, load, met))
    with_room.sort(key=lambda item: _rank_key(item[0], item[1]))

    if chosen_id is None and with_room:
        chosen_id = with_room[0][0].id
    if chosen_id is not None:
        reason = None
    elif not any_active:
        reason = NO_INCUBATOR_IN_PROVINCE
    elif not suitable:
        reason = NO_INCUBATOR_FOR_SECTOR
    else:
        reason = ALL_FULL

    ranked = [Considered(c.id, load, c.capacity, _ordered_needs(met), None, c.id == chosen_id)
              for c, load, met in with_room]
    excluded.sort(key=lambda item: item.incubator_id)
    considered = ranked + excluded
    needs_unmet: tuple[str, ...] = ()
    if chosen_id is not None:
        # The chosen one first, the others keep their rank; a human may have chosen one the rules left out.
        considered = [item._replace(chosen=True) for item in considered if item.incubator_id == chosen_id] + [
            item for item in considered if item.incubator_id != chosen_id]
        chosen_met = considered[0].needs_met if considered and considered[0].chosen else ()
        needs_unmet = tuple(n for n in needs if n not in chosen_met)
    return Decision(file.id, chosen_id, reason, tuple(considered), needs, needs_unmet)


def manual_decision(file: FileFacts, pool: Iterable[Candidate], chosen_id: int) -> Decision:
    """The explanation of a human choice: every incubator of her province as the rules see it, with the
    one chosen by hand marked as such (it may be one the rules would not have picked)."""
    return evaluate(file, [c for c in pool if file.province_id in c.provinces or c.id == chosen_id],
                    chosen_id=chosen_id)
