from django.apps import AppConfig


class SsoConfig(AppConfig):
    """The portal as an OpenID Connect provider (F-11), on django-oauth-toolkit."""

    name = "fleetportal.sso"
    label = "sso"
