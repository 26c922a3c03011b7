"""Why a version is not a candidate: one value per reason, recorded by the factory
and read back by the error messages (as unearth's ``LinkMismatchError`` and uv's
``UnavailableVersion`` do)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequiresPython:
    specifier: str

    def __str__(self) -> str:
        return f"requires Python {self.specifier}"


@dataclass(frozen=True, slots=True)
class NoFileForTarget:
    python: str
    system: str

    def __str__(self) -> str:
        return f"has no file for Python {self.python} on {self.system}"


@dataclass(frozen=True, slots=True)
class NoFiles:
    def __str__(self) -> str:
        return "has no files"


@dataclass(frozen=True, slots=True)
class PreRelease:
    def __str__(self) -> str:
        return "is a pre-release (allow it with --pre or by naming it)"


@dataclass(frozen=True, slots=True)
class Yanked:
    def __str__(self) -> str:
        return "is yanked (pin it with == to use it anyway)"


@dataclass(frozen=True, slots=True)
class ExcludedByConstraint:
    constraint: str

    def __str__(self) -> str:
        return f"is excluded by the constraint {self.constraint}"


@dataclass(frozen=True, slots=True)
class NoAllowedHash:
    def __str__(self) -> str:
        return "has no file with a hash given by --hash"


@dataclass(frozen=True, slots=True)
class NoSdist:
    def __str__(self) -> str:
        return "has no sdist, and --no-binary asks to build it from source"


@dataclass(frozen=True, slots=True)
class NoWheel:
    python: str
    system: str

    def __str__(self) -> str:
        target = f"Python {self.python} on {self.system}"
        return f"has no wheel for {target}, and --only-binary asks for one"


# A release's own files rule it out for the target, whoever asks.
ReleaseUnavailable = RequiresPython | NoFileForTarget | NoFiles
# Ruled out for this demand: by the release, or by the policy (pre-releases, yanked
# files, constraints, --hash).
Unavailable = (
    ReleaseUnavailable
    | PreRelease
    | Yanked
    | ExcludedByConstraint
    | NoAllowedHash
    | NoSdist
    | NoWheel
)
