"""OCI regions as this program needs them: the registry host and the provider region.

OCIR answers at ``<region>.ocir.io`` for both the region key (``fra``) and the region identifier
(``eu-frankfurt-1``), but only in the commercial realm (oc1); other realms use other domains.
Region keys come back upper-case from the OCI API, so both forms are compared lower-case.
"""

from __future__ import annotations

import re

# Commercial realm (oc1) region keys and their identifiers, from Oracle's region list.
COMMERCIAL_REGIONS: dict[str, str] = {
    "jnb": "af-johannesburg-1",
    "yny": "ap-chuncheon-1",
    "hyd": "ap-hyderabad-1",
    "mel": "ap-melbourne-1",
    "bom": "ap-mumbai-1",
    "kix": "ap-osaka-1",
    "icn": "ap-seoul-1",
    "sin": "ap-singapore-1",
    "xsp": "ap-singapore-2",
    "syd": "ap-sydney-1",
    "nrt": "ap-tokyo-1",
    "yul": "ca-montreal-1",
    "yyz": "ca-toronto-1",
    "ams": "eu-amsterdam-1",
    "fra": "eu-frankfurt-1",
    "mad": "eu-madrid-1",
    "mrs": "eu-marseille-1",
    "lin": "eu-milan-1",
    "cdg": "eu-paris-1",
    "arn": "eu-stockholm-1",
    "zrh": "eu-zurich-1",
    "mtz": "il-jerusalem-1",
    "auh": "me-abudhabi-1",
    "dxb": "me-dubai-1",
    "jed": "me-jeddah-1",
    "ruh": "me-riyadh-1",
    "mty": "mx-monterrey-1",
    "qro": "mx-queretaro-1",
    "bog": "sa-bogota-1",
    "scl": "sa-santiago-1",
    "gru": "sa-saopaulo-1",
    "vap": "sa-valparaiso-1",
    "vcp": "sa-vinhedo-1",
    "cwl": "uk-cardiff-1",
    "lhr": "uk-london-1",
    "iad": "us-ashburn-1",
    "ord": "us-chicago-1",
    "phx": "us-phoenix-1",
    "aga": "us-saltlake-2",
    "sjc": "us-sanjose-1",
}

# Known regions outside the commercial realm: `<region>.ocir.io` does not serve them.
OTHER_REALM_REGIONS: dict[str, str] = {
    "us-langley-1": "oc2",
    "us-luke-1": "oc2",
    "us-gov-ashburn-1": "oc3",
    "us-gov-chicago-1": "oc3",
    "us-gov-phoenix-1": "oc3",
    "uk-gov-london-1": "oc4",
    "uk-gov-cardiff-1": "oc4",
    "ap-chiyoda-1": "oc8",
    "ap-ibaraki-1": "oc8",
    "me-dcc-muscat-1": "oc9",
    "ap-dcc-canberra-1": "oc10",
    "eu-madrid-2": "oc19",
    "eu-frankfurt-2": "oc19",
}
_OTHER_REALM_KEYS: dict[str, str] = {
    "lfi": "us-langley-1",
    "luf": "us-luke-1",
    "ric": "us-gov-ashburn-1",
    "pia": "us-gov-chicago-1",
    "tus": "us-gov-phoenix-1",
    "ltn": "uk-gov-london-1",
    "brs": "uk-gov-cardiff-1",
    "nja": "ap-chiyoda-1",
    "ukb": "ap-ibaraki-1",
    "mct": "me-dcc-muscat-1",
    "wga": "ap-dcc-canberra-1",
    "vll": "eu-madrid-2",
    "str": "eu-frankfurt-2",
}

# `<area>-<city>[-<more>]-<n>`: the shape of every region identifier Oracle has published, so a
# region opened after this table was written is still accepted by identifier.
REGION_IDENTIFIER = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}$")


class RegionError(ValueError):
    """A region that is neither a commercial region key nor a region identifier."""


def resolve_region(value: str) -> tuple[str, str]:
    """Return ``(registry_region, region_identifier)`` for a region key or identifier.

    ``registry_region`` is the value as the user wrote it, lower-cased (it goes into
    ``<region>.ocir.io``); ``region_identifier`` is the long form, for comparing with the
    provider's region. Raises RegionError with the rule when the value is neither form.
    """
    region = value.strip().lower()
    if region != value.lower() or not region:
        raise RegionError(f"must be a region key (e.g. fra) or identifier (e.g. eu-frankfurt-1), got {value!r}")
    if region in COMMERCIAL_REGIONS:
        return region, COMMERCIAL_REGIONS[region]
    if region in _OTHER_REALM_KEYS or region in OTHER_REALM_REGIONS:
        identifier = _OTHER_REALM_KEYS.get(region, region)
        realm = OTHER_REALM_REGIONS[identifier]
        raise RegionError(
            f"{value!r} ({identifier}) is in realm {realm}; <region>.ocir.io only serves the commercial realm (oc1)"
        )
    if REGION_IDENTIFIER.match(region):
        return region, region
    if re.fullmatch(r"[a-z]{3}", region):
        raise RegionError(
            f"{value!r} is not a known commercial region key; use the region identifier "
            "(e.g. eu-frankfurt-1) for a region this program does not list"
        )
    raise RegionError(f"must be a region key (e.g. fra) or identifier (e.g. eu-frankfurt-1), got {value!r}")
