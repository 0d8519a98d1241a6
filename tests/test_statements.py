"""Policy statements: exact text, least privilege, and no way for config to change their meaning."""

from __future__ import annotations

import pytest

from components.naming import check_prefix
from components.statements import (
    Principal,
    check_domain_name,
    check_group_name,
    check_principal_name,
    group_subject,
    policy_statements,
    repositories_location,
)

MANAGE = "allow group {subject} to manage repos in tenancy where target.repo.name = /{prefix}-*/"
LIST = (
    "allow group {subject} to inspect repos in tenancy where any "
    "{{request.operation='ListDockerRepositories', request.operation='ListContainerRepositories'}}"
)


def test_default_is_one_manage_statement_scoped_to_the_prefix() -> None:
    assert policy_statements("p-oraas", "oraas-devs") == [
        "allow group oraas-devs to manage repos in tenancy where target.repo.name = /p-oraas-*/"
    ]


def test_list_statement_only_when_asked_and_it_keeps_the_recipe_condition() -> None:
    statements = policy_statements("p-oraas", "oraas-devs", allow_list_repositories=True)
    assert statements[0] == MANAGE.format(subject="oraas-devs", prefix="p-oraas")
    assert statements[1] == LIST.format(subject="oraas-devs")
    assert "request.operation='ListDockerRepositories'" in statements[1]
    assert " inspect repos " in statements[1]


@pytest.mark.parametrize(
    ("group", "domain", "subject"),
    [
        ("oraas-devs", None, "group oraas-devs"),
        ("OCI_Admins.eu", None, "group OCI_Admins.eu"),
        ("Registry Pushers", None, "group 'Registry Pushers'"),
        ("jane@example.com", None, "group 'jane@example.com'"),
        ("id", None, "group 'id'"),
        ("oraas-devs", "acme-prod", "group 'acme-prod'/'oraas-devs'"),
        ("Release Managers", "Acme Prod", "group 'Acme Prod'/'Release Managers'"),
    ],
)
def test_group_subject_quotes_domains_and_names_that_need_it(group: str, domain: str | None, subject: str) -> None:
    assert group_subject(group, domain) == subject


@pytest.mark.parametrize(
    "group",
    [
        "devs' to manage all-resources in tenancy //",
        'devs"',
        "devs, any-user",
        "devs/admins",
        "devs*",
        "devs where 1=1",
        "devs {x}",
        " devs",
        "devs ",
        "devs\nallow any-user to manage all-resources in tenancy",
        "",
        "a" * 101,
    ],
)
def test_group_names_that_could_end_the_subject_are_refused(group: str) -> None:
    with pytest.raises(ValueError, match="IAM group name"):
        check_group_name(group)


@pytest.mark.parametrize(
    ("group", "words"),
    [
        ("devs to manage all-resources in tenancy", "to, manage, all-resources, in, tenancy"),
        ("Devs Where Ever", "where"),
        ("any-user Admins", "any-user"),
    ],
)
def test_a_group_phrase_with_policy_words_is_refused(group: str, words: str) -> None:
    with pytest.raises(ValueError, match=f"policy words \\({words}\\)"):
        check_group_name(group)


def test_single_words_and_ordinary_phrases_are_names() -> None:
    # One word cannot read as a grant, and quoting keeps multi-word names whole.
    assert policy_statements("p-x", "tenancy")[0].startswith("allow group tenancy to manage repos")
    assert policy_statements("p-x", "All Domain Users")[0].startswith("allow group 'All Domain Users' to manage")


@pytest.mark.parametrize(
    "prefix",
    ["p-x*", "p-x/", "p/x", "P-X", "p x", "p-x-", "-p", "p'x", "p-x/ or target.repo.name = /*", "*", ""],
)
def test_prefixes_that_could_widen_the_pattern_are_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="lower-case letters and digits"):
        check_prefix(prefix)


@pytest.mark.parametrize("domain", ["acme'", "acme/x", "a,b", "acme*"])
def test_bad_identity_domains_are_refused(domain: str) -> None:
    with pytest.raises(ValueError, match="identity domain name"):
        check_domain_name(domain)


# --- pullers: read only, the prefix only, where the repositories are ---------------------------------

COMPARTMENT_ID = "ocid1.compartment.oc1..aaaaaaaatestcompartment"


def test_each_puller_gets_one_read_statement_after_the_groups() -> None:
    pullers = [Principal("group", "deployers"), Principal("dynamic-group", "oke nodes", "Default")]
    statements = policy_statements(
        "p-oraas", "oraas-devs", None, True, pullers, pull_location=f"compartment id {COMPARTMENT_ID}"
    )
    assert statements[:2] == [MANAGE.format(subject="oraas-devs", prefix="p-oraas"), LIST.format(subject="oraas-devs")]
    assert statements[2:] == [
        f"allow group deployers to read repos in compartment id {COMPARTMENT_ID} where target.repo.name = /p-oraas-*/",
        f"allow dynamic-group 'Default'/'oke nodes' to read repos in compartment id {COMPARTMENT_ID} "
        "where target.repo.name = /p-oraas-*/",
    ]
    root = policy_statements("p-oraas", "oraas-devs", pullers=[Principal("dynamic-group", "id")])
    assert root[1] == "allow dynamic-group 'id' to read repos in tenancy where target.repo.name = /p-oraas-*/"


def test_the_pullers_location_is_where_the_repositories_are() -> None:
    tenancy = "ocid1.tenancy.oc1..aaaaaaaatesttenancy"
    assert repositories_location(tenancy, tenancy) == "tenancy"
    assert repositories_location(tenancy, COMPARTMENT_ID) == f"compartment id {COMPARTMENT_ID}"


@pytest.mark.parametrize(
    ("value", "kind", "rule"),
    [
        ("a/b/c", "group", "one '/' at most"),
        ("acme'/devs", "group", "identity domain name"),
        ("acme/devs'", "group", "IAM group name"),
        ("nodes, any-user", "dynamic-group", "dynamic group name"),
        ("nodes to manage all-resources", "dynamic-group", "policy words"),
        ("/nodes", "dynamic-group", "identity domain name"),
        ("acme/", "group", "IAM group name"),
        ("nodes\nallow any-user to manage all-resources in tenancy", "dynamic-group", "dynamic group name"),
    ],
)
def test_puller_names_follow_the_group_and_domain_rules(value: str, kind: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        check_principal_name(value, kind)
