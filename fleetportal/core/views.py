"""Helpers shared by the pages of every app."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import ActionError


def form_error(form: forms.Form, error: ActionError) -> None:
    """Show an action's refusal on the field it names (or on top of the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def too_many(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "too_many.html", {"message": message}, status=429)
