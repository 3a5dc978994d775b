"""The schemas of the YAML files under data/: what each file may hold, checked on every load.

Every model forbids keys it does not know, so a mistyped key is an error that names the file,
the key and the line (boligsosial/config/files.py), not a setting silently ignored. Text a
reader sees is written one way everywhere: `{nb: ..., nn: ..., en: ...}` (`Text`): bokmål,
nynorsk and English, each required.

    Indicators      data/indicators.yaml          the indicator catalogue (etl/catalogue.py)
    Strategies      data/strategies.yaml          strategies, goals, targets (etl/strategies.py)
    Texts           data/i18n.yaml, data/i18n/*   interface texts (boligsosial/text/i18n.py)
    (the pages' files: boligsosial/config/page_models.py)
    GeoSources      data/geo/sources.yaml         the map build's inputs (etl/geo.py)
    OpenApi         data/openapi.yaml             the data API's description (top level only)

Semantic checks that need other files (an indicator id that exists, a unit that is defined) stay
with the code that loads the file; these models check shape.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

Code = Annotated[str, Field(pattern=r"^[0-9]{1,4}$")]  # a region code: "0", "03", "0301"
Period = Annotated[str, Field(pattern=r"^[0-9]{4}(-([0-9]{2}|Q[1-4]|W[0-9]{2}))?$")]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
CardId = Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """Text for readers, in each interface language."""

    nb: StrictStr
    nn: StrictStr
    en: StrictStr

    @field_validator("nb", "nn", "en")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


# ------------------------------------------------------------------------------ indicators


class MissingPeriod(Strict):
    status: Literal[".", "..", "...", ":", "-"] = ".."
    nb: StrictStr
    nn: StrictStr
    en: StrictStr


class PeriodRange(Strict):
    first: Annotated[str, Field(pattern=r"^[0-9]{4}$")]
    last: Annotated[str, Field(pattern=r"^[0-9]{4}$")]


class MethodBreak(Strict):
    period: Period
    nb: StrictStr
    nn: StrictStr
    en: StrictStr


class EstimateRange(Strict):
    low: Identifier
    high: Identifier


class SeriesRules(Strict):
    periods: list[Period] | PeriodRange | None = None
    missing: dict[Period, MissingPeriod] = {}
    joined: bool = True
    breaks: list[MethodBreak] = []
    compare: Text | None = None
    estimates: Identifier | None = None
    ranges: list[EstimateRange] = []


class PublicView(Strict):
    region: str | None = None
    breakdown: str | None = None
    by: Identifier | None = None
    from_: Period | None = Field(None, alias="from")
    to: Period | None = None


class Indicator(Strict):
    id: Identifier
    topic: Identifier
    title: Text
    unit: Identifier
    decimals: Annotated[int, Field(ge=0, le=6)]
    better: Literal["up", "down", "none"]
    definition: Text
    comparability: Text
    min_value: float
    max_value: float
    levels: list[Literal["country", "county", "municipality"]] = Field(min_length=1)
    numerator: Identifier | None = None
    denominator: Identifier | None = None
    per: Annotated[float, Field(gt=0)] | None = None
    series: SeriesRules | None = None
    public: PublicView | None = None


class Indicators(Strict):
    units: dict[Identifier, Text] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)


# ------------------------------------------------------------------------------ strategies


class SourceRef(Strict):
    publisher: StrictStr
    title: StrictStr
    url: Annotated[str, Field(pattern=r"^(https?://.+)?$")]  # "" when the document is not online


class GoalIndicator(Strict):
    id: Identifier  # an indicator that bears on the goal (a judgement made for the dashboard)
    why: StrictStr


class Goal(Strict):
    goal_no: int
    text: Text
    indicators: list[GoalIndicator] = []


class PriorityArea(Strict):
    area_no: int
    goal_no: int | None = None
    kind: Literal["priority_area", "strategy"] = "priority_area"
    text: Text


class ResultTarget(Strict):
    target_no: int
    text: Text
    indicator_id: Identifier | None = None
    target_value: float | None = None
    direction: Literal["up", "down"] | None = None
    due: int | None = None


class Strategy(Strict):
    id: Identifier
    kind: Literal["national", "forerunner", "municipal"]
    name: Text
    period_start: int | None
    period_end: int | None
    region_code: Code
    publication_code: StrictStr | None
    published: Annotated[str, Field(pattern=r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")] | None
    owners: list[StrictStr] = []
    implementers: list[StrictStr] = []
    source: SourceRef
    note: StrictStr | None = None
    goals: list[Goal] = []
    priority_areas: list[PriorityArea] = []
    targets: list[ResultTarget] = []


class Strategies(Strict):
    strategies: list[Strategy] = Field(min_length=1)


# ------------------------------------------------------------------------------ interface texts


class Texts(BaseModel):
    """An interface text file: each key a text (or a list of texts, such as month names) in
    every language."""

    model_config = ConfigDict(extra="allow", frozen=True)

    @classmethod
    def check(cls, document: Any) -> list[tuple[tuple, str]]:
        problems: list[tuple[tuple, str]] = []
        if not isinstance(document, dict):
            return [((), "must be a mapping of text keys")]
        for key, value in document.items():
            if not isinstance(value, dict) or set(value) != {"nb", "nn", "en"}:
                missing = sorted({"nb", "nn", "en"} - set(value)) if isinstance(value, dict) else []
                problems.append(((key,), "must have exactly the languages nb, nn and en"
                                 + (f" (missing: {', '.join(missing)})" if missing else "")))
                continue
            kinds = {type(v) for v in value.values()}
            if not (kinds <= {str} or kinds <= {list}):
                problems.append(((key,), "nb, nn and en must all be text, or all lists of text"))
        return problems


# ------------------------------------------------------------------------------ other files


class GeoSources(BaseModel):
    """data/geo/sources.yaml: written and read by etl/geo.py; the top level is checked here."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    licence: StrictStr
    attribution: StrictStr
    attribution_full: StrictStr
    source_repository: StrictStr
    source_description: StrictStr
    crs: StrictStr
    unit_m: int
    frame: dict[str, int]
    tolerance_m: dict[str, int]
    inset: dict[str, Any]
    structures: dict[str, dict[str, Any]]


class OpenApi(BaseModel):
    """data/openapi.yaml: an OpenAPI 3.1 document (its inner vocabulary is OpenAPI's own)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    openapi: Annotated[str, Field(pattern=r"^3\.1\.")]
    info: dict[str, Any]
    servers: list[dict[str, Any]] = []
    paths: dict[Annotated[str, Field(pattern=r"^/")], dict[str, Any]]
    components: dict[str, Any] = {}
