from django.apps import AppConfig


class SsoConfig(AppConfig):
    """The portal as an OpenID Connect provider (F-11), on django-oauth-toolkit."""

    name = "fleetportal.sso"
    label = "sso"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fleetportal.core.audit_labels import ACTION_LABELS

        from . import checks, navigation  # noqa: F401 (checks registers itself)

        navigation.register()
        for code, label in (
            ("sso.client_created", _("Single sign-on app registered")),
            ("sso.secret_rotated", _("Single sign-on app secret replaced")),
            ("sso.client_deleted", _("Single sign-on app removed")),
        ):
            ACTION_LABELS.setdefault(code, label)
