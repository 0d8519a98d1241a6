"""Policy statements: exact text, least privilege, and no way for config to change their meaning."""

from __future__ import annotations

import pytest

from components.naming import check_prefix
from components.statements import check_domain_name, check_group_name, group_subject, policy_statements

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
