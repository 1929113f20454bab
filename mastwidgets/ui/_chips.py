"""A set of choices as chips: toggle buttons in a row, any number pressed. It stands
where a multi-select list box would (no Ctrl-click, every option in view), with the
list box's interface: ``options``, ``value`` (a tuple of the chosen options) and
``observe(..., names="value")``."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
from traitlets import Tuple


class Chips(widgets.HBox):
    """Toggle-button chips; ``value`` is the pressed options, in the options' order."""

    value = Tuple()

    def __init__(
        self,
        options: Sequence,
        value: Sequence = (),
        *,
        description: str = "",
        tooltip: str = "",
    ) -> None:
        self.options = tuple(options)
        self.buttons = [
            widgets.ToggleButton(
                description=str(option),
                value=option in value,
                tooltip=tooltip or str(option),
                layout=widgets.Layout(width="auto", margin="0 2px"),
            )
            for option in self.options
        ]
        for button in self.buttons:
            button.add_class("mw-chip")
            button.icon = "check" if button.value else ""  # pressed is not only a shade
            button.observe(lambda _: self._pressed(), names="value")
        label = widgets.Label(description, layout=widgets.Layout(width="auto", margin="0 6px"))
        super().__init__([label, *self.buttons], layout=widgets.Layout(align_items="center"))
        self.add_class("mw-chips")
        self._syncing = False
        self.value = tuple(o for o in self.options if o in value)
        self.observe(self._value_set, names="value")

    def _pressed(self) -> None:
        for button in self.buttons:
            button.icon = "check" if button.value else ""
        if not self._syncing:
            self.value = tuple(
                o for o, b in zip(self.options, self.buttons, strict=True) if b.value
            )

    def _value_set(self, change) -> None:
        """``value`` set from Python: the buttons follow."""
        chosen = set(change["new"])
        self._syncing = True
        try:
            for option, button in zip(self.options, self.buttons, strict=True):
                button.value = option in chosen
                button.icon = "check" if button.value else ""
        finally:
            self._syncing = False
