"""The ticket pages at /support/; staff's queue at /support/staff/ (`support:queue`)."""

from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_new, name="new"),
    path("lines/", views.line_search, name="line_search"),
    path("<int:ticket_id>/", views.ticket_detail, name="detail"),
    path("<int:ticket_id>/reply/", views.ticket_reply, name="reply"),
    path("<int:ticket_id>/status/", views.ticket_status, name="status"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("staff/", views.queue, name="queue"),
    path("staff/<int:ticket_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:ticket_id>/note/", views.staff_note, name="staff_note"),
    path("staff/<int:ticket_id>/assign/", views.staff_assign, name="staff_assign"),
    path("staff/<int:ticket_id>/apply/", views.staff_apply, name="staff_apply"),
]
