"""Every action code the code base records has a translated name (F-33): the codes are collected
from the source, so a new `record(action="…")` without a label fails here, not in front of a
Dutch fleet manager. Unknown codes and keys still read well."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.functional import Promise

import fleetportal
from fleetportal.core.audit_display import changes, value_label
from fleetportal.core.audit_labels import ACTION_LABELS, FIELD_LABELS, action_choices, action_label, field_label
from fleetportal.core.models import AuditEvent

pytestmark = pytest.mark.spec("F-33")

SOURCE = Path(fleetportal.__file__).parent
SKIPPED_DIRS = {"tests", "migrations", "e2e"}
# fleetportal.core.audit's writers; functions passing their own `action` on to one are found.
WRITERS = ("record", "record_many")
# Codes built by an f-string, with the values the callers give it (fleet/actions/lifecycle.py
# `_switch`: kind=Kind.SUSPEND or Kind.REACTIVATE).
FORMATTED = {"f'line.{kind}'": {"line.suspend", "line.reactivate"}}

Module = tuple[str, ast.Module]


def _modules() -> list[Module]:
    return [
        (str(path.relative_to(SOURCE)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(SOURCE.rglob("*.py"))
        if not SKIPPED_DIRS & set(path.relative_to(SOURCE).parts)
    ]


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level `NAME = "text"` assignments."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    return (node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _action_argument(call: ast.Call, writers: dict[str, int | None]) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "action":
            return keyword.value
    position = writers[_callee(call)]
    return call.args[position] if position is not None and len(call.args) > position else None


def _writers(modules: list[Module]) -> dict[str, int | None]:
    """Writer name → position of its `action` parameter (None: keyword only), to a fixed point."""
    writers: dict[str, int | None] = dict.fromkeys(WRITERS)
    grown = True
    while grown:
        grown = False
        for _path, tree in modules:
            for function in _functions(tree):
                positional = [a.arg for a in function.args.posonlyargs + function.args.args]
                if function.name in writers or "action" not in positional + [a.arg for a in function.args.kwonlyargs]:
                    continue
                forwards = any(
                    isinstance(call, ast.Call)
                    and _callee(call) in writers
                    and isinstance(argument := _action_argument(call, writers), ast.Name)
                    and argument.id == "action"
                    for call in ast.walk(function)
                )
                if forwards:
                    writers[function.name] = positional.index("action") if "action" in positional else None
                    grown = True
    return writers


def _action_default(arguments: ast.arguments) -> ast.expr | None:
    """The default of an `action` parameter (`action: str = "password.changed"`), if any."""
    positional = arguments.posonlyargs + arguments.args
    pairs = [
        *zip(positional[::-1], arguments.defaults[::-1], strict=False),  # defaults belong to the last ones
        *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
    ]
    return next((default for arg, default in pairs if arg.arg == "action" and default is not None), None)


class _Collector(ast.NodeVisitor):
    """Reads the `action` of every call to a writer, knowing which function it sits in."""

    def __init__(self, writers: dict[str, int | None], constants: dict[str, str], path: str):
        self.writers, self.constants, self.path = writers, constants, path
        self.codes: set[str] = set()
        self.unreadable: list[str] = []
        self.functions: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.name in self.writers and (default := _action_default(node.args)) is not None:
            self.resolve(default, f"{self.path}:{node.lineno}")  # what callers record by default
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        if _callee(node) in self.writers and (argument := _action_argument(node, self.writers)) is not None:
            self.resolve(argument, f"{self.path}:{node.lineno}")
        self.generic_visit(node)

    def in_writer(self) -> bool:
        return bool(self.functions) and self.functions[-1] in self.writers

    def resolve(self, node: ast.expr, where: str) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.codes.add(node.value)
        elif isinstance(node, ast.IfExp):
            self.resolve(node.body, where)
            self.resolve(node.orelse, where)
        elif isinstance(node, ast.Name) and node.id == "action" and self.in_writer():
            pass  # a writer passing its caller's code on: its callers are checked
        elif isinstance(node, ast.Name) and node.id in self.constants:
            self.codes.add(self.constants[node.id])
        elif isinstance(node, ast.JoinedStr) and ast.unparse(node) in FORMATTED:
            self.codes.update(FORMATTED[ast.unparse(node)])
        else:
            self.unreadable.append(f"{where}: action={ast.unparse(node)}")


def collect_codes(modules: list[Module]) -> tuple[set[str], list[str]]:
    """(every code recorded, every place whose code cannot be read from the source)."""
    writers = _writers(modules)
    # Constants by name, the module's own first (others' for names it imported).
    everywhere = {name: value for _path, tree in modules for name, value in _constants(tree).items()}
    codes: set[str] = set()
    unreadable: list[str] = []
    for path, tree in modules:
        collector = _Collector(writers, {**everywhere, **_constants(tree)}, path)
        collector.visit(tree)
        codes |= collector.codes
        unreadable += collector.unreadable
    return codes, unreadable


def test_every_recorded_action_has_a_label() -> None:
    codes, unreadable = collect_codes(_modules())
    assert not unreadable, "add these codes to FORMATTED or record a literal code"
    # The collector sees codes of every app that audits (a broken collector would pass vacuously).
    assert {"login.failed", "api_key.created", "line.plan_changed", "line.suspend", "network.retry"} <= codes
    assert {"customer.created", "audit.exported", "password.reset", "password.changed", "user.enabled"} <= codes
    missing = sorted(codes - ACTION_LABELS.keys())
    assert not missing, f"give these audit actions a label in fleetportal/core/audit_labels.py: {missing}"


def test_the_collector_finds_new_codes_and_flags_what_it_cannot_read() -> None:
    source = """
NEW = "thing.renamed"

def thing_create(*, actor):
    record(actor=actor, action="thing.created")

def _audit(actor, action="thing.touched", rows=()):
    record_many(actor=actor, action=action, customer=None, changes=rows)

def thing_rename(*, actor, kind):
    _audit(actor, NEW, [])
    _audit(actor, "thing.moved" if kind else "thing.kept", [])
    record(actor=actor, action=f"thing.{kind}")

def thing_pick(*, actor):
    action = choose()
    record(actor=actor, action=action)
"""
    codes, unreadable = collect_codes([("things.py", ast.parse(source))])
    assert codes == {"thing.created", "thing.touched", "thing.renamed", "thing.moved", "thing.kept"}
    assert unreadable == ["things.py:13: action=f'thing.{kind}'", "things.py:17: action=action"]


def test_labels_are_translatable_and_resolved_per_language() -> None:
    assert all(isinstance(label, Promise) for label in [*ACTION_LABELS.values(), *FIELD_LABELS.values()])
    assert action_label("line.plan_changed") == "Tariff plan changed"
    with translation.override("nl"):
        assert field_label("options") == translation.gettext("options") != "options"
        assert action_label("line.plan_changed") == translation.gettext("Tariff plan changed")


def test_unknown_codes_and_keys_read_as_words() -> None:
    assert action_label("lines.suspended") == "Lines suspended"
    assert action_label("billing.invoice_run_v2") == "Billing invoice run v2"
    assert action_label("") == "—" and action_label("._.") == "—"
    assert field_label("split_bill_profile") == "split-bill profile"
    assert field_label("odd__key_") == "odd key"
    assert field_label("") == "—"


def test_choices_are_sorted_by_name_without_duplicates() -> None:
    choices = action_choices(["network.retry", "api_key.revoked", "line.added", "zz.unknown", "line.added"])
    assert choices == [
        ("api_key.revoked", "API key revoked"),
        ("line.added", "Line added"),
        ("network.retry", "Network change retried"),
        ("zz.unknown", "Zz unknown"),
    ]


@pytest.mark.spec("F-80")
def test_values_that_are_codes_read_in_the_readers_language() -> None:
    """A role, status or state is stored as its code; the apps name their codes (issue 11: the
    Dutch audit log said "rol: — → member")."""
    event = AuditEvent(
        before={"role": "manager", "status": "active", "functions": ["fleet"], "name": "x"},
        after={"role": "member", "status": "suspended", "functions": ["fleet", "users"], "name": "y"},
    )
    assert changes(event)[0] == ("role", "Manager", "Member")
    with translation.override("nl"):
        rows = {field: (before, after) for field, before, after in changes(event)}
        gettext = translation.gettext
        assert rows[gettext("role")] == (gettext("Manager"), gettext("Member"))
        assert rows[gettext("status")] == (gettext("Active"), gettext("Suspended"))
        assert rows[gettext("rights")][1].count(",") == 1 and "fleet" not in rows[gettext("rights")][1]
        assert rows[gettext("name")] == ("x", "y")  # not a code: as it is
    assert value_label("kind", "unknown-code") == "unknown-code"
