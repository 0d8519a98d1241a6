"""Config checks: valid stacks parse to typed settings; every bad key is named with its rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest

from stackconfig import ConfigError, ImageSpec, parse_settings
from tests.conftest import COMPARTMENT, NS, TENANCY, USER, valid_config
from tools.harness import run_program
from tools.stackfiles import PROJECT_DIR, encode_config

PULL_USER = "ocid1.user.oc1..aaaaaaaatestpulluser000000000000000000000000000000000000000"
GROUP = "ocid1.group.oc1..aaaaaaaaexample0000"
READERS = [{"group": "image-readers"}]


def parse(config: dict[str, Any], project_dir: Path | None = PROJECT_DIR) -> Any:
    return parse_settings(encode_config(config), NS, project_dir=project_dir)


def test_minimal_config_takes_the_secure_defaults() -> None:
    settings = parse(valid_config())
    assert settings.prefix == "p-test"
    assert settings.allow_list_repositories is False
    assert settings.compartment_ocid == TENANCY  # default: the tenancy (root compartment)
    assert settings.identity_domain is None
    assert settings.tenancy_namespace is None  # looked up
    assert settings.user_name is None  # looked up
    assert settings.registry_server == "fra.ocir.io"
    assert settings.isolation_check is True  # unset: the tenancy is checked
    assert parse(valid_config(isolationCheck="")).isolation_check is True  # Pulumi.yaml's default: unset
    assert parse(valid_config(isolationCheck=False)).isolation_check is False
    assert settings.images == (ImageSpec(name="api", tag="1.0"),)
    (image,) = settings.images
    assert (image.context, image.dockerfile_path, image.public, image.immutable) == (
        "app",
        "app/Dockerfile",
        False,
        False,
    )


def test_full_config_is_read_field_by_field() -> None:
    settings = parse(
        valid_config(
            identityDomain="acme-prod",
            allowListRepositories=True,
            compartmentOcid=COMPARTMENT,
            region="eu-frankfurt-1",
            tenancyNamespace="axaxnpcrorw5",
            userName="jane@example.com",
            userDomain="oracleidentitycloudservice",
            images=[
                {
                    "name": "web/frontend",
                    "tag": "2024.10-rc1",
                    "context": "app",
                    "dockerfile": "app/Dockerfile",
                    "buildArgs": {"NODE_IMAGE": "registry.local/node:26"},
                    "target": "runtime",
                    "platform": "linux/arm64",
                    "public": True,
                    "immutable": True,
                }
            ],
        )
    )
    assert settings.identity_domain == "acme-prod"
    assert settings.allow_list_repositories is True
    assert settings.compartment_ocid == COMPARTMENT
    assert settings.region == "eu-frankfurt-1"
    assert (settings.tenancy_namespace, settings.user_name, settings.user_domain) == (
        "axaxnpcrorw5",
        "jane@example.com",
        "oracleidentitycloudservice",
    )
    assert settings.images == (
        ImageSpec(
            name="web/frontend",
            tag="2024.10-rc1",
            context="app",
            dockerfile="app/Dockerfile",
            build_args={"NODE_IMAGE": "registry.local/node:26"},
            target="runtime",
            platform="linux/arm64",
            public=True,
            immutable=True,
        ),
    )


def test_values_arrive_as_the_cli_sends_them() -> None:
    # `pulumi config set` stores strings; structured values reach the program as JSON.
    raw = {
        f"{NS}:prefix": "p-test",
        f"{NS}:groupName": "devs",
        f"{NS}:tenancyOcid": TENANCY,
        f"{NS}:region": "fra",
        f"{NS}:userOcid": USER,
        f"{NS}:allowListRepositories": "true",
        f"{NS}:images": '[{"name": "api", "tag": "1.0", "public": true}]',
        "oci:region": "eu-frankfurt-1",
    }
    settings = parse_settings(raw, NS)
    assert settings.allow_list_repositories is True
    assert settings.images[0].public is True


def test_empty_optional_strings_mean_unset_like_the_pulumi_yaml_defaults() -> None:
    settings = parse(valid_config(identityDomain="", compartmentOcid="", tenancyNamespace="", userName=""))
    assert settings.identity_domain is None
    assert settings.compartment_ocid == TENANCY
    assert settings.tenancy_namespace is None
    assert settings.user_name is None


def test_no_images_is_a_valid_onboarding_stack() -> None:
    assert parse(valid_config(images=None)).images == ()
    assert parse(valid_config(images=[])).images == ()


BAD_CONFIGS: list[tuple[str, dict[str, Any], str, str]] = [
    # (case, overrides, key named first, words of the rule)
    ("prefix missing", {"prefix": None}, f"{NS}:prefix", "is required"),
    ("prefix upper-case", {"prefix": "P-Test"}, f"{NS}:prefix", "lower-case"),
    ("prefix wildcard", {"prefix": "p-*"}, f"{NS}:prefix", "no '/', '*'"),
    ("prefix slash", {"prefix": "p/x"}, f"{NS}:prefix", "no '/', '*'"),
    ("prefix trailing dash", {"prefix": "p-x-"}, f"{NS}:prefix", "lower-case"),
    ("prefix too long", {"prefix": "p" * 89}, f"{NS}:prefix", "at most 88 characters"),
    ("group missing", {"groupName": None}, f"{NS}:groupName", "is required"),
    ("group quote", {"groupName": "devs'"}, f"{NS}:groupName", "IAM group name"),
    ("group injection", {"groupName": "devs, any-user"}, f"{NS}:groupName", "no quotes, '/', '*' or ','"),
    ("group phrase", {"groupName": "devs to manage all-resources"}, f"{NS}:groupName", "policy words"),
    (
        "group newline injection",
        {"groupName": "devs\nallow group x to manage all-resources in tenancy"},
        f"{NS}:groupName",
        "IAM group name",
    ),
    ("group where clause", {"groupName": "devs where any"}, f"{NS}:groupName", "policy words"),
    ("group wildcard", {"groupName": "devs*"}, f"{NS}:groupName", "no quotes, '/', '*' or ','"),
    ("group braces", {"groupName": "devs}"}, f"{NS}:groupName", "IAM group name"),
    ("domain slash", {"identityDomain": "a/b"}, f"{NS}:identityDomain", "identity domain name"),
    ("domain quote", {"identityDomain": "acme'"}, f"{NS}:identityDomain", "identity domain name"),
    ("prefix quote", {"prefix": "p-x'"}, f"{NS}:prefix", "no '/', '*', quotes or spaces"),
    ("prefix space", {"prefix": "p x"}, f"{NS}:prefix", "no '/', '*', quotes or spaces"),
    ("prefix ends the pattern", {"prefix": "p-x/ or target.repo.name=/"}, f"{NS}:prefix", "no '/', '*'"),
    ("prefix empty", {"prefix": ""}, f"{NS}:prefix", "is required"),
    ("allow list not boolean", {"allowListRepositories": "yes"}, f"{NS}:allowListRepositories", "true or false"),
    ("tenancy missing", {"tenancyOcid": None}, f"{NS}:tenancyOcid", "is required"),
    ("tenancy malformed", {"tenancyOcid": "mytenancy"}, f"{NS}:tenancyOcid", "ocid1.tenancy"),
    ("tenancy of wrong kind", {"tenancyOcid": COMPARTMENT}, f"{NS}:tenancyOcid", "ocid1.compartment OCID"),
    ("compartment of wrong kind", {"compartmentOcid": USER}, f"{NS}:compartmentOcid", "ocid1.user OCID"),
    ("region missing", {"region": None}, f"{NS}:region", "is required"),
    ("region unknown", {"region": "frankfurt"}, f"{NS}:region", "region key"),
    ("region in another realm", {"region": "us-langley-1"}, f"{NS}:region", "but the tenancy is in realm oc1"),
    ("region key of another realm", {"region": "LFI"}, f"{NS}:region", "us-langley-1 is in realm oc2"),
    ("registry host of another region", {"registryHost": "iad.ocir.io"}, f"{NS}:registryHost", "of eu-frankfurt-1"),
    (
        "registry host of another realm",
        {"registryHost": "ocir.eu-frankfurt-1.oci.oraclegovcloud.com"},
        f"{NS}:registryHost",
        "fra.ocir.io, eu-frankfurt-1.ocir.io, ocir.eu-frankfurt-1.oci.oraclecloud.com",
    ),
    (
        "registry host of no realm",
        {"region": "xx-newcity-7", "registryHost": "ocir.xx-newcity-7.oci.example.com"},
        f"{NS}:registryHost",
        "a realm this program does not list",
    ),
    (
        "registry host of a new region in another realm",
        {"region": "xx-newcity-7", "registryHost": "ocir.xx-newcity-7.oci.oraclegovcloud.com"},
        f"{NS}:registryHost",
        "is not a host of realm oc1",
    ),
    ("registry host a URL", {"registryHost": "https://fra.ocir.io"}, f"{NS}:registryHost", "without https://"),
    ("registry host with a path", {"registryHost": "fra.ocir.io/ns"}, f"{NS}:registryHost", "of eu-frankfurt-1"),
    ("registry host a list", {"registryHost": ["fra.ocir.io"]}, f"{NS}:registryHost", "of eu-frankfurt-1"),
    (
        "registry host injection",
        {"registryHost": "fra.ocir.io\nallow group x to manage all-resources in tenancy"},
        f"{NS}:registryHost",
        "of eu-frankfurt-1",
    ),
    ("region differs from provider", {"oci:region": "us-ashburn-1"}, f"{NS}:region", "set both to the same region"),
    ("namespace upper-case", {"tenancyNamespace": "MyTenancy"}, f"{NS}:tenancyNamespace", "Object Storage namespace"),
    ("user missing", {"userOcid": None}, f"{NS}:userOcid", "is required"),
    ("user is a compartment", {"userOcid": COMPARTMENT}, f"{NS}:userOcid", "ocid1.compartment OCID"),
    ("user is the tenancy", {"userOcid": TENANCY}, f"{NS}:userOcid", "ocid1.tenancy OCID"),
    ("region with spaces", {"region": "eu frankfurt 1"}, f"{NS}:region", "region key"),
    ("region quote", {"region": "fra'"}, f"{NS}:region", "region key"),
    ("namespace with slash", {"tenancyNamespace": "ns/other"}, f"{NS}:tenancyNamespace", "Object Storage namespace"),
    ("user name with space", {"userName": "jane doe"}, f"{NS}:userName", "no '/' or ':'"),
    ("user is a group", {"userOcid": "ocid1.group.oc1..aaaaaaaaexample0000"}, f"{NS}:userOcid", "ocid1.group OCID"),
    ("user name with slash", {"userName": "idcs/jane"}, f"{NS}:userName", f"{NS}:userDomain"),
    ("user name with colon", {"userName": "jane:x"}, f"{NS}:userName", "no '/' or ':'"),
    ("user domain with slash", {"userDomain": "a/b"}, f"{NS}:userDomain", "domain segment"),
    ("unknown key", {"prefx": "p-x"}, f"{NS}:prefx", f"did you mean {NS}:prefix"),
    ("images not a list", {"images": "api"}, f"{NS}:images", "list of image objects"),
    ("images an object", {"images": {"name": "api", "tag": "1"}}, f"{NS}:images", "list of image objects"),
    ("image not an object", {"images": ["api"]}, f"{NS}:images[0]", "must be an object"),
    ("image name missing", {"images": [{"tag": "1.0"}]}, f"{NS}:images[0].name", "is required"),
    ("image tag missing", {"images": [{"name": "api"}]}, f"{NS}:images[0].tag", "is required"),
    ("image name upper-case", {"images": [{"name": "API", "tag": "1"}]}, f"{NS}:images[0].name", "lower-case"),
    (
        "image tag a float",
        {"images": [{"name": "api", "tag": 1.0}]},
        f"{NS}:images[0].tag",
        'quote it in YAML, e.g. "1.0"',
    ),
    ("image tag bad", {"images": [{"name": "api", "tag": "-1"}]}, f"{NS}:images[0].tag", "docker's tag rule"),
    ("image tag with colon", {"images": [{"name": "api", "tag": "1:2"}]}, f"{NS}:images[0].tag", "docker's tag rule"),
    ("image tag digest", {"images": [{"name": "api", "tag": "sha256@x"}]}, f"{NS}:images[0].tag", "docker's tag rule"),
    ("image tag too long", {"images": [{"name": "api", "tag": "v" * 129}]}, f"{NS}:images[0].tag", "docker's tag rule"),
    ("image name with tag", {"images": [{"name": "api:1", "tag": "1"}]}, f"{NS}:images[0].name", "lower-case"),
    ("image name wildcard", {"images": [{"name": "api*", "tag": "1"}]}, f"{NS}:images[0].name", "lower-case"),
    ("image name leading dash", {"images": [{"name": "-api", "tag": "1"}]}, f"{NS}:images[0].name", "lower-case"),
    ("image name a number", {"images": [{"name": 7, "tag": "1"}]}, f"{NS}:images[0].name", "must be a string"),
    ("images a number", {"images": 3}, f"{NS}:images", "list of image objects"),
    (
        "image unknown field",
        {"images": [{"name": "api", "tag": "1", "contxt": "app"}]},
        f"{NS}:images[0].contxt",
        "did you mean context",
    ),
    (
        "duplicate image names",
        {"images": [{"name": "api", "tag": "1"}, {"name": "api", "tag": "2"}]},
        f"{NS}:images[1].name",
        "must be unique",
    ),
    (
        "repository too long",
        {"images": [{"name": "a" * 250, "tag": "1"}]},
        f"{NS}:images[0].name",
        "OCI allows 255",
    ),
    (
        "public not boolean",
        {"images": [{"name": "api", "tag": "1", "public": "true"}]},
        f"{NS}:images[0].public",
        "true or false",
    ),
    (
        "absolute context",
        {"images": [{"name": "api", "tag": "1", "context": "/srv/app"}]},
        f"{NS}:images[0].context",
        "relative POSIX path",
    ),
    (
        "context outside project",
        {"images": [{"name": "api", "tag": "1", "context": "../elsewhere"}]},
        f"{NS}:images[0].context",
        "inside the project",
    ),
    (
        "missing context",
        {"images": [{"name": "api", "tag": "1", "context": "services/api"}]},
        f"{NS}:images[0].context",
        "does not exist",
    ),
    (
        "missing dockerfile",
        {"images": [{"name": "api", "tag": "1", "dockerfile": "app/Dockerfile.prod"}]},
        f"{NS}:images[0].dockerfile",
        "does not exist",
    ),
    (
        "build arg not a string",
        {"images": [{"name": "api", "tag": "1", "buildArgs": {"PORT": 8080}}]},
        f"{NS}:images[0].buildArgs.PORT",
        "must be a string",
    ),
    (
        "build arg bad name",
        {"images": [{"name": "api", "tag": "1", "buildArgs": {"1BAD-NAME": "x"}}]},
        f"{NS}:images[0].buildArgs.1BAD-NAME",
        "build argument names",
    ),
    (
        "target not a stage name",
        {"images": [{"name": "api", "tag": "1", "target": "run time"}]},
        f"{NS}:images[0].target",
        "Dockerfile stage name",
    ),
    (
        "immutable not boolean",
        {"images": [{"name": "api", "tag": "1", "immutable": 1}]},
        f"{NS}:images[0].immutable",
        "true or false",
    ),
    (
        "too many images",
        {"images": [{"name": f"svc{i}", "tag": "1"} for i in range(501)]},
        f"{NS}:images",
        "OCI allows 500 repositories per region",
    ),
    ("pullers not a list", {"pullers": "deployers"}, f"{NS}:pullers", "must be a list of {group: <name>}"),
    ("pullers an object", {"pullers": {"group": "deployers"}}, f"{NS}:pullers", "must be a list"),
    ("puller a string", {"pullers": ["deployers"]}, f"{NS}:pullers[0]", "must be an object"),
    (
        "puller of both kinds",
        {"pullers": [{"group": "deployers", "dynamicGroup": "oke-nodes"}]},
        f"{NS}:pullers[0]",
        "names both group and dynamicGroup",
    ),
    ("puller of no kind", {"pullers": [{}]}, f"{NS}:pullers[0]", "names neither group nor dynamicGroup"),
    ("puller field typo", {"pullers": [{"dynamic_group": "n"}]}, f"{NS}:pullers[0].dynamic_group", "did you mean"),
    ("puller name a number", {"pullers": [{"group": 7}]}, f"{NS}:pullers[0].group", "must be a name string, got int"),
    ("puller name a list", {"pullers": [{"dynamicGroup": ["n"]}]}, f"{NS}:pullers[0].dynamicGroup", "name string"),
    ("puller injection", {"pullers": [{"group": "devs, any-user"}]}, f"{NS}:pullers[0].group", "IAM group name"),
    (
        "puller newline injection",
        {"pullers": [{"dynamicGroup": "nodes\nallow any-user to manage all-resources in tenancy"}]},
        f"{NS}:pullers[0].dynamicGroup",
        "dynamic group name",
    ),
    (
        "puller phrase",
        {"pullers": [{"dynamicGroup": "nodes to manage all-resources"}]},
        f"{NS}:pullers[0].dynamicGroup",
        "policy words",
    ),
    ("puller quote", {"pullers": [{"group": "devs'"}]}, f"{NS}:pullers[0].group", "IAM group name"),
    ("puller domain quote", {"pullers": [{"group": "acme'/devs"}]}, f"{NS}:pullers[0].group", "identity domain name"),
    ("puller two slashes", {"pullers": [{"group": "a/b/c"}]}, f"{NS}:pullers[0].group", "one '/' at most"),
    ("puller the own group", {"pullers": [{"group": "Test-Devs"}]}, f"{NS}:pullers[0].group", "project's own group"),
    (
        "puller listed twice",
        {"pullers": [{"dynamicGroup": "acme/nodes"}, {"dynamicGroup": "ACME/Nodes"}]},
        f"{NS}:pullers[1]",
        "listed twice",
    ),
    (
        "too many pullers",
        {"pullers": [{"group": f"readers-{i}"} for i in range(49)]},
        f"{NS}:pullers",
        "at most 48 pullers",
    ),
    ("rotation label with a space", {"tokenRotation": "next month"}, f"{NS}:tokenRotation", "label of 1-40"),
    (
        "pull user is the push user",
        {"pullUserOcid": USER, "pullers": READERS},
        f"{NS}:pullUserOcid",
        "is the push user",
    ),
    ("pull user is a group", {"pullUserOcid": GROUP, "pullers": READERS}, f"{NS}:pullUserOcid", "ocid1.group OCID"),
    ("pull user malformed", {"pullUserOcid": "reader", "pullers": READERS}, f"{NS}:pullUserOcid", "ocid1.user"),
    ("pull user a list", {"pullUserOcid": [PULL_USER], "pullers": READERS}, f"{NS}:pullUserOcid", "ocid1.user"),
    ("pull user without pullers", {"pullUserOcid": PULL_USER}, f"{NS}:pullUserOcid", "needs a group among the pullers"),
    (
        "pull user with only a dynamic group",
        {"pullUserOcid": PULL_USER, "pullers": [{"dynamicGroup": "oke-nodes"}]},
        f"{NS}:pullUserOcid",
        "the stack cannot check which groups the user is in",
    ),
    (
        "pull user name with slash",
        {"pullUserOcid": PULL_USER, "pullers": READERS, "pullUserName": "idcs/reader"},
        f"{NS}:pullUserName",
        "no '/' or ':'",
    ),
    (
        "pull user name with colon",
        {"pullUserOcid": PULL_USER, "pullers": READERS, "pullUserName": "reader:x"},
        f"{NS}:pullUserName",
        "no '/' or ':'",
    ),
    (
        "pull user domain injection",
        {"pullUserOcid": PULL_USER, "pullers": READERS, "pullUserDomain": "a/b"},
        f"{NS}:pullUserDomain",
        "domain segment",
    ),
    (
        "pull rotation with a space",
        {"pullUserOcid": PULL_USER, "pullers": READERS, "pullTokenRotation": "next month"},
        f"{NS}:pullTokenRotation",
        "label of 1-40",
    ),
    ("pull name without a pull user", {"pullUserName": "reader"}, f"{NS}:pullUserName", "no pull user (pullUserOcid)"),
    ("pull rotation without a pull user", {"pullTokenRotation": "2"}, f"{NS}:pullTokenRotation", "no pull user"),
    ("pull domain without a pull user", {"pullUserDomain": "acme"}, f"{NS}:pullUserDomain", "no pull user"),
    ("production not boolean", {"production": "yes"}, f"{NS}:production", "true or false"),
    (
        "mutable repository in production",
        {"production": True, "images": [{"name": "api", "tag": "1", "immutable": False}]},
        f"{NS}:images[0].immutable",
        "production repositories are immutable",
    ),
    (
        "latest in production",
        {"production": True, "images": [{"name": "api", "tag": "latest"}]},
        f"{NS}:images[0].tag",
        "must not be 'latest' in a production stack",
    ),
    (
        "two platforms",
        {"images": [{"name": "api", "tag": "1", "platform": "linux/amd64,linux/arm64"}]},
        f"{NS}:images[0].platform",
        "one platform",
    ),
    ("isolation check not a boolean", {"isolationCheck": "off"}, f"{NS}:isolationCheck", "must be true or false"),
    ("isolation check a number", {"isolationCheck": 0}, f"{NS}:isolationCheck", "must be true or false"),
]


@pytest.mark.parametrize(
    ("overrides", "key", "rule"), [case[1:] for case in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS]
)
def test_bad_value_is_rejected_naming_its_key_and_rule(overrides: dict[str, Any], key: str, rule: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(valid_config(**overrides))
    message = str(caught.value)
    assert message.startswith(f"{key}: "), message
    assert rule in message.splitlines()[0], message


def test_bad_config_table_is_at_least_forty_cases_wide() -> None:
    assert len(BAD_CONFIGS) >= 40
    assert len({case[0] for case in BAD_CONFIGS}) == len(BAD_CONFIGS)


@pytest.mark.parametrize(("overrides", "key"), [case[1:3] for case in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_declares_nothing(overrides: dict[str, Any], key: str) -> None:
    # The whole program, as `pulumi preview` runs it: the error names the key, and not one
    # resource is registered nor one lookup made (nothing half-created).
    run = run_program(valid_config(**overrides), raise_errors=False)
    assert isinstance(run.error, pulumi.RunError), run.error
    assert str(run.error).startswith(f"{key}: "), run.error
    assert run.resources == []
    assert run.invokes == []


def test_puller_problems_name_the_entry_of_ocir_pullers_they_are_in() -> None:
    # A malformed entry is left out of what the components check: later entries keep their own index.
    with pytest.raises(ConfigError) as caught:
        parse(valid_config(pullers=[{"grup": "a"}, {"group": "ok"}, {"group": "bad'"}]))
    assert caught.value.keys == [f"{NS}:pullers[0].grup", f"{NS}:pullers[2].group"]


def test_pullers_are_read_as_the_cli_sends_them() -> None:
    raw = encode_config(valid_config(compartmentOcid=COMPARTMENT))
    raw[f"{NS}:pullers"] = '[{"group": "deployers"}, {"dynamicGroup": "Default/oke nodes"}]'
    settings = parse_settings(raw, NS)
    assert [str(puller) for puller in settings.pullers] == ["group deployers", "dynamic-group Default/oke nodes"]
    assert settings.project_args()["pullers"] == [{"group": "deployers"}, {"dynamic_group": "Default/oke nodes"}]


def test_values_that_are_not_strings_are_refused() -> None:
    raw = encode_config(valid_config())
    with pytest.raises(ConfigError, match=rf"^{NS}:prefix: must be a string, got int"):
        parse_settings({**raw, f"{NS}:prefix": 123}, NS)


def test_every_problem_is_reported_at_once_one_line_per_key() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(valid_config(prefix="P*", region="mars-1", images=[{"name": "api", "tag": "1", "public": "no"}]))
    assert caught.value.keys == [f"{NS}:prefix", f"{NS}:region", f"{NS}:images[0].public"]
    assert all(line.startswith(f"{NS}:") for line in str(caught.value).splitlines())


def test_paths_are_not_checked_without_a_project_directory() -> None:
    settings = parse(valid_config(images=[{"name": "api", "tag": "1", "context": "services/api"}]), project_dir=None)
    assert settings.images[0].dockerfile_path == "services/api/Dockerfile"


def test_full_image_name_length_is_checked_when_the_namespace_is_known() -> None:
    image = {"name": "a" * 220, "tag": "1"}
    assert parse(valid_config(images=[image]))  # namespace looked up later: repository fits 255
    with pytest.raises(ConfigError, match=rf"^{NS}:images\[0\].name: .*docker allows 255"):
        parse(valid_config(images=[image], tenancyNamespace="n" * 40))


def test_production_makes_repositories_immutable_by_default() -> None:
    settings = parse(valid_config(production=True, images=[{"name": "api", "tag": "1.0"}]))
    assert settings.production
    assert settings.images[0].immutable
    assert parse(valid_config(production="true")).production  # as the CLI passes a boolean
    assert not parse(valid_config(images=[{"name": "api", "tag": "latest"}])).images[0].immutable
