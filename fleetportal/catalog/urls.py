from django.urls import path

from . import views

urlpatterns = [
    path("contract/", views.contract_detail, name="contract_detail"),
    path("contracts/<str:number>/", views.contract_detail, name="contract_detail"),
    path("contracts/<str:number>/msa.pdf", views.contract_msa, name="contract_msa"),
]
