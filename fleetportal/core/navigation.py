"""The dashboard tiles and main-menu entries, each registered by the app that owns the page
(DESIGN: "Each app registers its own dashboard tiles and menu entries").

An app registers its entries in its `AppConfig.ready()`, usually from a small `navigation.py`::

    from fleetportal.core.navigation import MANAGER, MenuEntry, Tile, register_menu, register_tile

    from .policy import FLEET  # the app's right, never a bare string

    def register() -> None:
        register_tile(Tile(key="fleet.lines", label=_("Manage SIM cards"), url="fleet_lines", function=FLEET))
        register_menu(MenuEntry(key="fleet.lines", label=_("SIM cards"), url="fleet_lines", function=FLEET))

The pages ask `tiles_for(actor)` and `menu_for(actor)`: only what this actor may open, in `order`.
An app above the fleet may also offer a button on the SIM overview's action bar
(`register_selection_action`): the overview lists `selection_actions_for(actor)` without knowing
the apps, and the button posts the selection to the entry's `url` as to the fleet's bulk pages.
An app that is not installed, or a feature not built yet, registers nothing and so shows nothing:
there are no "coming soon" tiles. Registering is idempotent (keyed by `key`, "<app>.<name>"),
since `ready()` may run more than once in tests.

Who sees an entry: one of its `audiences` the actor belongs to, and then
- manager: the holder or a manager with a full login, and, when the entry names a `function`,
  only if the manager has that right (`actor.can`, F-09);
- member: a login with a membership that is not a manager's, or a phone-number login. A
  phone-number login sees only the entries of its own line (`number_login=True`) and, when the
  entry names a `function`, only if the contract holder allows that function (F-08, R-I5);
- staff: operator staff; an entry whose `function` is `OPERATOR_ADMIN` only an operator admin
  (the pages behind it refuse an agent).

The seeds' dashboard (F-73) in its order, for the apps still to come: Manage SIM cards 10, Manage
user profiles 20, Create ticket 30, Go to invoices 40, Group bundles 50, Billing settings 60,
Pay invoices 70, Contract / MSA 80, Order blank SIM cards 90. Help (90) is the menu's last entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.urls import reverse
from django.utils.functional import Promise

from .actor import Actor

MANAGER = "manager"
MEMBER = "member"
STAFF = "staff"
AUDIENCES = frozenset({MANAGER, MEMBER, STAFF})
OPERATOR_ADMIN = "operator_admin"  # a staff entry's `function`: for operator admins, not agents

Figure = Callable[[Actor], Any]


@dataclass(frozen=True, kw_only=True)
class _Entry:
    key: str  # "<app label>.<name>", unique among tiles (or among menu entries)
    label: str | Promise  # a lazy translation
    url: str | None = None  # a URL name without arguments
    function: str | None = None  # the right it needs, its app's policy constant (FLEET, USERS, …), or
    # for a member a phone-number login function ("usage", "invoices", …)
    audiences: frozenset[str] = frozenset({MANAGER})
    number_login: bool = False  # shown to a phone-number login too (an entry of its own line)
    order: int = 100

    def __post_init__(self) -> None:
        if not self.key or "." not in self.key:
            raise ValueError(f"navigation key {self.key!r}: use '<app label>.<name>'")
        if not self.audiences or not self.audiences <= AUDIENCES:
            raise ValueError(f"{self.key}: audiences must be some of {sorted(AUDIENCES)}")
        if self.number_login and MEMBER not in self.audiences:
            raise ValueError(f"{self.key}: number_login entries are member entries")


@dataclass(frozen=True, kw_only=True)
class Tile(_Entry):
    """A dashboard tile: a heading linking to `url`, a line of `text`, and optionally a figure
    (`figure(actor)`, computed for the actor each time the page is shown). With a `template`, the
    tile is a panel of its own app's making, rendered with `figure` in its context."""

    text: str | Promise = ""
    figure: Figure | None = None
    template: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.url is None and self.template is None:
            raise ValueError(f"{self.key}: a tile needs a url or a template")


@dataclass(frozen=True, kw_only=True)
class MenuEntry(_Entry):
    """An entry of the main menu, linking to `url`."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.url is None:
            raise ValueError(f"{self.key}: a menu entry needs a url")


@dataclass(frozen=True, kw_only=True)
class SelectionAction(_Entry):
    """A button of the SIM overview's action bar: posts the selection (the ticked `line` ids, or
    `all` with the filter) to `url`, which reads it with the fleet's `read_selection`."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.url is None:
            raise ValueError(f"{self.key}: a selection action needs a url")


@dataclass(frozen=True)
class Shown:
    """A tile or menu entry as one actor sees it: its address and figure worked out."""

    key: str
    label: str | Promise
    href: str | None
    text: str | Promise = ""
    figure: Any = None
    template: str | None = None


E = TypeVar("E", bound=_Entry)

_tiles: dict[str, Tile] = {}
_menu: dict[str, MenuEntry] = {}
_selection_actions: dict[str, SelectionAction] = {}


def register_tile(tile: Tile) -> Tile:
    _tiles[tile.key] = tile
    return tile


def register_menu(entry: MenuEntry) -> MenuEntry:
    _menu[entry.key] = entry
    return entry


def register_selection_action(entry: SelectionAction) -> SelectionAction:
    _selection_actions[entry.key] = entry
    return entry


def unregister(key: str) -> None:
    """Remove the tile, menu entry and selection action `key`, or with an app label ("fleet")
    all of that app's."""
    registry: dict[str, Any]
    for registry in (_tiles, _menu, _selection_actions):
        for name in [name for name in registry if name == key or name.startswith(key + ".")]:
            del registry[name]


def audiences_of(actor: Actor) -> frozenset[str]:
    found = set()
    if actor.is_staff:
        found.add(STAFF)
    if actor.is_manager:
        found.add(MANAGER)
    elif actor.user is not None and (actor.membership is not None or actor.number is not None):
        found.add(MEMBER)
    return frozenset(found)


def _allowed(entry: _Entry, actor: Actor, audience: str) -> bool:
    if audience == MANAGER:
        return actor.is_manager and (entry.function is None or actor.can(entry.function))
    if audience == MEMBER:
        if actor.number is None:
            return True
        if not entry.number_login:
            return False
        return entry.function is None or actor.number_login_allows(entry.function)
    return actor.is_staff and (entry.function != OPERATOR_ADMIN or actor.is_operator_admin)


def _visible(entries: Iterable[E], actor: Actor, audience: str | None) -> list[E]:
    audiences = audiences_of(actor) if audience is None else frozenset({audience})
    visible = [entry for entry in entries if any(_allowed(entry, actor, each) for each in entry.audiences & audiences)]
    return sorted(visible, key=lambda entry: entry.order)


def tiles_for(actor: Actor, *, audience: str | None = None) -> list[Shown]:
    """The tiles this actor may see, figures computed. A page for one audience passes it: the
    member home (every login's own line) asks for the member tiles, whoever opens it."""
    shown = []
    for tile in _visible(list(_tiles.values()), actor, audience):
        shown.append(
            Shown(
                key=tile.key,
                label=tile.label,
                href=reverse(tile.url) if tile.url else None,
                text=tile.text,
                figure=tile.figure(actor) if tile.figure else None,
                template=tile.template,
            )
        )
    return shown


def menu_for(actor: Actor) -> list[Shown]:
    """The main-menu entries this actor may open."""
    return [
        Shown(key=entry.key, label=entry.label, href=reverse(entry.url) if entry.url else None)
        for entry in _visible(list(_menu.values()), actor, None)
    ]


def selection_actions_for(actor: Actor) -> list[Shown]:
    """The SIM overview's extra actions this actor may use."""
    return [
        Shown(key=entry.key, label=entry.label, href=reverse(entry.url) if entry.url else None)
        for entry in _visible(list(_selection_actions.values()), actor, None)
    ]
