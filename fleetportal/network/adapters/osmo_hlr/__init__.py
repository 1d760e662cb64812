"""Provisioning to an Osmocom osmo-hlr through its CTRL interface (F-94): `adapter` maps the
portal's line changes onto the HLR's subscriber records, `ctrl` speaks the protocol."""
