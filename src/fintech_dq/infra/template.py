"""CloudFormation templates as data: the YAML short forms, parameters, and the intrinsic
functions the local fill-ins, the deploy plan and the static checks need to evaluate.

`load_template` turns `!Ref X` into `{"Ref": "X"}` (and so on), the JSON form every reader
works on. `Resolver` evaluates Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split,
Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::ImportValue and Fn::FindInMap against
parameter values, pseudo parameters, exports and a lookup of resources' physical ids and
attributes; anything else is an error, never a silent pass-through.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_SCALAR_FUNCTIONS = {"Ref": "Ref", "Condition": "Condition"}


class TemplateError(ValueError):
    """A template that cannot be read or evaluated."""


class _NoValue:
    """AWS::NoValue: the property or list item is dropped."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    name = _SCALAR_FUNCTIONS.get(tag_suffix, f"Fn::{tag_suffix}")
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            resource, _, attribute = str(value).partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path) -> dict[str, Any]:
    return parse_template(path.read_text(encoding="utf-8"), str(path))


def parse_template(text: str, source: str = "<template>") -> dict[str, Any]:
    """A template's text (YAML with short forms, or JSON) as data in the long form."""
    try:
        data = yaml.load(text, Loader=_CfnLoader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        raise TemplateError(f"{source}: {error}") from error
    if not isinstance(data, dict) or "Resources" not in data:
        raise TemplateError(f"{source}: not a CloudFormation template (no Resources)")
    return data


def parameter_values(
    template: Mapping[str, Any], given: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Every parameter's value: the given one, else the default; list types become lists."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(template.get("Parameters", {})))
    if unknown:
        raise TemplateError(f"unknown parameters: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    missing = []
    for name, spec in template.get("Parameters", {}).items():
        if name in given:
            raw: Any = given[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            missing.append(name)
            continue
        text = raw if isinstance(raw, str) else str(raw)
        kind = str(spec.get("Type", "String"))
        if kind.startswith("List<") or kind == "CommaDelimitedList":
            values[name] = [item.strip() for item in text.split(",") if item.strip()]
        else:
            values[name] = text
    if missing:
        raise TemplateError(f"parameters without a value: {', '.join(missing)}")
    return values


@dataclass
class Resolver:
    """Evaluates intrinsic functions for one stack."""

    template: Mapping[str, Any]
    parameters: Mapping[str, Any]
    pseudo: Mapping[str, str]
    exports: Mapping[str, str] = field(default_factory=dict)
    ref: Callable[[str], Any] | None = None
    """Logical id -> the resource's Ref value (physical id, ARN or URL as the type says)."""
    get_att: Callable[[str, str], Any] | None = None
    _conditions: dict[str, bool] = field(default_factory=dict)

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            definitions = self.template.get("Conditions", {})
            if name not in definitions:
                raise TemplateError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self.resolve(definitions[name]))
        return self._conditions[name]

    def is_enabled(self, logical_id: str) -> bool:
        name = self.template["Resources"][logical_id].get("Condition")
        return True if name is None else self.condition(name)

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref":
                return self._ref(value)
            if key == "Condition":
                return self.condition(value)
            if key.startswith("Fn::"):
                return self._function(key, value)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.template.get("Resources", {}):
            if self.ref is None:
                raise TemplateError(f"Ref {name}: no resource lookup in this context")
            return self.ref(name)
        raise TemplateError(f"Ref to unknown name {name!r}")

    def _function(self, key: str, value: Any) -> Any:
        if key == "Fn::GetAtt":
            resource, attribute = value if isinstance(value, list) else value.split(".", 1)
            if self.get_att is None:
                raise TemplateError(f"GetAtt {resource}.{attribute}: no resource lookup")
            return self.get_att(self.resolve(resource), self.resolve(attribute))
        if key == "Fn::Sub":
            return self._sub(value)
        if key == "Fn::Join":
            separator, items = value
            return str(separator).join(str(item) for item in self.resolve(items))
        if key == "Fn::Select":
            index, items = value
            return self.resolve(items)[int(self.resolve(index))]
        if key == "Fn::Split":
            separator, text = value
            return str(self.resolve(text)).split(separator)
        if key == "Fn::If":
            name, when_true, when_false = value
            return self.resolve(when_true if self.condition(name) else when_false)
        if key == "Fn::Equals":
            left, right = (self.resolve(item) for item in value)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._truth(value[0])
        if key == "Fn::And":
            return all(self._truth(item) for item in value)
        if key == "Fn::Or":
            return any(self._truth(item) for item in value)
        if key == "Fn::ImportValue":
            name = self.resolve(value)
            if name not in self.exports:
                raise TemplateError(
                    f"ImportValue {name!r}: no such export (deploy its stack first)"
                )
            return self.exports[name]
        if key == "Fn::FindInMap":
            table, first, second = (self.resolve(item) for item in value)
            return self.template["Mappings"][table][first][second]
        raise TemplateError(f"intrinsic function {key} is not supported here")

    def _truth(self, node: Any) -> bool:
        if isinstance(node, dict) and set(node) == {"Condition"}:
            return self.condition(node["Condition"])
        return bool(self.resolve(node))

    def _sub(self, value: Any) -> str:
        if isinstance(value, list):
            text, variables = value[0], {k: self.resolve(v) for k, v in value[1].items()}
        else:
            text, variables = value, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".", 1)[0] in self.template.get("Resources", {}):
                resource, attribute = name.split(".", 1)
                if self.get_att is None:
                    raise TemplateError(f"Sub ${{{name}}}: no resource lookup")
                return str(self.get_att(resource, attribute))
            return str(self._ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, str(text))


def references(node: Any) -> set[str]:
    """Names a template fragment refers to (Ref, GetAtt, ${...} in Sub)."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".", 1)[0])
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                for name in re.findall(r"\$\{([^}!][^}]*)\}", str(text)):
                    found.add(name.split(".", 1)[0])
                if isinstance(value, list):
                    found |= references(value[1])
            else:
                found |= references(value)
    return found
