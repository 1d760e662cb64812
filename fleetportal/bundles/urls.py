from django.urls import URLPattern

app_name = "bundles"

urlpatterns: list[URLPattern] = []
