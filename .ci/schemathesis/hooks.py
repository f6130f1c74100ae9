"""Generators for the identifier formats Yiwang's OpenAPI document names.

A JSON schema cannot say that an identity number's last character is a check digit, so the
document names formats (resident-id, uscc, cn-mobile, person-name, case-no) and this module
tells schemathesis how to make valid values of them. Without it, every "valid" request the
fuzzer made would carry an invalid identifier, and the server's 422 would look like a refusal
of valid data.
"""

import datetime

import schemathesis
from hypothesis import strategies as st

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(birth: datetime.date, sequence: int) -> str:
    """GB 11643: area, birth date, sequence, and the ISO 7064 MOD 11-2 check character."""
    body = f"441900{birth:%Y%m%d}{sequence:03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def uscc(org_body: str) -> str:
    """GB 32100: an enterprise (91) of Dongguan, its organization code with its GB 11714 check."""
    value = lambda c: int(c) if c.isdigit() else ord(c) - ord("A") + 10
    r = 11 - sum(value(c) * w for c, w in zip(org_body, ORG_WEIGHTS)) % 11
    body = "91441900" + org_body + {10: "X", 11: "0"}.get(r, str(r))
    r = 31 - sum(USCC_CHARSET.index(c) * w for c, w in zip(body, USCC_WEIGHTS)) % 31
    return body + USCC_CHARSET[0 if r == 31 else r]


schemathesis.openapi.format(
    "resident-id",
    st.builds(
        resident_id,
        st.dates(datetime.date(1940, 1, 1), datetime.date(2006, 12, 31)),
        st.integers(0, 999),
    ),
)
schemathesis.openapi.format(
    "uscc", st.builds(uscc, st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
)
schemathesis.openapi.format("cn-mobile", st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
schemathesis.openapi.format("person-name", st.text("张王李赵陈刘杨黄周吴明华丽强敏静伟芳", min_size=2, max_size=4))
schemathesis.openapi.format(
    "email-address", st.from_regex(r"\A[a-z0-9]{1,16}(\.[a-z0-9]{1,8})?@[a-z0-9]{1,12}\.(cn|com|org)\Z")
)
schemathesis.openapi.format("case-no", st.from_regex(r"\AYW20[0-9]{6}[0-9A-HJKMNP-TV-Z]{10}-0[1-9]\Z"))
