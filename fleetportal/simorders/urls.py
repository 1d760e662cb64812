"""The blank SIM order pages at /orders/; staff's fulfilment page at /orders/staff/."""

from django.urls import path

from . import views

app_name = "simorders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_new, name="new"),
    path("<int:order_id>/", views.order_detail, name="detail"),
    path("staff/", views.staff_orders, name="staff"),
    path("staff/<int:order_id>/advance/", views.staff_advance, name="staff_advance"),
]
