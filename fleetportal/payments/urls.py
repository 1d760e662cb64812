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

# A phone-number login pays its private invoices under /me/, where its session may go (R-I5).
member_urlpatterns = [
    path("invoices/<int:invoice_id>/pay/", views.pay, name="me_pay"),
    path("<int:payment_id>/", views.payment_return, name="me_payment_return"),
]
