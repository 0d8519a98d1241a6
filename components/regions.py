"""OCI regions and realms as this program needs them: the registry host and the provider region.

Every realm serves the registry at ``ocir.<region identifier>.oci.<realm domain>``, the form Oracle
recommends ("Container Registry Concepts", registry domain; the OCI SDKs' ContainerRegistryClient
endpoint template ``https://ocir.{region}.oci.{secondLevelDomain}``). The commercial realm (oc1) also
answers at ``<region key>.ocir.io`` and ``<region identifier>.ocir.io`` ("OC1 realm only", Oracle's
"Preparing for Container Registry", Availability by Region), which stays the default there so that
existing stacks keep their image names. Region keys come back upper-case from the OCI API, so every
form is compared lower-case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Per realm, its regions (region key -> region identifier), and each realm's domain: copied from the OCI
# Python SDK 2.189.0, oci/regions_definitions.py (REGIONS_SHORT_NAMES, REGION_REALMS, REALMS).
REALM_REGIONS: dict[str, dict[str, str]] = {
    "oc1": {"lej": "af-casablanca-1", "jnb": "af-johannesburg-1", "hsg": "ap-batam-1", "yny": "ap-chuncheon-1",
        "onm": "ap-delhi-1", "hyd": "ap-hyderabad-1", "jbp": "ap-kulai-2", "mel": "ap-melbourne-1",
        "bom": "ap-mumbai-1", "kix": "ap-osaka-1", "icn": "ap-seoul-1", "sin": "ap-singapore-1",
        "xsp": "ap-singapore-2", "syd": "ap-sydney-1", "nrt": "ap-tokyo-1", "yul": "ca-montreal-1",
        "yyz": "ca-toronto-1", "ams": "eu-amsterdam-1", "fra": "eu-frankfurt-1", "mad": "eu-madrid-1",
        "orf": "eu-madrid-3", "mrs": "eu-marseille-1", "lin": "eu-milan-1", "cdg": "eu-paris-1",
        "arn": "eu-stockholm-1", "nrq": "eu-turin-1", "zrh": "eu-zurich-1", "mtz": "il-jerusalem-1",
        "auh": "me-abudhabi-1", "dxb": "me-dubai-1", "jed": "me-jeddah-1", "ruh": "me-riyadh-1",
        "mty": "mx-monterrey-1", "qro": "mx-queretaro-1", "bog": "sa-bogota-1", "scl": "sa-santiago-1",
        "gru": "sa-saopaulo-1", "vap": "sa-valparaiso-1", "vcp": "sa-vinhedo-1", "cwl": "uk-cardiff-1",
        "lhr": "uk-london-1", "iad": "us-ashburn-1", "ord": "us-chicago-1", "phx": "us-phoenix-1",
        "aga": "us-saltlake-2", "sjc": "us-sanjose-1"},
    "oc2": {"lfi": "us-langley-1", "luf": "us-luke-1"},
    "oc3": {"ric": "us-gov-ashburn-1", "pia": "us-gov-chicago-1", "tus": "us-gov-phoenix-1"},
    "oc4": {"brs": "uk-gov-cardiff-1", "ltn": "uk-gov-london-1"},
    "oc8": {"nja": "ap-chiyoda-1", "ukb": "ap-ibaraki-1"},
    "oc9": {"mct": "me-dcc-muscat-1", "ibr": "me-ibri-1"},
    "oc10": {"wga": "ap-dcc-canberra-1"},
    "oc14": {"ork": "eu-dcc-dublin-1", "snn": "eu-dcc-dublin-2", "bgy": "eu-dcc-milan-1", "mxp": "eu-dcc-milan-2",
        "dus": "eu-dcc-rating-1", "dtm": "eu-dcc-rating-2"},
    "oc15": {"dac": "ap-dcc-gazipur-1"},
    "oc19": {"str": "eu-frankfurt-2", "vll": "eu-madrid-2"},
    "oc20": {"beg": "eu-jovanovac-1"},
    "oc21": {"vve": "me-alrayyan-1", "doh": "me-dcc-doha-1"},
    "oc23": {"ebb": "us-somerset-1", "ebl": "us-thames-1"},
    "oc24": {"avf": "eu-crissier-1", "avz": "eu-dcc-zurich-1"},
    "oc26": {"ahu": "me-abudhabi-3", "rba": "me-alain-1"},
    "oc29": {"rkt": "me-abudhabi-2", "shj": "me-abudhabi-4"},
    "oc35": {"bno": "ap-chuncheon-2", "dtz": "ap-seoul-2", "dln": "ap-suwon-1"},
    "oc42": {"yxj": "us-ashburn-2", "pgc": "us-newark-1"},
    "oc51": {"jsk": "eu-budapest-1"},
    "oc52": {"hnw": "sa-riodejaneiro-1"},
}  # fmt: skip
REALM_DOMAINS: dict[str, str] = {
    "oc1": "oraclecloud.com", "oc2": "oraclegovcloud.com", "oc3": "oraclegovcloud.com", "oc4": "oraclegovcloud.uk",
    "oc8": "oraclecloud8.com", "oc9": "oraclecloud9.com", "oc10": "oraclecloud10.com", "oc14": "oraclecloud14.com",
    "oc15": "oraclecloud15.com", "oc19": "oraclecloud.eu", "oc20": "oraclecloud20.com", "oc21": "oraclecloud21.com",
    "oc23": "oraclecloud23.com", "oc24": "oraclecloud24.com", "oc26": "oraclecloud26.com", "oc29": "oraclecloud29.com",
    "oc35": "oraclecloud35.com", "oc42": "oraclecloud42.com", "oc51": "oraclecloud51.com", "oc52": "oraclecloud52.com",
}  # fmt: skip
COMMERCIAL_REALM = "oc1"
LEGACY_DOMAIN = "ocir.io"
"""The commercial realm's short registry hosts, ``<region>.ocir.io``."""

REGION_KEYS: dict[str, str] = {
    key: identifier for regions in REALM_REGIONS.values() for key, identifier in regions.items()
}
REGION_REALMS: dict[str, str] = {
    identifier: realm for realm, regions in REALM_REGIONS.items() for identifier in regions.values()
}
COMMERCIAL_REGIONS: dict[str, str] = dict(REALM_REGIONS[COMMERCIAL_REALM])
"""Commercial realm (oc1) region keys and their identifiers."""

# `<area>-<city>[-<more>]-<n>`: the shape of every region identifier Oracle has published, so a
# region opened after this table was written is still accepted by identifier.
REGION_IDENTIFIER = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}$")


class RegionError(ValueError):
    """A value that is neither a region key nor a region identifier."""


@dataclass(frozen=True)
class Region:
    """A region as a stack names it."""

    written: str
    """The key or identifier as written, lower-cased: the commercial realm's default host is ``<written>.ocir.io``."""
    identifier: str
    realm: str | None
    """The region's realm; None for a well-formed identifier the table does not list (a region opened later)."""

    @property
    def key(self) -> str | None:
        return next((key for key, identifier in REGION_KEYS.items() if identifier == self.identifier), None)

    def hosts(self) -> tuple[str, ...]:
        """Every registry host that serves the region, the default first.

        A region the table does not list is taken to be commercial (``<identifier>.ocir.io``, as before
        realms were known) unless the stack chooses the ``ocir.`` host of a known realm's domain.
        """
        if self.realm is not None and self.realm != COMMERCIAL_REALM:
            return (oci_host(self.identifier, REALM_DOMAINS[self.realm]),)
        legacy = [f"{self.written}.{LEGACY_DOMAIN}", f"{self.identifier}.{LEGACY_DOMAIN}"]
        if self.key:
            legacy.insert(1, f"{self.key}.{LEGACY_DOMAIN}")
        domains = [REALM_DOMAINS[COMMERCIAL_REALM]] if self.realm else list(dict.fromkeys(REALM_DOMAINS.values()))
        return tuple(dict.fromkeys([*legacy, *(oci_host(self.identifier, domain) for domain in domains)]))

    @property
    def default_host(self) -> str:
        return self.hosts()[0]


def oci_host(identifier: str, domain: str) -> str:
    """``ocir.<region identifier>.oci.<realm domain>``: the registry host every realm serves."""
    return f"ocir.{identifier}.oci.{domain}"


def region(value: str) -> Region:
    """The region a key (``fra``, ``lfi``) or identifier (``eu-frankfurt-1``) names, in any realm the table
    lists; a well-formed identifier it does not list is accepted with an unknown realm. RegionError otherwise."""
    written = value.strip().lower()
    if written != value.lower() or not written:
        raise RegionError(f"must be a region key (e.g. fra) or identifier (e.g. eu-frankfurt-1), got {value!r}")
    if written in REGION_KEYS:
        identifier = REGION_KEYS[written]
        return Region(written, identifier, REGION_REALMS[identifier])
    if written in REGION_REALMS:
        return Region(written, written, REGION_REALMS[written])
    if REGION_IDENTIFIER.match(written):
        return Region(written, written, None)
    if re.fullmatch(r"[a-z]{3}", written):
        raise RegionError(
            f"{value!r} is not a region key this program knows; use the region identifier "
            "(e.g. eu-frankfurt-1) for a region it does not list"
        )
    raise RegionError(f"must be a region key (e.g. fra) or identifier (e.g. eu-frankfurt-1), got {value!r}")


def resolve_region(value: str) -> tuple[str, str]:
    """Return ``(registry_region, region_identifier)`` for a region key or identifier.

    ``registry_region`` is the value as the user wrote it, lower-cased (it goes into the commercial realm's
    ``<region>.ocir.io``); ``region_identifier`` is the long form, for comparing with the provider's region
    and for the ``ocir.<region identifier>.oci.<realm domain>`` host. Raises RegionError with the rule when the
    value is neither form.
    """
    found = region(value)
    return found.written, found.identifier


def default_registry_host(value: str) -> str:
    """The registry host a stack in this region uses unless it chooses another (``ocir:registryHost``):
    ``<region>.ocir.io`` in the commercial realm, ``ocir.<region identifier>.oci.<realm domain>`` elsewhere."""
    return region(value).default_host


def check_registry_host(host: str, region_value: str) -> str:
    """``host`` lower-cased when it is one of the region's registry hosts; ValueError naming them otherwise."""
    found = region(region_value)
    hosts = found.hosts()
    if host.lower() in hosts:
        return host.lower()
    where = f"realm {found.realm}" if found.realm else "a realm this program does not list"
    raise ValueError(
        f"must be a registry host of {found.identifier} ({where}): {', '.join(hosts)}; "
        f"a host name only, without https:// or a path; got {host!r}"
    )


def registry_host(region_value: str, chosen: str | None = None) -> str:
    """The stack's registry host: ``chosen`` (checked) or the region's default."""
    return check_registry_host(chosen, region_value) if chosen else default_registry_host(region_value)


def realm_problem(tenancy_ocid: str, region_value: str, host: str) -> tuple[str, str] | None:
    """``(argument, rule)`` when the region or the registry host is in another realm than the tenancy.

    An OCID names its realm (``ocid1.tenancy.<realm>..…``, Oracle's Resource Identifiers); a tenancy lives in
    one realm, and its registry is that realm's. None when they agree, or when the tenancy's realm is not one
    this program lists (nothing to compare with).
    """
    parts = tenancy_ocid.split(".")
    tenancy_realm = parts[2] if len(parts) > 2 else ""
    if tenancy_realm not in REALM_DOMAINS:
        return None
    found = region(region_value)
    if found.realm is not None and found.realm != tenancy_realm:
        return (
            "region",
            f"{found.identifier} is in realm {found.realm}, but the tenancy is in realm {tenancy_realm} "
            f"({tenancy_ocid}): a tenancy's registry is in its own realm",
        )
    if host.endswith(f".{LEGACY_DOMAIN}"):
        in_realm = tenancy_realm == COMMERCIAL_REALM
    else:
        in_realm = host.endswith(f".oci.{REALM_DOMAINS[tenancy_realm]}")
    if not in_realm:
        return (
            "registry_host",
            f"{host} is not a host of realm {tenancy_realm} (the tenancy's, {tenancy_ocid}): use "
            f"{oci_host(found.identifier, REALM_DOMAINS[tenancy_realm])}",
        )
    return None
