from django.urls import path

from . import views

app_name = "bundles"

urlpatterns = [
    path("", views.pool_list, name="list"),
    path("order/", views.pool_order, name="order"),
    path("add-lines/", views.pool_choose, name="choose"),
    path("<int:pool_id>/", views.pool_detail, name="detail"),
    path("<int:pool_id>/end/", views.pool_end, name="end"),
    path("<int:pool_id>/members/add/", views.members_add, name="members_add"),
    path("<int:pool_id>/members/remove/", views.members_remove, name="members_remove"),
]
