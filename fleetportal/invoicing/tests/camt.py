"""Bank statements for the tests, as banks send them: CAMT.053 (version 001.02, the Belgian
banks' usual one) and CODA.

camt053(entries, statement="STMT-1")  entries: dicts with reference (AcctSvcrRef), amount,
    currency ("EUR"), indicator ("CRDT"), status ("BOOK"), booked ("2026-12-03"), and
    either ogm (a structured Ref, e.g. "+++202/6000/00912+++" or its twelve digits) or text
    (Ustrd), and optionally name (the debtor).
coda(movements)  movements: dicts with reference, amount, credit (True), ogm (twelve digits)
    or text, date ("031226").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def _entry(e: dict[str, Any]) -> str:
    remittance = (
        f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{escape(e['ogm'])}</Ref>"
        "</CdtrRefInf></Strd>"
        if "ogm" in e
        else f"<Ustrd>{escape(e.get('text', ''))}</Ustrd>"
    )
    return f"""
      <Ntry>
        <NtryRef>{escape(e["reference"])}</NtryRef>
        <Amt Ccy="{e.get("currency", "EUR")}">{e["amount"]}</Amt>
        <CdtDbtInd>{e.get("indicator", "CRDT")}</CdtDbtInd>
        <Sts>{e.get("status", "BOOK")}</Sts>
        <BookgDt><Dt>{e.get("booked", "2026-12-03")}</Dt></BookgDt>
        <ValDt><Dt>{e.get("booked", "2026-12-03")}</Dt></ValDt>
        <AcctSvcrRef>{escape(e["reference"])}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties><Dbtr><Nm>{escape(e.get("name", "Acme Belgium NV"))}</Nm></Dbtr></RltdPties>
          <RmtInf>{remittance}</RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


def camt053(entries: list[dict[str, Any]], statement: str = "STMT-1") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>{statement}-MSG</MsgId><CreDtTm>2026-12-04T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement}</Id>
      <CreDtTm>2026-12-04T06:00:00</CreDtTm>
      <Acct><Id><IBAN>BE68539007547034</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <TxsSummry><TtlNtries><NbOfNtries>{len(entries)}</NbOfNtries></TtlNtries></TxsSummry>
      {"".join(_entry(e) for e in entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()


def _record(*parts: tuple[int, str]) -> str:
    """A 128-character record with each text at its 1-based position."""
    chars = [" "] * 128
    for position, text in parts:
        chars[position - 1 : position - 1 + len(text)] = text
    return "".join(chars)


def coda(movements: list[dict[str, Any]]) -> bytes:
    records = [
        _record((1, "0"), (6, "041226"), (12, "725"), (17, "05")),
        _record((1, "1"), (2, "2"), (3, "001"), (6, "BE68539007547034"), (40, "EUR"), (43, "0000000001000000")),
    ]
    for n, m in enumerate(movements, start=1):
        communication = ("1", "101" + m["ogm"]) if "ogm" in m else ("0", m.get("text", ""))
        records.append(
            _record(
                (1, "21"),
                (3, f"{n:04d}"),
                (7, "0000"),
                (11, m["reference"].ljust(21)),
                (32, "0" if m.get("credit", True) else "1"),
                (33, f"{int(Decimal(str(m['amount'])) * 1000):015d}"),
                (48, m.get("date", "031226")),
                (54, "00150000"),
                (62, communication[0]),
                (63, communication[1]),
                (116, m.get("date", "031226")),
                (122, "001"),
            )
        )
        records.append(_record((1, "23"), (3, f"{n:04d}"), (48, m.get("name", "ACME BELGIUM NV"))))
    records.append(_record((1, "8"), (2, "001")))
    records.append(_record((1, "9")))
    return ("\n".join(records) + "\n").encode("latin-1")
