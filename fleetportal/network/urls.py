from django.urls import path

from . import views

urlpatterns = [
    path("staff/network/", views.staff_network, name="staff_network"),
    path(
        "staff/network/rules/<int:rule_id>/delete/", views.staff_network_rule_delete, name="staff_network_rule_delete"
    ),
]
