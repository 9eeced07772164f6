"""Evidence uploads: safe file names, type by content (not by name), size limits, archive-bomb checks."""

from __future__ import annotations

import errno
import hashlib
import re
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO

import filetype
from flask_babel import gettext as _

#: kind → (content type, file-name extensions that may carry it)
TYPES = {
    "pdf": ("application/pdf", (".pdf",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "odt": ("application/vnd.oasis.opendocument.text", (".odt",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (".ods",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "txt": ("text/plain", (".txt",)),
    "csv": ("text/csv", (".csv",)),
    "zip": ("application/zip", (".zip",)),
}
#: kinds whose content is a ZIP container, checked for entry count and expanded size
ARCHIVES = {"docx", "xlsx", "odt", "ods", "zip"}
_ODF = {b"application/vnd.oasis.opendocument.text": "odt", b"application/vnd.oasis.opendocument.spreadsheet": "ods"}
_CHUNK = 1024 * 1024
#: the name of a received upload's temporary file (reporting.debris removes those a killed worker left)
UPLOAD_PREFIX = "mindet-upload-"


class EvidenceRejected(ValueError):
    """An upload that cannot be accepted; the message says why and what to do."""


class StorageFull(EvidenceRejected):
    """The server's disk (or quota) is full: nothing was stored or recorded; the person can try again later."""


#: the errors a full disk or an exhausted quota give while writing
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def storage_full() -> StorageFull:
    """The message for a full disk: nothing saved, the text is kept, whom to tell."""
    return StorageFull(_("На сервере закончилось место для файлов: ничего не сохранено, введённый текст остался в "
                         "форме. Повторите позже и сообщите администратору."))


@dataclass(frozen=True)
class Limits:
    """What an upload may be: allowed kinds, size, and for archives entry count and expanded size."""

    kinds: tuple[str, ...]
    max_bytes: int
    max_entries: int
    max_expanded: int
    allow_executables: bool = False  #: programs inside archives (refused unless a deployment says otherwise)

    @classmethod
    def from_config(cls, config) -> Limits:
        """Limits from the app configuration (TRACKER_EVIDENCE_*)."""
        return cls(tuple(config["EVIDENCE_TYPES"]), config["EVIDENCE_MAX_MB"] * 1024 * 1024,
                   config["EVIDENCE_ZIP_MAX_ENTRIES"], config["EVIDENCE_ZIP_MAX_MB"] * 1024 * 1024,
                   config.get("EVIDENCE_ZIP_ALLOW_EXECUTABLES", False))


@dataclass(frozen=True)
class Upload:
    """A received, checked file in a temporary place, ready to be stored under its hash."""

    path: Path
    file_name: str
    sha256: str
    size: int
    kind: str

    @property
    def content_type(self) -> str:
        """The MIME type of its kind."""
        return TYPES[self.kind][0]


def clean_file_name(name: str | None) -> str:
    """The last path component, NFC, without control or format characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]  # browsers may send a full Windows path; never keep directories
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")  # controls, bidi overrides, NUL
    name = re.sub(r"\s+", " ", name).strip().lstrip(".")
    if len(name) > 200:
        suffix = PurePath(name).suffix[:20]
        name = name[: 200 - len(suffix)] + suffix
    return name or "file"


def receive(stream: BinaryIO, name: str | None, limits: Limits) -> Upload:
    """Copy an uploaded stream to a temporary file and check it; EvidenceRejected says what is wrong."""
    file_name = clean_file_name(name)
    descriptor, name_on_disk = tempfile.mkstemp(prefix=UPLOAD_PREFIX)
    path = Path(name_on_disk)
    try:
        digest, size = hashlib.sha256(), 0
        with open(descriptor, "wb") as handle:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise EvidenceRejected(_("«%(name)s»: файл больше %(mb)d МБ. Сожмите его или разделите на части.",
                                             name=file_name, mb=limits.max_bytes // (1024 * 1024)))
                digest.update(chunk)
                handle.write(chunk)
        if size == 0:
            raise EvidenceRejected(_("«%(name)s»: файл пуст.", name=file_name))
        kind = _checked_kind(path, file_name, limits)
        return Upload(path, file_name, digest.hexdigest(), size, kind)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def discard(uploads: list[Upload]) -> None:
    """Remove the temporary files of received uploads."""
    for upload in uploads:
        upload.path.unlink(missing_ok=True)


def _checked_kind(path: Path, file_name: str, limits: Limits) -> str:
    kind = sniff(path, file_name)
    if kind is None:
        raise EvidenceRejected(_("«%(name)s»: тип содержимого не распознан. Допустимы: %(allowed)s.",
                                 name=file_name, allowed=_allowed(limits)))
    if kind not in limits.kinds:
        raise EvidenceRejected(_("«%(name)s»: содержимое — %(kind)s, такой тип не принимается. Допустимы: %(allowed)s.",
                                 name=file_name, kind=kind.upper(), allowed=_allowed(limits)))
    extension = PurePath(file_name).suffix.lower()
    if extension not in TYPES[kind][1]:
        raise EvidenceRejected(_("«%(name)s»: по содержимому это %(kind)s, а расширение имени — «%(ext)s». "
                                 "Переименуйте файл в %(right)s.", name=file_name, kind=kind.upper(),
                                 ext=extension or "—", right=TYPES[kind][1][0]))
    if kind in ARCHIVES:
        _check_archive(path, file_name, limits)
    return kind


def _allowed(limits: Limits) -> str:
    return ", ".join(k.upper() for k in limits.kinds)


def sniff(path: Path, file_name: str = "") -> str | None:
    """The kind of a file judged by its bytes (TYPES keys, another filetype name such as "exe", or None)."""
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    guess = filetype.guess(head)
    if guess is not None:
        return {"jpg": "jpeg"}.get(guess.extension, guess.extension)
    if _is_text(head):
        return "csv" if PurePath(file_name).suffix.lower() == ".csv" else "txt"
    return None


def _is_text(head: bytes) -> bool:
    """Plain text in UTF-8 or Windows-1251 (common for Cyrillic CSV): no NUL, no control bytes but layout ones."""
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        # a multi-byte character cut at the 8 KiB boundary is not a reason to refuse
        return not any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text)
    return False


def _zip_kind(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as handle:
                    return _ODF.get(handle.read(100).strip(), "zip")
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


#: archives inside archives are opened this deep; deeper nesting has no honest use in evidence
MAX_NESTING = 3
#: names of programs and scripts a person could run by opening them from an unpacked archive
EXECUTABLE_NAMES = (".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js", ".jse",
                    ".wsf", ".hta", ".jar", ".sh", ".apk", ".app", ".lnk", ".cpl", ".pif", ".reg")
#: the first bytes of executables: Windows (MZ), Linux (ELF), macOS (Mach-O, both byte orders and fat), scripts
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe",
                    b"#!")


@dataclass
class _Budget:
    """What an archive and every archive inside it may still expand to, and how many entries they may hold."""

    bytes_left: int
    entries_left: int


def _check_archive(path: Path, file_name: str, limits: Limits) -> None:
    """Refuse archives with too many entries or too much content once expanded, counting archives inside archives
    against the same limits (headers may lie: count bytes), and programs inside them unless allowed."""
    try:
        with zipfile.ZipFile(path) as archive:
            _expand(archive, file_name, limits, _Budget(limits.max_expanded, limits.max_entries), depth=1)
    except RuntimeError as exc:  # zipfile raises RuntimeError for encrypted entries
        raise EvidenceRejected(_("«%(name)s»: архив защищён паролем, его нельзя проверить.", name=file_name)) from exc
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError) as exc:
        raise EvidenceRejected(_("«%(name)s»: архив повреждён (%(why)s).", name=file_name, why=exc)) from exc


def _expand(archive: zipfile.ZipFile, file_name: str, limits: Limits, budget: _Budget, depth: int) -> None:
    too_big = EvidenceRejected(_("«%(name)s»: в распакованном виде архив больше %(mb)d МБ — похоже на «zip-бомбу». "
                                 "Загрузите файлы по отдельности.",
                                 name=file_name, mb=limits.max_expanded // (1024 * 1024)))
    entries = archive.infolist()
    budget.entries_left -= len(entries)
    if budget.entries_left < 0:
        raise EvidenceRejected(_("«%(name)s»: в архиве больше %(max)d файлов (вместе с вложенными архивами).",
                                 name=file_name, max=limits.max_entries))
    if sum(e.file_size for e in entries) > budget.bytes_left:
        raise too_big
    for entry in entries:
        if not limits.allow_executables and entry.filename.lower().endswith(EXECUTABLE_NAMES):
            raise _executable(file_name, entry.filename)
        with archive.open(entry) as member, tempfile.SpooledTemporaryFile(max_size=_CHUNK) as copy:
            head = b""
            while chunk := member.read(_CHUNK):
                head = head or chunk[:8]
                budget.bytes_left -= len(chunk)
                if budget.bytes_left < 0:
                    raise too_big
                if head.startswith(b"PK\x03\x04"):  # an archive inside: kept to be opened in turn
                    copy.write(chunk)
            if not limits.allow_executables and head.startswith(EXECUTABLE_MAGIC):
                raise _executable(file_name, entry.filename)
            if head.startswith(b"PK\x03\x04"):
                if depth >= MAX_NESTING:
                    raise EvidenceRejected(_("«%(name)s»: архивы вложены глубже %(n)d уровней.", name=file_name,
                                             n=MAX_NESTING))
                copy.seek(0)
                with zipfile.ZipFile(copy) as inner:
                    _expand(inner, file_name, limits, budget, depth + 1)


def _executable(file_name: str, member: str) -> EvidenceRejected:
    return EvidenceRejected(_("«%(name)s»: в архиве программа «%(member)s». Программы в подтверждениях не "
                              "принимаются: загрузите документы.", name=file_name, member=clean_file_name(member)))
