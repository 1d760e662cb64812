from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from fleetportal.api_root import api
from fleetportal.audit.views import audit_log
from fleetportal.core.health import healthz
from fleetportal.fleet.urls import member_urlpatterns as fleet_member_urls
from fleetportal.fleet.urls import network_urlpatterns as fleet_network_urls
from fleetportal.invoicing.urls import member_urlpatterns as invoicing_member_urls
from fleetportal.notifications.views import dev_outbox
from fleetportal.payments.urls import member_urlpatterns as payments_member_urls

urlpatterns = [
    path("", include("fleetportal.accounts.urls")),
    path("", include("fleetportal.catalog.urls")),
    path("staff/", include("fleetportal.backoffice.urls")),
    # Resets go by one-time code (F-06); allauth's reset-by-link pages are not offered.
    re_path(r"^accounts/password/reset/", RedirectView.as_view(pattern_name="password_forgot")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("api-keys/", include("fleetportal.accounts.urls_api_keys")),
    path("audit/", audit_log, name="audit_log"),
    path("", include("fleetportal.network.urls")),
    path("", include(fleet_network_urls)),
    path("fleet/", include("fleetportal.fleet.urls")),
    path("me/", include(fleet_member_urls)),
    path("me/invoices/", include(invoicing_member_urls)),
    path("me/payments/", include(payments_member_urls)),
    path("usage/", include("fleetportal.usage.urls")),
    path("group-bundles/", include("fleetportal.bundles.urls")),
    path("orders/", include("fleetportal.simorders.urls")),
    path("rules/", include("fleetportal.alerts.urls")),
    path("webhooks/", include("fleetportal.webhooks.urls")),
    path("o/", include("fleetportal.sso.urls")),
    path("invoices/staff/", include("fleetportal.invoicing.urls_staff")),
    path("invoices/", include("fleetportal.invoicing.urls")),
    path("payments/", include("fleetportal.payments.urls")),
    path("support/", include("fleetportal.support.urls")),
    path("healthz", healthz, name="healthz"),
    path("dev/outbox/", dev_outbox, name="dev_outbox"),
    path(f"{settings.ADMIN_PATH}/", admin.site.urls),
]
