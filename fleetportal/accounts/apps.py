from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fleetportal.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import policy

        policy.register()  # the scope rules of memberships and API keys
        from .navigation import register as register_navigation

        register_navigation()  # its dashboard tiles and menu entries
        from fleetportal.core.audit_labels import register_values

        from .models import Function, Membership, OneTimeCode, Role

        # the audit log names roles, statuses, rights and code purposes in the reader's language
        register_values("role", Role.choices)
        register_values("status", Membership.Status.choices)
        register_values("functions", Function.choices)
        register_values("purpose", OneTimeCode.Purpose.choices)
