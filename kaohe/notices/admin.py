"""Delivery channels in 系统设置: a region office configures its own, and sees
webhook URLs and secrets only masked (they are the robot's key)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.notices.models import Channel


class ChannelForm(forms.ModelForm):  # type: ignore[type-arg]
    """The saved URL and secret are never sent back to the browser: left blank on a
    change, they keep their value."""

    class Meta:
        model = Channel
        fields = ("name", "kind", "target", "secret", "enabled")
        widgets = {
            "target": forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
            "secret": forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("target", "secret"):
                current = getattr(self.instance, name)
                if current:
                    shown = self.instance.masked_target if name == "target" else "••••"
                    self.fields[name].help_text = _(
                        "Saved: %(value)s. Leave blank to keep it; type a new one to replace it."
                    ) % {"value": shown}

    def _kept(self, name: str) -> str:
        value = str(self.cleaned_data.get(name) or "").strip()
        return value or (getattr(self.instance, name) if self.instance.pk else "")

    def clean_target(self) -> str:
        return self._kept("target")

    def clean_secret(self) -> str:
        return self._kept("secret")


@admin.register(Channel)
class ChannelAdmin(RegionScopedAdmin):
    form = ChannelForm
    list_display = ("name", "kind", "shown_target", "enabled")
    list_filter = ("kind", "enabled")

    @admin.display(description=gettext_lazy("webhook URL or sender address"))
    def shown_target(self, obj: Channel) -> str:
        return obj.masked_target
