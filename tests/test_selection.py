"""View parameters: what a page or API address may say, normalised once, and every bad value
rejected with a message in both languages that names the parameter."""
from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from boligsosial.domain import selection
from boligsosial.domain.selection import (
    Selection,
    SelectionError,
    breakdown_key,
    breakdown_label,
    parse,
)


def test_defaults_are_norway_all_periods_all_breakdowns_original_codes_bokmal():
    chosen = parse({})
    assert chosen == Selection(regions=("0",), period_from=None, period_to=None, breakdowns=None, by=None,
                               codes="original", lang="nb")
    assert chosen.query_string() == "region=0&codes=original&lang=nb"


def test_regions_are_deduplicated_and_ordered_country_county_municipality():
    assert parse({"region": "0301, 03,0,0301"}).regions == ("0", "03", "0301")
    assert parse({"region": "all"}).regions is None


def test_repeated_parameters_count_as_one_list_and_empty_values_as_absent():
    chosen = parse(MultiDict([("region", "0301"), ("region", "4601"), ("from", ""), ("breakdown", "total")]))
    assert chosen.regions == ("0301", "4601")
    assert chosen.period_from is None
    assert chosen.breakdowns == ("",)


def test_equal_selections_give_equal_queries_whatever_the_spelling():
    a = parse({"region": "0301,0", "breakdown": "situation=x|age=y,total", "to": "2020"})
    b = parse({"region": "0,0301,0", "breakdown": "total,age=y|situation=x", "to": "2020", "lang": "nb"})
    assert a == b and a.query_string() == b.query_string()
    assert a.query_string() == "region=0,0301&to=2020&breakdown=total,age=y|situation=x&codes=original&lang=nb"


def test_an_open_range_stays_open():
    chosen = parse({"from": "2012"})
    assert chosen.period_to is None and "to=" not in chosen.query_string()


@pytest.mark.parametrize("period", ["2020", "2020-06", "2020-Q2", "2020-W48", "2020-12"])
def test_period_shapes(period):
    assert parse({"from": period}).period_from == period


def test_bounds_compare_at_their_own_precision():
    assert parse({"from": "2012-05", "to": "2012"}).period_to == "2012"
    with pytest.raises(SelectionError) as caught:
        parse({"from": "2013", "to": "2012-05"})
    assert caught.value.parameter == "from"


def test_breakdown_keys_are_made_canonical():
    assert breakdown_key("total") == ""
    assert breakdown_key("situation=x|age=under_25") == "age=under_25|situation=x"


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"region": "oslo"}, "region"),
        ({"region": "03011"}, "region"),
        ({"region": "all,0301"}, "region"),
        ({"region": "0' OR 1=1 --"}, "region"),
        ({"from": "2020-13"}, "from"),
        ({"to": "1 OR 1=1"}, "to"),
        ({"from": "20200"}, "from"),
        ({"breakdown": "age"}, "breakdown"),
        ({"breakdown": "Age=x"}, "breakdown"),
        ({"breakdown": "age=x|age=y"}, "breakdown"),
        ({"breakdown": "age=x'; DROP TABLE observation; --"}, "breakdown"),
        ({"by": "age sex"}, "by"),
        ({"codes": "today"}, "codes"),
        ({"lang": "sv"}, "lang"),
        (MultiDict([("lang", "nb"), ("lang", "en")]), "lang"),
    ],
)
def test_bad_values_name_their_parameter_in_both_languages(params, parameter):
    with pytest.raises(SelectionError) as caught:
        parse(params)
    error = caught.value
    assert error.parameter == parameter
    assert parameter in error.message_nb and parameter in error.message_en
    assert error.message_nb != error.message_en
    assert error.message("nb") == error.message_nb and error.message("en") == error.message_en


def test_limits_on_length_and_number_of_values():
    with pytest.raises(SelectionError, match="at most 1000") as caught:
        parse({"region": ",".join(f"{n:04d}" for n in range(1001))})
    assert caught.value.parameter == "region"
    with pytest.raises(SelectionError, match="too long"):
        parse({"breakdown": "a=" + "b" * selection.MAX_VALUE_LENGTH})
    with pytest.raises(SelectionError, match="at most 100"):
        parse({"breakdown": ",".join(f"age=a{n}" for n in range(101))})
    assert len(parse({"region": ",".join(f"{n:04d}" for n in range(1000))}).regions) == 1000


def test_rejected_values_are_quoted_back_short_and_printable():
    with pytest.raises(SelectionError) as caught:
        parse({"region": "\x00" + "9" * 100})
    assert "\x00" not in caught.value.message_en and "…" in caught.value.message_en


def test_search_words_level_and_date():
    assert selection.parse_search("  Bostedsløse  bostedsløse Oslo ") == ("bostedsløse", "oslo")
    assert selection.parse_search(None) == ()
    with pytest.raises(SelectionError):
        selection.parse_search("x" * 201)
    assert selection.parse_level("county") == "county" and selection.parse_level("") is None
    with pytest.raises(SelectionError):
        selection.parse_level("kommune")
    assert selection.parse_date("2024-01-01") == date(2024, 1, 1)
    for bad in ("2024-02-30", "2024-1-1", "i dag"):
        with pytest.raises(SelectionError) as caught:
            selection.parse_date(bad)
        assert caught.value.parameter == "at"


def test_breakdown_labels_in_words_and_codes_without_labels_kept():
    dimensions = {"age": {"label_nb": "Alder", "label_en": "Age"}}
    categories = {("age", "under_25"): {"label_nb": "Under 25 år", "label_en": "Under 25"}}
    assert breakdown_label("", "nb", dimensions, categories) == "Totalt"
    assert breakdown_label("age=under_25", "en", dimensions, categories) == "Age: Under 25"
    assert breakdown_label("age=x|sex=f", "nb", dimensions, categories) == "Alder: x; sex: f"
