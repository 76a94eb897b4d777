"""Templates as data: the YAML short forms and the intrinsic functions the fill-ins use."""

from __future__ import annotations

from pathlib import Path

import pytest

from fintech_dq.infra.template import (
    NO_VALUE,
    Resolver,
    TemplateError,
    parameter_values,
    parse_template,
    references,
)

TEMPLATE = """
Parameters:
  EnvName: {Type: String, Default: dev}
  Contact: {Type: String, Default: ""}
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>"}
  Years: {Type: Number, Default: 7}
Conditions:
  HasContact: !Not [!Equals [!Ref Contact, ""]]
  Both: !And [!Condition HasContact, !Equals [!Ref EnvName, prod]]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "fdq-${EnvName}-raw-${AWS::AccountId}"
  Thing:
    Type: Custom::Thing
    Condition: HasContact
    Properties:
      Arn: !GetAtt Bucket.Arn
      Path: !Sub ["s3://${B}/${!literal}/x", {B: !Ref Bucket}]
      Joined: !Join [",", [a, !Ref EnvName]]
      Picked: !Select [1, !Split ["|", "x|y|z"]]
      Maybe: !If [HasContact, !Ref Contact, !Ref AWS::NoValue]
      Imported: !ImportValue {"Fn::Sub": "fdq-${EnvName}-key"}
      Items: [!Ref AWS::NoValue, keep]
      Attribute: !Sub "${Bucket.Arn}/*"
"""


def _resolver(given: dict[str, str]) -> Resolver:
    template = parse_template(TEMPLATE)
    return Resolver(
        template=template,
        parameters=parameter_values(template, given),
        pseudo={"AWS::AccountId": "111122223333", "AWS::Region": "eu-west-1"},
        exports={"fdq-dev-key": "arn:aws:kms:eu-west-1:111122223333:key/k"},
        ref=lambda logical: f"{logical.lower()}-physical",
        get_att=lambda logical, attribute: f"arn:{logical}:{attribute}",
    )


def test_short_forms_become_the_long_form() -> None:
    template = parse_template(TEMPLATE)
    thing = template["Resources"]["Thing"]["Properties"]
    assert thing["Arn"] == {"Fn::GetAtt": ["Bucket", "Arn"]}
    assert thing["Joined"] == {"Fn::Join": [",", ["a", {"Ref": "EnvName"}]]}
    assert template["Conditions"]["Both"]["Fn::And"][0] == {"Condition": "HasContact"}


def test_intrinsic_functions_resolve() -> None:
    resolver = _resolver({"Subnets": "subnet-a, subnet-b", "Contact": "ops@example.com"})
    template = resolver.template
    assert resolver.resolve(template["Resources"]["Bucket"]["Properties"]) == {
        "BucketName": "fdq-dev-raw-111122223333"
    }
    assert resolver.is_enabled("Thing")
    assert resolver.resolve(template["Resources"]["Thing"]["Properties"]) == {
        "Arn": "arn:Bucket:Arn",
        "Path": "s3://bucket-physical/${literal}/x",
        "Joined": "a,dev",
        "Picked": "y",
        "Maybe": "ops@example.com",
        "Imported": "arn:aws:kms:eu-west-1:111122223333:key/k",
        "Items": ["keep"],
        "Attribute": "arn:Bucket:Arn/*",
    }
    assert resolver.parameters["Subnets"] == ["subnet-a", "subnet-b"]
    assert resolver.parameters["Years"] == "7"  # CloudFormation hands numbers over as text
    assert resolver.condition("Both") is False


def test_false_condition_disables_and_no_value_drops() -> None:
    resolver = _resolver({"Subnets": "subnet-a"})
    assert not resolver.is_enabled("Thing")
    assert resolver.resolve({"Fn::If": ["HasContact", "x", {"Ref": "AWS::NoValue"}]}) is NO_VALUE
    assert resolver.resolve({"a": {"Fn::If": ["HasContact", "x", {"Ref": "AWS::NoValue"}]}}) == {}


def test_errors_are_named() -> None:
    template = parse_template(TEMPLATE)
    with pytest.raises(TemplateError, match="without a value: Subnets"):
        parameter_values(template, {})
    with pytest.raises(TemplateError, match="unknown parameters: Nope"):
        parameter_values(template, {"Subnets": "s", "Nope": "x"})
    resolver = _resolver({"Subnets": "s"})
    with pytest.raises(TemplateError, match="no such export"):
        resolver.resolve({"Fn::ImportValue": "missing"})
    with pytest.raises(TemplateError, match="Fn::Base64 is not supported"):
        resolver.resolve({"Fn::Base64": "x"})
    with pytest.raises(TemplateError, match="unknown name 'Ghost'"):
        resolver.resolve({"Ref": "Ghost"})


def test_references_are_found() -> None:
    thing = parse_template(TEMPLATE)["Resources"]["Thing"]["Properties"]
    assert references(thing) >= {"Bucket", "EnvName", "Contact", "AWS::NoValue"}


def test_every_project_template_loads(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2] / "cloudformation"
    for path in root.glob("*.yaml"):
        assert parse_template(path.read_text(), str(path))["Resources"]
    with pytest.raises(TemplateError, match="not a CloudFormation template"):
        parse_template("a: 1")
