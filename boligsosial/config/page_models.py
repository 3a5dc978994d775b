"""The schemas of the pages' YAML files: what each page shows (data/headlines.yaml,
data/pages/*.yaml), checked on every load like the others (boligsosial/config/models.py says
how: unknown keys are errors naming file, key and line).

    StoryPage       data/headlines.yaml, data/pages/{bostedslose,vanskeligstilte,strategier}.yaml
    ExplorerPage    data/pages/kommuner.yaml
    SiteContact, AccessibilityStatement, PrivacyPage
                    data/pages/{nettsted,tilgjengelighet,personvern}.yaml
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, StrictStr

from boligsosial.config.models import CardId, Code, Identifier, Period, Strict, Text

# ------------------------------------------------------------------------------ pages


class Measure(Strict):
    id: Identifier
    indicator: Identifier
    label: Text | None = None


class TargetRef(Strict):
    strategy: Identifier
    target_no: int


class CardBase(Strict):
    id: CardId
    title: Text
    context: Text | None = None
    note: Text | None = None  # written on the chart itself: what must not be missed
    region: Code = "0"
    measures: list[Measure] = Field(min_length=1)


class LineCard(CardBase):
    """Series over time. The periods are the warehouse's: every period with a figure and every
    period the indicator expects (series.periods in data/indicators.yaml)."""

    chart: Literal["line"]
    breakdown: str = ""
    target: TargetRef | None = None


class ListedBar(Strict):
    breakdown: str = ""
    label: Text | None = None


class BarCard(CardBase):
    """One value per category, for one period (fixed or chosen) or a few side by side."""

    chart: Literal["bar"]
    period: Period | None = None
    choose_period: list[Period] | None = None
    group_periods: list[Period] | None = None
    by: Identifier | list[Identifier] | None = None
    level: Literal["county", "municipality"] | None = None
    bars: list[ListedBar] | None = None
    fixed: str = ""
    total: Text | None = None
    category_heading: Text | None = None


class EstimateEntry(Strict):
    code: Identifier
    short: Text
    measures: Text


class RangeEntry(Strict):
    low: Identifier
    high: Identifier
    short: Text
    measures: Text


class EstimatesCard(CardBase):
    """Estimates that rest on different definitions: named points, never a line."""

    chart: Literal["estimates"]
    dimension: Identifier
    fixed: str = ""
    estimates: list[EstimateEntry]
    ranges: list[RangeEntry] = []


Card = Annotated[Union[LineCard, BarCard, EstimatesCard], Field(discriminator="chart")]


class TileFigure(Strict):
    period: Period
    breakdown: str | None = None
    label: Text | None = None


class MoreLink(Strict):
    path: Annotated[str, Field(pattern=r"^/")]
    text: Text


class Tile(Strict):
    id: CardId
    indicator: Identifier
    rate_indicator: Identifier | None = None
    region: Code = "0"
    breakdown: str = ""
    title: Text
    context: Text | None = None
    warning: Text | None = None
    figures: list[TileFigure] = Field(min_length=1)
    more: MoreLink | None = None


class Method(Strict):
    heading: Text
    indicator: Identifier
    paragraphs: list[Text]
    gaps_heading: Text
    gaps: list[Text]


class StoryPage(Strict):
    """The start page (data/headlines.yaml) and the story pages (data/pages/*.yaml)."""

    intro: Text | None = None
    tiles: list[Tile] = []
    method: Method | None = None
    cards: list[Card] = []
    # Strategier
    strategies: list[Identifier] = []
    timeline_kinds: list[Literal["national", "forerunner", "municipal"]] = []
    series_breakdowns: dict[Identifier, list[str]] = {}
    progress_notes: dict[Identifier, Text] = {}


class ExplorerOffer(Strict):
    id: Identifier
    count: Identifier | None = None
    rate: Identifier | None = None


class Similar(Strict):
    population_indicator: Identifier
    count: Annotated[int, Field(ge=1)]


class ExplorerPage(Strict):
    """The region explorer (data/pages/kommuner.yaml)."""

    intro: Text
    indicators: list[ExplorerOffer] = Field(min_length=1)
    default_indicator: Identifier
    default_measure: Literal["rate", "count"] = "rate"
    similar: Similar
    compare_limit: Annotated[int, Field(ge=1, le=20)]
    refresh_command: StrictStr | None = None


# ------------------------------------------------------------------------------ the website's own pages


Url = Annotated[str, Field(pattern=r"^https?://.+")]
Day = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]


class Link(Strict):
    text: Text
    url: Url


class SiteContact(Strict):
    """data/pages/nettsted.yaml: who runs the site. Empty until decided; the pages then say so."""

    class Owner(Strict):
        nb: StrictStr
        nn: StrictStr
        en: StrictStr

    owner: Owner
    email: Annotated[str, Field(pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class KnownIssue(Strict):
    criterion: Annotated[str, Field(pattern=r"^[1-4]\.[0-9]+\.[0-9]+$")]  # a WCAG 2.1 success criterion
    name: Text
    where: Text
    what: Text
    consequence: Text
    fix_by: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$")]
    axe: list[Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]] = []  # axe-core rules this issue covers


class AccessibilityStatement(Strict):
    """data/pages/tilgjengelighet.yaml (pages/tilgjengelighet.py)."""

    reviewed: Day
    requirements: Annotated[int, Field(ge=1)]
    intro: Text
    known_issues: list[KnownIssue]
    testing: list[Text] = Field(min_length=1)
    feedback: Text
    complaint: Text
    links: list[Link] = []


class PrivacySection(Strict):
    heading: Text
    paragraphs: list[Text] = Field(min_length=1)
    log: bool = False  # followed by the log's fields and how long it is kept
    links: list[Link] = []


class PrivacyPage(Strict):
    """data/pages/personvern.yaml (pages/personvern.py)."""

    intro: Text
    sections: list[PrivacySection] = Field(min_length=1)
    log_fields: list[Text] = Field(min_length=1)
    retention_days: Annotated[int, Field(ge=1)]
