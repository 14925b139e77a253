"""Appending nodes to a Graph under construction, with shapes checked as they go."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from archdsl.errors import Location, SpecError, SpecWarning
from archdsl.ir.graph import BYTES_PER_VALUE, Block, BlockCost, Cost, Node, Shape
from archdsl.ir.memo import Entry, Template, placed
from archdsl.ir.ops import OPS, ShapeError
from archdsl.ir.rounding import make_divisible
from archdsl.spec.document import Document, Path
from archdsl.spec.limits import Limits
from archdsl.spec.schema import knob_default, schema
from archdsl.spec.spellings import ACTIVATION_ALIASES


class GraphBuilder:
    """Nodes and blocks so far, and the shape of every output reference.

    This module's classes are plain classes, not dataclasses: see errors.Location.
    """

    __slots__ = (
        "limits",
        "nodes",
        "blocks",
        "shapes",
        "names",
        "block_names",
        "costs",
        "stage_blocks",
        "params",
        "macs",
        "warnings",
    )

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.nodes: list[Node] = []
        self.blocks: list[Block] = []
        self.shapes: dict[str, Shape] = {}
        # The block that made each layer, and what each block is and where it is written:
        # a clash names both places.
        self.names: dict[str, str] = {}
        self.block_names: dict[str, tuple[str, Callable[[], Location]]] = {}
        self.costs: list[BlockCost] = []  # one per block
        self.stage_blocks = 0  # blocks of the stages made so far, every repeat counted
        self.params = 0
        self.macs = 0
        self.warnings: list[SpecWarning] = []

    def add(
        self,
        name: str,
        op: str,
        attrs: Mapping[str, Any],
        inputs: tuple[str, ...],
        block: str,
        stage: str,
        where: Callable[[], Location],
    ) -> list[str]:
        """Append a node; return references to its outputs.

        The op table gives its output shapes and cost here, once; the node keeps them.
        Shapes, channel, parameter and MAC limits are checked node by node, so an oversized
        spec stops at the block that makes it too large, before the rest is built.
        ``where`` locates the node in the spec; it is called only to report an error.
        """
        if name in self.names:
            other = self.names[name]
            first = self.block_names[other][1]()
            raise SpecError(
                where(),
                f"block '{block}' makes a layer named '{name}', as block '{other}' at"
                f" line {first.line}, column {first.col} does; give one of them another name",
            )
        limits = self.limits
        if len(self.nodes) >= limits.layers:
            raise SpecError(
                where(),
                f"network too large: more than {limits.layers:,} layers (raise it with --max-layers)",
            )
        known = self.shapes
        shapes = [known[ref] for ref in inputs]
        definition = OPS[op]
        try:
            outputs = definition.shapes(attrs, shapes)
        except ShapeError as exc:
            raise SpecError(where(), f"{block}: {exc}") from None
        first = outputs[0]
        if first and first[-1] > limits.channels:
            raise SpecError(
                where(),
                f"{block}: {first[-1]:,} channels is more than the limit of {limits.channels:,}"
                " (raise it with --max-channels)",
            )
        trainable, non_trainable, macs = definition.cost(attrs, shapes, first)
        written = math.prod(first) if len(outputs) == 1 else sum(map(math.prod, outputs))
        # ShuffleNetV2's memory access cost: inputs read + outputs written + weights
        if op == "input":
            access = 0
        else:
            read = math.prod(shapes[0]) if len(shapes) == 1 else sum(map(math.prod, shapes))
            access = read + written + trainable + non_trainable
        new = tuple.__new__  # NamedTuples without their Python-level __new__: two per node
        cost = new(Cost, (trainable, non_trainable, macs, written * BYTES_PER_VALUE, access))
        self.params += trainable + non_trainable
        self.macs += macs
        if self.params > limits.params or self.macs > limits.macs:
            self._too_large(block, where())
        self.nodes.append(new(Node, (name, op, attrs, inputs, block, stage, tuple(outputs), cost)))
        self.names[name] = block
        if len(outputs) == 1:
            known[name] = first
            return [name]
        refs = [f"{name}:{i}" for i in range(len(outputs))]
        self.shapes.update(zip(refs, outputs, strict=True))
        return refs

    def replay(self, template: Template, name: str, x: str, stage: str) -> str | None:
        """Append a remembered block's nodes under ``name`` with input ``x``; its output.

        None, and nothing appended, when a name is taken or a limit would be passed: then
        the block is lowered afresh, node by node, which says exactly where and why.
        """
        if not self._fits(len(template.nodes), template.params, template.macs, template.channels):
            return None
        place = template.placed.get((name, x, stage))
        if place is None:
            place = _place(template, name, x, stage)
            placed(template.placed, (name, x, stage), place)
        made, made_names, shapes = place
        if not self.names.keys().isdisjoint(made_names):
            return None
        self._append(made, made_names, shapes, template.params, template.macs)
        return name + template.output

    def place(self, entry: Entry, what: str, where: Callable[[], Location]) -> bool:
        """Append an entry's blocks as placed before; claim their names as ``what``.

        False, and nothing appended, when a name is taken or a limit would be passed: then
        the entry is expanded block by block, which says exactly where and why.
        """
        if (
            not self._fits(len(entry.nodes), entry.params, entry.macs, entry.channels)
            or not self.names.keys().isdisjoint(entry.names)
            or not self.block_names.keys().isdisjoint(entry.block_names)
        ):
            return False
        self._append(entry.nodes, entry.names, entry.shapes, entry.params, entry.macs)
        self.block_names.update(dict.fromkeys(entry.block_names, (what, where)))
        self.blocks.extend(entry.blocks)
        self.costs.extend(entry.costs)
        return True

    def _fits(self, layers: int, params: int, macs: int, channels: int) -> bool:
        """Whether remembered nodes (``layers`` of them, with these totals and widest output)
        keep every limit; when not, the caller lowers afresh, which words the error."""
        limits = self.limits
        return (
            len(self.nodes) + layers <= limits.layers
            and channels <= limits.channels
            and self.params + params <= limits.params
            and self.macs + macs <= limits.macs
        )

    def _append(
        self,
        nodes: tuple[Node, ...],
        names: dict[str, str],
        shapes: dict[str, Shape],
        params: int,
        macs: int,
    ) -> None:
        """Add remembered nodes: their names (node to block), output shapes and totals."""
        self.nodes.extend(nodes)
        self.names.update(names)
        self.shapes.update(shapes)
        self.params += params
        self.macs += macs

    def claim_block(self, name: str, what: str, where: Callable[[], Location]) -> None:
        """Reserve a block name; every name, given or default, is unique.

        Summary rows, diagram boxes and Keras layer names are keyed by name: two blocks
        with one name would merge rows and draw loops instead of failing. ``where``
        locates the block; it is called only to report an error.
        """
        if name in self.block_names:
            other, first_where = self.block_names[name]
            first = first_where()
            raise SpecError(
                where(),
                f"two blocks are named '{name}': this {what} and the {other} at line {first.line},"
                f" column {first.col}; every name, given or default, must be unique",
            )
        self.block_names[name] = (what, where)

    def _too_large(self, block: str, where: Location) -> None:
        for total, limit, what, flag in (
            (self.params, self.limits.params, "parameters", "--max-params"),
            (self.macs, self.limits.macs, "MACs", "--max-macs"),
        ):
            if total > limit:
                raise SpecError(
                    where,
                    f"network too large: {block} brings it past {limit:,} {what} (raise it with {flag})",
                )


def _place(
    template: Template, name: str, x: str, stage: str
) -> tuple[tuple[Node, ...], dict[str, str], dict[str, Shape]]:
    """A template's nodes named ``name``... with input ``x``; the block of each node's name
    (``name``), and the shape of each output reference: as ``GraphBuilder`` keeps them, so a
    replay merges two dicts."""
    node = tuple.__new__  # Node(...) without its Python-level __new__: one per node
    made = []
    for role, (op, attrs, refs, outputs, cost) in zip(template.roles, template.nodes, strict=True):
        if not refs:
            inputs: tuple[str, ...] = ()
        elif len(refs) == 1:
            inputs = (x,) if refs[0] is None else (name + refs[0],)
        else:
            inputs = tuple(x if ref is None else name + ref for ref in refs)
        made.append(node(Node, (name + role, op, attrs, inputs, name, stage, outputs, cost)))
    names = dict.fromkeys((name + role for role in template.roles), name)
    shapes = dict(zip((name + ref for ref in template.refs), template.shapes, strict=True))
    return tuple(made), names, shapes


class Settings:
    """Spec-wide values every block reads: multipliers, rounding and knob defaults.

    ``key`` is what of them a block's lowering reads, as text (see archdsl.ir.memo): not
    the depth (expansion reads it, to count repeats) nor the count of stage blocks (a
    lowering that reads it reads the stage index too, and the memo then keys both).
    """

    __slots__ = ("width", "depth", "divisor", "min_channels", "defaults", "stage_blocks", "key")

    def __init__(
        self,
        width: float,
        depth: float,
        divisor: int,
        min_channels: int | None,
        defaults: Mapping[str, Any],
        stage_blocks: int = 0,  # blocks in the stages, every repeat counted (drop_path)
    ) -> None:
        self.width = width
        self.depth = depth
        self.divisor = divisor
        self.min_channels = min_channels
        self.defaults = defaults
        self.stage_blocks = stage_blocks
        self.key = repr((width, divisor, min_channels, defaults))

    def scale(self, filters: int, rule: str) -> int:
        """Output channels of ``filters`` under the width multiplier and ``rule``."""
        if rule == "none" or (rule == "up_only" and self.width <= 1.0):
            return filters
        if rule == "floor":
            return max(1, int(filters * self.width))
        if rule == "floor_make_divisible":
            return self.round_channels(int(filters * self.width))
        return self.round_channels(filters * self.width)

    def round_channels(self, value: float) -> int:
        return make_divisible(value, self.divisor, self.min_channels)


@cache
def block_defaults(block_type: str) -> dict[str, Any]:
    """Each knob's schema default for one block type (shared $defs or inline)."""
    definition = schema()["$defs"][f"{block_type}_block"]
    properties = (definition["anyOf"][0] if "anyOf" in definition else definition)["properties"]
    result = {}
    for knob, prop in properties.items():
        default = (
            knob_default(prop["$ref"].rsplit("/", 1)[-1]) if "$ref" in prop else prop.get("default")
        )
        if default is not None:
            result[knob] = default
    return result


def knob_values(block_type: str, settings: Settings, args: Mapping[str, Any]) -> dict[str, Any]:
    """Every knob a block reads: its own value, else the spec's default, else the schema's."""
    return {**block_defaults(block_type), **settings.defaults, **args}


def knob_value(block_type: str, settings: Settings, args: Mapping[str, Any], knob: str) -> Any:
    """One knob of ``knob_values`` without merging them all (a replayed block reads one)."""
    if knob in args:
        return args[knob]
    if knob in settings.defaults:
        return settings.defaults[knob]
    return block_defaults(block_type).get(knob)


@cache
def _bn_defaults() -> dict[str, float]:
    options = schema()["$defs"]["bn_options"]["properties"]
    return {name: options[name]["default"] for name in ("epsilon", "momentum")}


class BlockContext:
    """One repeat of one spec block while it is lowered to nodes."""

    __slots__ = (
        "graph",
        "settings",
        "doc",
        "type",
        "name",
        "stage",
        "args",
        "path",
        "stride",
        "values",
        "index",
        "knobs",
        "read_index",
    )

    def __init__(
        self,
        graph: GraphBuilder,
        settings: Settings,
        doc: Document,
        type: str,
        name: str,
        stage: str,
        args: Mapping[str, Any],
        path: Path,
        stride: int,
        values: Mapping[str, Any],  # knob_values(): the block's knobs over the defaults
        index: int | None = None,  # 0-based among all stage blocks; None outside the stages
    ) -> None:
        self.graph = graph
        self.settings = settings
        self.doc = doc
        self.type = type
        self.name = name
        self.stage = stage
        self.args = args
        self.path = path
        self.stride = stride
        self.values = values
        self.index = index
        self.knobs: dict[str, Any] = {}
        self.read_index = False  # whether lowering read the stage index (memo keys need it)

    @property
    def stage_index(self) -> int | None:
        """The block's place among all stage blocks (0-based); None outside the stages."""
        self.read_index = True
        return self.index

    def knob(self, name: str) -> Any:
        """The block's value for ``name``, else the spec's defaults, else the schema's."""
        return self.stride if name == "stride" else self.values.get(name)

    def where(self, knob: str | None = None) -> Location:
        if knob and knob in self.args:
            return self.doc.locate((*self.path, knob))
        return self.doc.locate(self.path, key=True)

    def error(self, message: str, knob: str | None = None) -> SpecError:
        return SpecError(self.where(knob), f"{self.name}: {message}")

    def channels(self, ref: str) -> int:
        return self.graph.shapes[ref][-1]

    def shape(self, ref: str) -> Shape:
        return self.graph.shapes[ref]

    def add(self, op: str, role: str | None, inputs: list[str], **attrs: Any) -> list[str]:
        """Add one node named ``BLOCK_role`` (or ``BLOCK`` when role is None)."""
        name = f"{self.name}_{role}" if role else self.name
        return self.graph.add(name, op, attrs, tuple(inputs), self.name, self.stage, self.where)

    def one(self, op: str, role: str | None, inputs: list[str], **attrs: Any) -> str:
        name = f"{self.name}_{role}" if role else self.name
        return self.graph.add(name, op, attrs, tuple(inputs), self.name, self.stage, self.where)[0]

    def conv(
        self,
        role: str,
        x: str,
        filters: int,
        kernel: int = 1,
        stride: int = 1,
        *,
        groups: int = 1,
        bias: bool = False,
        padding: str = "same",
    ) -> str:
        x, padding = self.pad(role, x, kernel, stride, padding)
        return self.one(
            "conv2d",
            role,
            [x],
            filters=filters,
            kernel=kernel,
            stride=stride,
            groups=groups,
            bias=bias,
            padding=padding,
        )

    def dw(
        self,
        role: str,
        x: str,
        kernel: int,
        stride: int = 1,
        *,
        depth_multiplier: int = 1,
        bias: bool = False,
        padding: str = "same",
    ) -> str:
        x, padding = self.pad(role, x, kernel, stride, padding)
        return self.one(
            "depthwise_conv2d",
            role,
            [x],
            kernel=kernel,
            stride=stride,
            depth_multiplier=depth_multiplier,
            bias=bias,
            padding=padding,
        )

    def pad(
        self,
        role: str | None,
        x: str,
        kernel: int,
        stride: int,
        padding: str,
        fill: str = "zero",
        explicit: bool = False,
    ) -> tuple[str, str]:
        """``x`` and the padding a window op takes after ``padding: symmetric`` is lowered.

        Symmetric padding (PyTorch's padding=kernel//2) equals same at stride 1 or kernel 1
        (unless ``explicit``: an average pool counts the padded zeros, where same does not);
        otherwise it becomes an explicit ``ROLE_pad`` node of (kernel-1)/2 on every side and
        a valid window, as keras.applications writes its own explicit padding.
        """
        if padding != "symmetric":
            return x, padding
        if kernel % 2 == 0:
            raise self.error(
                f"padding: symmetric pads (size-1)/2 on every side, so it needs an odd window, not {kernel}x{kernel}",
                "padding",
            )
        if kernel == 1 or (stride == 1 and not explicit):
            return x, "same"
        name = f"{role}_pad" if role else "pad"
        return self.one("pad", name, [x], pad=(kernel - 1) // 2, fill=fill), "valid"

    def bn(self, role: str, x: str) -> str:
        """BatchNorm with the block's settings merged over the spec's defaults (none for bn: false)."""
        setting = self.values.get("bn")
        if setting is False:
            return x
        spec = self.settings.defaults.get("bn")
        options = {
            **_bn_defaults(),
            **(spec if isinstance(spec, dict) else {}),
            **(setting if isinstance(setting, dict) else {}),
        }
        return self.one(
            "batch_norm",
            role,
            [x],
            epsilon=float(options["epsilon"]),
            momentum=float(options["momentum"]),
        )

    def act(self, role: str | None, x: str, fn: str) -> str:
        fn = ACTIVATION_ALIASES.get(fn, fn)
        return x if fn == "none" else self.one("activation", role, [x], fn=fn)

    def bn_act(self, role: str, x: str, fn: str) -> str:
        """``role_bn`` then ``role_act``; an empty role names them ``bn`` and ``act``."""
        prefix = f"{role}_" if role else ""
        return self.act(f"{prefix}act", self.bn(f"{prefix}bn", x), fn)
