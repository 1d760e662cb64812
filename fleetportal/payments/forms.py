"""The test provider's checkout form: the method and the outcome the payer chooses."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Method
from .providers.test import OUTCOMES


class TestCheckoutForm(forms.Form):
    __test__ = False  # not a pytest class

    method = forms.ChoiceField(label=_("Payment method"), choices=Method.choices, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(choices=[(name, name) for name in OUTCOMES])
