"""The numbers behind a chart as a real HTML table: <caption>, header cells with scope, one
row header per row, numbers right-aligned. Notes on single cells (a derived figure, a secondary
source, what a missing value means) become numbered notes under the table instead of a column,
so the table still fits a phone."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from dash import html

from boligsosial.domain.remarks import flags, text
from boligsosial.text.i18n import t
from boligsosial.text.numbers import format_short, is_missing, missing_text


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = True


@dataclass(frozen=True)
class Cell:
    text: str
    notes: tuple[str, ...] = ()
    missing: bool = False


NO_ROW = "–"  # no row at all for this series and period (see charts/build.stand_in)
# Why a figure is missing, by its status symbol (the rest: "our sources have no figure").
MISSING_NOTES = {"...": "table.missing_note_not_yet", ":": "table.missing_note_confidential",
                 ".": "table.missing_note_not_applicable"}


def cell(row, lang: str) -> Cell:
    """An observation row as a table cell: the figure as the chart writes it, with its flags
    (derived, secondary source) as notes; a missing figure with why it is missing (the row's own
    reason when it has one, such as a survey not yet published)."""
    if row.get("no_row"):
        return Cell(NO_ROW, (t("table.no_row_note", lang),), True)
    if not is_missing(row.get("value")):
        return Cell(format_short(row, lang), tuple(flags(row, lang)))
    status = (row.get("status") or "").strip()
    reason = text(row, "note", lang)
    label = missing_text(status, lang)
    if reason.text and reason.lang == lang:
        return Cell(label, (reason.text,), True)
    return Cell(label, (t(MISSING_NOTES.get(status, "table.missing_note"), lang, text=label),), True)


@dataclass(frozen=True)
class Row:
    header: Cell  # the row's name (a year, a category): <th scope="row">
    cells: tuple[Cell, ...]


def data_table(caption: str, header_label: str, columns: Sequence[Column], rows: Sequence[Row], lang: str,
               table_id: str | None = None) -> html.Div:
    """The table, in a box that scrolls sideways on its own when it is wider than the screen
    (keyboard users can focus it to scroll), followed by its numbered notes."""
    notes: list[str] = []

    def cell_children(cell: Cell) -> list:
        children: list = [cell.text]
        for note in cell.notes:
            if note not in notes:
                notes.append(note)
            children += [
                " ",
                html.Sup([html.Span(t("table.note_ref", lang), className="visually-hidden"), str(notes.index(note) + 1)]),
            ]
        return children

    head = html.Tr(
        [html.Th(header_label, scope="col")]
        + [html.Th(column.label, scope="col", className="num" if column.numeric else None) for column in columns]
    )
    body = []
    for row in rows:
        cells = [html.Th(cell_children(row.header), scope="row")]
        for column, cell in zip(columns, row.cells):
            classes = " ".join(c for c in ("num" if column.numeric else "", "is-missing" if cell.missing else "") if c)
            cells.append(html.Td(cell_children(cell), className=classes or None))
        body.append(html.Tr(cells))
    caption_id = f"{table_id}-caption" if table_id else None
    table = html.Table(
        [html.Caption(caption, id=caption_id), html.Thead(head), html.Tbody(body)],
        className="data-table",
        id=table_id,
    )
    scroll_box = html.Div(
        table,
        className="table-scroll",
        # A box that can scroll must be reachable by keyboard, and named for screen readers.
        tabIndex="0",
        role="region",
        **({"aria-labelledby": caption_id} if caption_id else {"aria-label": caption}),
    )
    children = [scroll_box]
    if notes:
        children.append(
            html.Ol([html.Li(note) for note in notes], className="table-notes", **{"aria-label": t("table.notes", lang)})
        )
    return html.Div(children, className="table-block")


def map_table(rows, caption: str, place_heading: str, unit_heading: str, lang: str, table_id: str) -> html.Div:
    """The numbers of a map as a table (boligsosial/charts/maps.rows): each place linked to its
    view, its figure as the map writes it, and its colour class."""
    return data_table(
        caption, place_heading, [Column(unit_heading), Column(t("figur.map_class", lang), numeric=False)],
        [Row(Cell(html.A(row.place, href=row.href)), (Cell(row.value_text, missing=row.value is None), Cell(row.class_text)))
         for row in rows],
        lang, table_id=table_id)
