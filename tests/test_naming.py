"""Pure helpers for names, references and login users (no Pulumi involved)."""

from __future__ import annotations

import pytest

from components import naming
from components.regions import RegionError, resolve_region


def test_repository_name_is_prefix_dash_image_name() -> None:
    assert naming.repository_name("p-oraas", "simple-api") == "p-oraas-simple-api"
    assert naming.repository_name("p-x", "team/api") == "p-x-team/api"


def test_repository_name_over_255_characters_is_refused() -> None:
    assert len(naming.repository_name("p", "a" * 253)) == 255
    with pytest.raises(ValueError, match="256 characters long; OCI allows 255"):
        naming.repository_name("p", "a" * 254)


def test_policy_name_follows_the_recipe() -> None:
    assert naming.policy_name("p-oraas") == "p-oraas-ocir-policy"


@pytest.mark.parametrize(
    ("region", "server", "identifier"),
    [
        ("fra", "fra.ocir.io", "eu-frankfurt-1"),
        ("FRA", "fra.ocir.io", "eu-frankfurt-1"),  # the API returns keys upper-case
        ("eu-frankfurt-1", "eu-frankfurt-1.ocir.io", "eu-frankfurt-1"),
        ("iad", "iad.ocir.io", "us-ashburn-1"),
        ("us-ashburn-1", "us-ashburn-1.ocir.io", "us-ashburn-1"),
        ("xx-newcity-7", "xx-newcity-7.ocir.io", "xx-newcity-7"),  # a region opened later
        # Outside the commercial realm only ocir.<region identifier>.oci.<realm domain> serves.
        ("us-langley-1", "ocir.us-langley-1.oci.oraclegovcloud.com", "us-langley-1"),
        ("LFI", "ocir.us-langley-1.oci.oraclegovcloud.com", "us-langley-1"),
        ("uk-gov-london-1", "ocir.uk-gov-london-1.oci.oraclegovcloud.uk", "uk-gov-london-1"),
        ("str", "ocir.eu-frankfurt-2.oci.oraclecloud.eu", "eu-frankfurt-2"),
        ("eu-jovanovac-1", "ocir.eu-jovanovac-1.oci.oraclecloud20.com", "eu-jovanovac-1"),
    ],
)
def test_registry_server_from_region_key_or_identifier(region: str, server: str, identifier: str) -> None:
    registry_region, long_form = resolve_region(region)
    assert naming.registry_server(registry_region) == server
    assert long_form == identifier


@pytest.mark.parametrize(
    ("region", "rule"),
    [
        ("frankfurt", "must be a region key"),
        ("eu_frankfurt_1", "must be a region key"),
        ("xyz", "not a region key this program knows"),
        ("fra.ocir.io", "must be a region key"),
        (" fra", "must be a region key"),
    ],
)
def test_regions_that_are_neither_key_nor_identifier_are_refused(region: str, rule: str) -> None:
    with pytest.raises(RegionError, match=rule):
        resolve_region(region)


def test_image_reference_is_registry_namespace_repository_tag() -> None:
    assert (
        naming.image_reference("fra.ocir.io", "axaxnpcrorw5", "p-oraas-simple-api", "1.0")
        == "fra.ocir.io/axaxnpcrorw5/p-oraas-simple-api:1.0"
    )


def test_image_reference_over_docker_length_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="docker allows 255"):
        naming.image_reference("fra.ocir.io", "ns", "r" * 250, "1.0")


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        (None, "axaxnpcrorw5/jane@example.com"),
        ("oracleidentitycloudservice", "axaxnpcrorw5/oracleidentitycloudservice/jane@example.com"),
        ("acme-prod", "axaxnpcrorw5/acme-prod/jane@example.com"),
    ],
)
def test_login_username_forms(domain: str | None, expected: str) -> None:
    assert naming.login_username("axaxnpcrorw5", "jane@example.com", domain) == expected


@pytest.mark.parametrize("value", ["1.0", "latest", "v2.3.4-rc.1", "_build", "A" * 128])
def test_valid_tags(value: str) -> None:
    assert naming.check_tag(value) == value


@pytest.mark.parametrize("value", ["", ".hidden", "-x", "a" * 129, "1.0 beta", "a:b", "a/b"])
def test_invalid_tags(value: str) -> None:
    with pytest.raises(ValueError, match="docker's tag rule"):
        naming.check_tag(value)


@pytest.mark.parametrize(
    ("ocid", "kinds", "ok"),
    [
        ("ocid1.tenancy.oc1..aaaaaaaaexample0000", ("tenancy",), True),
        ("ocid1.user.oc1..aaaaaaaaexample0000", ("user",), True),
        ("ocid1.compartment.oc1..aaaaaaaaexample0000", ("compartment", "tenancy"), True),
        ("ocid1.tenancy.oc1..aaaaaaaaexample0000", ("compartment", "tenancy"), True),
        ("ocid1.containerrepo.oc1.eu-frankfurt-1.0.amaaaaaaexample0000", ("containerrepo",), True),
        ("ocid1.compartment.oc1..aaaaaaaaexample0000", ("user",), False),
        ("ocid1.user.oc1..AAAAexample", ("user",), False),
        ("ocid2.user.oc1..aaaaaaaaexample0000", ("user",), False),
        ("user-ocid", ("user",), False),
    ],
)
def test_ocids_are_checked_for_form_and_kind(ocid: str, kinds: tuple[str, ...], ok: bool) -> None:
    if ok:
        assert naming.check_ocid(ocid, *kinds) == ocid
    else:
        with pytest.raises(ValueError, match="ocid1"):
            naming.check_ocid(ocid, *kinds)
