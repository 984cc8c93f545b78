"""Pattern keys: near-duplicates of one mistake group; look-alikes that are different mistakes do not."""

from __future__ import annotations

import pytest
from prguard.ledger.patterns import code_shape, masked_snippet, pattern_key

RULE = "PG-TIMEOUT001"

NEAR_DUPLICATES = [
    # the same call: other names, other literals, other formatting, assigned or returned, commented
    [
        "requests.post(url, json=payload)",
        "requests.post(  endpoint ,json = body, )",
        'resp = requests.post(\n    "https://billing.example/api",\n    json={"a": 1},  # send it\n)',
        "return requests.post(self_url, json=data)",
        "    response = requests.post(target, json=items)",
    ],
    [
        "subprocess.run(cmd, shell=True)",
        "subprocess.run(f'ls {path}', shell=True)",
        "result = subprocess.run(\n    command,\n    shell=True,\n)",
    ],
    [
        "cursor.execute('SELECT * FROM t WHERE id = %s' % user_id)",
        'cursor.execute("select name from users where id = %s" % ident)',
    ],
]

LOOK_ALIKES = [
    ("requests.post(url, json=payload)", "requests.get(url, json=payload)"),  # another API
    ("requests.post(url, json=payload)", "requests.post(url, json=payload, timeout=5)"),  # another shape
    ("requests.post(url, json=payload)", "requests.post(url, data=payload)"),  # another keyword
    ("requests.post(url, json=payload)", "httpx.post(url, json=payload)"),  # another library
    ("subprocess.run(cmd, shell=True)", "subprocess.run(cmd, shell=False)"),
    ("subprocess.run(cmd, shell=True)", "subprocess.run(cmd)"),
    ("eval(expression)", "exec(expression)"),
    ("cursor.execute(query % user_id)", "cursor.execute(query, (user_id,))"),
    ("hashlib.md5(data)", "hashlib.sha256(data)"),
]


@pytest.mark.parametrize("group", NEAR_DUPLICATES, ids=lambda g: g[0][:30])
def test_near_duplicates_share_a_key(group):
    keys = {pattern_key(RULE, snippet) for snippet in group}
    assert len(keys) == 1, [code_shape(s) for s in group]


@pytest.mark.parametrize(("one", "other"), LOOK_ALIKES)
def test_look_alikes_do_not(one, other):
    assert pattern_key(RULE, one) != pattern_key(RULE, other), (code_shape(one), code_shape(other))


def test_the_rule_is_part_of_the_key():
    assert pattern_key("PG-TIMEOUT001", "requests.post(u)") != pattern_key("B113", "requests.post(u)")


def test_no_literal_or_local_name_is_kept():
    snippet = 'token = client.login(user="alice", password="hunter2", retries=3)  # secret'
    shape = masked_snippet(snippet)
    assert shape == "client.login(user=_,password=_,retries=_)"
    for leaked in ("alice", "hunter2", "token", "secret", "3"):
        assert leaked not in shape


def test_secrets_are_keyed_on_the_rule_alone():
    assert masked_snippet('AWS_KEY = "AKIAIOSFODNN7EXAMPLE"', "secrets") == ""
    assert pattern_key("PG-SECRET001", "a = 'x'", "secrets") == pattern_key(
        "PG-SECRET001", "b = 'y'", "secrets"
    )


def test_a_whole_function_is_keyed_on_its_first_line():
    body = "\n".join(f"    x{i} = f(x{i - 1})" for i in range(30))
    one = "def handler(event, context):\n" + body
    other = "def process(request, ctx):\n" + body.replace("f(", "g(")
    assert pattern_key("PG-CPLX001", one) == pattern_key("PG-CPLX001", other)


def test_unterminated_strings_and_odd_text_do_not_raise():
    for snippet in ("x = '''open", "", "   \n\t", "}{)(", "é = ü(1)"):
        assert isinstance(pattern_key(RULE, snippet), str)
