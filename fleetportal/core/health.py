"""GET /healthz: the database answers and a worker beat recently (for load balancers)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

WORKER_SILENCE = timedelta(minutes=3)


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # any database failure makes the instance unhealthy
        database = "error"
    try:
        beat = HUEY.get("heartbeat", peek=True)
    except Exception:  # the queue's storage is down
        beat = None
    worker = "ok" if beat and timezone.now() - datetime.fromisoformat(beat) < WORKER_SILENCE else "missing"
    status = 200 if database == "ok" else 503
    return JsonResponse({"database": database, "worker": worker, "worker_last_beat": beat}, status=status)
