"""Encryption at rest (SPEC section 12): every record's patient data is sealed with a key of its
own, and every such key is kept wrapped by the key ring of INTAKE_DATA_KEYS.

- A **ring key** is 32 random bytes, written as URL-safe base64 (`flask --app app new-data-key`).
  INTAKE_DATA_KEYS holds one or more, comma-separated: the first wraps new record keys, all of
  them unwrap. A ring key is known by its id, a hash of it, stored beside what it wraps.
- A **record key** (AES-256) is drawn for each record (a submission, an appointment, a draft, a
  member of staff's two-factor secret) and kept, wrapped (AES-256-GCM), in the key store: the
  table `record_keys` of the schema `intake_keys`, which on SQLite is a database file of its
  own beside the data (intake.database). A data backup leaves it out, so destroying a record's
  key there makes the record unreadable in every copy of the data made before.
- A **sealed** value is AES-256-GCM under the record key, with where it belongs (table and
  column) as associated data, so a value moved to another column or row does not open.
- The **search key** (record key 0) keys the hashes that let the list find a name without
  keeping it readable (intake.search), and the natural key of an appointment.

A missing or wrong ring key is a KeyRingError whose message names INTAKE_DATA_KEYS: the app
refuses to start (or a page says so), never a traceback or a silently empty page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app, g, has_app_context
from sqlalchemy import BigInteger, LargeBinary, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from intake import files
from intake.extensions import Model

SETTING = "INTAKE_DATA_KEYS"
KEY_SCHEMA = "intake_keys"
SEARCH_KEY_ID = 0
_VERSION = b"\x01"
_NONCE = 12


class KeyRingError(Exception):
    """The key ring cannot open what is stored: the message says what to set."""


class RecordKey(Model):
    """A record's own key, wrapped by a ring key. Deleting the row destroys the record."""

    __tablename__ = "record_keys"
    __table_args__ = {"schema": KEY_SCHEMA}

    # Drawn at random when the record is made (so its sealed values can name it at once).
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ring_key_id: Mapped[str] = mapped_column(String(16), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


# The ring ----------------------------------------------------------------------------------


def new_ring_key() -> str:
    """A new ring key as INTAKE_DATA_KEYS takes it (what `new-data-key` prints)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def ring_key_id(key: bytes) -> str:
    return hashlib.sha256(b"intake ring key id\0" + key).hexdigest()[:16]


class KeyRing:
    """The ring keys of INTAKE_DATA_KEYS: the first wraps, every one unwraps."""

    def __init__(self, keys: list[bytes]):
        if not keys:
            raise KeyRingError(f"{SETTING} holds no key.")
        self._keys = {ring_key_id(key): AESGCM(key) for key in keys}
        self.ids = [ring_key_id(key) for key in keys]
        self.first_id = self.ids[0]

    @classmethod
    def parse(cls, value: str) -> KeyRing:
        keys = []
        for number, text in enumerate((part.strip() for part in value.split(",")), start=1):
            if not text:
                continue
            try:
                key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            except (binascii.Error, ValueError):
                key = b""
            if len(key) != 32:
                raise KeyRingError(
                    f"{SETTING}: key {number} is not a key printed by "
                    "`flask --app app new-data-key` (32 bytes in URL-safe base64)."
                )
            keys.append(key)
        return cls(keys)

    def wrap(self, record_key_id: int, key: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(_NONCE)
        aead = self._keys[self.first_id]
        return self.first_id, nonce + aead.encrypt(nonce, key, _wrap_context(record_key_id))

    def unwrap(self, record_key_id: int, wrapped_by: str, wrapped: bytes) -> bytes:
        aead = self._keys.get(wrapped_by)
        if aead is None:
            raise KeyRingError(missing_key_message([wrapped_by]))
        try:
            return aead.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _wrap_context(record_key_id))
        except InvalidTag:
            raise KeyRingError(
                f"A record key wrapped by ring key {wrapped_by} does not open: the key store "
                f"was changed, or {SETTING} holds a different key under that id."
            ) from None


def missing_key_message(ring_key_ids: list[str]) -> str:
    named = ", ".join(sorted(ring_key_ids))
    noun, wrap = ("key", "wraps") if len(ring_key_ids) == 1 else ("keys", "wrap")
    return (
        f"{SETTING} does not hold the ring {noun} {named}, which {wrap} stored records. Set "
        f"{SETTING} to the keys this database was written with (the newest first); "
        "without them its patients' data cannot be read."
    )


def _wrap_context(record_key_id: int) -> bytes:
    return f"intake record key {record_key_id}".encode()


def ring_from_config(config: dict, instance_path: str) -> KeyRing:
    """INTAKE_DATA_KEYS, or when it is not set a ring generated once into the instance folder
    (0600). Set but holding no key (empty, or only commas) is a KeyRingError."""
    value = config.get("DATA_KEYS")
    return KeyRing.parse(_instance_ring(instance_path) if value is None else value)


INSTANCE_RING = "data_keys"


def _instance_ring(instance_path: str) -> str:
    """As the secret key: made once, atomically, readable by the service's user only."""
    path = files.private_folder(instance_path) / INSTANCE_RING
    if not path.exists():
        draft = path.with_name(f"{INSTANCE_RING}.{secrets.token_hex(8)}")
        with os.fdopen(files.open_private(draft, os.O_WRONLY | os.O_EXCL), "w") as out:
            out.write(new_ring_key() + "\n")
        try:
            os.link(draft, path)  # the first worker wins, the others read its ring
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    files.tighten(path)
    return Path(path).read_text().strip()


_PROCESS_RING: list[KeyRing] = []


def install(app, key_ring: KeyRing) -> None:
    """The app's ring; also the process's, for records read after the app's context ends (a
    worker process serves one app)."""
    app.extensions["intake_key_ring"] = key_ring
    _PROCESS_RING[:] = [key_ring]


def ring() -> KeyRing:
    if has_app_context():
        return current_app.extensions["intake_key_ring"]
    if not _PROCESS_RING:
        raise KeyRingError(f"No key ring is loaded: {SETTING} is read when the app starts.")
    return _PROCESS_RING[0]


def check_ring(connection, key_ring: KeyRing) -> None:
    """Every ring key the key store names is in the ring, or KeyRingError. The distinct ids
    are walked through the index one at a time, so a million keys cost a few lookups."""
    table = RecordKey.__table__
    used: list[str] = []
    after = ""
    while True:
        found = connection.scalar(
            select(func.min(table.c.ring_key_id)).where(table.c.ring_key_id > after)
        )
        if found is None:
            break
        used.append(found)
        after = found
    missing = [key_id for key_id in used if key_id not in key_ring.ids]
    if missing:
        raise KeyRingError(missing_key_message(missing))


# Record keys -------------------------------------------------------------------------------


def new_record_key() -> tuple[RecordKey, bytes]:
    """A new record key: its row for the key store (not yet added) and the key itself."""
    key_id = secrets.randbits(63) or 1  # never 0: that is the search key
    key = AESGCM.generate_key(bit_length=256)
    wrapped_by, wrapped = ring().wrap(key_id, key)
    return RecordKey(id=key_id, ring_key_id=wrapped_by, wrapped=wrapped), key


def open_record_key(record_key: RecordKey) -> bytes:
    return ring().unwrap(record_key.id, record_key.ring_key_id, record_key.wrapped)


# Sealing -----------------------------------------------------------------------------------


def seal(key: bytes, place: str, plain: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plain, place.encode())


def unseal(key: bytes, place: str, sealed: bytes) -> bytes:
    if sealed[:1] != _VERSION:
        raise KeyRingError(f"{place}: not a sealed value")
    nonce, body = sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :]
    try:
        return AESGCM(key).decrypt(nonce, body, place.encode())
    except InvalidTag:
        raise KeyRingError(f"{place}: a sealed value does not open with its record's key") from None


@dataclass(frozen=True)
class Codec:
    """How a Python value becomes the bytes that are sealed, and back."""

    encode: Callable[[Any], bytes]
    decode: Callable[[bytes], Any]


TEXT = Codec(lambda value: value.encode(), lambda raw: raw.decode())
JSON = Codec(
    lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(),
    lambda raw: json.loads(raw),
)
DATE = Codec(lambda value: value.isoformat().encode(), lambda raw: date.fromisoformat(raw.decode()))
BYTES = Codec(lambda value: bytes(value), lambda raw: raw)


class SealedField:
    """A model attribute kept sealed in the column `column` under the record's own key, read
    and written in clear by the code. The model has `key_id` and a `record_key` relationship;
    the first value written draws the record's key."""

    def __init__(self, column: str, codec: Codec):
        self.column = column
        self.codec = codec

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def place(self, owner) -> str:
        return f"{owner.__tablename__}.{self.name}"

    def __get__(self, record, owner=None):
        if record is None:
            return self
        sealed = getattr(record, self.column)
        if sealed is None:
            return None
        # Opened once per value: the cache holds the sealed bytes it was opened from, so a
        # row refreshed from the database (after a commit, say) is opened again.
        cache = record.__dict__.setdefault("_opened", {})
        opened_from, value = cache.get(self.name, (None, None))
        if opened_from != sealed:
            raw = unseal(record_key_of(record), self.place(type(record)), sealed)
            value = self.codec.decode(raw)
            cache[self.name] = (sealed, value)
        return value

    def __set__(self, record, value) -> None:
        record.__dict__.setdefault("_opened", {}).pop(self.name, None)
        if value is None:
            setattr(record, self.column, None)
            return
        raw = self.codec.encode(value)
        setattr(record, self.column, seal(record_key_of(record), self.place(type(record)), raw))


def place_of(model, name: str) -> str:
    """Where a model's sealed attribute belongs: the associated data it is sealed with. Bulk
    writers (the upgrade, `demo --count`) seal at the same place as the model reads."""
    return getattr(model, name).place(model)


def record_key_of(record) -> bytes:
    """The record's own key, opened once per loaded record; drawn when it has none yet."""
    key = record.__dict__.get("_record_key")
    if key is not None:
        return key
    if record.record_key is None:
        if record.key_id is not None:
            raise KeyRingError(
                f"The key of this {record.__tablename__[:-1]} was destroyed: its data is gone."
            )
        record.record_key, key = new_record_key()
        record.key_id = record.record_key.id
    else:
        key = open_record_key(record.record_key)
    record.__dict__["_record_key"] = key
    return key


def forget_opened(record) -> None:
    """Drop what was opened of a record (after its key is destroyed)."""
    record.__dict__.pop("_opened", None)
    record.__dict__.pop("_record_key", None)


# The search key ----------------------------------------------------------------------------


def search_key(session) -> bytes:
    """The key of the search hashes, made once (by whichever worker comes first) and kept
    wrapped in the key store like any record key; opened once per request."""
    cached = g.get("_intake_search_key") if has_app_context() else None
    if cached is not None:
        return cached
    row = session.get(RecordKey, SEARCH_KEY_ID)
    if row is None:
        from intake.database import upsert  # here: intake.database imports the models

        key = AESGCM.generate_key(bit_length=256)
        wrapped_by, wrapped = ring().wrap(SEARCH_KEY_ID, key)
        dialect = session.get_bind().dialect.name
        session.execute(
            upsert(dialect, RecordKey.__table__)
            .values(id=SEARCH_KEY_ID, ring_key_id=wrapped_by, wrapped=wrapped)
            .on_conflict_do_nothing()
        )
        row = session.get(RecordKey, SEARCH_KEY_ID, populate_existing=True)
    key = open_record_key(row)
    if has_app_context():
        g._intake_search_key = key
    return key


def keyed_hash(key: bytes, purpose: str, value: str) -> int:
    """A 63-bit keyed hash (HMAC-SHA-256), as a signed 64-bit integer column takes it."""
    digest = hmac.new(key, f"{purpose}\0{value}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def keyed_digest(key: bytes, purpose: str, value: str) -> str:
    return hmac.new(key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()
