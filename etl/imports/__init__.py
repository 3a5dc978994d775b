"""Importing Husbanken-style files and SSB StatBank exports (CSV or XLSX) into the tidy format.

A person brings a file and a small YAML mapping that says which column holds what
(data/import_mappings/README.md documents it). The file is checked in full: every bad row is
reported with the line number a person sees in the file, and a file with any bad row is rejected
whole, so a build never holds half a file. An accepted file and its mapping are stored as
snapshots (namespace "import"); every later build re-reads them offline with ``load_bundle``.

Files are bounded by what they expand to, not only by their size on disk (issue 14): a 1 MB
.xlsx can unpack to gigabytes, and a mapping of a few lines can expand, through YAML aliases, to
more values than memory holds. Every limit is checked before the content is read (the sizes a
workbook declares for its parts; the mapping's size) and again while it is read (bytes actually
unpacked, rows, cell lengths, values after alias expansion), and every rejection names the
limit. At most MAX_PROBLEMS problems are listed, with how many more there were.

    mapping.py    the mapping: loaded within its limits, checked against the catalogue
    readers.py    a CSV or XLSX file read into a header and numbered rows
    rows.py       cells to observations, every bad row reported; rows to a bundle
    check.py      the whole check of one file (read_file), storing nothing
    store.py      accepted imports kept as snapshots (import_file) and re-read (load_bundle)
    cells.py, problems.py   what a cell says; the capped list of problems and the rejections
"""
