from django.urls import path

from . import views_api_keys as views

urlpatterns = [
    path("", views.api_keys_page, name="api_keys"),
    path("<int:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
