"""The MSA (master services agreement) of a contract as a PDF, made with WeasyPrint from an
HTML template in the reader's language (F-72).

The renderer may fetch nothing but `data:` URLs: a template never reaches the network or the
file system, whatever a customer typed into a name.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from fleetportal.core.actor import Actor
from fleetportal.core.models import Contract

from .selectors import contract_matrix, group_bundles_for

_local = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread, reused: making one loads fontconfig's whole font set
    (about 20 ms a PDF), and Pango's font map is not to be shared between threads."""
    if not hasattr(_local, "font_config"):
        _local.font_config = FontConfiguration()
    return _local.font_config  # type: ignore[no-any-return]


def html_to_pdf(html: str, stylesheets: Sequence[CSS] = ()) -> bytes:
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"]))
    return document.write_pdf(stylesheets=list(stylesheets), font_config=_font_config())  # type: ignore[no-any-return]


def msa_pdf(actor: Actor, contract: Contract) -> bytes:
    return html_to_pdf(msa_html(actor, contract))


def msa_html(actor: Actor, contract: Contract) -> str:
    """The contract's parties, start date, retained plans, options and group bundles, signatures."""
    matrix = contract_matrix(actor, contract)
    options = [
        {
            "retained": row.retained,
            "not_applicable_to": [
                column.plan.name for column, cell in zip(matrix.columns, row.cells, strict=True) if cell is None
            ],
        }
        for row in matrix.rows
    ]
    return render_to_string(
        "catalog/msa.html",
        {
            "contract": contract,
            "matrix": matrix,
            "options": options,
            "bundles": group_bundles_for(actor, contract),
            "billing_accounts": contract.billing_accounts.all(),
            "generated_on": timezone.localdate(),
        },
    )
