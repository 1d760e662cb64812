from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "fleetportal.catalog"
    label = "catalog"
