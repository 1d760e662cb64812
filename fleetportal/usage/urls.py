"""The usage pages (F-56) and the staff's usage files (F-55), under /usage/."""

from django.urls import path

from . import views, views_staff

app_name = "usage"

urlpatterns = [
    path("", views.usage_company, name="home"),
    path("export.<str:fmt>", views.usage_export, name="export"),
    path("lines/<int:line_id>/", views.usage_line, name="line"),
    path("staff/files/", views_staff.staff_files, name="staff_files"),
    path("staff/files/<int:job_id>/", views_staff.staff_file, name="staff_file"),
    path("staff/files/<int:job_id>/progress/", views_staff.staff_file_progress, name="staff_file_progress"),
    path("staff/files/<int:job_id>/errors.csv", views_staff.staff_file_errors, name="staff_file_errors"),
]
