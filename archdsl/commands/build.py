"""archdsl build: compile a spec to a Keras 3 model, check it, save it (and export it)."""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
from typing import TYPE_CHECKING

from archdsl.commands.common import add_spec_options, default_stem, graph_from, write_atomically
from archdsl.errors import SpecError

if TYPE_CHECKING:
    import keras

    from archdsl.analysis.analyze import Analysis

DESCRIPTION = """Build the Keras 3 model of a spec (one Keras layer per layer of
'archdsl summary --level layer', with the same names), check that Keras counts exactly
the parameters and output shape the analyzer computed, and save it as a .keras file.
The file loads with keras.saving.load_model(PATH, safe_mode=True) once archdsl is imported.

--export writes deployment formats beside the .keras file: a TensorFlow SavedModel folder
(NAME_saved_model), a TFLite file (NAME.tflite, built-in ops only) and an ONNX file
(NAME.onnx, Keras 3's exporter; needs pip install 'archdsl[onnx]'). TFLite is run in the
TFLite interpreter and ONNX in onnxruntime on one image, and each must give the Keras output
within 1e-4 (times the output's largest magnitude where that is above 1, as for logits),
or it is not written.

--backend picks the Keras 3 backend the model is built and checked on (default: the
KERAS_BACKEND environment variable, else tensorflow). The .keras file is the same on every
backend: one saved on jax loads on tensorflow or torch, with the same outputs.
SavedModel and TFLite exports need the tensorflow backend.

Exit status: 0 built, 1 a mistake in the spec or no TensorFlow, 2 a wrong option or an
internal error (Keras and the analyzer disagree, or TFLite and Keras do). TensorFlow's
start-up messages are hidden; TF_CPP_MIN_LOG_LEVEL=0 shows them.
"""

EXAMPLES = """examples:
  archdsl build specs/mnasnet_a1.yaml
  archdsl build mnasnet_a1 --set classes=17 --set input=160 -o flowers.keras
  archdsl build mobilenet_v3_small --export tflite --export saved_model
  archdsl build mnasnet_b1 --export onnx
  archdsl build shufflenet_v2 --backend jax
"""

EXPORTS = ("saved_model", "tflite", "onnx")
BACKEND_NAMES = ("tensorflow", "jax", "torch")
TENSORFLOW_EXPORTS = ("saved_model", "tflite", "onnx")
ONNX_MODULES = ("tf2onnx", "onnxruntime")  # Keras's exporter on TensorFlow, and the check
TOLERANCE = 1e-4  # TFLite and ONNX against Keras, relative


class InternalError(Exception):
    """Keras disagrees with the analyzer, or TFLite with Keras: a bug in archdsl."""


def _keras_path(text: str) -> str:
    if not text.endswith(".keras"):
        raise argparse.ArgumentTypeError(f"the model file must end in .keras, got '{text}'")
    return text


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "build",
        help="build the Keras 3 model and save it as .keras (needs TensorFlow)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_spec_options(parser)
    parser.add_argument(
        "-o",
        "--output",
        type=_keras_path,
        metavar="PATH",
        help="the .keras file to write (default: NAME.keras in the current folder, with each"
        " --set in the name: NAME_width=0.5.keras)",
    )
    parser.add_argument(
        "--export",
        action="append",
        choices=EXPORTS,
        default=[],
        help="also write this format beside the .keras file (repeatable)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKEND_NAMES,
        default=None,
        help="the Keras 3 backend to build on (default: $KERAS_BACKEND, else tensorflow)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from archdsl.analysis.analyze import analyze

    backend = args.backend or os.environ.get("KERAS_BACKEND") or "tensorflow"
    if backend not in BACKEND_NAMES:
        raise SpecError(
            None,
            f"KERAS_BACKEND={backend} is not a backend archdsl builds on"
            f" (choose from {', '.join(BACKEND_NAMES)})",
        )
    needs_tf = [name for name in args.export if name in TENSORFLOW_EXPORTS]
    if needs_tf and backend != "tensorflow":
        print(
            f"archdsl build: error: --export {needs_tf[0]} needs --backend tensorflow"
            f" (building on {backend})",
            file=sys.stderr,
        )
        return 2
    missing = [m for m in ONNX_MODULES if "onnx" in args.export and not _installed(m)]
    if missing:
        raise SpecError(
            None, f"--export onnx needs {missing[0]}; install it with: pip install 'archdsl[onnx]'"
        )
    graph = graph_from(args)
    if args.export and graph.named_outputs:
        raise SpecError(
            None, "--export writes single-output models; features_only gives one per stage end"
        )
    analysis = analyze(graph)
    path = args.output or f"{default_stem(graph, args)}.keras"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise SpecError(None, f"cannot write {path}: the folder {folder} does not exist")
    _import_keras(backend)
    from archdsl.backends.keras_backend import KerasBackendError, to_keras

    try:
        model = to_keras(graph)
        _check(model, analysis)
    except (KerasBackendError, InternalError) as error:
        print(f"archdsl: internal error: {error}", file=sys.stderr)
        return 2
    print(_summary_line(analysis))
    from archdsl.backends.tf_runtime import quiet_native_stderr

    with quiet_native_stderr():  # on jax and torch, saving is what first imports TensorFlow
        write_atomically(path, model.save)
    print(f"wrote {path} ({_megabytes(path)})")
    stem = path[: -len(".keras")]
    saved_model = f"{stem}_saved_model" if "saved_model" in args.export else None
    try:
        if saved_model:
            print(_write_saved_model(model, saved_model))
        if "tflite" in args.export:
            print(_write_tflite(model, f"{stem}.tflite", saved_model))
        if "onnx" in args.export:
            print(_write_onnx(model, f"{stem}.onnx"))
    except InternalError as error:
        print(f"archdsl: internal error: {error}", file=sys.stderr)
        return 2
    return 0


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # in sys.modules as None: an import that is blocked
        return False


def _import_keras(backend: str) -> None:
    from archdsl.backends.tf_runtime import TensorFlowUnavailable, import_keras

    try:
        import_keras(backend)
    except TensorFlowUnavailable as error:
        raise SpecError(None, str(error)) from None


def _check(model: keras.Model, analysis: Analysis) -> None:
    """Raise InternalError unless Keras counts what the analyzer counted."""
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    non_trainable = sum(math.prod(w.shape) for w in model.non_trainable_weights)
    figures = [
        ("layers (with the input)", len(model.layers), len(analysis.layers)),
        ("total parameters", model.count_params(), analysis.total.params),
        ("trainable parameters", trainable, analysis.total.trainable),
        ("non-trainable parameters", non_trainable, analysis.total.non_trainable),
        ("output shapes", _keras_shapes(model), [shape for _, _, shape in analysis.outputs]),
    ]
    wrong = [
        f"{what}: Keras {ours}, analyzer {theirs}"
        for what, ours, theirs in figures
        if ours != theirs
    ]
    if wrong:
        raise InternalError(
            f"the Keras model of {analysis.name} disagrees with the analyzer ({'; '.join(wrong)})"
        )


def _keras_shapes(model: keras.Model) -> list[tuple[int, ...]]:
    """The model's output shapes without the batch dimension, one or several."""
    shapes = model.output_shape
    several = isinstance(shapes, list) and shapes and isinstance(shapes[0], tuple)
    return [tuple(shape[1:]) for shape in (shapes if several else [shapes])]


def _summary_line(analysis: Analysis) -> str:
    total = analysis.total
    return (
        f"{analysis.name}: {len(analysis.layers) - 1} layers, {total.params:,} parameters"
        f" ({total.trainable:,} trainable, {total.non_trainable:,} non-trainable),"
        f" {total.macs:,} MACs, {_outputs_text(analysis)};"
        " Keras and the analyzer agree"
    )


def _outputs_text(analysis: Analysis) -> str:
    if len(analysis.outputs) == 1:
        return f"output {list(analysis.output_shape)}"
    return "outputs " + ", ".join(f"{name} {list(shape)}" for name, _, shape in analysis.outputs)


def _write_saved_model(model: keras.Model, folder: str) -> str:
    from archdsl.backends.keras_export import write_saved_model

    write_saved_model(model, folder)
    return f"wrote {folder}{os.sep} (TensorFlow SavedModel, signature 'serve')"


def _write_tflite(model: keras.Model, path: str, saved_model: str | None) -> str:
    from archdsl.backends.keras_export import tflite_bytes, tflite_difference

    content = tflite_bytes(model, saved_model)
    difference, scale = tflite_difference(model, content)
    return _write_checked(path, content, difference, scale, "TFLite", "the TFLite interpreter's")


def _write_onnx(model: keras.Model, path: str) -> str:
    from archdsl.backends.keras_export import onnx_bytes, onnx_difference

    content = onnx_bytes(model)
    difference, scale = onnx_difference(model, content)
    return _write_checked(path, content, difference, scale, "ONNX", "onnxruntime's")


def _write_checked(
    path: str, content: bytes, difference: float, scale: float, what: str, runner: str
) -> str:
    """Write ``content`` to ``path`` only if, run on one image, it gave Keras's output."""
    allowed = TOLERANCE * max(1.0, scale)  # float32 rounding grows with the values
    if not difference <= allowed:
        raise InternalError(
            f"the {what} model differs from Keras by {difference:.3g} on one image"
            f" (allowed {allowed:.3g}); {path} not written"
        )

    def write(tmp: str) -> None:
        with open(tmp, "wb") as handle:
            handle.write(content)

    write_atomically(path, write)
    return (
        f"wrote {path} ({_megabytes(path)}; on one image {runner} output"
        f" differs from Keras's by at most {difference:.2g})"
    )


def _megabytes(path: str) -> str:
    return f"{os.path.getsize(path) / 1e6:.1f} MB"
