"""Encryption at rest for the DuckDB store, with no network at run time.

DuckDB encrypts a database file with AES-GCM when it is attached with
``ENCRYPTION_KEY``. Writing such a file needs the OpenSSL crypto module that
the ``httpfs`` extension installs; DuckDB's built-in mbedTLS module is
read-only for encryption (its random numbers are not fit for GCM nonces), and
the ``force_mbedtls_unsafe`` escape hatch is never used here. DuckDB would
normally download ``httpfs`` at run time, which is impossible offline, so
:func:`ensure_encryption_support` loads a copy shipped as a Python package and
pinned to the DuckDB version (see ``_httpfs_candidates``). Extensions are
loaded with signature checking left on: only binaries signed by DuckDB load.
If none works the store is not opened: nothing is ever written in plaintext.

Keys (:func:`load_key`) come from the environment only, never from a command
line argument (visible in ``ps`` and shell history) and are never logged:

* ``CHRONOLINK_KEY``: the key itself, or
* ``CHRONOLINK_KEY_FILE``: a file holding the key, readable by its owner only.

A key is a string of at least 16 printable ASCII characters (surrounding
whitespace and the trailing newline of a key file are stripped). It is passed
to DuckDB unchanged, so the DuckDB CLI opens the store with the same string.
DuckDB derives the AES key with a fast salted SHA-256, so a key must be random,
not a memorable passphrase: make one with :func:`generate_key` (43 URL-safe
base64 characters, 256 bits) or ``openssl rand -base64 32``.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import stat
import struct
import tempfile
from pathlib import Path

import duckdb

from chronolink.engine.errors import EncryptionUnavailable, KeyConfigError, StoreKeyError, StoreOpenError

#: A value of DuckDB's connection config (duckdb.connect(config=...)).
ConfigValue = str | bool | int | float | list[str]

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "HTTPFS_ENV",
    "MIN_KEY_CHARS",
    "generate_key",
    "load_key",
    "ensure_encryption_support",
    "open_encrypted",
    "is_encrypted",
    "encrypt_copy",
]

KEY_ENV = "CHRONOLINK_KEY"
KEY_FILE_ENV = "CHRONOLINK_KEY_FILE"
#: Optional explicit path to an ``httpfs.duckdb_extension`` built for this DuckDB.
HTTPFS_ENV = "CHRONOLINK_HTTPFS_EXTENSION"
MIN_KEY_CHARS = 16
MAX_KEY_CHARS = 1024

# DuckDB's main header: 8-byte checksum, magic "DUCK", u64 storage version,
# u64 flags[4]; flags[0] bit 0 is MainHeader::ENCRYPTED_DATABASE_FLAG.
_MAGIC = b"DUCK"
_MAGIC_OFFSET = 8
_FLAGS_OFFSET = 20
_ENCRYPTED_FLAG = 1

# Python packages that ship DuckDB's signed httpfs binary, and where it lies
# inside them ({version} is e.g. "v1.5.5", {platform} e.g. "linux_amd64").
_HTTPFS_PACKAGES = (
    ("duckdb_extension_httpfs", "extensions/{version}/httpfs.duckdb_extension"),
    ("duckdb_ext", "extensions/{version}/{platform}/httpfs.duckdb_extension"),
)


# --------------------------------------------------------------------------- keys


def generate_key() -> str:
    """Return a new random key (256 bits, URL-safe base64, 43 characters)."""
    return secrets.token_urlsafe(32)


def _validate_key_text(text: str, origin: str) -> bytes:
    text = text.strip()
    if len(text) < MIN_KEY_CHARS:
        raise KeyConfigError(
            f"the key from {origin} is too short: at least {MIN_KEY_CHARS} characters are "
            "required (make one with `openssl rand -base64 32`)"
        )
    if len(text) > MAX_KEY_CHARS:
        raise KeyConfigError(f"the key from {origin} is longer than {MAX_KEY_CHARS} characters")
    if not all(" " <= ch <= "~" for ch in text):
        raise KeyConfigError(
            f"the key from {origin} must be printable ASCII (no control or non-ASCII characters)"
        )
    return text.encode("ascii")


def _key_text(key: bytes | str) -> str:
    if isinstance(key, str):
        key = key.encode("utf-8", "replace")
    if not isinstance(key, (bytes, bytearray)):
        raise KeyConfigError("the key must be bytes (as returned by load_key)")
    try:
        text = bytes(key).decode("ascii")
    except UnicodeDecodeError:
        raise KeyConfigError("the key must be printable ASCII") from None
    return _validate_key_text(text, "the caller").decode("ascii")


def _check_key_file_permissions(path: Path, st: os.stat_result, what: str) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise KeyConfigError(f"{what} {path} is not a regular file")
    if os.name != "posix":
        return  # Windows ACLs are not expressed in st_mode; rely on the profile directory.
    loose = stat.S_IMODE(st.st_mode) & 0o077
    if loose:
        raise KeyConfigError(
            f"{what} {path} is accessible by group or others "
            f"(mode {stat.S_IMODE(st.st_mode):04o}); run `chmod 600 {path}`"
        )
    if hasattr(os, "geteuid") and st.st_uid not in (os.geteuid(), 0):
        raise KeyConfigError(f"{what} {path} is owned by another user")


def read_key_file(path: Path, env_name: str, max_bytes: int, what: str = "key file") -> bytes:
    """Up to `max_bytes` of the key file `path` (named by `env_name`): a regular file owned by this user (or
    root) with no group or other permission bits, else KeyConfigError naming the path, never the key."""
    try:
        with open(path, "rb") as fh:
            _check_key_file_permissions(path, os.fstat(fh.fileno()), what)
            return fh.read(max_bytes)
    except FileNotFoundError:
        raise KeyConfigError(f"{what} {path} (from {env_name}) does not exist") from None
    except PermissionError:
        raise KeyConfigError(f"{what} {path} cannot be read by this user") from None
    except IsADirectoryError:
        raise KeyConfigError(f"{what} {path} is a directory") from None


def load_key(environ: dict[str, str] | None = None) -> bytes | None:
    """Return the store key from the environment, or ``None`` if none is configured.

    Reads ``CHRONOLINK_KEY`` or the file named by ``CHRONOLINK_KEY_FILE`` (both
    set is an error, so the source is never ambiguous). A key file must be a
    regular file owned by the current user (or root) with no group or world
    permission bits. Raises :class:`KeyConfigError`, whose text never carries
    the key.
    """
    env = os.environ if environ is None else environ
    direct = env.get(KEY_ENV)
    file_name = env.get(KEY_FILE_ENV)
    if direct and file_name:
        raise KeyConfigError(f"both {KEY_ENV} and {KEY_FILE_ENV} are set; set only one")
    if direct:
        return _validate_key_text(direct, KEY_ENV)
    if not file_name:
        return None
    path = Path(file_name).expanduser()
    raw = read_key_file(path, KEY_FILE_ENV, MAX_KEY_CHARS * 4 + 2)
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise KeyConfigError(f"key file {path} must hold printable ASCII text") from None
    return _validate_key_text(text, f"key file {path}")


# ----------------------------------------------------------------- file header


def is_encrypted(path: str | os.PathLike[str]) -> bool:
    """Tell whether ``path`` is an encrypted DuckDB database, from its header.

    Raises ``FileNotFoundError`` if it does not exist and ``ValueError`` if it is
    not a DuckDB database file. Do not call it on a store this process has open:
    closing the descriptor it opens releases DuckDB's POSIX lock on the file.
    """
    with open(path, "rb") as fh:
        header = fh.read(_FLAGS_OFFSET + 8)
    if len(header) < _FLAGS_OFFSET + 8 or header[_MAGIC_OFFSET : _MAGIC_OFFSET + 4] != _MAGIC:
        raise ValueError(f"{os.fspath(path)} is not a DuckDB database file")
    (flags0,) = struct.unpack_from("<Q", header, _FLAGS_OFFSET)
    return bool(flags0 & _ENCRYPTED_FLAG)


# ------------------------------------------------------------ crypto support


def _sql_str(value: str) -> str:
    """A SQL string literal (DuckDB strings have no backslash escapes)."""
    return "'" + value.replace("'", "''") + "'"


def _duckdb_version_and_platform(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    version = con.execute("SELECT library_version FROM pragma_version()").fetchall()[0][0]
    platform = con.execute("PRAGMA platform").fetchall()[0][0]
    return version, platform


def _httpfs_candidates(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Where an offline ``httpfs`` may be: explicit path, Python packages, DuckDB's own
    extension directory (``LOAD httpfs`` only loads, it never downloads)."""
    version, platform = _duckdb_version_and_platform(con)
    found: list[str] = []
    explicit = os.environ.get(HTTPFS_ENV)
    if explicit:
        found.append(explicit)
    for package, relative in _HTTPFS_PACKAGES:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            root = Path(location)
            exact = root / relative.format(version=version, platform=platform)
            if exact.is_file():
                found.append(str(exact))
            # Builds for other versions are tried too: DuckDB refuses them with a
            # message naming both versions, which then explains the failure.
            found.extend(
                str(p) for p in sorted(root.glob("extensions/**/httpfs.duckdb_extension")) if p != exact
            )
    found.append("httpfs")
    return list(dict.fromkeys(found))


def _probe_encrypted_write(con: duckdb.DuckDBPyConnection) -> str | None:
    """Write a throwaway encrypted database; ``None`` if that worked, else why not."""
    alias = "chronolink_probe_" + secrets.token_hex(6)
    with tempfile.TemporaryDirectory(prefix="chronolink-probe-") as tmp:
        probe = os.path.join(tmp, "probe.duckdb")
        try:
            con.execute(
                f"ATTACH {_sql_str(probe)} AS {alias} (ENCRYPTION_KEY {_sql_str(generate_key())})"
            )
            con.execute(f"CREATE TABLE {alias}.t AS SELECT 42 AS x")
            con.execute(f"DETACH {alias}")
        except duckdb.Error as exc:
            try:
                con.execute(f"DETACH DATABASE IF EXISTS {alias}")
            except duckdb.Error:
                pass
            if "read-only crypto" in str(exc).lower():
                return "the crypto module loaded is read-only (mbedTLS); writing needs OpenSSL"
            return str(exc).strip().splitlines()[0]
        if not is_encrypted(probe):
            return "DuckDB wrote the probe database without encryption"
    return None


def ensure_encryption_support(con: duckdb.DuckDBPyConnection) -> None:
    """Make encrypted writes possible on ``con``'s database instance, offline.

    Loads a signed ``httpfs`` extension from a local file (never from the
    network) and proves it by writing a throwaway encrypted database. Raises
    :class:`EncryptionUnavailable`, listing what was tried, if that fails.
    """
    problem = _probe_encrypted_write(con)
    if problem is None:
        return
    tried = [f"built-in crypto: {problem}"]
    for candidate in _httpfs_candidates(con):
        target = candidate if candidate == "httpfs" else _sql_str(candidate)
        try:
            con.execute(f"LOAD {target}")
        except duckdb.Error as exc:
            tried.append(f"{candidate}: {str(exc).strip().splitlines()[0]}")
            continue
        problem = _probe_encrypted_write(con)
        if problem is None:
            return
        tried.append(f"{candidate}: loaded, but {problem}")
    version, platform = _duckdb_version_and_platform(con)
    raise EncryptionUnavailable(
        f"cannot write an encrypted store: DuckDB {version} ({platform}) has no OpenSSL crypto "
        "module and none could be loaded offline. Install a package that ships DuckDB's signed "
        f"httpfs extension for exactly DuckDB {version} (duckdb-extension-httpfs or "
        "duckdb-ext-httpfs), or pin duckdb to a version for which one exists, or point "
        f"{HTTPFS_ENV} at a signed httpfs.duckdb_extension for {version}/{platform}. "
        "Nothing was written. Tried:\n  - "
        + "\n  - ".join(tried)
    )


# ------------------------------------------------------------------- opening


def _mask(message: str, secret: str) -> str:
    for form in (secret, secret.replace("'", "''")):
        message = message.replace(form, "***")
    return message


def _plaintext_store(path: Path) -> StoreKeyError:
    return StoreKeyError(
        f"store {path} is a plaintext DuckDB file; refusing to use it as an encrypted store "
        "(make an encrypted copy with encrypt_copy, then destroy the plaintext file)"
    )


def _attach_failure(exc: duckdb.Error, path: Path, key_text: str) -> Exception:
    message = _mask(str(exc), key_text)
    lowered = message.lower()
    if "wrong encryption key" in lowered or ("wrong" in lowered and "key" in lowered):
        return StoreKeyError(f"wrong encryption key for store {path}")
    if "is not encrypted" in lowered:
        return _plaintext_store(path)
    if "without a key" in lowered:
        return StoreKeyError(f"store {path} is encrypted but no key was supplied")
    if "read-only crypto" in lowered:
        return EncryptionUnavailable(
            f"cannot open store {path} for writing: no OpenSSL crypto module is loaded"
        )
    first_line = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return StoreOpenError(f"could not open store {path}: {first_line}")


def open_encrypted(
    path: str | os.PathLike[str],
    key: bytes | None,
    *,
    read_only: bool = False,
    alias: str = "store",
    config: dict[str, ConfigValue] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (or create) the encrypted store at ``path``; it becomes the default database.

    Raises :class:`StoreKeyError` for a wrong or missing key or a plaintext
    file, :class:`EncryptionUnavailable` if encrypted writes are impossible
    (nothing is written), :class:`StoreOpenError` otherwise. No message ever
    contains the key. ``read_only`` opens work without ``httpfs`` (DuckDB's
    built-in module decrypts). Extension auto-install is always off.
    """
    path = Path(path)
    if not alias.isidentifier():
        raise ValueError("alias must be a plain identifier")
    # The file is never opened from Python here: closing any descriptor of it
    # would release the POSIX lock DuckDB holds if this process has it open.
    exists = path.exists() and path.stat().st_size > 0
    if key is None:
        if exists:
            raise StoreKeyError(
                f"store {path} exists but no key was supplied; an encrypted store needs its key "
                f"(set {KEY_ENV} or {KEY_FILE_ENV})"
            )
        raise StoreKeyError(
            f"no encryption key supplied for store {path}; Chronolink never writes an "
            f"unencrypted store (set {KEY_ENV} or {KEY_FILE_ENV})"
        )
    key_text = _key_text(key)
    if read_only and not exists:
        raise StoreOpenError(f"store {path} does not exist")

    settings: dict[str, ConfigValue] = dict(config or {})
    settings["autoinstall_known_extensions"] = False  # never download at run time
    con = duckdb.connect(":memory:", config=settings)
    try:
        if read_only:
            try:
                ensure_encryption_support(con)  # faster decryption when available
            except EncryptionUnavailable:
                pass  # DuckDB's built-in module decrypts
        if exists:
            # Read-only first (needs no OpenSSL): checks the key, and that the
            # file is an encrypted DuckDB database at all.
            _attach(con, path, alias, key_text, read_only=True)
            encrypted = _attached_encrypted(con, alias)
            if not (encrypted and read_only):
                con.execute(f"DETACH {alias}")
            if not encrypted:
                raise _plaintext_store(path)
        if not read_only:
            ensure_encryption_support(con)
            con.execute("SET temp_file_encryption = true")  # spilled data stays encrypted
            _attach(con, path, alias, key_text, read_only=False)
            if not _attached_encrypted(con, alias):
                raise EncryptionUnavailable(f"store {path} was attached without encryption; closed it")
        con.execute(f"USE {alias}")
    except BaseException:
        con.close()
        raise
    return con


def _attach(
    con: duckdb.DuckDBPyConnection, path: Path, alias: str, key_text: str, *, read_only: bool
) -> None:
    options = f"ENCRYPTION_KEY {_sql_str(key_text)}" + (", READ_ONLY" if read_only else "")
    failure: Exception | None = None
    try:
        con.execute(f"ATTACH {_sql_str(str(path))} AS {alias} ({options})")
    except duckdb.Error as exc:
        failure = _attach_failure(exc, path, key_text)
    if failure is not None:
        raise failure  # raised outside the except block: no chained DuckDB text


def _attached_encrypted(con: duckdb.DuckDBPyConnection, alias: str) -> bool:
    rows = con.execute(
        "SELECT encrypted FROM duckdb_databases() WHERE database_name = ?", [alias]
    ).fetchall()
    return bool(rows) and rows[0][0] is True


def encrypt_copy(
    source: str | os.PathLike[str], target: str | os.PathLike[str], key: bytes
) -> None:
    """Copy the plaintext DuckDB database ``source`` into a new encrypted ``target``.

    The plaintext file is left in place: destroy it afterwards.
    """
    source, target = Path(source), Path(target)
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    if is_encrypted(source):
        raise StoreKeyError(f"{source} is already encrypted")
    con = open_encrypted(target, key)
    try:
        con.execute(f"ATTACH {_sql_str(str(source))} AS chronolink_plain (READ_ONLY)")
        con.execute("COPY FROM DATABASE chronolink_plain TO store")
        con.execute("DETACH chronolink_plain")
        con.execute("CHECKPOINT")
    finally:
        con.close()
