from django.urls import path

from . import views

urlpatterns = [
    path("", views.webhooks_page, name="webhooks"),
    path("<int:endpoint_id>/", views.endpoint_page, name="webhook_endpoint"),
    path("<int:endpoint_id>/rotate-secret/", views.endpoint_rotate, name="webhook_rotate"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="webhook_delete"),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/resend/", views.delivery_resend, name="webhook_delivery_resend"
    ),
]
