"""Staff's billing back office at /invoices/staff/ (`views_staff.py`)."""

from django.urls import path

from . import views_staff as views

app_name = "invoicing_staff"

urlpatterns = [
    path("", views.runs, name="runs"),
    path("runs/<int:run_id>/", views.run, name="run"),
    path("runs/<int:run_id>/progress/", views.run_progress, name="run_progress"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:invoice_id>/", views.invoice, name="invoice"),
    path("invoices/<int:invoice_id>/send/", views.invoice_resend, name="send"),
    path("invoices/<int:invoice_id>/credit/", views.invoice_credit_view, name="credit"),
    path("invoices/<int:invoice_id>/received/", views.invoice_received, name="received"),
    path("bank/", views.bank, name="bank"),
    path("bank/<int:entry_id>/match/", views.bank_match, name="bank_match"),
]
