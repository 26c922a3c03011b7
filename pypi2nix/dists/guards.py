"""Module-level ``if`` blocks that raise ImportError, and their conditions judged for
a target without running any code.

bs4 starts with ``if sys.version_info.major < 3: raise ImportError(...)`` and PySocks
with ``if os.name == "nt" and sys.version_info < (3, 0):`` around one: such a module
imports on every target pypi2nix locks for. The scan keeps each condition as text
(:func:`raising_conditions`); :func:`condition_holds` evaluates it later for one
target, reading only the values a marker environment knows (``sys.version_info``,
``sys.platform``, ``os.name``, ``platform.system()``, ...). Anything else is unknown.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pypi2nix.dists.python_source import parse_module
from pypi2nix.target import PYTHON_VERSIONS, SYSTEMS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

# A condition longer than this is not kept (it is then judged unknown).
MAX_CONDITION_CHARS = 300
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
_RAISES = ("raise ImportError", "raise ModuleNotFoundError")
# What an ``except`` clause may name to catch an ImportError.
_CATCHING = frozenset({*_IMPORT_ERRORS, "Exception", "BaseException"})


def parsed_if_it_raises(text: str) -> ast.Module | None:
    """The whole module, parsed only when its text says ``raise ImportError`` (the
    scan reads every module, and few say it); ``None`` otherwise, or when it does
    not parse."""
    if not any(raise_ in text for raise_ in _RAISES):
        return None
    try:
        return parse_module(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def reraised_imports(tree: ast.Module) -> list[ast.stmt]:
    """The imports of a module-level ``try`` whose ImportError handler raises again
    (``try: import aiohttp`` / ``except ImportError: raise ImportError("install [d]")``):
    those are needed as much as unindented ones."""
    return [
        statement
        for node in tree.body
        if isinstance(node, ast.Try) and any(_raises_again(handler) for handler in node.handlers)
        for statement in node.body
        if isinstance(statement, ast.Import | ast.ImportFrom)
    ]


def _raises_again(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    catches_import_error = caught is None or any(
        isinstance(name, ast.Name) and name.id in _CATCHING for name in names
    )
    return catches_import_error and any(isinstance(node, ast.Raise) for node in handler.body)


def raising_conditions(tree: ast.Module) -> list[str]:
    """The conditions (as source text) of the module-level ``if`` blocks whose code
    raises ImportError or ModuleNotFoundError when the module is imported, anywhere in
    the block but in a function; an ``elif`` or ``else`` branch gets the conditions
    leading to it. ``""`` stands for a condition too long to keep.

    A block that raises only on a further condition counts as raising on its own:
    that can leave a check out, never let a failing one in. An ImportError raised
    again in an ``except ImportError`` is no guard: the imports it protects are
    needed where the condition holds (:func:`conditional_reraised_imports`)."""
    return sorted(
        {
            _condition_text(tests)
            for statement in tree.body
            if isinstance(statement, ast.If)
            for tests, body in _branches(statement, [])
            if _raises_import_error(body)
        }
    )


def conditional_reraised_imports(tree: ast.Module) -> list[tuple[str, ast.stmt]]:
    """The imports of a ``try`` in a module-level ``if`` block whose ImportError
    handler raises again, each with the condition of its block: numpy's ``else:``
    branch, PySocks' ``if os.name == "nt" and ...: try: import win_inet_pton``."""
    found: list[tuple[str, ast.stmt]] = []
    for statement in tree.body:
        if not isinstance(statement, ast.If):
            continue
        for tests, body in _branches(statement, []):
            condition = _condition_text(tests)
            for node in _nodes(body):
                if isinstance(node, ast.Try) and any(map(_raises_again, node.handlers)):
                    found.extend(
                        (condition, inner)
                        for inner in node.body
                        if isinstance(inner, ast.Import | ast.ImportFrom)
                    )
    return found


def _branches(
    statement: ast.If, outer: list[ast.expr]
) -> Iterator[tuple[list[ast.expr], list[ast.stmt]]]:
    """Each branch of an ``if``/``elif``/``else`` with the conditions leading to it."""
    yield [*outer, statement.test], statement.body
    otherwise = [*outer, ast.UnaryOp(ast.Not(), statement.test)]
    if len(statement.orelse) == 1 and isinstance(statement.orelse[0], ast.If):
        yield from _branches(statement.orelse[0], otherwise)
    elif statement.orelse:
        yield otherwise, statement.orelse


def _nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of a block that run when the module is imported (not in functions);
    not those of an ``except`` that catches ImportError and raises again."""
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        yield node
        if isinstance(node, ast.Try):
            handlers = [handler for handler in node.handlers if not _raises_again(handler)]
            pending.extend([*node.body, *handlers, *node.orelse, *node.finalbody])
        else:
            pending.extend(ast.iter_child_nodes(node))


def _raises_import_error(body: list[ast.stmt]) -> bool:
    """Whether a block may raise ImportError while the module is imported."""
    return any(
        isinstance(node, ast.Raise) and _raised_name(node.exc) in _IMPORT_ERRORS
        for node in _nodes(body)
    )


def _raised_name(exception: ast.expr | None) -> str | None:
    if isinstance(exception, ast.Call):
        exception = exception.func
    return exception.id if isinstance(exception, ast.Name) else None


def _condition_text(tests: list[ast.expr]) -> str:
    node = tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests)
    text = ast.unparse(node)
    return text if len(text) <= MAX_CONDITION_CHARS else ""


@dataclass(frozen=True, slots=True)
class Platform:
    """The values a condition may read, for one target."""

    python: tuple[int, int, int]
    sys_platform: str
    platform_system: str
    machine: str


class _Unknown(Exception):
    """The condition reads something the target does not tell."""


def condition_holds(condition: str, python: str, system: str) -> bool | None:
    """Whether a condition of :func:`raising_conditions` holds for a target (a
    ``--python`` version and a Nix system); ``None`` when that cannot be told.

    The micro version is not known: the condition must agree for every one."""
    try:
        tree = ast.parse(condition, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    major, minor = (int(part) for part in python.split("."))
    values = SYSTEMS[system]
    answers = set()
    for micro in (0, 99):
        platform = Platform(
            (major, minor, micro),
            values.sys_platform,
            values.platform_system,
            values.platform_machine,
        )
        try:
            answers.add(bool(_Evaluator(platform).value(tree.body)))
        except (_Unknown, TypeError, ValueError, IndexError, OverflowError, RecursionError):
            return None
    return answers.pop() if len(answers) == 1 else None


def may_hold_anywhere(conditions: Iterable[str]) -> bool:
    """Whether any condition may hold for some target pypi2nix locks for (an unknown
    one may)."""
    return any(
        condition_holds(condition, python, system) is not False
        for condition in conditions
        for python in PYTHON_VERSIONS
        for system in SYSTEMS
    )


class _VersionInfo(tuple[int | str, ...]):
    """``sys.version_info``: a tuple with named fields."""

    __slots__ = ()

    @property
    def major(self) -> int | str:
        return self[0]

    @property
    def minor(self) -> int | str:
        return self[1]

    @property
    def micro(self) -> int | str:
        return self[2]

    @property
    def releaselevel(self) -> int | str:
        return self[3]


_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], object]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda left, right: operator.contains(right, left),
    ast.NotIn: lambda left, right: not operator.contains(right, left),
}


class _Evaluator:
    def __init__(self, platform: Platform) -> None:
        major, minor, micro = platform.python
        self.attributes: dict[str, object] = {
            "sys.version_info": _VersionInfo((major, minor, micro, "final", 0)),
            "sys.platform": platform.sys_platform,
            "sys.implementation.name": "cpython",
            "sys.byteorder": "little",
            "sys.maxsize": 2**63 - 1,
            "os.name": "posix",
        }
        self.calls: dict[str, object] = {
            "platform.system": platform.platform_system,
            "platform.machine": platform.machine,
            "platform.python_implementation": "CPython",
        }

    def value(self, node: ast.expr) -> object:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | str | float):
            return node.value
        if isinstance(node, ast.Tuple):
            return tuple(self.value(item) for item in node.elts)
        if isinstance(node, ast.BoolOp):
            return self._bool_op(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return not self.value(node.operand)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self._number(node.operand)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base, exponent = self._number(node.left), self._number(node.right)
            if not 0 <= exponent <= 64:
                raise _Unknown
            return base**exponent
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        dotted = _dotted(node)
        if dotted is not None and dotted in self.attributes:
            return self.attributes[dotted]
        if isinstance(node, ast.Attribute) and node.attr in ("major", "minor", "micro"):
            inner = self.value(node.value)
            if isinstance(inner, _VersionInfo):
                return getattr(inner, node.attr)
        raise _Unknown

    def _number(self, node: ast.expr) -> int:
        number = self.value(node)
        if not isinstance(number, int):
            raise _Unknown
        return number

    def _bool_op(self, node: ast.BoolOp) -> bool:
        """``and``/``or``, where one known operand can decide even if others are not."""
        deciding = isinstance(node.op, ast.Or)
        unknown = False
        for operand in node.values:
            try:
                if bool(self.value(operand)) is deciding:
                    return deciding
            except _Unknown:
                unknown = True
        if unknown:
            raise _Unknown
        return not deciding

    def _compare(self, node: ast.Compare) -> bool:
        left = self.value(node.left)
        for operation, comparator in zip(node.ops, node.comparators, strict=True):
            compare = _COMPARISONS.get(type(operation))
            if compare is None:
                raise _Unknown
            right = self.value(comparator)
            if not compare(left, right):
                return False
            left = right
        return True

    def _subscript(self, node: ast.Subscript) -> object:
        container = self.value(node.value)
        if not isinstance(container, tuple | str):
            raise _Unknown
        index = node.slice
        if isinstance(index, ast.Slice):
            bounds = [None if part is None else self._number(part) for part in
                      (index.lower, index.upper, index.step)]  # fmt: skip
            return type(container)(container[slice(*bounds)])
        return container[self._number(index)]

    def _call(self, node: ast.Call) -> object:
        if node.keywords:
            raise _Unknown
        dotted = _dotted(node.func)
        if dotted is not None and dotted in self.calls and not node.args:
            return self.calls[dotted]
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in ("startswith", "endswith"):
            subject = self.value(function.value)
            arguments = [self.value(argument) for argument in node.args]
            if isinstance(subject, str) and len(arguments) == 1:
                prefix = arguments[0]
                if isinstance(prefix, str) or (
                    isinstance(prefix, tuple) and all(isinstance(p, str) for p in prefix)
                ):
                    return getattr(subject, function.attr)(prefix)
        raise _Unknown


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])
