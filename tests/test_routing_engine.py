"""The pure routing engine, by its invariants: random incubators and random files routed in sequence
through one Router never break a rule of PRODUCT.md, whatever the loads, needs and coverage. An
independent oracle (exact fractions, no shared code with the engine) says what the rules demand."""

from __future__ import annotations

import json
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jisr.routing import engine
from jisr.routing.engine import Candidate, FileFacts, Router

PROVINCES = range(1, 7)
SECTORS = range(1, 6)
WAIT_REASONS = {engine.NO_INCUBATOR_IN_PROVINCE, engine.NO_INCUBATOR_FOR_SECTOR, engine.ALL_FULL}

PROPERTIES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ids_in(mask: int, ids: range) -> frozenset[int]:
    return frozenset(i for bit, i in enumerate(ids) if mask >> bit & 1)


# Drawn as a few small integers each (bit masks for sets and flags): quicker to generate than a draw per
# field, spread evenly (Hypothesis favours small values in wide ranges), and still shrinking towards the
# first provinces and sectors, fewer needs and flags.
INCUBATOR = st.tuples(st.integers(1, 999),  # the id, so that ids do not follow the input order
                      st.integers(1, 2 ** len(PROVINCES) - 1),  # at least one province
                      st.integers(0, 2 ** len(SECTORS) - 1),
                      st.integers(0, 5),  # capacity
                      st.integers(0, 11),  # load, folded into 0..capacity + 1 (+ 1: it shrank below its load)
                      st.integers(0, 2 ** 6 - 1))  # generalist, sign language, step-free, toilets, 2 bits: inactive
FILE = st.tuples(st.sampled_from([*PROVINCES, None]),  # None: identity step not saved
                 st.sampled_from([*SECTORS, None]),
                 st.integers(0, 2 ** len(engine.NEEDS) - 1))


def make_incubator(incubator_id, provinces, sectors, capacity, load, flags) -> Candidate:
    return Candidate(id=incubator_id, provinces=ids_in(provinces, PROVINCES), sectors=ids_in(sectors, SECTORS),
                     generalist=bool(flags & 1), capacity=capacity, load=load % (capacity + 2),
                     sign_language=bool(flags & 2), step_free_access=bool(flags & 4),
                     accessible_toilets=bool(flags & 8), active=flags & 48 != 48)  # a quarter inactive


def make_file(file_id: int, row: tuple) -> FileFacts:
    province, sector, needs = row
    return FileFacts(file_id, province, sector,
                     frozenset(need for bit, need in enumerate(engine.NEEDS) if needs >> bit & 1))


@st.composite
def sized(draw, rows, low: int, high: int, **unique):
    """A list whose length is drawn first: plain st.lists favours very short lists, which would rarely
    put several incubators with room in one province."""
    size = draw(st.integers(low, high))
    return draw(st.lists(rows, min_size=size, max_size=size, **unique))


def incubator_lists(low: int = 0):
    return sized(INCUBATOR, low, 8, unique_by=lambda row: row[0]).map(
        lambda rows: [make_incubator(*row) for row in rows])


def file_lists(low: int = 0):
    return sized(FILE, low, 25).map(lambda rows: [make_file(n, row) for n, row in enumerate(rows, start=1)])


incubators, files = incubator_lists(), file_lists()


# -- the oracle: PRODUCT.md's rules written out again, independently of the engine ---------------------

def meets(candidate: Candidate, need: str) -> bool:
    return {"sign_language": candidate.sign_language,
            "accessible_venue": candidate.step_free_access and candidate.accessible_toilets}.get(need, True)


def met_count(candidate: Candidate, file: FileFacts) -> int:
    return sum(meets(candidate, need) for need in file.needs)


def covering(file: FileFacts, pool: list[Candidate]) -> list[Candidate]:
    return [c for c in pool if file.province_id is not None and file.province_id in c.provinces]


def in_sector(file: FileFacts, pool: list[Candidate]) -> list[Candidate]:
    return [c for c in covering(file, pool)
            if c.active and (c.generalist or (file.sector_id is not None and file.sector_id in c.sectors))]


def most_accessible(file: FileFacts, pool: list[Candidate]) -> list[Candidate]:
    suitable = in_sector(file, pool)
    best = max((met_count(c, file) for c in suitable), default=0)
    return [c for c in suitable if met_count(c, file) == best]


def expected_choice(file: FileFacts, pool: list[Candidate], loads: dict[int, int]) -> int | None:
    room = [c for c in most_accessible(file, pool) if loads[c.id] < c.capacity]
    if not room:
        return None
    return min(room, key=lambda c: (Fraction(loads[c.id], c.capacity), loads[c.id] - c.capacity, c.id)).id


def expected_reason(file: FileFacts, pool: list[Candidate]) -> str:
    if not any(c.active for c in covering(file, pool)):
        return engine.NO_INCUBATOR_IN_PROVINCE
    if not in_sector(file, pool):
        return engine.NO_INCUBATOR_FOR_SECTOR
    return engine.ALL_FULL


def route_in_sequence(pool: list[Candidate], batch: list[FileFacts]):
    """Route the batch through one Router, yielding (file, decision, loads before it) with loads tracked
    here, apart from the Router's own count."""
    router = Router(pool)
    loads = {c.id: c.load for c in pool}
    for file, decision in zip(batch, router.route_all(batch), strict=True):
        yield file, decision, dict(loads)
        if decision.incubator_id is not None:
            loads[decision.incubator_id] += 1
        assert all(router.load(c.id) == loads[c.id] for c in pool)


# -- properties ----------------------------------------------------------------------------------------

@PROPERTIES
@given(incubators, files)
def test_an_incubator_is_never_given_more_files_than_its_capacity(pool, batch):
    router = Router(pool)
    by_id = {c.id: c for c in pool}
    loads = {c.id: c.load for c in pool}
    for decision in router.route_all(batch):
        if decision.incubator_id is not None:
            chosen = by_id[decision.incubator_id]
            assert loads[chosen.id] < chosen.capacity
            loads[chosen.id] += 1
        for c in pool:
            if c.load <= c.capacity:
                assert router.load(c.id) <= c.capacity
            else:  # already over (capacity lowered): it only ever keeps what it had
                assert router.load(c.id) == c.load


@PROPERTIES
@given(incubators, files)
def test_a_file_goes_only_to_an_active_incubator_covering_her_province_and_working_in_her_sector(pool, batch):
    by_id = {c.id: c for c in pool}
    for file, decision, _loads in route_in_sequence(pool, batch):
        if decision.incubator_id is None:
            continue
        chosen = by_id[decision.incubator_id]
        assert chosen.active
        assert file.province_id is not None and file.province_id in chosen.provinces
        assert chosen.generalist or file.sector_id in chosen.sectors


@PROPERTIES
@given(incubators, files)
def test_she_is_never_sent_where_fewer_of_her_needs_are_met_when_a_better_place_has_room(pool, batch):
    by_id = {c.id: c for c in pool}
    for file, decision, loads in route_in_sequence(pool, batch):
        with_room = [c for c in in_sector(file, pool) if loads[c.id] < c.capacity]
        if decision.incubator_id is not None:
            chosen = by_id[decision.incubator_id]
            assert all(met_count(chosen, file) >= met_count(c, file) for c in with_room)
            # ...and the needs it leaves unmet are exactly those it cannot meet
            assert decision.needs_unmet == tuple(n for n in engine.NEEDS if n in file.needs and not meets(chosen, n))
        else:
            best = max((met_count(c, file) for c in in_sector(file, pool)), default=0)
            assert all(met_count(c, file) < best for c in with_room)


@PROPERTIES
@given(incubators, files)
def test_a_file_waits_only_when_no_suitable_incubator_has_room_and_the_least_loaded_is_chosen(pool, batch):
    """Suitable: active, covering her province, in her sector, and meeting as many of her needs as any
    such incubator does (rule 3: she waits for a place she can use rather than one she cannot)."""
    for file, decision, loads in route_in_sequence(pool, batch):
        assert decision.incubator_id == expected_choice(file, pool, loads)
        assert decision.file_id == file.id


@PROPERTIES
@given(sized(INCUBATOR, 2, 8, unique_by=lambda row: row[0]), sized(FILE, 1, 25))
def test_among_those_with_room_the_least_loaded_relative_to_capacity_is_chosen(rows, file_rows):
    """Many active generalists in one province: every file is a contest between several with room."""
    pool = [make_incubator(incubator_id, 1, sectors, capacity, load, flags & 15 | 1)
            for incubator_id, _provinces, sectors, capacity, load, flags in rows]
    batch = [make_file(n, (PROVINCES[0], sector, needs)) for n, (_province, sector, needs) in enumerate(file_rows, 1)]
    for file, decision, loads in route_in_sequence(pool, batch):
        assert decision.incubator_id == expected_choice(file, pool, loads)
        ranked = [item for item in decision.considered if item.excluded is None]
        keys = [(Fraction(item.load, item.capacity), item.load - item.capacity, item.incubator_id) for item in ranked]
        assert keys == sorted(keys)  # the others that could have taken her, by rank


@PROPERTIES
@given(incubators, files)
def test_a_waiting_file_always_has_the_right_reason(pool, batch):
    for file, decision, _loads in route_in_sequence(pool, batch):
        if decision.waitlisted:
            assert decision.reason in WAIT_REASONS
            assert decision.reason == expected_reason(file, pool)
            assert decision.needs_unmet == ()
        else:
            assert decision.reason is None


@PROPERTIES
@given(incubators, files, st.randoms(use_true_random=False))
def test_the_same_input_always_gives_the_same_output_whatever_the_order_of_incubators(pool, batch, rng):
    first = list(Router(pool).route_all(batch))
    assert list(Router(list(pool)).route_all(batch)) == first
    shuffled = list(pool)
    rng.shuffle(shuffled)
    assert list(Router(shuffled).route_all(batch)) == first
    assert list(Router(reversed(pool)).route_all(batch)) == first  # any iterable, consumed once


@PROPERTIES
@given(incubators, files)
def test_the_explanation_lists_every_incubator_of_her_province_once_the_chosen_one_first(pool, batch):
    by_id = {c.id: c for c in pool}
    for file, decision, loads in route_in_sequence(pool, batch):
        considered = decision.considered
        ids = [item.incubator_id for item in considered]
        assert sorted(ids) == sorted(c.id for c in covering(file, pool))
        assert len(set(ids)) == len(ids)
        chosen = [item for item in considered if item.chosen]
        if decision.incubator_id is None:
            assert chosen == []
        else:
            assert chosen == [considered[0]] and considered[0].incubator_id == decision.incubator_id
            assert considered[0].excluded is None
        for item in considered:
            incubator = by_id[item.incubator_id]
            assert item.load == loads[item.incubator_id] and item.capacity == incubator.capacity
            assert set(item.needs_met) == {n for n in file.needs if meets(incubator, n)}
            if not incubator.active:
                assert item.excluded == engine.INACTIVE
            elif item.excluded is None:  # ranked: could have taken her
                assert item.load < item.capacity
        assert decision.needs == tuple(n for n in engine.NEEDS if n in file.needs)
        as_json = decision.as_json()
        assert json.loads(json.dumps(as_json)) == as_json
        assert [c["incubator_id"] for c in as_json["considered"]] == ids


@PROPERTIES
@given(incubator_lists(1), FILE, st.data())
def test_a_manual_decision_sends_her_where_the_human_chose_and_explains_the_rest(pool, row, data):
    file = make_file(1, row)
    chosen = data.draw(st.sampled_from(pool))
    decision = engine.manual_decision(file, pool, chosen.id)
    assert decision.incubator_id == chosen.id and decision.reason is None
    ids = [item.incubator_id for item in decision.considered]
    assert sorted(ids) == sorted({c.id for c in covering(file, pool)} | {chosen.id})
    [marked] = [item for item in decision.considered if item.chosen]
    assert marked.incubator_id == chosen.id
    if marked.excluded is None:  # one the rules could have taken too: shown first
        assert decision.considered[0] is marked
    as_json = decision.as_json()
    assert json.loads(json.dumps(as_json)) == as_json


# -- examples ------------------------------------------------------------------------------------------

def test_a_manual_decision_marks_the_hand_chosen_incubator_even_when_the_rules_left_it_out():
    full = Candidate(1, frozenset({1}), frozenset(), True, capacity=2, load=2)
    other_trade = Candidate(2, frozenset({1}), frozenset({4}), False, capacity=5)
    free = Candidate(3, frozenset({1}), frozenset(), True, capacity=5)
    elsewhere = Candidate(4, frozenset({2}), frozenset(), True, capacity=5)
    file = FileFacts(10, province_id=1, sector_id=3)
    for chosen_id, code in ((full.id, engine.FULL), (other_trade.id, engine.SECTOR_MISMATCH)):
        decision = engine.manual_decision(file, [full, other_trade, free, elsewhere], chosen_id)
        assert decision.incubator_id == chosen_id and decision.reason is None
        [marked] = [item for item in decision.considered if item.chosen]
        assert marked.incubator_id == chosen_id and marked.excluded == code
        assert sorted(item.incubator_id for item in decision.considered) == [1, 2, 3]
        assert json.loads(json.dumps(decision.as_json())) == decision.as_json()
    # the rules alone would have sent her to the free generalist
    assert Router([full, other_trade, free, elsewhere]).route(file).incubator_id == free.id
    # a hand choice among those with room, not the rules' first: it comes first, the others keep their rank
    busier = Candidate(5, frozenset({1}), frozenset(), True, capacity=5, load=3)
    decision = engine.manual_decision(file, [full, free, busier], busier.id)
    assert [(item.incubator_id, item.chosen, item.excluded) for item in decision.considered] == [
        (busier.id, True, None), (free.id, False, None), (full.id, False, engine.FULL)]


def test_a_manual_decision_outside_her_sector_reports_only_the_needs_it_cannot_meet():
    signing = Candidate(1, frozenset({1}), frozenset({2}), False, capacity=5, sign_language=True)
    file = FileFacts(10, province_id=1, sector_id=1, needs=frozenset({"sign_language", "large_print"}))
    decision = engine.manual_decision(file, [signing], signing.id)
    assert decision.considered[0].needs_met == ("sign_language", "large_print")
    assert decision.needs_unmet == ()


def test_large_print_and_a_companion_are_asked_of_every_incubator():
    plain = Candidate(1, frozenset({1}), frozenset(), True, capacity=1)
    file = FileFacts(10, province_id=1, sector_id=2, needs=frozenset({"companion", "large_print"}))
    decision = Router([plain]).route(file)
    assert decision.incubator_id == plain.id and decision.needs_unmet == ()
    assert decision.needs == ("large_print", "companion")
    assert decision.considered[0].needs_met == ("large_print", "companion")


def test_she_waits_for_an_accessible_place_rather_than_go_where_she_cannot():
    accessible = Candidate(1, frozenset({1}), frozenset(), True, capacity=1, load=1, step_free_access=True,
                           accessible_toilets=True)
    stairs = Candidate(2, frozenset({1}), frozenset(), True, capacity=9)
    decision = Router([accessible, stairs]).route(FileFacts(10, 1, 2, frozenset({"accessible_venue"})))
    assert decision.waitlisted and decision.reason == engine.ALL_FULL
    assert {item.incubator_id: item.excluded for item in decision.considered} == {1: engine.FULL,
                                                                                  2: engine.NEEDS_NOT_MET}


def test_a_file_without_a_province_waits_with_no_incubator_in_province():
    everywhere = Candidate(1, frozenset(PROVINCES), frozenset(), True, capacity=9)
    decision = Router([everywhere]).route(FileFacts(10, province_id=None, sector_id=1))
    assert decision.waitlisted and decision.reason == engine.NO_INCUBATOR_IN_PROVINCE
    assert decision.considered == ()


def test_an_incubator_of_capacity_zero_is_full_not_a_division_by_zero():
    empty = Candidate(1, frozenset({1}), frozenset(), True, capacity=0)
    decision = Router([empty]).route(FileFacts(10, 1, 1))
    assert decision.reason == engine.ALL_FULL and decision.considered[0].excluded == engine.FULL
