"""What one read of a wheel's tail tells: its METADATA, its file list, small sources.

A wheel's central directory is at the end of the file and build tools write the
``.dist-info`` files last, so one range request for the tail (or for the whole file,
when it is small) usually answers both the resolver (METADATA) and the renderer
(the file list for pythonImportsCheck). Python sources that happen to lie in the
bytes already fetched are kept for the static import check; nothing more is fetched
for them.
"""

from __future__ import annotations

import io
import lzma
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from pypi2nix.dists.archive import (
    ArchiveError,
    NotFetched,
    RemoteFile,
    open_zip,
    open_zip_member,
    read_zip_member,
    zip_names,
)
from pypi2nix.dists.elf import (
    GLIBC,
    ByteSource,
    DynamicSection,
    ElfError,
    early_library_names,
    is_elf,
    read_dynamic_source,
)
from pypi2nix.dists.elf_stream import StreamSource
from pypi2nix.dists.metadata import metadata_fields
from pypi2nix.dists.modules import ModuleImports, guards_its_import, is_checkable_source
from pypi2nix.dists.streams import RangeResponse

if TYPE_CHECKING:
    from collections.abc import Sequence

# A shared object: name.so or name.so.1.2 (an extension module, or a bundled library).
SHARED_OBJECT = re.compile(r"\.so(\.[0-9]+)*$")
MAX_NATIVE_MEMBER_BYTES = 1024 * 1024 * 1024
# Bumped when read_native_facts reads more: cached facts of an older reader are
# read again.
NATIVE_READER_VERSION = 3


@dataclass(frozen=True, slots=True)
class WheelFacts:
    """The fields of the METADATA (``None`` when it was not in the bytes read), member
    names, and what the Python modules that were in the bytes read import."""

    metadata: dict[str, Any] | None
    names: tuple[str, ...]
    imports: ModuleImports = field(default_factory=ModuleImports)
    # The text of its license file (``.dist-info/licenses/LICENSE``, ...), when that
    # was in the bytes read.
    license_file: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "wheel",
            "metadata": self.metadata,
            "names": list(self.names),
            "imports": self.imports.to_json(),
            "license_file": self.license_file,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WheelFacts:
        """:raises ValueError: for data of another shape (an old cache entry)."""
        if not isinstance(data["metadata"], dict | None) or not isinstance(data["names"], list):
            raise ValueError("not the facts of a wheel")
        license_file = data.get("license_file")
        return cls(
            metadata=data["metadata"],
            names=tuple(data["names"]),
            imports=ModuleImports.from_json(data["imports"]),
            license_file=license_file if isinstance(license_file, str) else None,
        )


@dataclass(frozen=True, slots=True)
class NativeFacts:
    """The shared libraries a wheel ships, and those its ELF files need."""

    libraries: tuple[str, ...]
    needed: tuple[str, ...]
    # Top-level modules whose code raises ImportError on a condition at import time.
    guarded: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "native",
            "reader": NATIVE_READER_VERSION,
            "libraries": list(self.libraries),
            "needed": list(self.needed),
            "guarded": list(self.guarded),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NativeFacts:
        """:raises ValueError: for data of another shape, or read by an older reader."""
        if data.get("reader") != NATIVE_READER_VERSION:
            raise ValueError("read by another version of the reader")
        libraries, needed = data["libraries"], data["needed"]
        if not all(isinstance(item, str) for item in (*libraries, *needed)):
            raise ValueError("not the native facts of a wheel")
        return cls(libraries=tuple(libraries), needed=tuple(needed), guarded=tuple(data["guarded"]))

    def system_needs(self) -> tuple[str, ...]:
        """What the dynamic loader must find outside the wheel and glibc."""
        own = set(self.libraries)
        return tuple(name for name in self.needed if name not in own and name not in GLIBC)


def read_native_facts(archive: zipfile.ZipFile) -> NativeFacts:
    """Read the dynamic section of every ELF file in a wheel: its shared objects, and
    executables such as a tool's binary in ``.data/scripts``. Each is read as it is
    decompressed, only as far as its dynamic section (see
    :mod:`pypi2nix.dists.elf_stream`).

    :raises ArchiveError: for a member that cannot be read or a malformed ELF file.
    """
    libraries: set[str] = set()
    needed: set[str] = set()
    guarded: set[str] = set()
    for name in zip_names(archive):
        top = top_level_module(name)
        if top is not None and guards_its_import(read_zip_member(archive, name)):
            guarded.add(top)
        if not may_be_elf(name) or not _starts_as_elf(archive, name):
            continue
        basename = name.rsplit("/", 1)[-1]
        if SHARED_OBJECT.search(basename):
            libraries.add(basename)
        dynamic = _read_elf_member(archive, name)
        if dynamic is not None:
            needed.update(dynamic.needed)
            if dynamic.soname:
                libraries.add(dynamic.soname)
    return NativeFacts(
        libraries=tuple(sorted(libraries)),
        needed=tuple(sorted(needed)),
        guarded=tuple(sorted(guarded)),
    )


def _read_elf_member(archive: zipfile.ZipFile, name: str) -> DynamicSection | None:
    """The dynamic section of an ELF member, read as it is decompressed."""
    info = archive.getinfo(name)
    if info.file_size > MAX_NATIVE_MEMBER_BYTES:
        raise ArchiveError(f"{name} is larger than {MAX_NATIVE_MEMBER_BYTES} bytes")
    source = StreamSource(lambda: _open_unchecked(archive, info), info.file_size)
    try:
        early = _dynamic_from_early_names(source, name.rsplit("/", 1)[-1])
        return early if early is not None else read_dynamic_source(source)
    except ElfError as error:
        raise ArchiveError(f"{name}: {error}") from error
    except (zipfile.BadZipFile, EOFError, OSError, lzma.LZMAError, zlib.error) as error:
        raise ArchiveError(f"cannot read {name} ({error})") from error
    finally:
        source.close()


def _dynamic_from_early_names(source: ByteSource, basename: str) -> DynamicSection | None:
    """The dynamic section as the first segment's names give it (see
    :func:`~pypi2nix.dists.elf.early_library_names`), with the file's own name as its
    ``DT_SONAME``; ``None`` when those names cannot tell ``DT_NEEDED`` from
    ``DT_SONAME``: another version of the file's own name may be either."""
    names = early_library_names(source)
    if names is None:
        return None
    stem = _library_stem(basename)
    others = names - {basename}
    if any(_library_stem(other) == stem for other in others):
        return None
    soname = basename if basename in names else None
    return DynamicSection(needed=tuple(sorted(others)), soname=soname, runpath=())


def _library_stem(name: str) -> str:
    return name.split(".so", 1)[0]


def _open_unchecked(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """A member opened without its CRC-32 computed: the stream stops before the end,
    where the CRC is compared, and the wheel's bytes were checked against its sha256."""
    member = open_zip_member(archive, info)
    if hasattr(member, "_expected_crc"):
        member._expected_crc = None
    return member


def top_level_module(name: str) -> str | None:
    """``pkg`` for ``pkg/__init__.py`` or ``pkg.py`` (a top-level module's source, which
    :func:`read_native_facts` reads whole)."""
    if name.endswith("/__init__.py") and name.count("/") == 1:
        return name.split("/", 1)[0]
    if name.endswith(".py") and "/" not in name:
        return name.removesuffix(".py")
    return None


def may_be_elf(name: str) -> bool:
    """Whether :func:`read_native_facts` reads the member's first bytes to tell whether
    it is an ELF file (every member but Python sources and folders)."""
    return not name.endswith((".py", ".pyi", "/"))


def _starts_as_elf(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        with open_zip_member(archive, archive.getinfo(name)) as member:
            return is_elf(member.read(4))
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ArchiveError(f"cannot read {name} ({error})") from error


def read_wheel_facts(archive: zipfile.ZipFile, remote: RemoteFile) -> WheelFacts:
    """Facts from the bytes ``remote`` has fetched so far; nothing else is fetched.
    Module sources are read (from those bytes) when the import check asks for them."""
    names = zip_names(archive)
    remote.offline = True
    metadata_name = dist_info_member(names, "METADATA")
    data = None if metadata_name is None else _read_fetched(archive, metadata_name)
    metadata = None if data is None else metadata_fields(data)

    license_file = _license_file(archive, names)
    # Only the module sources' bytes stay in memory for the import check.
    remote.keep_only_members(
        info for info in archive.infolist() if is_checkable_source(info.filename, info.file_size)
    )

    def read_source(path: str) -> bytes | None:
        """A module source, when its bytes were fetched (the archive stays open for it)."""
        try:
            info = archive.getinfo(path)
        except KeyError:
            return None
        return _read_fetched(archive, path) if is_checkable_source(path, info.file_size) else None

    return WheelFacts(
        metadata=metadata,
        names=names,
        imports=ModuleImports(sources=read_source),
        license_file=license_file,
    )


# A license file of the wheel's .dist-info (PEP 639's licenses/ folder, or the root).
_LICENSE_MEMBER = re.compile(
    r"^[^/]+\.dist-info/(?:licenses/)?(?:LICEN[CS]E|COPYING)(?:\.(?:txt|md|rst))?$",
    re.IGNORECASE,
)
MAX_LICENSE_BYTES = 64 * 1024


def _license_file(archive: zipfile.ZipFile, names: Sequence[str]) -> str | None:
    """The text of the wheel's license file, when its bytes were already fetched."""
    for name in sorted(names):
        if _LICENSE_MEMBER.match(name) and archive.getinfo(name).file_size <= MAX_LICENSE_BYTES:
            data = _read_fetched(archive, name)
            if data is not None:
                return data.decode("utf-8", "replace")
    return None


def read_wheel_file(file: IO[bytes]) -> WheelFacts:
    """Facts of a wheel in a seekable local file (a direct URL's download, a path)."""
    size = file.seek(0, io.SEEK_END)

    def fetch(start: int | None, end: int) -> RangeResponse:
        first = max(size - end, 0) if start is None else start
        last = size - 1 if start is None else min(end, size - 1)
        file.seek(first)
        return RangeResponse(start=first, content=file.read(last - first + 1), total_size=size)

    remote = RemoteFile(fetch, size)
    return read_wheel_facts(open_zip(remote), remote)


def read_dist_info_metadata(archive: zipfile.ZipFile) -> bytes | None:
    """The wheel's METADATA, fetching what it takes."""
    name = dist_info_member(zip_names(archive), "METADATA")
    return None if name is None else read_zip_member(archive, name)


def _read_fetched(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return read_zip_member(archive, name)
    except NotFetched:
        return None
    except ArchiveError:
        return None


def dist_info_member(names: Sequence[str], member: str) -> str | None:
    """The path of a file in the wheel's own (top-level) ``.dist-info`` folder."""
    for name in names:
        head, _, tail = name.partition("/")
        if head.endswith(".dist-info") and tail == member:
            return name
    return None
