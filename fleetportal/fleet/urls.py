from django.urls import path

from .views import (
    changes,
    controls,
    io,
    jobs,
    line,
    member,
    member_help,
    member_line,
    network,
    overview,
    products,
    wizard,
)

urlpatterns = [
    path("lines/", overview.fleet_lines, name="fleet_lines"),
    path("lines/pick/", overview.fleet_pick, name="fleet_pick"),
    path("lines/add/", wizard.fleet_add, name="fleet_add"),
    path("lines/add/sims/", wizard.fleet_add_sims, name="fleet_add_sims"),
    path("lines/add/<slug:draft_id>/<slug:step>/", wizard.fleet_add_step, name="fleet_add_step"),
    path("lines/export/", io.fleet_export, name="fleet_export"),
    path("lines/activate/", changes.fleet_activate, name="fleet_activate"),
    path("lines/suspend/", changes.fleet_suspend, name="fleet_suspend"),
    path("lines/reactivate/", changes.fleet_reactivate, name="fleet_reactivate"),
    path("lines/plan/", products.fleet_plan_change, name="fleet_plan_change"),
    path("lines/options/", products.fleet_options_change, name="fleet_options_change"),
    path("lines/tags/", changes.fleet_tags, name="fleet_tags"),
    path("lines/blocks/", controls.fleet_blocks_change, name="fleet_blocks_change"),
    path("lines/<int:line_id>/", line.fleet_line, name="fleet_line"),
    path("lines/<int:line_id>/esim/resend/", line.fleet_esim_resend, name="fleet_esim_resend"),
    path("lines/<int:line_id>/swap/", changes.fleet_swap, name="fleet_swap"),
    path("lines/<int:line_id>/stop/", changes.fleet_stop, name="fleet_stop"),
    path("lines/<int:line_id>/billing/", products.fleet_line_billing, name="fleet_line_billing"),
    path(
        "lines/<int:line_id>/changes/<int:change_id>/cancel/", changes.fleet_change_cancel, name="fleet_change_cancel"
    ),
    path("jobs/<int:job_id>/", jobs.fleet_bulk_job, name="fleet_bulk_job"),
    path("jobs/<int:job_id>/progress/", jobs.fleet_bulk_job_progress, name="fleet_bulk_job_progress"),
    path("jobs/<int:job_id>/results.xlsx", jobs.fleet_bulk_job_results, name="fleet_bulk_job_results"),
    path("jobs/<int:job_id>/file/", jobs.fleet_bulk_job_file, name="fleet_bulk_job_file"),
    path("import/", io.fleet_import, name="fleet_import"),
    path("import/template.csv", io.fleet_import_template, name="fleet_import_template"),
    path("import/<int:job_id>/", io.fleet_import_job, name="fleet_import_job"),
    path("import/<int:job_id>/progress/", io.fleet_import_progress, name="fleet_import_progress"),
    path("import/<int:job_id>/apply/", io.fleet_import_apply, name="fleet_import_apply"),
]

# The employee's own lines, under /me/ where a phone-number login may go (R-I5).
member_urlpatterns = [
    path("lines/<int:line_id>/", member_line.me_line, name="me_line"),
    path("lines/<int:line_id>/codes/", member_line.me_codes_reveal, name="me_codes_reveal"),
    path("lines/<int:line_id>/esim-qr.png", member_line.me_esim_qr, name="me_esim_qr"),
    path("lines/<int:line_id>/confirm/", member.me_line_confirm, name="me_line_confirm"),
    path("lines/<int:line_id>/bundle-alerts/", member.me_bundle_alerts, name="me_bundle_alerts"),
    path("help/", member_help.help_index, name="help_index"),
    path("help/<slug:slug>/", member_help.help_topic, name="help_topic"),
]

# Retrying a failed network change, from any page that shows the line's state (R4).
network_urlpatterns = [
    path("network/lines/<int:line_id>/retry/", network.network_retry, name="network_retry"),
]
