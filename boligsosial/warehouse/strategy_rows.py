"""The national strategies: their periods (for the chart bands), goals, targets and the
indicators that follow each target."""
from __future__ import annotations

from typing import Any, Iterable

from boligsosial.warehouse import db


def strategies(kind: str) -> list[dict[str, Any]]:
    """Strategies of one kind ("national", ...) that have a period, oldest first: for shading
    strategy periods on time axes."""
    return db.rows(
        """SELECT id, name_nb, name_en, name_nn, period_start, period_end FROM strategy
           WHERE kind = $kind AND period_start IS NOT NULL AND period_end IS NOT NULL
           ORDER BY period_start""",
        {"kind": kind},
    )


def strategy_timeline(kinds: Iterable[str]) -> list[dict[str, Any]]:
    """Strategies of the given kinds (national, forerunner, ...) with period, publication and
    source, oldest first: the timeline on the Strategier page."""
    return db.rows(
        """SELECT id, kind, name_nb, name_en, name_nn, region_code, period_start, period_end, publication_code,
                  published, owners_nb, source_publisher, source_title, source_url
           FROM strategy WHERE list_contains($kinds, kind)
           ORDER BY period_start NULLS LAST, id""",
        {"kinds": [str(k) for k in kinds]},
    )


def strategy_plan(strategy_id: str) -> dict[str, list[dict[str, Any]]]:
    """One strategy's goals, priority areas, result targets and the indicators that bear on
    each goal, each list in the strategy's own numbering."""
    params = {"id": strategy_id}
    return {
        "goals": db.rows("SELECT goal_no, text_nb, text_en, text_nn FROM goal WHERE strategy_id = $id ORDER BY goal_no", params),
        "priority_areas": db.rows(
            """SELECT area_no, goal_no, kind, text_nb, text_en, text_nn FROM priority_area
               WHERE strategy_id = $id ORDER BY area_no""",
            params,
        ),
        "targets": db.rows(
            """SELECT target_no, text_nb, text_en, text_nn, indicator_id, target_value, direction, due FROM target
               WHERE strategy_id = $id ORDER BY target_no""",
            params,
        ),
        # rowid keeps the order the strategy file lists a goal's indicators in.
        "goal_indicators": db.rows(
            """SELECT goal_no, indicator_id, why FROM goal_indicator
               WHERE strategy_id = $id ORDER BY goal_no, rowid""",
            params,
        ),
    }


def strategy_target(strategy_id: str, target_no: int) -> dict[str, Any] | None:
    """One result target with its strategy's name and period (the zero-vision line)."""
    rows = db.rows(
        """SELECT t.target_no, t.text_nb, t.text_en, t.text_nn, t.indicator_id, t.target_value, t.direction, t.due,
                  s.name_nb, s.name_en, s.name_nn, s.period_start, s.period_end
           FROM target t JOIN strategy s ON s.id = t.strategy_id
           WHERE t.strategy_id = $id AND t.target_no = $no""",
        {"id": strategy_id, "no": int(target_no)},
    )
    return rows[0] if rows else None
