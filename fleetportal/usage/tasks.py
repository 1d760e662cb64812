"""Worker jobs of usage (entry points only): an uploaded file's ingest, queued by the page or the
API through `start=` once the upload is committed. A retry goes on after the last chunk the
dead run committed, so retrying is safe."""

from huey.contrib.djhuey import db_task

from . import jobs


@db_task(retries=2, retry_delay=30)
def ingest_file(job_id: int) -> None:
    jobs.ingest_upload(job_id)
