"""The [blending] section: skill groups, routing and their errors (named, exit 2 in the CLI)."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w
from click.testing import CliRunner

from staffing.cli import main
from staffing.config import PlanConfig
from staffing.datasets import load_example_config
from staffing.errors import ConfigError


def example(groups, **blending) -> dict:
    data = tomllib.loads(load_example_config())
    data["blending"] = {"groups": groups, **blending}
    return data


PHONE = {"name": "phone", "channels": ["phone"]}
CHAT = {"name": "chat", "channels": ["chat"]}
PHONE_EMAIL = {"name": "phone+email", "channels": ["phone", "email"]}


def test_the_example_has_a_phone_and_email_group():
    config = PlanConfig.from_toml(load_example_config())
    assert [g.name for g in config.blending.groups] == ["chat", "phone+email"]
    channels = list(config.service.channels)
    assert config.blending.serving("email", channels) == ["phone+email"]


def test_specialists_take_a_channel_first_unless_routing_says_otherwise():
    config = PlanConfig.from_dict(example([PHONE_EMAIL, CHAT, PHONE]))
    channels = list(config.service.channels)
    assert config.blending.route("phone", channels) == ["phone", "phone+email"]
    routed = example([PHONE_EMAIL, CHAT, PHONE], routing={"phone": ["phone+email", "phone"]})
    assert PlanConfig.from_dict(routed).blending.route("phone", channels) == [
        "phone+email",
        "phone",
    ]


def test_all_stands_for_every_channel():
    data = example([PHONE, {"name": "rest", "channels": ["all"]}])
    data["service"]["channels"]["chat"].update(concurrency=1, kind="chat")
    config = PlanConfig.from_dict(data)
    assert config.blending.expanded(list(config.service.channels))["rest"] == [
        "phone",
        "chat",
        "email",
    ]


@pytest.mark.parametrize(
    ("groups", "extra", "message"),
    [
        ([PHONE, CHAT], {}, r"service\.channels\.email: no group of blending\.groups serves it"),
        (
            [PHONE, CHAT, {"name": "x", "channels": ["email", "fax"]}],
            {},
            r"blending\.groups\[2\] \('x'\)\.channels: unknown channel\(s\) \['fax'\]",
        ),
        (
            [
                {"name": "a", "channels": ["phone", "email"]},
                CHAT,
                {"name": "a", "channels": ["email"]},
            ],
            {},
            r"group names must be unique; repeated: \['a'\]",
        ),
        (
            [PHONE_EMAIL, {"name": "pc", "channels": ["chat", "phone"]}],
            {},
            r"channel 'chat' has concurrency 2",
        ),
        (
            [PHONE_EMAIL, CHAT, {"name": "x", "channels": ["email"], "contracts": ["gold"]}],
            {},
            r"blending\.groups\[2\] \('x'\)\.contracts: unknown contract\(s\) \['gold'\]",
        ),
        (
            [PHONE, CHAT, PHONE_EMAIL],
            {"routing": {"phone": ["chat", "phone"]}},
            r"blending\.routing\.phone: group\(s\) \['chat'\] do not serve 'phone'",
        ),
    ],
)
def test_bad_groups_are_named(groups, extra, message):
    with pytest.raises(ConfigError, match=message):
        PlanConfig.from_dict(example(groups, **extra), "plan.toml")


def test_a_priority_cycle_between_channels_is_named():
    data = example([PHONE_EMAIL, CHAT])
    data["service"]["channels"]["chat"]["concurrency"] = 1
    data["service"]["channels"]["chat"]["kind"] = "chat"
    data["blending"]["groups"] = [
        {"name": "pc", "channels": ["phone", "chat", "email"]},
        {"name": "cp", "channels": ["chat", "phone"]},
    ]
    with pytest.raises(ConfigError, match=r"priority cycle between channels .*'pc'.*'cp'"):
        PlanConfig.from_dict(data, "plan.toml")


def test_deferred_work_may_come_last_or_first_in_a_group_without_a_cycle():
    data = example([{"name": "ep", "channels": ["email", "phone"]}, CHAT, PHONE])
    assert PlanConfig.from_dict(data).blending.groups[0].channels == ("email", "phone")


def test_the_cli_refuses_a_channel_no_group_serves_with_exit_2(tmp_path):
    (tmp_path / "plan.toml").write_text(tomli_w.dumps(example([PHONE, CHAT])), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "plan",
            "--example",
            "--config",
            str(tmp_path / "plan.toml"),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "service.channels.email: no group of blending.groups serves it" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
