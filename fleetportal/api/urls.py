from django.urls import path

from . import views

urlpatterns = [
    path("", views.api_keys, name="api_keys"),
    path("<int:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
