"""Every kind of policy error names the file, the dotted key and the line."""

from __future__ import annotations

import time

import pytest
from prguard.policies.loader import load_policy, load_policy_text
from prguard.policies.model import PolicyError
from prguard.policies.patterns import PatternError, check_glob, check_regex
from prguard.policies.yamlsafe import MAX_BYTES, MAX_DEPTH


def error_of(text: str, source: str = ".github/prguard.yml") -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy_text(text, source)
    return info.value


def test_bad_yaml_names_the_line():
    error = error_of("version: 1\ngate:\n  fail_on: high\n  review_event: [COMMENT\n")
    assert error.source == ".github/prguard.yml"
    assert error.line == 5
    assert "invalid YAML" in error.message
    assert str(error).startswith(".github/prguard.yml:5: ")


def test_tab_indentation_is_a_yaml_error_with_line():
    error = error_of("gate:\n\tfail_on: high\n")
    assert error.line == 2 and "invalid YAML" in error.message


def test_unknown_top_level_key_with_line():
    error = error_of("version: 1\n\nreport_existing: true\nfail_on: high\n")
    assert (error.key, error.line) == ("fail_on", 4)
    assert "unknown key 'fail_on'" in error.message and "gate" in error.message


def test_unknown_nested_key_with_line():
    error = error_of("analyzers:\n  security:\n    enabled: true\n    min_sevirity: high\n")
    assert (error.key, error.line) == ("analyzers.security.min_sevirity", 4)
    assert "min_severity" in error.message  # the allowed keys are listed


def test_unknown_analyzer_is_an_error():
    error = error_of("analyzers:\n  linting: {enabled: true}\n")
    assert (error.key, error.line) == ("analyzers.linting", 2)


def test_wrong_type():
    error = error_of("files:\n  max_bytes: lots\n")
    assert (error.key, error.line) == ("files.max_bytes", 2)
    assert error.message == "must be an integer, got a string ('lots')"
    error = error_of("report_existing: 'yes'\n")
    assert error.key == "report_existing" and "true or false" in error.message
    error = error_of("paths: ['**/*.py']\n")
    assert error.key == "paths" and "mapping" in error.message


def test_bad_enum_lists_the_choices():
    error = error_of("gate:\n  review_event: APPROVE\n")
    assert (error.key, error.line) == ("gate.review_event", 2)
    assert "COMMENT" in error.message and "REQUEST_CHANGES" in error.message


def test_out_of_range_number():
    error = error_of("gate: {max_inline_comments: -1}\n")
    assert error.key == "gate.max_inline_comments" and "minimum" in error.message


def test_version_must_be_1():
    assert error_of("version: 2\n").key == "version"


@pytest.mark.parametrize(
    ("glob", "reason"),
    [
        ("src/**.py", "whole path segment"),
        ("src/{a,b}/*.py", "brace expansion"),
        ("src/[abc/x.py", "unclosed"),
        ("..\\x", "separator"),
        ("../outside/*.py", "'..'"),
        ("", "empty"),
    ],
)
def test_bad_glob(glob, reason):
    error = error_of(f"paths:\n  include:\n    - '**/*.py'\n    - {glob!r}\n")
    assert (error.key, error.line) == ("paths.include[1]", 4)
    assert reason in error.message


@pytest.mark.parametrize(
    "glob", ["**/*.py", "migrations/**", "/setup.py", "src/[!_]*.py", "*_pb2.py", "docs/"]
)
def test_good_globs(glob):
    check_glob(glob)


@pytest.mark.parametrize("regex", [r"(a+)+$", r"^(\w+\s?)*$", r"(x+x+)+y", r"(a{1,5})*b", r"((ab)*c?)+"])
def test_regexes_that_backtrack_catastrophically_are_rejected(regex):
    with pytest.raises(PatternError, match="backtrack catastrophically"):
        check_regex(regex)


@pytest.mark.parametrize(
    "regex", [r"requests\.(get|post)\(", r"\d+\.\d+", r"(\d{3})+", r"(a++)+", r"(?>a+)+b"]
)
def test_safe_regexes_are_accepted(regex):
    check_regex(regex)


def test_regex_that_does_not_compile():
    with pytest.raises(PatternError, match="does not compile"):
        check_regex("(unclosed")


def test_yaml_bomb_is_rejected_quickly():
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        name = chr(ord("a") + i)
        bomb.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    error = error_of("\n".join(bomb) + "\n")
    assert time.perf_counter() - started < 1.0
    assert "YAML bomb" in error.message
    assert error.line is not None


def test_recursive_alias_is_rejected():
    error = error_of("paths: &p\n  include: *p\n")
    assert error.message == "recursive alias" and error.line == 1


def test_small_aliases_are_fine():
    data = load_policy_text(
        "paths:\n  include: &py ['**/*.py']\nai_authored:\n  paths: {include: *py}\n", "p.yml"
    )
    assert data["ai_authored"]["paths"]["include"] == ["**/*.py"]


def test_deep_nesting_is_rejected_with_line():
    depth = MAX_DEPTH + 5
    text = "gate: " + "[" * depth + "]" * depth + "\n"
    error = error_of(text)
    assert "levels deep" in error.message and error.line == 1
    error = error_of("x: " + "[" * 100_000)
    assert "levels deep" in error.message


def test_oversized_file_is_rejected():
    error = error_of("# " + "x" * MAX_BYTES + "\n")
    assert "limit" in error.message


def test_duplicate_keys_are_errors():
    error = error_of("gate:\n  fail_on: high\n  fail_on: low\n")
    assert (error.key, error.line, error.message) == ("gate.fail_on", 3, "duplicate key")


def test_non_string_keys_are_errors():
    error = error_of("gate:\n  on: high\n")  # YAML 1.1 reads `on` as a boolean
    assert error.line == 2 and "quote it" in error.message


def test_top_level_must_be_a_mapping():
    assert "mapping" in error_of("- a\n- b\n").message
    assert "mapping" in error_of("just text\n").message


def test_extends_unknown_preset():
    error = error_of("version: 1\nextends: paranoid\n")
    assert (error.key, error.line) == ("extends", 2)
    assert "unknown preset 'paranoid'" in error.message and "strict" in error.message
    with pytest.raises(PolicyError, match="unknown preset"):
        load_policy(preset="paranoid")


def test_several_errors_report_the_first_and_count_the_rest():
    error = error_of("scope: all\ngate: {fail_on: severe}\nmystery: 1\n")
    assert (error.key, error.line) == ("scope", 1)
    assert "2 more problems" in error.message


def test_multiple_documents_are_an_error():
    error = error_of("version: 1\n---\nversion: 1\n")
    assert "invalid YAML" in error.message and error.line == 2
