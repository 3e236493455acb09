"""Shared by every stage: errors and exit codes, frozen records, atomic files, reporters, URL redaction.

Every stage package imports from here; nothing here imports a stage.
"""
