"""The back office's pages under /staff/ (F-93)."""

from django.urls import path

from . import views, views_catalog, views_stock

urlpatterns = [
    path("", views.staff_home, name="staff_home"),
    path("customers/", views.customers, name="staff_customers"),
    path("customers/new/", views.customer_new, name="staff_customer_new"),
    path("customers/<int:pk>/", views.customer_detail, name="staff_customer"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="staff_customer_edit"),
    path("customers/<int:pk>/suspend/", views.customer_suspend_view, name="staff_customer_suspend"),
    path("customers/<int:pk>/reinstate/", views.customer_reinstate_view, name="staff_customer_reinstate"),
    path("catalogue/", views_catalog.catalogue, name="staff_catalogue"),
    path("contracts/<str:number>/", views_catalog.contract_detail, name="staff_contract"),
    path("contracts/<str:number>/edit/", views_catalog.contract_edit, name="staff_contract_edit"),
    path("contracts/<str:number>/price/", views_catalog.contract_price, name="staff_contract_price"),
    path("contracts/<str:number>/retain-all/", views_catalog.contract_retain_all, name="staff_contract_retain_all"),
    path("numbers/", views_stock.pool, name="staff_pool"),
    path("numbers/import/", views_stock.pool_import, name="staff_pool_import"),
    path("sim-cards/", views_stock.sims, name="staff_sims"),
    path("sim-cards/import/", views_stock.sims_import, name="staff_sims_import"),
    path("team/", views_stock.staff_team, name="staff_team"),
    path("team/<int:pk>/role/", views_stock.staff_team_role, name="staff_team_role"),
    path("api-keys/", views_stock.staff_keys, name="staff_keys"),
    path("api-keys/<int:pk>/revoke/", views_stock.staff_key_revoke, name="staff_key_revoke"),
    path("dead-letters/", views.staff_dead_letters, name="staff_dead_letters"),
    path(
        "dead-letters/<str:channel>/<int:pk>/send-again/",
        views.staff_dead_letter_redeliver,
        name="staff_dead_letter_redeliver",
    ),
]
