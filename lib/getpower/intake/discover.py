"""Which files a set of paths holds: folders walked recursively, gzip files and zip archives unpacked
into a private temporary folder, and every file either kept as an extract to read or named with the
reason it is not read. Nothing is skipped silently.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "applications.csv").write_text("工单编号\\n"), (d / "~$报装.xlsx").write_text(""), (d / "说明.docx").write_text("")
>>> with gather([d]) as found:
...     [s.name.split("/")[-1] for s in found.sources], [(n.name.split("/")[-1], n.reason) for n in found.not_read]
(['applications.csv'], [('~$报装.xlsx', 'Office 临时锁定文件'), ('说明.docx', '不支持的文件类型 .docx（支持 .csv .txt .tsv .xlsx .xlsm .xls .parquet，及其 .gz 与 .zip）')])
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

from getpower.intake.sniff import limit

EXTRACT_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".parquet")
SUPPORTED = f"支持 {' '.join(EXTRACT_SUFFIXES)}，及其 .gz 与 .zip"
MAX_NESTING = 2  # a zip inside a zip is unpacked; deeper is refused


@dataclass(frozen=True)
class Source:
    """A file to read: ``path`` on disk (inside the temporary folder for an unpacked member) and
    ``name``, how reports call it (the path given, or ``archive.zip/member``). ``given``: named on
    the command line (not found in a folder)."""

    path: Path
    name: str
    given: bool = False


@dataclass(frozen=True)
class NotRead:
    """A file that is not read, with the reason. ``error``: it should have been read (an extract
    that failed), as opposed to a stray file in a folder (a document, a lock file)."""

    name: str
    reason: str
    error: bool = False

    def summary(self) -> dict:
        return {"file": self.name, "reason": self.reason, "error": self.error}


@dataclass
class Found:
    sources: list[Source] = field(default_factory=list)
    not_read: list[NotRead] = field(default_factory=list)


def _too_big(size: int) -> str | None:
    mb = limit("max_file_mb")
    return f"文件过大（{size / 2**20:.1f} MB，上限 {mb} MB）" if size > mb * 2**20 else None


def _copy_limited(src, dst: Path, cap: int) -> str | None:
    """Copy a stream to ``dst``, stopping at ``cap`` bytes (a zip or gzip bomb never fills the disk)."""
    n = 0
    with open(dst, "wb") as out:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            n += len(chunk)
            if n > cap:
                return f"解压后超过上限 {cap / 2**20:.0f} MB"
            out.write(chunk)
    return None


def shown_name(path: Path | str) -> str:
    """How a report names a file: a name in bytes that are not UTF-8 (GBK from an archive unpacked
    on Linux) decoded as GB18030, control characters (a line break in a name) shown as ``?``."""
    raw = str(path)
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        import os

        raw = os.fsencode(raw).decode("gb18030", errors="replace")
    return "".join("?" if ord(ch) < 32 or ord(ch) == 127 else ch for ch in raw)


class _Walker:
    def __init__(self, scratch: Path):
        self.scratch = scratch
        self.found = Found()
        self._n = 0
        self._unpacked = 0  # bytes unpacked from archives in this batch

    def _unpack_dir(self, name: str) -> Path:
        self._n += 1
        d = self.scratch / f"{self._n:05d}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
        d.mkdir()
        return d

    def path(self, p: Path, given: bool) -> None:
        name = shown_name(p)
        if p.is_symlink() and not p.exists():
            self.found.not_read.append(NotRead(name, "链接指向的文件不存在", error=True))
        elif not p.exists():
            self.found.not_read.append(NotRead(name, "文件不存在", error=True))
        elif p.is_dir():
            before = len(self.found.sources) + len(self.found.not_read)
            self._walk(p, seen={p.resolve()})
            if len(self.found.sources) + len(self.found.not_read) == before:
                self.found.not_read.append(NotRead(name, "文件夹中没有文件", error=True))
        else:
            self.file(p, name, given=given, depth=0)

    def _walk(self, folder: Path, seen: set[Path]) -> None:
        """A folder's files by name, sub-folders followed (symbolic links too, each real folder once)."""
        try:
            entries = sorted(folder.iterdir(), key=lambda q: q.name)
        except OSError as exc:
            self.found.not_read.append(NotRead(shown_name(folder), f"文件夹无法读取（{exc.strerror}）", error=True))
            return
        for q in entries:
            name = shown_name(q)
            if q.is_symlink() and not q.exists():
                self.found.not_read.append(NotRead(name, "链接指向的文件不存在", error=True))
            elif q.is_dir():
                if q.name.startswith(".") or q.name == "__MACOSX":
                    self.found.not_read.append(NotRead(name + "/", "隐藏或系统文件夹（其中的文件未读取）"))
                elif q.resolve() in seen:
                    self.found.not_read.append(NotRead(name + "/", "链接指向已读取过的文件夹（循环）"))
                else:
                    self._walk(q, seen | {q.resolve()})
            elif q.is_file():
                self.file(q, name, given=False, depth=0)
            else:
                self.found.not_read.append(NotRead(name, "不是普通文件"))

    def file(self, p: Path, name: str, given: bool, depth: int) -> None:
        base = PurePosixPath(name).name
        suffix = p.suffix.lower()  # of the file on disk: an unpacked member is named by its own suffix
        out = self.found.not_read
        if base.startswith("~$"):
            out.append(NotRead(name, "Office 临时锁定文件", error=given))
        elif base.startswith(".") or base in ("Thumbs.db", "desktop.ini"):
            out.append(NotRead(name, "隐藏或系统文件", error=given))
        elif (why := _too_big(p.stat().st_size)) is not None:
            out.append(NotRead(name, why, error=True))
        elif suffix == ".gz":
            self._gzip(p, name, given, depth)
        elif suffix == ".zip":
            self._zip(p, name, given, depth)
        elif suffix in EXTRACT_SUFFIXES:
            path = p
            if shown_name(p) != str(p) and depth == 0:  # a name polars cannot open: read through a link
                path = self._unpack_dir(name) / f"data{suffix}"
                path.symlink_to(p.resolve())
            self.found.sources.append(Source(path, name, given))
        else:
            out.append(NotRead(name, f"不支持的文件类型 {suffix or '(无扩展名)'}（{SUPPORTED}）", error=given))

    def _room(self) -> int:
        """Bytes an archive member may still unpack to: the file limit, and what is left of the
        batch's total (a zip of many large members never fills the disk)."""
        cap = limit("max_file_mb") * 2**20
        return min(cap, limit("max_unpacked_mb") * 2**20 - self._unpacked)

    def _gzip(self, p: Path, name: str, given: bool, depth: int) -> None:
        inner = PurePosixPath(PurePosixPath(name).name[: -len(".gz")])
        dst = self._unpack_dir(name) / f"data{Path(inner.name).suffix.lower()[:16]}"
        try:
            with gzip.open(p, "rb") as src:
                why = _copy_limited(src, dst, self._room())
        except (OSError, EOFError) as exc:
            why = f"gzip 文件损坏（{exc}）"
        self._unpacked += dst.stat().st_size if dst.exists() else 0
        if why:
            dst.unlink(missing_ok=True)
            self.found.not_read.append(NotRead(name, why, error=True))
        elif inner.suffix.lower() not in EXTRACT_SUFFIXES:
            dst.unlink(missing_ok=True)
            self.found.not_read.append(NotRead(name, f"不支持的压缩内容 {inner.suffix or '(无扩展名)'}（{SUPPORTED}）", error=given))
        else:
            self.file(dst, name, given, depth + 1)

    def _zip(self, p: Path, name: str, given: bool, depth: int) -> None:
        if depth >= MAX_NESTING:
            self.found.not_read.append(NotRead(name, "压缩包嵌套过深", error=True))
            return
        try:
            zf = zipfile.ZipFile(p)
        except (zipfile.BadZipFile, OSError) as exc:
            self.found.not_read.append(NotRead(name, f"zip 文件损坏（{exc}）", error=True))
            return
        with zf:
            members = sorted((m for m in zf.infolist() if not m.is_dir()), key=lambda m: m.filename)
            if len(members) > limit("max_archive_members"):
                self.found.not_read.append(NotRead(name, f"压缩包内文件过多（{len(members)} 个，上限 {limit('max_archive_members')}）", error=True))
                return
            folder = self._unpack_dir(name)
            for i, m in enumerate(members):
                # names in archives made on Chinese Windows are GBK without the UTF-8 flag
                member = shown_name(_member_name(m))
                shown = f"{name}/{member}"
                parts = PurePosixPath(member.replace("\\", "/")).parts
                if ".." in parts or member.startswith("/"):
                    self.found.not_read.append(NotRead(shown, "压缩包内路径不安全（含 .. 或绝对路径）", error=True))
                    continue
                if any(part.startswith(".") or part == "__MACOSX" for part in parts):
                    self.found.not_read.append(NotRead(shown, "隐藏或系统文件"))
                    continue
                if m.flag_bits & 0x1:
                    self.found.not_read.append(NotRead(shown, "加密/受密码保护（请解密后再上传）", error=True))
                    continue
                room = self._room()
                if m.file_size > room:  # the size the archive declares, before unpacking anything
                    self.found.not_read.append(NotRead(shown, f"解压后 {m.file_size / 2**20:.1f} MB，超过上限 {room / 2**20:.0f} MB", error=True))
                    continue
                dst = folder / f"{i:05d}{Path(parts[-1]).suffix.lower()[:16]}"  # never a path from the archive
                try:
                    with zf.open(m) as src:
                        why = _copy_limited(src, dst, room)  # a member larger than it declares stops too
                except (zipfile.BadZipFile, OSError, NotImplementedError, EOFError, RuntimeError) as exc:
                    why = f"zip 成员无法解压（{exc}）"
                self._unpacked += dst.stat().st_size if dst.exists() else 0
                if why:
                    dst.unlink(missing_ok=True)
                    self.found.not_read.append(NotRead(shown, why, error=True))
                    continue
                self.file(dst, shown, False, depth + 1)  # found, not given: a stray member is no error


def _member_name(m: zipfile.ZipInfo) -> str:
    if m.flag_bits & 0x800:
        return m.filename
    try:
        return m.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return m.filename


@contextlib.contextmanager
def gather(paths: Iterable[Path | str]) -> Iterator[Found]:
    """The files that ``paths`` hold, in the order given (a folder's files by path). Unpacked
    members live in a temporary folder removed when the block ends, whatever happens."""
    scratch = Path(tempfile.mkdtemp(prefix="getpower-unpack-"))
    try:
        w = _Walker(scratch)
        for p in paths:
            w.path(Path(p), given=True)
        yield w.found
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
