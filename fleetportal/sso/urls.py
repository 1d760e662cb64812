"""The OpenID Connect provider (django-oauth-toolkit's views: authorize, token, userinfo,
discovery, JWKS, logout) and the back office's client pages, under /o/."""

from django.urls import URLPattern, URLResolver, include, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("clients/", views.clients_page, name="sso_clients"),
    path("clients/<int:client_id>/", views.client_page, name="sso_client"),
    path("clients/<int:client_id>/rotate-secret/", views.client_rotate, name="sso_client_rotate"),
    path("clients/<int:client_id>/delete/", views.client_delete, name="sso_client_delete"),
    path("", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
