"""Every YAML file under data/ follows its schema (boligsosial/config/models.py), and a file
that does not is reported with its name, the line and the key, at load and at build."""
from __future__ import annotations

import pytest
import yaml

from boligsosial.config import files, models, page_models, settings
from boligsosial.text import i18n
from etl import build
from etl.errors import EtlError

DATA = settings.ROOT / "data"


def test_every_data_file_follows_its_schema():
    assert files.check_all(DATA) == []


def test_every_yaml_file_has_a_schema_or_an_owner_that_checks_it():
    for path in DATA.rglob("*.yaml"):
        assert files.schema_for(path, DATA) or files._checked_elsewhere(path, DATA), path


def test_a_mistyped_key_names_the_file_the_line_and_the_key(tmp_path):
    page = tmp_path / "page.yaml"
    page.write_text(
        "intro: {nb: Hei, nn: Hei, en: Hi}\n"
        "cards:\n"
        "  - id: a\n"
        "    chart: bar\n"
        "    title: {nb: A, nn: A, en: A}\n"
        "    measures: [{id: x, indicator: homeless}]\n"
        "    choose_periods: ['2020']\n",  # the key is choose_period
        encoding="utf-8")
    with pytest.raises(files.ConfigError) as error:
        files.load(page, page_models.StoryPage)
    assert error.value.problems == [f"{page}:7: cards[0].choose_periods: unknown key (a typo, or a setting this file does not have)"]


def test_text_for_readers_must_be_in_every_language(tmp_path):
    page = tmp_path / "page.yaml"
    page.write_text("intro:\n  nb: Hei\n", encoding="utf-8")
    with pytest.raises(files.ConfigError) as error:
        files.load(page, page_models.StoryPage)
    # the line of the text that lacks them, each missing language named
    assert error.value.problems == [f"{page}:1: intro.nn: missing", f"{page}:1: intro.en: missing"]
    page.write_text("intro:\n  nb: Hei\n  en: Hi\n", encoding="utf-8")
    with pytest.raises(files.ConfigError) as error:
        files.load(page, page_models.StoryPage)
    assert error.value.problems == [f"{page}:1: intro.nn: missing"]  # a text without nynorsk fails
    texts = tmp_path / "texts.yaml"
    texts.write_text("a.b: {nb: Hei}\nc.d: {nb: Hei, nn: Hei, en: Hi}\ne.f: {nb: Ikke, en: Not}\n", encoding="utf-8")
    with pytest.raises(files.ConfigError) as error:
        files.load(texts, models.Texts)
    assert error.value.problems == [
        f"{texts}:1: a.b: must have exactly the languages nb, nn and en (missing: en, nn)",
        f"{texts}:3: e.f: must have exactly the languages nb, nn and en (missing: nn)",  # nynorsk named
    ]


def test_an_unquoted_colon_that_splits_a_text_is_caught(tmp_path):
    """A flow mapping with a comma in the text reads as extra keys: the schema sees them."""
    page = tmp_path / "page.yaml"
    page.write_text("intro: {nb: Anslaget, og mer, en: The estimate, and more}\n", encoding="utf-8")
    with pytest.raises(files.ConfigError) as error:
        files.load(page, page_models.StoryPage)
    assert any("intro.og mer: unknown key" in p for p in error.value.problems)


def test_the_build_stops_on_a_data_file_that_breaks_its_schema(monkeypatch, tmp_path):
    broken = tmp_path / "data"
    broken.mkdir()
    (broken / "headlines.yaml").write_text("tiles: []\ncards: []\ntypo: 1\n", encoding="utf-8")
    monkeypatch.setattr(build.settings, "ROOT", tmp_path)
    with pytest.raises(EtlError) as error:
        build.collect()
    assert "data files do not follow their schemas" in str(error.value)
    assert any("headlines.yaml:3: typo: unknown key" in p for p in error.value.details)


def test_every_interface_key_and_every_data_text_has_nynorsk():
    """Issue 16: no interface key and no bilingual text in a data file lacks a nynorsk text."""
    lacking = [key for key, text in i18n.texts().items() if not text.get("nn")]
    assert lacking == [] and len(i18n.texts()) > 600

    def bilingual(node, where):
        if isinstance(node, dict):
            if "nb" in node and "en" in node:
                yield where, node
            for key, value in node.items():
                yield from bilingual(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from bilingual(value, f"{where}[{i}]")

    texts = [(f"{path.name}{where}", text) for path in [*DATA.glob("*.yaml"), *(DATA / "pages").glob("*.yaml")]
             for where, text in bilingual(yaml.safe_load(path.read_text(encoding="utf-8")), "")]
    assert len(texts) > 300
    assert [where for where, text in texts if "nn" not in text or (text["nb"] and not text["nn"])] == []
