"""MD5 and SHA-1 digests: kept at bandit's severity where the code names a secret or an
authentication, low where they are fingerprints (cache keys, ETags, file names)."""

from __future__ import annotations

import pytest
from prguard.engine.model import Severity

from tests.unit.test_security import analyze, severities_of


def weak_hash_severities(code: str) -> list[Severity]:
    return list(severities_of(code, "B324", "PG-VULN029").values())


FINGERPRINTS = [
    # a cache key made of the request's parameters
    "import hashlib\ndef cache_for(request):\n"
    "    params = sorted(request.args.items())\n"
    "    return 'render:' + hashlib.md5(repr(params).encode()).hexdigest()",
    # an ETag of a response body
    "import hashlib\ndef respond(body, response):\n"
    "    response.headers['ETag'] = hashlib.sha1(body).hexdigest()\n    return response",
    # a helper named for what its digest is
    "import hashlib\ndef cover_filename(path):\n    return hashlib.md5(path.encode()).hexdigest()[:12]",
    "from hashlib import md5\ndef _content_hash(content):\n    return md5(content.encode()).hexdigest()",
    # the Gravatar address of an e-mail
    "import hashlib\ndef avatar(user):\n"
    "    email = user.email.strip().lower()\n"
    "    return 'https://www.gravatar.com/avatar/' + hashlib.md5(email.encode()).hexdigest()",
    # a rollout bucket
    "import hashlib\ndef enabled(flag, actor):\n"
    "    digest = hashlib.sha1(f'{flag}:{actor}'.encode()).hexdigest()\n"
    "    return int(digest, 16) % 100 < flag.percent",
    # by a name kept in a variable (PG-VULN029)
    "import hashlib\nALGORITHM = 'md5'\ndef version_of(asset):\n"
    "    return hashlib.new(ALGORITHM, asset.read()).hexdigest()[:8]",
]

SECURITY_USES = [
    # a password, however it is named around the call
    "import hashlib\ndef login(form, user):\n"
    "    return hashlib.md5(form['password'].encode()).hexdigest() == user.digest",
    "import hashlib\ndef check(user, pw):\n    return user.stored == hashlib.sha1(pw).hexdigest()",
    # a keyed digest that signs a payment request, named in camel case (`SHASign`)
    "from hashlib import sha1\ndef request_for(payment, conf):\n"
    "    fields = {'orderID': payment.id, 'amount': payment.amount}\n"
    "    fields['SHASign'] = sha1((payment.id + conf.sha_in).encode()).hexdigest()\n    return fields",
    # a webhook checked against a digest with a shared secret
    "import hashlib\ndef notified(request, settings):\n"
    "    expected = hashlib.md5((request.form['order'] + settings.SHOP_SECRET).encode()).hexdigest()\n"
    "    return expected == request.form['md5']",
    # an encryption key derived from a user's words
    "import hashlib\ndef key_for(note, phrase):\n"
    "    return AES.new(hashlib.md5(phrase.encode()).digest(), AES.MODE_CBC, note.iv)",
    # a helper that hashes what its caller hands over names no purpose: its callers decide
    "import hashlib\ndef md5(text):\n    return hashlib.md5(text.encode()).hexdigest()",
    "import hashlib\ndef get_hash(value, extra=''):\n    return hashlib.sha1(value + extra).hexdigest()",
    # a module-level digest: nothing around it says what it is for
    "import hashlib\nAPI_TOKEN = hashlib.md5(b'x' + SEED).hexdigest()",
    "import hashlib\nhashed = hashlib.md5(data).hexdigest()",
    "import hashlib\nhashlib.new('sha1', data=b'test')",
    "import hashlib\nALGORITHM = 'sha1'\ndef sign(body, secret_key):\n"
    "    return hashlib.new(ALGORITHM, body + secret_key).hexdigest()",
]


@pytest.mark.parametrize("code", FINGERPRINTS)
def test_a_fingerprint_digest_is_low(code: str) -> None:
    severities = weak_hash_severities(code)
    assert severities and all(s is Severity.LOW for s in severities), severities


@pytest.mark.parametrize("code", SECURITY_USES)
def test_a_digest_near_a_secret_keeps_its_severity(code: str) -> None:
    severities = weak_hash_severities(code)
    assert severities and all(s.at_least(Severity.MEDIUM) for s in severities), severities


def test_the_low_finding_says_why() -> None:
    (finding,) = [f for f in analyze(FINGERPRINTS[0]) if f.rule_id == "B324"]
    assert "fingerprint" in finding.message and "SHA-256" in finding.message


def test_a_policy_floor_above_low_drops_a_fingerprint_but_not_a_password_hash() -> None:
    assert not [f for f in analyze(FINGERPRINTS[1], min_severity="medium") if f.rule_id == "B324"]
    assert [f for f in analyze(SECURITY_USES[1], min_severity="medium") if f.rule_id == "B324"]
