"""YAML to plain Python values, remembering the line and column of every value.

PyYAML's `safe_load` forgets where things were and silently keeps the last of two equal
keys; a rules file needs both: errors must name the line, and a duplicated key is a typo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


@dataclass
class LocatedDocument:
    """A parsed YAML document and the (line, column) of each value and each key, by path."""

    value: Any
    locations: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_locations: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[tuple[int, int, str]] = field(default_factory=list)

    def where(self, path: Path) -> tuple[int, int]:
        """The position of the value at `path`, or of its nearest located parent."""
        probe = tuple(path)
        while probe not in self.locations and probe:
            probe = probe[:-1]
        return self.locations.get(probe, (1, 1))

    def where_key(self, path: Path) -> tuple[int, int]:
        """The position of the key that ends `path` (a nested value starts on a later line)."""
        return self.key_locations.get(tuple(path)) or self.where(path)


def parse_located(text: str) -> LocatedDocument:
    """Parse one YAML document; raises yaml.YAMLError for text that is not YAML."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    document = LocatedDocument(value=None)
    if node is None:
        return document
    document.value = _convert(node, (), document)
    return document


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(node: yaml.Node, path: Path, document: LocatedDocument) -> Any:
    document.locations[path] = _position(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            key_text = str(key)
            if key_text in result:
                line, column = _position(key_node)
                document.problems.append((line, column, f"key '{key_text}' appears twice"))
            else:  # keep the first: a later copy is reported above, not located
                document.key_locations[(*path, key_text)] = _position(key_node)
            result[key_text] = _convert(value_node, (*path, key_text), document)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, index), document) for index, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    return yaml.SafeLoader("").construct_object(node)
