import json
import logging

from fleetportal.core.logging_json import JsonFormatter


def _record(exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("fleetportal.fleet", logging.WARNING, __file__, 1, "line %s: «%s»", (7, "née"), exc_info)  # type: ignore[arg-type]


def test_a_record_is_one_json_object_with_its_message_formatted() -> None:
    line = JsonFormatter().format(_record())
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "fleetportal.fleet"
    assert entry["message"] == "line 7: «née»"
    assert entry["time"].endswith("+00:00")
    assert "exception" not in entry


def test_an_exception_travels_as_its_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        entry = json.loads(JsonFormatter().format(_record(sys.exc_info())))
    assert "ValueError: boom" in entry["exception"]
