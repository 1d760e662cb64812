from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("invoices/<int:invoice_id>/", views.invoice_page, name="invoice"),
    path("invoices/<int:invoice_id>/pay/", views.pay, name="pay"),
    path("<int:payment_id>/", views.payment_return, name="return"),
    path("webhook/<str:provider>/", views.webhook, name="webhook"),
    path("test-checkout/<str:token>/", views.test_checkout, name="test_checkout"),
    path("staff/", views.staff_payments, name="staff"),
    path("staff/<int:payment_id>/refunded/", views.refund_done, name="refund_done"),
]
