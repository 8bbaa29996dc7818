from typing import Any

from django import forms

from minqing.core.text import clean_text


class StyledForm(forms.Form):
    """Gives every widget its Bootstrap class, so templates stay plain."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")


class CleanCharField(forms.CharField):
    """A CharField for text from outside: control characters, escape sequences and bidirectional controls are
    removed before the field's own checks (core.text.clean_text), so that text made only of them counts as
    empty. Long text (a Textarea) keeps its line breaks and tabs."""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not isinstance(text, str) or not text:
            return text
        text = clean_text(text, multiline=isinstance(self.widget, forms.Textarea))
        if self.strip:
            text = text.strip()
        return text or self.empty_value


def version_field() -> forms.IntegerField:
    """The version an edit form was built from, posted back so the service can refuse a stale save
    (minqing.core.versioning)."""
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class RevealableInput(forms.TextInput):
    """A personal identifier shown masked. Where the user may see it in full, a button fetches the full value
    from `reveal_url` (an audited reveal) and puts it in the field; nothing unmasked is in the page before."""

    template_name = "core/widgets/revealable_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None, reveal_url: str = "") -> None:
        super().__init__(attrs)
        self.reveal_url = reveal_url

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["reveal_url"] = self.reveal_url
        return context
