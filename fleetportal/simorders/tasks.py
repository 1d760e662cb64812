"""The simulator's courier (entry point only): every hour, orders due are shipped and those
expected today delivered (`actions.sim_orders_advance`), as a real fulfilment partner would
report them."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fleetportal.core.actor import Actor
from fleetportal.core.models import Channel

from .actions import sim_orders_advance

COURIER = Actor(user=None, channel=Channel.JOB, name="Blank SIM order fulfilment")


@db_periodic_task(crontab(minute="20"))
def advance_sim_orders() -> None:
    sim_orders_advance(actor=COURIER)
