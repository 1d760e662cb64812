from django.urls import path

from . import views

app_name = "invoicing"

urlpatterns = [
    path("", views.invoices, name="invoices"),
    path("export.xlsx", views.export, name="export"),
    path("<int:invoice_id>/pdf/", views.download, {"kind": "pdf"}, name="pdf"),
    path("<int:invoice_id>/ubl/", views.download, {"kind": "ubl"}, name="ubl"),
    path("<int:invoice_id>/send/", views.send, name="send"),
    path("accounts/<int:account_id>/", views.account, name="account"),
]

# A member's own private invoices, under /me/ where a phone-number login may go (R-I5).
member_urlpatterns = [
    path("", views.mine, name="me_invoices"),
    path("<int:invoice_id>/pdf/", views.download, {"kind": "pdf"}, name="me_invoice_pdf"),
    path("<int:invoice_id>/ubl/", views.download, {"kind": "ubl"}, name="me_invoice_ubl"),
]
