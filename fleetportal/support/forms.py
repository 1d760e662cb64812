"""The ticket pages' forms: the seeds' ticket form, a reply, staff's note, status and assignment.
Rules are the actions' (`actions`); the forms only carry the fields and their labels."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .actions import MAX_TEXT, TicketInput
from .attachments import MAX_FILES
from .models import Ticket


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to 4 files, checked by the action (`attachments.check_uploads`), not here."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [file for file in files if isinstance(file, UploadedFile)]


class NumbersField(forms.MultipleChoiceField):
    """Numbers picked through the search box; the action checks they are the customer's."""

    widget = forms.MultipleHiddenInput

    def valid_value(self, value: str) -> bool:
        return True


def _attachments_field() -> AttachmentsField:
    return AttachmentsField(
        label=_("Attachments"),
        required=False,
        help_text=_("You can add up to %(max)d attachments: PDF, PNG, JPEG, CSV, XLSX or TXT, 10 MB each.")
        % {"max": MAX_FILES},
    )


class TicketForm(forms.Form):
    subject = forms.ChoiceField(label=_("Subject"), choices=[("", _("Choose a subject.")), *Ticket.Subject.choices])
    detail = forms.ChoiceField(
        label=_("More details"), required=False, choices=[("", _("Choose from more details.")), *Ticket.Detail.choices]
    )
    numbers = NumbersField(label=_("Phone number"), required=False)
    action_date = forms.DateField(
        label=_("Date for this action"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    message = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("Enter your message here.")}),
    )
    attachments = _attachments_field()
    contact_email = forms.EmailField(label=_("Your e-mail address"), required=False)
    contact_phone = forms.CharField(label=_("Your mobile number"), required=False, max_length=20)

    def ticket_input(self) -> TicketInput:
        data = self.cleaned_data
        return TicketInput(
            subject=data["subject"],
            detail=data["detail"],
            numbers=data["numbers"],
            action_date=data["action_date"],
            message=data["message"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
        )


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))
    attachments = _attachments_field()


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note (never shown to the customer)"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *Ticket.Status.choices])
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
