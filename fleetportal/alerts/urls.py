from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.rule_list, name="list"),
    path("new/", views.rule_new, name="new"),
    path("alerts/", views.alerts_recent, name="recent"),
    path("<int:rule_id>/", views.rule_detail, name="detail"),
    path("<int:rule_id>/delete/", views.rule_delete, name="delete"),
]
