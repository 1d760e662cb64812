"""CSV files of new lines for the import tests (F-32): pages and API."""

from __future__ import annotations

import csv
import io

from fleetportal.fleet.imports import COLUMNS
from fleetportal.fleet.models import SimCard


def make_csv(rows: list[dict[str, str]], *, delimiter: str = ";", bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=delimiter, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def good_rows(stock: tuple[SimCard, SimCard]) -> list[dict[str, str]]:
    first, second = stock
    return [
        {
            "iccid": first.iccid,
            "description": "Account manager",
            "civility": "Ms",
            "first_name": "Lotte",
            "last_name": "Peeters",
            "birth_date": "17/04/1988",
            "email": "Lotte.Peeters@example.com",
            "phone": "0470 12 34 56",
            "language": "NL",
            "plan": "Mobile Start",
            "options": "data-eu-5gb; Roaming World 1 GB",
            "tags": "Sales; Field team",
        },
        {
            "iccid": second.iccid,
            "first_name": "Jens",
            "last_name": "Maes",
            "birth_date": "1990-01-31",
            "plan": "mobile-europe",
            "number": "0475 99 88 77",
            "port_in_operator": "Proximus",
            "port_in_account": "PX-1234",
        },
    ]
