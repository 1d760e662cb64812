from django.urls import path

from . import views

app_name = "invoicing"

urlpatterns = [
    path("", views.invoices, name="invoices"),
    path("mine/", views.mine, name="mine"),
    path("export.xlsx", views.export, name="export"),
    path("<int:invoice_id>/pdf/", views.download, {"kind": "pdf"}, name="pdf"),
    path("<int:invoice_id>/ubl/", views.download, {"kind": "ubl"}, name="ubl"),
    path("<int:invoice_id>/send/", views.send, name="send"),
    path("accounts/<int:account_id>/", views.account, name="account"),
]
