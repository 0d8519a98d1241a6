"""Regions of every realm: which registry hosts serve a region, which one a stack uses, and the realm rules.

Expected hosts are written out from Oracle's registry-domain formats ("Container Registry Concepts":
`ocir.<region identifier>.oci.<realm domain>`, recommended; `<region key>.ocir.io` and
`<region identifier>.ocir.io`, OC1 only) and realm domains from the OCI SDK's regions_definitions.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from components.regions import (
    REALM_DOMAINS,
    REALM_REGIONS,
    RegionError,
    check_registry_host,
    realm_problem,
    region,
    registry_host,
)
from tests.conftest import valid_config
from tools.engine.types import IMAGE, SCAN_TARGET
from tools.harness import StackRun

TENANCY_OC1 = "ocid1.tenancy.oc1..aaaaaaaatesttenancy0000000000000000000000000000000000000"
TENANCY_OC2 = "ocid1.tenancy.oc2..aaaaaaaatesttenancy0000000000000000000000000000000000000"
USER_OC2 = "ocid1.user.oc2..aaaaaaaatestpushuser00000000000000000000000000000000000000"


def test_a_commercial_region_is_served_at_three_hosts_and_keeps_the_one_it_is_written_with() -> None:
    assert region("fra").hosts() == ("fra.ocir.io", "eu-frankfurt-1.ocir.io", "ocir.eu-frankfurt-1.oci.oraclecloud.com")
    assert region("eu-frankfurt-1").hosts() == (
        "eu-frankfurt-1.ocir.io",
        "fra.ocir.io",
        "ocir.eu-frankfurt-1.oci.oraclecloud.com",
    )
    assert registry_host("fra") == "fra.ocir.io"  # existing stacks keep their image names
    assert registry_host("fra", "ocir.eu-frankfurt-1.oci.oraclecloud.com") == "ocir.eu-frankfurt-1.oci.oraclecloud.com"
    assert registry_host("eu-frankfurt-1", "FRA.ocir.io") == "fra.ocir.io"  # host names compare lower-case


@pytest.mark.parametrize(
    ("value", "realm", "host"),
    [
        ("us-luke-1", "oc2", "ocir.us-luke-1.oci.oraclegovcloud.com"),
        ("ric", "oc3", "ocir.us-gov-ashburn-1.oci.oraclegovcloud.com"),
        ("brs", "oc4", "ocir.uk-gov-cardiff-1.oci.oraclegovcloud.uk"),
        ("ap-chiyoda-1", "oc8", "ocir.ap-chiyoda-1.oci.oraclecloud8.com"),
        ("vll", "oc19", "ocir.eu-madrid-2.oci.oraclecloud.eu"),
        ("sa-riodejaneiro-1", "oc52", "ocir.sa-riodejaneiro-1.oci.oraclecloud52.com"),
    ],
)
def test_a_region_outside_the_commercial_realm_has_only_its_realms_host(value: str, realm: str, host: str) -> None:
    found = region(value)
    assert found.realm == realm
    assert found.hosts() == (host,)
    assert registry_host(value) == host
    with pytest.raises(ValueError, match=f"realm {realm}"):
        check_registry_host(f"{found.identifier}.ocir.io", value)


def test_every_listed_region_has_a_key_a_realm_and_a_realm_domain() -> None:
    for realm, regions in REALM_REGIONS.items():
        assert realm in REALM_DOMAINS
        for key, identifier in regions.items():
            assert region(key).identifier == identifier
            assert region(identifier).realm == realm
    assert len({identifier for regions in REALM_REGIONS.values() for identifier in regions.values()}) == 85


@pytest.mark.parametrize(
    "host",
    [
        "iad.ocir.io",  # another region's
        "ocir.eu-frankfurt-1.oci.oraclegovcloud.com",  # another realm's domain
        "ocir.eu-frankfurt-1.oci.example.com",  # no realm's domain
        "https://fra.ocir.io",
        "fra.ocir.io/ns",
        "fra.ocir.io:443",
        "fra.ocir.io evil",
        "",
    ],
)
def test_any_other_host_is_refused_listing_the_valid_ones(host: str) -> None:
    valid = "fra.ocir.io, eu-frankfurt-1.ocir.io, ocir.eu-frankfurt-1.oci.oraclecloud.com"
    with pytest.raises(ValueError, match=f"must be a registry host of eu-frankfurt-1 \\(realm oc1\\): {valid};"):
        check_registry_host(host, "fra")


def test_a_region_opened_after_the_table_is_taken_as_commercial_unless_the_stack_names_its_realms_host() -> None:
    found = region("xx-newcity-7")
    assert found.realm is None
    assert registry_host("xx-newcity-7") == "xx-newcity-7.ocir.io"
    assert registry_host("xx-newcity-7", "ocir.xx-newcity-7.oci.oraclecloud42.com") == (
        "ocir.xx-newcity-7.oci.oraclecloud42.com"
    )
    with pytest.raises(ValueError, match="a realm this program does not list"):
        check_registry_host("ocir.xx-newcity-7.oci.example.com", "xx-newcity-7")


def test_an_unknown_region_key_is_refused() -> None:
    with pytest.raises(RegionError, match="not a region key this program knows"):
        region("zzz")


def test_the_region_and_the_host_must_be_in_the_tenancys_realm() -> None:
    assert realm_problem(TENANCY_OC1, "fra", "fra.ocir.io") is None
    assert realm_problem(TENANCY_OC1, "fra", "ocir.eu-frankfurt-1.oci.oraclecloud.com") is None
    assert realm_problem(TENANCY_OC2, "us-langley-1", "ocir.us-langley-1.oci.oraclegovcloud.com") is None
    where, rule = realm_problem(TENANCY_OC2, "fra", "fra.ocir.io") or ("", "")
    assert where == "region"
    assert "eu-frankfurt-1 is in realm oc1, but the tenancy is in realm oc2" in rule
    # A region the table does not list: its host's domain must be the tenancy realm's.
    assert realm_problem(TENANCY_OC2, "us-newgov-9", "ocir.us-newgov-9.oci.oraclegovcloud.com") is None
    where, rule = realm_problem(TENANCY_OC2, "us-newgov-9", "us-newgov-9.ocir.io") or ("", "")
    assert where == "registry_host"
    assert "use ocir.us-newgov-9.oci.oraclegovcloud.com" in rule
    # A tenancy in a realm the table does not list: nothing to compare with.
    assert realm_problem("ocid1.tenancy.oc99..aaaaaaaatesttenancy", "fra", "fra.ocir.io") is None


# --- the program, in a realm of its own and with a chosen host ---------------------------------------


def _everywhere_the_host_goes(run: StackRun) -> dict[str, object]:
    (image,) = run.of_type(IMAGE)
    return {
        "output": run.outputs["registryServer"].value,
        "image": image.plain["imageName"].split("/")[0],
        "login": image.plain["registry"]["server"],
        "check": run.logins[0].server,
    }


def test_a_stack_outside_the_commercial_realm_pushes_logs_in_and_checks_at_its_realms_host(
    run: Callable[..., StackRun],
) -> None:
    config = valid_config(region="us-langley-1", tenancyOcid=TENANCY_OC2, userOcid=USER_OC2)
    result = run(config)
    host = "ocir.us-langley-1.oci.oraclegovcloud.com"
    assert set(_everywhere_the_host_goes(result).values()) == {host}
    assert result.one(IMAGE).plain["imageName"] == f"{host}/testns/p-test-api:1.0"


def test_a_commercial_stack_may_choose_oracles_recommended_host(run: Callable[..., StackRun]) -> None:
    default = run(valid_config())
    assert set(_everywhere_the_host_goes(default).values()) == {"fra.ocir.io"}
    chosen = run(valid_config(registryHost="ocir.eu-frankfurt-1.oci.oraclecloud.com"))
    assert set(_everywhere_the_host_goes(chosen).values()) == {"ocir.eu-frankfurt-1.oci.oraclecloud.com"}


def test_scanning_names_no_host_for_ocir_which_oci_infers(run: Callable[..., StackRun]) -> None:
    # terraform-provider-oci website/docs/r/vulnerability_scanning_container_scan_target.html.markdown:
    # target_registry.url is "Required for non-OCIR registry types (for OCIR registry types, it can be inferred
    # from the tenancy)". A stack in another realm, or on another host, declares the same target.
    config = valid_config(region="us-langley-1", tenancyOcid=TENANCY_OC2, userOcid=USER_OC2, vulnerabilityScanning=True)
    target = run(config).one(SCAN_TARGET)
    assert "url" not in target.plain["targetRegistry"]
