"""Intake of extracts: read → normalise → validate → quarantine → report."""
from getpower.intake.read import ExtractError
from getpower.intake.validate import FileResult, validate_paths

__all__ = ["ExtractError", "FileResult", "validate_paths"]
