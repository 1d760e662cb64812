from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from fleetportal.api_root import api
from fleetportal.audit.views import audit_log
from fleetportal.backoffice.views import customer_new, staff_dead_letter_redeliver, staff_dead_letters, staff_home
from fleetportal.core.health import healthz
from fleetportal.fleet.urls import member_urlpatterns as fleet_member_urls
from fleetportal.fleet.urls import network_urlpatterns as fleet_network_urls
from fleetportal.notifications.views import dev_outbox

urlpatterns = [
    path("", include("fleetportal.accounts.urls")),
    path("", include("fleetportal.catalog.urls")),
    path("staff/", staff_home, name="staff_home"),
    path("staff/customers/new/", customer_new, name="staff_customer_new"),
    path("staff/dead-letters/", staff_dead_letters, name="staff_dead_letters"),
    path(
        "staff/dead-letters/<str:channel>/<int:pk>/send-again/",
        staff_dead_letter_redeliver,
        name="staff_dead_letter_redeliver",
    ),
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
    path("usage/", include("fleetportal.usage.urls")),
    path("group-bundles/", include("fleetportal.bundles.urls")),
    path("rules/", include("fleetportal.alerts.urls")),
    path("webhooks/", include("fleetportal.webhooks.urls")),
    path("payments/", include("fleetportal.payments.urls")),
    path("support/", include("fleetportal.support.urls")),
    path("healthz", healthz, name="healthz"),
    path("dev/outbox/", dev_outbox, name="dev_outbox"),
    path(f"{settings.ADMIN_PATH}/", admin.site.urls),
]
