"""The worker's side of an ingest: open the job's upload and run the action on it."""

from __future__ import annotations

from .actions import job_actor, usage_ingest
from .models import IngestJob


def ingest_upload(job_id: int) -> IngestJob:
    job = IngestJob.objects.select_related("api_key", "created_by", "customer").get(pk=job_id)
    if job.finished:
        return job
    with job.upload.open("rb") as stream:
        job = usage_ingest(actor=job_actor(job), job=job, stream=stream)
    job.upload.delete(save=True)  # its records and bad rows are stored; the raw file is not kept
    return job
