"""Changes said honestly (boligsosial/domain/change.py) and the strategies' progress that uses
them (boligsosial/domain/progress.py): exact only from figures that carry every digit, "about" from
rounded or approximate ones, no direction where rounding alone could explain the difference,
none at all across a bound or between figures that are not comparable."""
from __future__ import annotations

import pytest

from boligsosial.domain.change import change, rounding
from boligsosial.domain.progress import progress


def _row(value, unit="persons", decimals=0, qualifier="", period="2020"):
    return {"value": value, "unit": unit, "decimals": decimals, "qualifier": qualifier, "period": period}


def test_two_counts_with_every_digit_give_an_exact_change():
    found = change(_row(6259), _row(3325))
    assert (found.kind, found.difference, found.direction) == ("exact", -2934, "down")
    assert round(found.relative) == -47


def test_a_round_count_or_an_approximate_one_gives_an_approximate_change():
    assert change(_row(6200), _row(3325)).kind == "approx"  # 6 200 may be rounded to hundreds
    assert change(_row(5200, qualifier="approx"), _row(5500)).kind == "approx"
    assert rounding(_row(6200)) == 50 and rounding(_row(150000, qualifier="approx")) == 5000 and rounding(_row(6259)) == 0


def test_a_difference_within_the_rounding_has_no_direction():
    found = change(_row(20, "per_1000"), _row(21, "per_1000"))  # each rounded to a whole number
    assert found.kind == "within_rounding" and found.direction == "same" and found.relative is None
    assert change(_row(1.11, "per_1000", 2), _row(0.55, "per_1000", 2)).kind == "approx"


def test_shares_get_no_relative_change():
    found = change(_row(19.3, "percent", 1), _row(25.7, "percent", 1))
    assert found.kind == "approx" and found.relative is None and found.direction == "up"


@pytest.mark.parametrize("first, last", [(_row(125000, qualifier="lt"), _row(86000)), (_row(7000), _row(170000, qualifier="gt"))])
def test_a_bound_gives_no_change(first, last):
    assert change(first, last).kind == "bound" and change(first, last).direction == ""


def test_figures_that_are_not_comparable_give_the_reason_and_no_direction():
    found = change(_row(19.3, "percent", 1), _row(25.7, "percent", 1), "TEST: different cohorts.")
    assert (found.kind, found.reason, found.direction) == ("not_comparable", "TEST: different cohorts.", "")
    assert change(_row(None), _row(1)).kind == "missing"


def _rows(*pairs, unit="persons", decimals=0):
    return [_row(v, unit, decimals, period=p) for p, v in pairs]


def test_progress_from_the_last_figure_at_or_before_the_start():
    result = progress(_rows(("2008", None), ("2012", 6259), ("2016", 3909), ("2020", 3325)), 2014, "down")
    assert (result.baseline["period"], result.latest["period"], result.direction, result.wanted) == ("2012", "2020", "down", "yes")
    assert progress(_rows(("2012", 1), ("2020", 2)), 2014, "down").wanted == "no"
    assert progress(_rows(("2012", 1), ("2020", 2)), 2014, "none").wanted == "none"


def test_progress_says_about_unchanged_within_rounding_and_nothing_for_cohorts():
    rates = _rows(("2012", 20), ("2023", 21), unit="per_1000")
    assert progress(rates, 2014, "none").direction == "about_same"
    cohorts = _rows(("2020", 19.3), ("2023", 25.7), unit="percent", decimals=1)
    result = progress(cohorts, 2021, "down", "TEST: cohorts measured the same summer.")
    assert (result.direction, result.wanted, result.reason) == ("none", "", "TEST: cohorts measured the same summer.")
