"""Domain rules: what the figures mean, independent of pages and drawing (selections, series,
remarks on single figures, changes and progress)."""
