"""Every error Chronolink raises on purpose, under one root.

Catch :class:`ChronolinkError` to handle them all; the CLI maps it once to a
message on stderr and an exit code (``exit_code``), so a user's mistake or an
agency's bad file never ends in a traceback. A message names the file, row,
field, id or store path involved, never a value from the data (a name, a date
of birth, free text) and never a key.

Each class keeps a built-in base where callers relied on one (``ValueError``,
``LookupError``, ``FileNotFoundError``), so ``except ValueError`` still works.

::

    ChronolinkError                 root of every deliberate error
    ├── UsageError                  the command cannot be acted on as given; nothing was written
    │   ├── AnalystError            --analyst is empty, over 128 characters or not printable
    │   ├── OutputPathError         an output path is a folder, its folder is missing, or it
    │   │                           cannot be written
    │   ├── SettingsError           a settings file (rules, linkage) is unreadable or invalid
    │   ├── DispositionError        a flag decision that cannot be recorded (unknown flag,
    │   │                           bad status, a dismissal without a reason)
    │   ├── EngineUnavailable       `--engine spark` without pyspark or Java 17+
    │   └── NotFound                an id named on the command line is not in the store
    │       ├── UnknownPerson       a person or place id `report`/`chronology` was given
    │       └── ExplainError        a mention, or the link run `explain` needs
    ├── InputFileError              an input file cannot be used at all
    │   ├── ExtractError            an extract cannot be ingested (unreadable, unknown layout,
    │   │                           missing columns); the rest of a batch still loads
    │   └── MappingFileError        a mapping TOML is unreadable or invalid
    ├── StoreError                  the store cannot be used as asked
    │   ├── StoreMissing            no store at the path, and this command never creates one
    │   ├── NotAStore               the path is a folder, another kind of file, or a DuckDB
    │   │                           file without Chronolink's tables
    │   ├── StoreDamaged            a DuckDB file that cannot be read back: damaged
    │   ├── StoreBusy               another process holds the store (the OS reports its lock)
    │   ├── StoreReadOnly           the store file or its folder cannot be written
    │   ├── BatchRunning            the workbench's own batch run is updating the store, so
    │   │                           decisions are paused until it finishes
    │   └── StoreWriteError         a write failed (disk full, I/O error); its transaction was
    │                               rolled back, so the store is as it was before
    ├── ContractError               a frame handed between stages breaks its declared contract
    │   │                           (a defect in Chronolink, not the user's mistake)
    │   ├── InputSchemaError        rule inputs lack a column or have the wrong type
    │   └── ReportDataError         a report's view model is malformed
    └── SecurityError               never carries a key, a name or a raw value
        ├── KeyConfigError          key missing, malformed, too short, or key file too open
        ├── EncryptionUnavailable   no offline OpenSSL crypto module: cannot write encrypted
        ├── StoreKeyError           wrong key, no key for an encrypted store, or a key for a
        │                           plaintext store; names the file, never the key
        ├── StoreOpenError          an encrypted store could not be attached for another reason
        ├── AuditDetailError        an audit entry's detail would carry a name or free text
        └── AuditIntegrityError     the audit trail fails verification, so it is not extended

This module imports nothing: the CLI loads it before any heavy dependency.
"""
from __future__ import annotations

__all__ = [
    "AnalystError",
    "AuditDetailError",
    "AuditIntegrityError",
    "BatchRunning",
    "ChronolinkError",
    "ContractError",
    "DispositionError",
    "EncryptionUnavailable",
    "EngineUnavailable",
    "ExplainError",
    "ExtractError",
    "InputFileError",
    "InputSchemaError",
    "KeyConfigError",
    "MappingFileError",
    "NotAStore",
    "NotFound",
    "OutputPathError",
    "ReportDataError",
    "SecurityError",
    "SettingsError",
    "StoreBusy",
    "StoreDamaged",
    "StoreError",
    "StoreKeyError",
    "StoreMissing",
    "StoreOpenError",
    "StoreReadOnly",
    "StoreWriteError",
    "UnknownPerson",
    "UsageError",
]


class ChronolinkError(Exception):
    """Root of every error Chronolink raises on purpose; the message is safe to show."""

    #: The CLI's exit status for this error (1 is kept for "ran, but found a problem").
    exit_code: int = 2


# ----------------------------------------------------------------- usage


class UsageError(ChronolinkError, ValueError):
    """The command cannot be acted on as given; nothing was written."""


class AnalystError(UsageError):
    """``--analyst`` is empty, over 128 characters, or holds control characters."""


class OutputPathError(UsageError):
    """An output path is a folder, its folder is missing, or it cannot be written."""


class SettingsError(UsageError):
    """A settings file (rules, linkage) cannot be read or does not validate."""


class DispositionError(UsageError):
    """A disposition that cannot be recorded (unknown flag, bad status, missing reason)."""


class EngineUnavailable(UsageError):
    """``--engine spark`` was asked for, but pyspark or Java 17+ is missing (or Spark would not start)."""


class NotFound(UsageError, LookupError):
    """An id named on the command line is not in the store."""


class UnknownPerson(NotFound):
    """No linked person (or place) with that id in the store."""


class ExplainError(NotFound):
    """A mention cannot be found, or no link run has stored a model yet."""


# ----------------------------------------------------------------- input files


class InputFileError(ChronolinkError, ValueError):
    """An input file cannot be used at all; the message names it."""


class ExtractError(InputFileError):
    """A whole file cannot be ingested (unreadable, unknown layout, missing columns)."""


class MappingFileError(InputFileError):
    """A mapping file is not valid; the message names the file and the fields."""


# ----------------------------------------------------------------- the store


class StoreError(ChronolinkError):
    """The store cannot be used as asked; the message names its path."""


class StoreMissing(StoreError, FileNotFoundError):
    """A command that never creates a store names a path with no store."""


class NotAStore(StoreError):
    """The path is a folder, another kind of file, or a DuckDB file without Chronolink's tables."""


class StoreDamaged(StoreError):
    """A DuckDB store file that cannot be read back (truncated, corrupt checksums)."""


class StoreBusy(StoreError):
    """Another process holds the store (the operating system reports its lock)."""


class StoreReadOnly(StoreError):
    """The store file or its folder cannot be written."""


class BatchRunning(StoreError):
    """The workbench's batch run is updating the store: decisions wait until it finishes."""


class StoreWriteError(StoreError):
    """A write failed (disk full, I/O error); the transaction was rolled back."""


# ----------------------------------------------------------------- contracts


class ContractError(ChronolinkError, ValueError):
    """A frame handed between stages breaks its declared contract (a defect, not a user's mistake)."""

    exit_code = 70  # EX_SOFTWARE


class InputSchemaError(ContractError):
    """A frame handed to the rules does not have its documented schema."""


class ReportDataError(ContractError):
    """The report data breaks the contract. The message names fields, never values."""


# ----------------------------------------------------------------- security


class SecurityError(ChronolinkError):
    """Base class for errors of ``engine.security``; never carries a key, a name or a raw value."""


class KeyConfigError(SecurityError, ValueError):
    """The encryption key is missing, malformed or stored insecurely."""


class EncryptionUnavailable(SecurityError, RuntimeError):
    """Encrypted writes are impossible on this installation; nothing was written."""


class StoreKeyError(SecurityError):
    """The key does not fit the store: wrong key, missing key, or store not encrypted."""


class StoreOpenError(SecurityError):
    """An encrypted store could not be opened for a reason other than the key."""


class AuditDetailError(SecurityError, ValueError):
    """An audit entry would carry a name, free text or an unexpected value."""


class AuditIntegrityError(SecurityError):
    """The audit trail is inconsistent; run ``audit --verify`` for the first bad entry."""

    exit_code = 1
