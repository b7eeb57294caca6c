"""Rule scoring (SPEC §8), pure: points, decay, caps, titles, bands, clamping, strong signals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bascule.playbook.load import default_playbook
from bascule.playbook.scoring import Matcher, Scoring
from bascule.scoring.rules import (
    Event,
    Profile,
    State,
    advance,
    band,
    behaviour,
    compact_json,
    crosses_mql,
    half_up,
    local_day,
    rules_for,
    score,
    state_of,
    strong_trigger,
    warmer,
)
from bascule.signals.model import SIGNAL_TYPES

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
PLAYBOOK = default_playbook()
RULES = rules_for(PLAYBOOK)
DIRECTOR_FR = Profile(job_title="Directeur", employees=250, country="FR")


def demo(days_ago: float = 0) -> Event:
    return Event("form_submit", NOW - timedelta(days=days_ago), "demo_request")


def signal(kind: str, days_ago: float = 0) -> Event:
    return Event(kind, NOW - timedelta(days=days_ago))


def scored(profile: Profile, events: list[Event], rules=RULES):
    return score(profile, behaviour(events, now=NOW, rules=rules), at=NOW, rules=rules)


def points(result) -> dict[str, int]:
    return {c.rule: c.points for c in result.contributions}


def with_scoring(**changes) -> object:
    section = PLAYBOOK.scoring.model_copy(update=changes)
    return rules_for(PLAYBOOK.model_copy(update={"scoring": section}))


# --- the reference lead --------------------------------------------------------------------------


def test_a_director_at_250_employees_in_france_after_a_demo_request_today_scores_46():
    result = scored(DIRECTOR_FR, [demo()])

    assert result.total == 46
    assert result.band == "warm"
    assert result.explanation() == [
        {"reason": "Niveau hiérarchique : directeur (Directeur)", "points": 8,
         "rule": "seniority"},
        {"reason": "Taille de l'entreprise : 250 salariés", "points": 10, "rule": "employees"},
        {"reason": "Pays : FR", "points": 4, "rule": "country"},
        {"reason": "Demande de démo", "points": 24, "rule": "form:demo_request", "value": 24.0,
         "as_of": "2030-03-01T12:00:00+00:00"},
    ]  # fmt: skip
    assert sum(e["points"] for e in result.explanation()) == result.total


def test_the_same_demo_request_30_days_old_counts_half():
    result = scored(DIRECTOR_FR, [demo(days_ago=30)])

    assert points(result)["form:demo_request"] == 12
    assert result.total == 34
    assert result.band == "cold"
    assert sum(c.points for c in result.contributions) == 34


@pytest.mark.parametrize(
    ("days_ago", "expected"), [(0, 24), (15, 17), (30, 12), (60, 6), (90, 3), (239, 0)]
)
def test_behaviour_halves_with_each_half_life(days_ago, expected):
    result = scored(Profile(), [demo(days_ago)])
    assert points(result).get("form:demo_request", 0) == expected


def test_signals_beyond_eight_half_lives_count_nothing():
    # 24 x 2^-8 would still be 0.09 points: the horizon drops it entirely
    assert behaviour([demo(days_ago=241)], now=NOW, rules=RULES) == {}
    assert scored(Profile(), [demo(days_ago=241)]).contributions == ()


def test_a_signal_type_may_have_its_own_half_life():
    section = PLAYBOOK.scoring
    signals = dict(section.signals)
    signals["pricing_view"] = signals["pricing_view"].model_copy(update={"half_life_days": 7})
    rules = with_scoring(signals=signals)
    result = scored(Profile(), [signal("pricing_view", 7), signal("email_click", 7)], rules)
    # pricing views halve every 7 days (6 -> 3); e-mail clicks every 30 (4 -> 3.4 -> 3)
    assert points(result) == {"signal:pricing_view": 3, "signal:email_click": 3}


# --- caps ----------------------------------------------------------------------------------------


def test_what_signals_of_one_type_add_up_to_is_capped():
    result = scored(Profile(), [signal("page_view") for _ in range(15)])

    (entry,) = result.explanation()
    assert (entry["rule"], entry["points"], entry["value"]) == ("signal:page_view", 10, 15.0)
    assert entry["reason"] == "Pages vues (plafond atteint)"
    assert result.total == 10


def test_caps_apply_per_type_not_across_types():
    events = [signal("page_view")] * 12 + [signal("email_click")] * 5 + [signal("pricing_view")] * 2
    result = scored(Profile(), events)
    assert points(result) == {
        "signal:email_click": 12,
        "signal:pricing_view": 12,
        "signal:page_view": 10,
    }
    assert result.total == 34


def test_a_form_submission_scores_as_its_form_and_others_as_a_plain_form():
    events = [
        Event("form_submit", NOW, "pricing_request"),
        Event("form_submit", NOW, None),
        Event("form_submit", NOW, "newsletter"),
    ]
    assert points(scored(Profile(), events)) == {
        "form:pricing_request": 16,
        "signal:form_submit": 12,
    }


# --- firmographics and job titles ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "seniority", "function"),
    [
        ("Directeur commercial", 8, 6),
        ("Directrice Générale", 10, 6),
        ("Président-directeur général", 10, 6),
        ("Président", 10, None),
        ("DSI", 8, 5),
        ("Directeur des systèmes d'information", 8, 5),
        ("Responsable achats", 5, 3),
        ("Responsable marketing digital", 5, 6),
        ("Chef de projet informatique", 5, 5),
        ("Stagiaire marketing", -5, 6),
        ("Head of Sales", 8, 6),
        ("VP Marketing", 8, 6),
        ("Vice President, Engineering", 8, None),
        ("Chief Revenue Officer", 10, 6),
        ("CTO", 10, 5),
        ("C.E.O.", 10, 6),
        ("Marketing director", 8, 6),
        ("Purchasing manager", 5, 3),
        ("Office manager", 5, None),
        ("Comptable", None, 3),
        ("Développeur", None, None),
    ],
)
def test_seniority_and_function_are_read_in_french_and_english_titles(title, seniority, function):
    found = points(scored(Profile(job_title=title), []))
    assert (found.get("seniority"), found.get("function")) == (seniority, function)


def test_words_match_whole_words_only():
    # "account" is a sales word, "accounting" is not; "it" is not found inside "digital"
    assert points(scored(Profile(job_title="Accounting clerk"), [])) == {"function": 3}
    assert points(scored(Profile(job_title="Digital officer"), [])) == {}


@pytest.mark.parametrize(
    ("employees", "expected"), [(None, None), (0, None), (5, None), (10, 3), (249, 6), (250, 10)]
)
def test_company_size_bands(employees, expected):
    assert points(scored(Profile(employees=employees), [])).get("employees") == expected


def test_sector_country_and_technology_points():
    profile = Profile(sector="Édition de logiciels SaaS", country="be", technology="HubSpot")
    result = scored(profile, [])
    assert points(result) == {"sector": 6, "technology": 4, "country": 3}
    assert [c.reason for c in result.contributions] == [
        "Secteur : Édition de logiciels SaaS",
        "Technologie : HubSpot",
        "Pays : BE",
    ]


def test_reasons_follow_the_playbook_language():
    english = PLAYBOOK.model_copy(
        update={"general": PLAYBOOK.general.model_copy(update={"locale": "en"})}
    )
    result = scored(DIRECTOR_FR, [demo()], rules_for(english))
    assert [c.reason for c in result.contributions] == [
        "Seniority: director (Directeur)",
        "Company size: 250 employees",
        "Country: FR",
        "Demo request",
    ]


# --- total, clamping, bands ----------------------------------------------------------------------


def test_a_score_is_clamped_to_100_by_an_explicit_entry():
    profile = Profile(job_title="CEO", employees=500, sector="software", country="FR",
                      technology="Salesforce")  # fmt: skip
    events = [demo(), Event("form_submit", NOW, "rfp"), signal("seat_limit_reached")]
    events += [signal("pricing_view")] * 3 + [signal("content_download")] * 2
    result = scored(profile, events)

    assert result.total == 100
    assert result.contributions[-1].rule == "ceiling"
    assert sum(c.points for c in result.contributions) == 100
    assert result.band == "hot"


def test_a_negative_total_is_raised_to_0_by_an_explicit_entry():
    junior = Matcher(key="junior", points=-30, words=("stagiaire",))
    rules = with_scoring(seniority=(junior,))
    result = scored(Profile(job_title="Stagiaire"), [signal("page_view")] * 2, rules)
    assert [(c.rule, c.points) for c in result.contributions] == [
        ("seniority", -30),
        ("signal:page_view", 2),
        ("floor", 28),
    ]
    assert result.total == 0


@pytest.mark.parametrize(
    ("total", "expected"), [(0, "cold"), (39, "cold"), (40, "warm"), (69, "warm"), (70, "hot")]
)
def test_bands(total, expected):
    assert band(total, Scoring()) == expected


def test_half_up_rounding():
    assert [half_up(x) for x in (0.49, 0.5, 1.5, 2.5, 11.9999999)] == [0, 1, 2, 3, 12]


def test_crossing_the_mql_threshold():
    section = Scoring()
    assert crosses_mql(49, 50, section) is True
    assert crosses_mql(10, 80, section) is True
    assert crosses_mql(50, 60, section) is False  # already above: not a crossing
    assert crosses_mql(60, 40, section) is False  # falling back is never one


@pytest.mark.parametrize(
    ("current", "score_band", "expected"),
    [
        (None, "cold", None),
        ("cold", "cold", "cold"),
        (None, "warm", "warm"),
        ("cold", "hot", "hot"),
        ("warm", "hot", "hot"),
        ("hot", "warm", "hot"),  # never cooled down
        ("hot", "cold", "hot"),
    ],
)
def test_scoring_warms_the_temperature_up_never_down(current, score_band, expected):
    assert warmer(current, score_band) == expected


# --- state: incremental equals full --------------------------------------------------------------


def test_the_state_kept_in_the_explanation_reads_back():
    result = scored(DIRECTOR_FR, [demo(), signal("page_view", 3)])
    state = state_of(result.explanation())
    assert state is not None
    assert state.as_of == NOW
    assert state.behaviour == pytest.approx(result.behaviour, abs=1e-4)  # kept to 4 decimals
    # and the time is written once, on the first behaviour entry
    assert [e.get("as_of") for e in result.explanation()] == [
        None,
        None,
        None,
        "2030-03-01T12:00:00+00:00",
        None,
    ]


@pytest.mark.parametrize(
    "explanation",
    [None, [], [{"reason": "Visite de la page tarifs", "points": 15}], [{"rule": "signal:x"}]],
)
def test_explanations_not_written_by_these_rules_have_no_state(explanation):
    assert state_of(explanation) is None


def test_firmographic_only_explanations_have_an_empty_state():
    assert state_of(scored(DIRECTOR_FR, []).explanation()) == State({}, None)


def test_a_state_decays_to_a_later_time():
    state = State({"form:demo_request": 24.0}, NOW)
    values, at = advance(state, now=NOW + timedelta(days=30), events=(), rules=RULES)
    assert at == NOW + timedelta(days=30)
    assert values == pytest.approx({"form:demo_request": 12.0})


def test_a_state_newer_than_now_is_not_moved_back_in_time():
    state = State({"signal:page_view": 2.0}, NOW)
    values, at = advance(state, now=NOW - timedelta(seconds=5), events=[signal("page_view")],
                         rules=RULES)  # fmt: skip
    assert at == NOW
    assert values == pytest.approx({"signal:page_view": 3.0})


def test_a_type_the_playbook_no_longer_scores_leaves_the_state():
    state = State({"signal:page_view": 5.0, "form:webinar": 9.0}, NOW)
    values, _ = advance(state, now=NOW, events=(), rules=RULES)
    assert values == {"signal:page_view": 5.0}


_events = st.lists(
    st.tuples(
        st.sampled_from([*sorted(SIGNAL_TYPES), "demo_request", "pricing_request"]),
        st.floats(min_value=0, max_value=300),
    ),
    max_size=30,
)


@given(first=_events, second=_events, gap=st.floats(min_value=0, max_value=90))
def test_updating_a_state_batch_by_batch_equals_reading_every_signal(first, second, gap):
    """Two batches, the second ``gap`` days later: advancing the state gives the values (and
    so the score) that reading every signal again gives."""

    def make(items, at):
        return [
            Event("form_submit", at - timedelta(days=age), kind)
            if kind.endswith("_request")
            else Event(kind, at - timedelta(days=age))
            for kind, age in items
        ]

    later = NOW + timedelta(days=gap)
    batch1, batch2 = make(first, NOW), make(second, later)
    state = State(behaviour(batch1, now=NOW, rules=RULES), NOW)
    values, _ = advance(state, now=later, events=batch2, rules=RULES)
    full = behaviour(batch1 + batch2, now=later, rules=RULES)
    # The horizon drops old signals from the full read only; they weigh under 0.4 % each.
    for key in values.keys() | full.keys():
        slack = 0.05 + 0.004 * 30 * len(first)
        assert abs(values.get(key, 0) - full.get(key, 0)) <= slack
    assert abs(
        score(DIRECTOR_FR, values, at=later, rules=RULES).total
        - score(DIRECTOR_FR, full, at=later, rules=RULES).total
    ) <= max(1, len(first) // 8)


# --- strong signals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "on_trial", "trigger"),
    [
        (Event("form_submit", NOW, "demo_request"), False, "demo_request"),
        (Event("form_submit", NOW, "pricing_request"), False, "pricing_request"),
        (Event("form_submit", NOW, "contact_expert"), False, "contact_expert"),
        (Event("form_submit", NOW, "content_download"), False, None),
        (Event("seat_limit_reached", NOW), False, "seat_limit_reached"),
        (Event("pricing_view", NOW), True, "pricing_view"),
        (Event("pricing_view", NOW), False, None),
        (Event("page_view", NOW), True, None),
        (Event("seat_limit_reached", NOW - timedelta(hours=49)), False, None),  # a backfill
    ],
)
def test_strong_signals(event, on_trial, trigger):
    assert strong_trigger(event, now=NOW, on_trial=on_trial, rules=RULES) == trigger


def test_once_a_day_means_the_company_day():
    late_evening_utc = datetime(2030, 3, 1, 23, 30, tzinfo=UTC)  # 00:30 in Paris
    assert local_day(late_evening_utc, "Europe/Paris").isoformat() == "2030-03-02"
    assert local_day(late_evening_utc, "Not/AZone").isoformat() == "2030-03-01"


def test_the_json_a_batch_writes_is_the_explanation_shown_and_the_state():
    profile = Profile(job_title="CEO", employees=500, sector="software", country="FR")
    for events in ([], [demo()], [demo(), signal("page_view", 2)] * 8):
        result = scored(profile, events)
        assert RULES.dumps(result) == compact_json(result.shown())
        assert RULES.dumps(result) == RULES.dumps(result)  # from the caches the second time
        assert json.loads(RULES.dumps(result)) == result.shown()
        state = result.state()
        assert json.loads(RULES.dumps_state(state)) == state.behaviour
        # the two halves are the explanation the lead stored when it carried its state
        assert state_of(result.explanation()) == state
        assert [
            {k: v for k, v in e.items() if k not in ("value", "as_of")}
            for e in result.explanation()
        ] == result.shown()
