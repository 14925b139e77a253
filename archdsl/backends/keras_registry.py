"""Make archdsl's custom Keras layers known to Keras without importing Keras early.

``keras.saving.load_model`` finds a custom class only in Keras's registry of
``register_keras_serializable`` classes: it imports a class's recorded module by itself
only for Keras's own packages (keras, keras_hub, ...), never for ``archdsl``. The layers
register when ``archdsl.backends.keras_layers`` is imported, and that module imports Keras
(and so TensorFlow), which ``import archdsl`` must not do. So ``import archdsl`` calls
:func:`register_when_keras_loads`: if Keras is already imported the layers register at
once; otherwise a one-shot import hook registers them right after Keras itself finishes
importing. Either way a ``.keras`` file loads with ``safe_mode=True`` after ``import archdsl``.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.abc import Loader
    from importlib.machinery import ModuleSpec

LAYERS_MODULE = "archdsl.backends.keras_layers"


def register_when_keras_loads() -> None:
    """Register archdsl's Keras layers now if Keras is loaded, else once it is."""
    if isinstance(sys.modules.get("keras"), ModuleType):  # None marks a blocked import
        importlib.import_module(LAYERS_MODULE)
    elif not any(isinstance(finder, _KerasImportHook) for finder in sys.meta_path):
        sys.meta_path.insert(0, _KerasImportHook())


class _KerasImportHook:
    """Finds ``keras`` with the other finders, and wraps its loader; then steps aside.

    A meta path finder by protocol (``find_spec``), not by subclassing importlib.abc,
    whose import costs about 10 ms of every archdsl command.
    """

    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "keras":
            return None
        import importlib.util

        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _ThenRegister(spec.loader)
        return spec


class _ThenRegister:
    """Keras's own loader, which imports archdsl's layers once Keras has executed."""

    def __init__(self, loader: Loader) -> None:
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        importlib.import_module(LAYERS_MODULE)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)
