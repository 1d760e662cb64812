"""The contract page (F-72): the plans × options matrix at the contract's prices, the group
bundles tab, the MSA download; who may see it (S2) and whose contract (S1)."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from fleetportal.accounts.models import Function
from fleetportal.catalog.demo import retain_for
from fleetportal.catalog.models import ContractOption, ContractPlan
from fleetportal.catalog.msa import msa_html
from fleetportal.conftest import _login_in, make_actor
from fleetportal.core.models import Contract, Customer

pytestmark = pytest.mark.spec("F-72")


class TableReader(HTMLParser):
    """The text of each row's cells of the first `<table class="matrix">` (or any table)."""

    def __init__(self, css_class: str = "") -> None:
        super().__init__()
        self.css_class, self.depth = css_class, 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (not self.css_class or self.css_class in (dict(attrs).get("class") or "")):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("th", "td"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("th", "td") and self.cell is not None:
            self.rows[-1].append(" ".join(" ".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table(html: str, css_class: str = "") -> list[list[str]]:
    reader = TableReader(css_class)
    reader.feed(html)
    return reader.rows


def matrix_cell(rows: list[list[str]], option: str, plan: str) -> str:
    header = rows[1]
    column = next(i for i, text in enumerate(header) if text.startswith(plan + " €"))
    row = next(r for r in rows[2:] if r[0].startswith(option))
    return row[column]


@pytest.fixture
def globex_contract(other_customer: Customer, catalogue: Contract) -> Contract:
    contract = other_customer.contracts.get()
    retain_for(contract, discount=Decimal("0.5"))
    return contract


def test_matrix_shows_each_options_price_or_not_applicable(client: Client, login, manager, catalogue) -> None:
    login(client, manager)
    response = client.get("/contract/")
    assert response.status_code == 200
    rows = table(response.content.decode(), "matrix")
    assert rows[0][1:] == ["Mobile subscriptions", "Mobile data subscriptions"]
    assert rows[1][1].startswith("Mobile 1 € 5.00 p/m")
    assert [r[0].split(" ")[0:2] for r in rows[2:4]] == [["Data", "Asia"], ["Voice", "National"]]
    assert matrix_cell(rows, "Voice National 100 min", "Mobile Europe") == "Not applicable"
    assert matrix_cell(rows, "Voice National 100 min", "Mobile 1") == "€ 3.00"
    assert matrix_cell(rows, "Voice National 100 min", "Mobile Data 50") == "Not applicable"
    assert matrix_cell(rows, "Data National 10 GB", "Mobile Limitless") == "Not applicable"
    assert matrix_cell(rows, "Data National 10 GB", "Mobile Europe") == "€ 25.00"
    assert matrix_cell(rows, "Data Asia tech 3 GB", "Mobile Limitless") == "€ 35.00"
    assert "Group Data 50 GB" not in response.content.decode()  # that is the other tab


def test_prices_are_the_contracts_own(client: Client, login, manager, catalogue, globex_contract) -> None:
    ContractPlan.objects.filter(contract=catalogue, plan__code="mobile-europe").update(monthly_price=Decimal("41.50"))
    ContractOption.objects.filter(contract=catalogue, option__code="voice-national-100").update(
        monthly_price=Decimal("2.25")
    )
    login(client, manager)
    rows = table(client.get("/contract/").content.decode(), "matrix")
    europe = next(text for text in rows[1] if text.startswith("Mobile Europe"))
    assert "€ 41.50" in europe and "45.00" not in europe
    assert matrix_cell(rows, "Voice National 100 min", "Mobile 1") == "€ 2.25"
    # Globex's half price is Globex's only.
    assert matrix_cell(rows, "Data Asia tech 3 GB", "Mobile 1") == "€ 35.00"


def test_group_bundles_tab(client: Client, login, manager, catalogue) -> None:
    catalogue.group_bundles.filter(offer__code="group-data-50gb").update(monthly_price=Decimal("140.00"))
    login(client, manager)
    response = client.get("/contract/", {"tab": "bundles"})
    rows = table(response.content.decode())
    assert ["Group Data 50 GB", "50 GB", "€ 140.00"] in rows
    assert ["Group Voice 2000 min", "2000 minutes", "€ 60.00"] in rows
    assert 'href="?tab=bundles" aria-current="page"' in response.content.decode()
    assert not table(response.content.decode(), "matrix")
    assert client.get("/contract/", {"tab": "<script>"}).status_code == 200  # unknown tab: the first


def test_contract_without_catalogue_says_so(client: Client, login, manager) -> None:
    login(client, manager)
    page = client.get("/contract/").content.decode()
    assert "Your contract has no tariff plans yet." in page


def test_dashboard_tile_links_the_contract_page(client: Client, login, manager) -> None:
    login(client, manager)
    assert 'href="/contract/"' in client.get("/dashboard/").content.decode()


@pytest.mark.spec("F-72", "S2")
def test_member_and_managers_without_fleet_or_billing_are_refused(client: Client, login, customer, member) -> None:
    users_only = _login_in(customer, "manager", "users@acme.example", "+32470000009", functions=[Function.USERS])
    number = customer.contracts.get().number
    for user in (member, users_only):
        client.logout()
        login(client, user)
        assert client.get("/contract/").status_code == 403
        assert client.get(f"/contracts/{number}/").status_code == 403
        assert client.get(f"/contracts/{number}/msa.pdf").status_code == 403


@pytest.mark.spec("F-72", "S2")
def test_billing_manager_and_staff_may_read_it(client: Client, login, billing_manager, staff, catalogue) -> None:
    login(client, billing_manager)
    assert client.get("/contract/").status_code == 200
    client.logout()
    login(client, staff)
    assert client.get(f"/contracts/{catalogue.number}/").status_code == 200
    assert client.get("/contract/").status_code == 404  # staff have no contract of their own


@pytest.mark.spec("F-72", "S2")
def test_anonymous_is_sent_to_log_in(client: Client, catalogue) -> None:
    response = client.get(f"/contracts/{catalogue.number}/msa.pdf")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.spec("F-72", "S1")
def test_another_customers_contract_is_not_found(client: Client, login, manager, globex_contract) -> None:
    login(client, manager)
    assert client.get(f"/contracts/{globex_contract.number}/").status_code == 404
    assert client.get(f"/contracts/{globex_contract.number}/msa.pdf").status_code == 404
    assert client.get("/contracts/C-does-not-exist/").status_code == 404


def test_msa_is_a_generated_pdf(client: Client, login, manager, catalogue) -> None:
    login(client, manager)
    response = client.get(f"/contracts/{catalogue.number}/msa.pdf")
    assert response.status_code == 200
    body = response.getvalue()
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert len(body) > 10_000  # two pages of tables, not an empty document
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="MSA-{catalogue.number}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_msa_holds_the_contract_its_prices_and_signatures(manager, catalogue) -> None:
    ContractPlan.objects.filter(contract=catalogue, plan__code="mobile-limitless").update(
        monthly_price=Decimal("29.99")
    )
    html = msa_html(make_actor(manager), catalogue)
    rows = table(html)
    assert ["Contract number", catalogue.number] in rows
    assert ["Customer", "Acme Belgium NV"] in rows
    assert ["Start date", "01/01/2024"] in rows
    assert ["Mobile Limitless", "unlimited data · unlimited minutes · unlimited SMS", "€ 29.99"] in rows
    voice = next(r for r in rows if r and r[0] == "Voice National 100 min")
    assert voice[2] == "Mobile Europe, Mobile Contact, Mobile Limitless, Mobile Data 12, Mobile Data 20, Mobile Data 50"
    assert voice[3] == "€ 3.00"
    assert ["Group Data 200 GB", "200 GB", "€ 450.00"] in rows
    assert "For the customer" in html and "For the operator" in html and html.count("signature-line") >= 2


def test_msa_follows_the_readers_language(manager, catalogue) -> None:
    with translation.override("nl"):
        html = msa_html(make_actor(manager), catalogue)
    assert '<html lang="nl">' in html
    assert "€\N{NO-BREAK SPACE}3,00" in html  # Dutch number format


@pytest.mark.spec("F-72", "S1")
def test_an_uploaded_msa_is_served_as_it_is(client: Client, login, manager, catalogue, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    catalogue.msa_document = SimpleUploadedFile("signed-msa.pdf", b"%PDF-1.4 signed copy\n%%EOF")
    catalogue.save()
    login(client, manager)
    response = client.get(f"/contracts/{catalogue.number}/msa.pdf")
    assert response.getvalue() == b"%PDF-1.4 signed copy\n%%EOF"
    assert response["Content-Disposition"] == 'attachment; filename="signed-msa.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    (tmp_path / catalogue.msa_document.name).unlink()
    assert client.get(f"/contracts/{catalogue.number}/msa.pdf").status_code == 404  # gone from storage: no 500
