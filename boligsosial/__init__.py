"""Shared runtime library: settings, warehouse queries, number formatting, page components."""
