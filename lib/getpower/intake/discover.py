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


def _copy_limited(src, dst: Path) -> str | None:
    """Copy a stream to ``dst``, stopping at the size limit (a zip or gzip bomb never fills the disk)."""
    cap = limit("max_file_mb") * 2**20
    n = 0
    with open(dst, "wb") as out:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            n += len(chunk)
            if n > cap:
                return f"解压后超过上限 {limit('max_file_mb')} MB"
            out.write(chunk)
    return None


class _Walker:
    def __init__(self, scratch: Path):
        self.scratch = scratch
        self.found = Found()
        self._n = 0

    def _unpack_dir(self, name: str) -> Path:
        self._n += 1
        d = self.scratch / f"{self._n:05d}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
        d.mkdir()
        return d

    def path(self, p: Path, given: bool) -> None:
        if not p.exists():
            self.found.not_read.append(NotRead(str(p), "文件不存在", error=True))
        elif p.is_dir():
            for f in sorted(p.rglob("*"), key=lambda q: q.relative_to(p).parts):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts[:-1]):
                    self.file(f, str(f), given=False, depth=0)
        else:
            self.file(p, str(p), given=given, depth=0)

    def file(self, p: Path, name: str, given: bool, depth: int) -> None:
        base = PurePosixPath(name).name
        suffix = p.suffix.lower()
        out = self.found.not_read
        if base.startswith("~$"):
            out.append(NotRead(name, "Office 临时锁定文件"))
        elif base.startswith(".") or base in ("Thumbs.db", "desktop.ini"):
            out.append(NotRead(name, "隐藏或系统文件"))
        elif (why := _too_big(p.stat().st_size)) is not None:
            out.append(NotRead(name, why, error=True))
        elif suffix == ".gz":
            self._gzip(p, name, given, depth)
        elif suffix == ".zip":
            self._zip(p, name, given, depth)
        elif suffix in EXTRACT_SUFFIXES:
            self.found.sources.append(Source(p, name, given))
        else:
            out.append(NotRead(name, f"不支持的文件类型 {suffix or '(无扩展名)'}（{SUPPORTED}）", error=given))

    def _gzip(self, p: Path, name: str, given: bool, depth: int) -> None:
        inner = Path(PurePosixPath(name).name[: -len(".gz")])
        dst = self._unpack_dir(name) / (inner.name or "data")
        try:
            with gzip.open(p, "rb") as src:
                why = _copy_limited(src, dst)
        except (OSError, EOFError) as exc:
            why = f"gzip 文件损坏（{exc}）"
        if why:
            self.found.not_read.append(NotRead(name, why, error=True))
        elif inner.suffix.lower() not in EXTRACT_SUFFIXES:
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
                member = _member_name(m)
                shown = f"{name}/{member}"
                parts = PurePosixPath(member).parts
                if any(part.startswith(".") or part == "__MACOSX" for part in parts):
                    self.found.not_read.append(NotRead(shown, "隐藏或系统文件"))
                    continue
                if m.flag_bits & 0x1:
                    self.found.not_read.append(NotRead(shown, "加密/受密码保护（请解密后再上传）", error=True))
                    continue
                dst = folder / f"{i:05d}{Path(parts[-1]).suffix[:16]}"  # never a path from the archive
                try:
                    with zf.open(m) as src:
                        why = _copy_limited(src, dst)
                except (zipfile.BadZipFile, OSError, NotImplementedError, EOFError) as exc:
                    why = f"zip 成员无法解压（{exc}）"
                if why:
                    self.found.not_read.append(NotRead(shown, why, error=True))
                    continue
                self.file(dst, shown, given, depth + 1)


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
