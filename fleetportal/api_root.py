"""The REST API root at /api/v1/ (F-91): mounts every app's router; it stands above all apps.

Every operation needs a customer's API key or a logged-in portal session (see `auth`); the
OpenAPI document and the docs page (Swagger UI served from django-ninja's own static files,
no CDN, no inline script) are open.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger

from fleetportal.accounts.api import router as users_router
from fleetportal.accounts.api_auth import ApiKeyAuth, PortalSessionAuth
from fleetportal.alerts.api import router as alerts_router
from fleetportal.audit.api import router as audit_router
from fleetportal.backoffice.api import router as backoffice_router
from fleetportal.bundles.api import router as bundles_router
from fleetportal.catalog.api import router as catalog_router
from fleetportal.core import api_errors
from fleetportal.fleet.api import router as fleet_router
from fleetportal.fleet.api_network import router as network_router
from fleetportal.invoicing.api import router as invoicing_router
from fleetportal.payments.api import router as payments_router
from fleetportal.simorders.api import router as simorders_router
from fleetportal.support.api import router as support_router
from fleetportal.usage.api import router as usage_router
from fleetportal.usage.api_reports import router as usage_reports_router
from fleetportal.webhooks.api import router as webhooks_router

DESCRIPTION = """
The Fleet Portal API for a business customer's IT department.

Authenticate with an API key made by a manager on the portal's *API keys* page:
`Authorization: Bearer fp_…`. A key acts for its own customer only, within its scopes:
`read` to read, `users` and `fleet` to change, `billing` for invoices, balances, mandates and
payments. A logged-in portal session
works too (send the CSRF token in `X-CSRFToken` on changes).

Errors always answer JSON `{"detail": "…", "field": "…" or null, "code": "…"}`.
"""


class PortalAPI(NinjaAPI):
    """NinjaAPI whose unknown paths (404) and wrong methods (405) answer JSON too, not HTML."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern) and not inspect.iscoroutinefunction(pattern.callback):
                pattern.callback = self._json_not_allowed(pattern.callback)
        urls.append(re_path(r"^[\s\S]*$", self._unknown_path, name="unknown-path"))  # a %0A too
        return urls

    def _json_not_allowed(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                body = {"detail": _("This method is not allowed here."), "field": None, "code": "method_not_allowed"}
                allowed = response["Allow"]
                response = self.create_response(request, body, status=405)
                response["Allow"] = allowed
            return response

        return wrapped

    def _unknown_path(self, request: HttpRequest) -> HttpResponse:
        body = {"detail": _("Not found."), "field": None, "code": "not_found"}
        return self.create_response(request, body, status=404)


api = PortalAPI(
    title="Fleet Portal API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[ApiKeyAuth(), PortalSessionAuth()],
    docs=Swagger(settings={"persistAuthorization": False}),
)
api_errors.install(api)
api.add_router("", users_router)
api.add_router("/catalog", catalog_router)
api.add_router("", network_router)
api.add_router("", fleet_router)
api.add_router("", audit_router)
api.add_router("", usage_router)
api.add_router("", bundles_router)
api.add_router("", simorders_router)
api.add_router("", alerts_router)
api.add_router("", usage_reports_router)
api.add_router("", webhooks_router)
api.add_router("", invoicing_router)
api.add_router("", payments_router)
api.add_router("", support_router)
api.add_router("", backoffice_router)
