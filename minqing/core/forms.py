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
