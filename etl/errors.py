"""Errors the ETL reports to people. Each carries a message meant to be read, not a stack trace.

The CLI catches EtlError, prints the message and exits with the class's exit code, so scripts
can tell an upstream fault from rejected input from a failed validation.
"""
from __future__ import annotations


class EtlError(Exception):
    exit_code = 1

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = list(details or [])

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {d}" for d in self.details)


class UpstreamError(EtlError):
    """SSB or KLASS answered wrongly, too slowly, or not at all (after the bounded retries)."""

    exit_code = 3


class UpstreamChanged(UpstreamError):
    """The upstream table no longer has the shape our table list expects (renamed dimension,
    unknown status symbol, missing content code). Nothing from it is stored."""

    exit_code = 4


class ImportRejected(EtlError):
    """An imported file (or its mapping) has problems; the whole file is rejected."""

    exit_code = 5


class ValidationFailed(EtlError):
    """The new warehouse failed its checks; the served one is untouched."""

    exit_code = 6
