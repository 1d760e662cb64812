"""Demo fleets: Acme Belgium with ~1,000 lines in every status, Globex with a few hundred.

Called by `fleetportal.demo.load()` after the catalogue. Deterministic (a seeded random per
customer, so the same names and numbers on every machine), idempotent (a customer that has
lines is left as it is) and fast (bulk inserts: a second or two for everything).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from fleetportal.accounts.models import User
from fleetportal.catalog.models import ContractOption, ContractPlan, Option, TariffPlan
from fleetportal.core.models import Customer

from .actions.history import record_products
from .iccid import luhn_check_digit
from .models import Line, LineOption, PoolNumber, ScheduledChange, SimCard, Tag

MEMBER_NUMBER = "+32470000003"  # member@acme.example's own line (F-74)
COST_CENTRES = ["Sales", "IT", "Operations", "Management", "Finance", "HR", "Logistics", "Customer service"]

BELGIAN_FIRST = [
    "Lotte", "Jens", "Emma", "Lucas", "Louise", "Noah", "Marie", "Arthur", "Julie", "Thomas",
    "Sofie", "Pieter", "Camille", "Maxime", "Elise", "Wout", "Nathalie", "Koen", "Inès", "Bram",
    "Charlotte", "Tom", "Hanne", "Gilles", "Céline", "Stijn", "Laura", "Mathis", "An", "Pauline",
]  # fmt: skip
BELGIAN_LAST = [
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
    "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Leroy", "Vermeulen", "Van den Broeck",
    "Hermans", "Desmet", "Lemmens", "Michiels", "Renard", "Simon", "Laurent", "De Vos", "Pauwels",
]  # fmt: skip
BELGIAN_JOBS = [
    "Account manager", "Sales representative", "Service technician", "IT support", "Warehouse lead",
    "Project manager", "Field engineer", "Key account manager", "HR advisor", "Accountant",
    "Logistics planner", "Customer service agent", "Operations manager", "Developer", "Driver",
    "Chef de projet", "Commercial", "Technicien", "Magazijnier", "Vertegenwoordiger",
]  # fmt: skip
HUNGARIAN_FIRST = [
    "Bence", "Anna", "Máté", "Zsófia", "Levente", "Eszter", "Dániel", "Réka", "Ádám", "Katalin",
    "Péter", "Noémi", "Balázs", "Judit", "Gergő", "Dóra", "Tamás", "Orsolya", "Zoltán", "Virág",
]  # fmt: skip
HUNGARIAN_LAST = [
    "Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh", "Farkas",
    "Balogh", "Papp", "Takács", "Juhász", "Lakatos", "Mészáros", "Oláh", "Simon", "Rácz", "Fekete",
]  # fmt: skip
HUNGARIAN_JOBS = [
    "Értékesítő", "Rendszergazda", "Projektvezető", "Könyvelő", "Raktárvezető", "Szerviztechnikus",
    "Ügyfélszolgálati munkatárs", "Sofőr", "Fejlesztő", "Üzemvezető",
]  # fmt: skip
DONORS = ["Proximus", "Orange Belgium", "BASE"]


@dataclass(frozen=True)
class Fleet:
    """How one customer's demo fleet looks: its ranges, names and mix."""

    seed: int
    lines: int
    msisdn_prefix: str  # + 6 digits
    iccid_prefix: str  # 6 digits + 12 digits + Luhn digit = 19
    imsi_prefix: str  # 5 digits + 10 digits
    first_names: list[str]
    last_names: list[str]
    jobs: list[str]
    languages: list[str]
    blank_sims: int


ACME = Fleet(
    seed=32,
    lines=1000,
    msisdn_prefix="+32475",
    iccid_prefix="893201",
    imsi_prefix="20601",
    first_names=BELGIAN_FIRST,
    last_names=BELGIAN_LAST,
    jobs=BELGIAN_JOBS,
    languages=["nl", "nl", "nl", "fr", "fr", "en"],
    blank_sims=50,
)
GLOBEX = Fleet(
    seed=36,
    lines=300,
    msisdn_prefix="+36306",  # +36 30 6xx xxxx
    iccid_prefix="893601",
    imsi_prefix="21630",
    first_names=HUNGARIAN_FIRST,
    last_names=HUNGARIAN_LAST,
    jobs=HUNGARIAN_JOBS,
    languages=["hu"],
    blank_sims=20,
)
# The commercial status mix of the generated lines (the rest are ACTIVE).
STATUS_SHARE = [(Line.Status.SUSPENDED, 0.04), (Line.Status.STOPPED, 0.05), (Line.Status.PENDING, 0.02)]


def _ascii(name: str) -> str:
    table = str.maketrans("áéíóöőúüűàâçèêëîïôûÁÉÍÓÖŐÚÜŰ", "aeiooouuuaaceeeiiouAEIOOOUUU")
    return name.translate(table).lower().replace(" ", "")


class _Builder:
    """Builds one customer's SIM cards, lines, options and tags in memory, then inserts them."""

    def __init__(self, customer: Customer, fleet: Fleet):
        self.customer = customer
        self.fleet = fleet
        self.rng = random.Random(fleet.seed)  # noqa: S311 (demo data, not secrets)
        contract = customer.contracts.get()
        self.account = customer.billing_accounts.order_by("number").first()
        self.plans = list(
            TariffPlan.objects.filter(pk__in=ContractPlan.objects.filter(contract=contract).values("plan"))
        )
        options = list(
            Option.objects.filter(
                pk__in=ContractOption.objects.filter(contract=contract).values("option")
            ).prefetch_related("excluded_plans")
        )
        # The options each plan may carry ("not applicable" ones left out, R-F2).
        self.applicable = {plan.pk: [o for o in options if plan not in o.excluded_plans.all()] for plan in self.plans}
        self.tags = [Tag.objects.get_or_create(customer=customer, name=name)[0] for name in COST_CENTRES]
        self.sims: list[SimCard] = []
        self.lines: list[Line] = []
        self.line_options: list[tuple[int, Option]] = []  # (index in self.lines, option)
        self.line_tags: list[tuple[int, Tag]] = []

    def sim(self, n: int, *, esim: bool = False, status: str = SimCard.Status.IN_USE) -> SimCard:
        body = f"{self.fleet.iccid_prefix}{n:012d}"
        iccid = body + luhn_check_digit(body)
        sim = SimCard(
            iccid=iccid,
            kind=SimCard.Kind.ESIM if esim else SimCard.Kind.PHYSICAL,
            status=status,
            customer=self.customer,
            imsi=f"{self.fleet.imsi_prefix}{n:010d}",
            pin=f"{self.rng.randrange(10**4):04d}",
            puk=f"{self.rng.randrange(10**8):08d}",
            activation_code=f"LPA:1$smdp.operator.example${iccid[-12:]}" if esim else "",
        )
        self.sims.append(sim)
        return sim

    def person(self) -> dict[str, object]:
        rng, fleet = self.rng, self.fleet
        first, last = rng.choice(fleet.first_names), rng.choice(fleet.last_names)
        return {
            "first_name": first,
            "last_name": last,
            "civility": rng.choice([Line.Civility.MR, Line.Civility.MS, ""]),
            "description": rng.choice(fleet.jobs),
            "email": f"{_ascii(first)}.{_ascii(last)}@{self.customer.login_domain}.example",
            "language": rng.choice(fleet.languages),
            "birth_date": date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365)),
        }

    def line(self, msisdn: str, status: str, sim: SimCard | None, **fields: object) -> int:
        rng = self.rng
        plan = rng.choice(self.plans)
        now = timezone.now()
        activated = None
        if status in (Line.Status.ACTIVE, Line.Status.SUSPENDED, Line.Status.STOPPED):
            activated = now - timedelta(days=rng.randrange(30, 3 * 365), hours=rng.randrange(24))
        line = Line(
            customer=self.customer,
            msisdn=msisdn,
            sim=sim,
            status=status,
            plan=plan,
            billing_account=self.account,
            activated_at=activated,
            stopped_at=now - timedelta(days=rng.randrange(1, 29)) if status == Line.Status.STOPPED else None,
            details_confirmed_at=activated if activated and rng.random() < 0.5 else None,
            **{**self.person(), **fields},
        )
        index = len(self.lines)
        self.lines.append(line)
        applicable = self.applicable[plan.pk]
        for option in rng.sample(applicable, k=min(len(applicable), rng.choice([0, 0, 1, 1, 2]))):
            self.line_options.append((index, option))
        self.line_tags.append((index, self.tags[index % len(self.tags)]))  # every cost centre used
        return index

    def generate(self) -> None:
        rng, fleet = self.rng, self.fleet
        numbers = rng.sample(range(10**6), fleet.lines)
        for n, number in enumerate(numbers):
            roll, status = rng.random(), Line.Status.ACTIVE
            for candidate, share in STATUS_SHARE:
                if roll < share:
                    status = candidate
                    break
                roll -= share
            esim = rng.random() < 0.08
            sim_status = SimCard.Status.RETIRED if status == Line.Status.STOPPED else SimCard.Status.IN_USE
            self.line(f"{fleet.msisdn_prefix}{number:06d}", status, self.sim(n, esim=esim, status=sim_status))
        for n in range(fleet.blank_sims):  # blank stock: one in five an eSIM
            self.sim(fleet.lines + 10 + n, esim=n % 5 == 0, status=SimCard.Status.BLANK)

    def save(self) -> list[Line]:
        SimCard.objects.bulk_create(self.sims, batch_size=1000)
        for line in self.lines:  # the SIM objects got their ids just now
            line.sim_id = line.sim.pk if line.sim else None
        Line.objects.bulk_create(self.lines, batch_size=1000)
        LineOption.objects.bulk_create(
            [LineOption(line=self.lines[i], option=option) for i, option in self.line_options], batch_size=1000
        )
        Line.tags.through.objects.bulk_create(
            [Line.tags.through(line_id=self.lines[i].pk, tag_id=tag.pk) for i, tag in self.line_tags],
            batch_size=1000,
        )
        options: dict[int, list[int]] = {i: [] for i in range(len(self.lines))}
        for i, option in self.line_options:
            options[i].append(option.pk)
        record_products((line.pk, line.plan_id, options[i]) for i, line in enumerate(self.lines))
        return self.lines


def _acme_specials(builder: _Builder) -> list[int]:
    """The lines a demo walks through: the member's own, a port-in, eSIMs awaiting activation."""
    member = User.objects.filter(email="member@acme.example").first()
    base = builder.fleet.lines + 1000  # SIM serials above the generated ones
    specials = [
        builder.line(
            MEMBER_NUMBER,
            Line.Status.ACTIVE,
            builder.sim(base),
            user=member,
            first_name="Mia",
            last_name="Member",
            civility=Line.Civility.MS,
            description="Sales",
            email="member@acme.example",
            language="fr",
        ),
        builder.line(
            "+32476123456",
            Line.Status.PORTING,
            builder.sim(base + 1),
            donor_operator=DONORS[0],
            donor_account="PX-7730012",
            description="Key account manager",
        ),
        builder.line("+32476123457", Line.Status.PENDING, builder.sim(base + 2, esim=True)),
    ]
    return specials


def _schedule_activations(builder: _Builder, actor_email: str) -> None:
    """Pending lines wait for an activation date (F-22): a week and two weeks from now."""
    creator = User.objects.filter(email=actor_email).first()
    pending = [line for line in builder.lines if line.status == Line.Status.PENDING]
    today = timezone.localdate()
    ScheduledChange.objects.bulk_create(
        ScheduledChange(
            line=line,
            kind=ScheduledChange.Kind.ACTIVATE,
            due_date=today + timedelta(days=7 * (1 + i % 2)),
            created_by=creator,
        )
        for i, line in enumerate(pending)
    )


def _pool(prefix: str, count: int, seed: int) -> None:
    """Free numbers of the operator's range for new lines (F-21 "new number")."""
    rng = random.Random(seed)  # noqa: S311
    PoolNumber.objects.bulk_create(
        [PoolNumber(msisdn=f"{prefix}{n:06d}") for n in sorted(rng.sample(range(10**6), count))],
        ignore_conflicts=True,
    )


def _operator_stock(count: int) -> None:
    """Blank SIM cards of the operator itself, which any customer's wizard may use."""
    if SimCard.objects.filter(customer=None).exists():
        return
    cards = []
    for n in range(count):
        body = f"893200{n:012d}"
        cards.append(
            SimCard(
                iccid=body + luhn_check_digit(body),
                kind=SimCard.Kind.ESIM if n % 4 == 0 else SimCard.Kind.PHYSICAL,
                imsi=f"20602{n:010d}",
                pin=f"{1000 + n:04d}",
                puk=f"{20000000 + n * 7919:08d}",
                activation_code=f"LPA:1$smdp.operator.example$893200{n:06d}" if n % 4 == 0 else "",
            )
        )
    SimCard.objects.bulk_create(cards)


def build_fleet(customer: Customer, fleet: Fleet) -> list[Line]:
    """`fleet.lines` generated lines (and `fleet.blank_sims` blank cards) for `customer`, in bulk:
    the demo's mix, also used by the benchmarks to build big fleets."""
    builder = _Builder(customer, fleet)
    builder.generate()
    return builder.save()


def _load_customer(domain: str, fleet: Fleet, manager_email: str) -> None:
    customer = Customer.objects.filter(login_domain=domain).first()
    if customer is None or Line.objects.filter(customer=customer).exists():
        return
    builder = _Builder(customer, fleet)
    if domain == "acme":
        _acme_specials(builder)
    builder.generate()
    builder.save()
    _schedule_activations(builder, manager_email)


@transaction.atomic
def load_fleet() -> None:
    _load_customer("acme", ACME, "manager@acme.example")
    _load_customer("globex", GLOBEX, "admin@globex.example")
    _pool("+32499", 500, seed=499)
    _pool("+36309", 100, seed=309)
    _operator_stock(20)
