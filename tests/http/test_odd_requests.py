"""F6: odd requests get a 4xx (and the form again where there is one), never a 500: text sent as
a file part, control characters in `next=`, a page number past any page, dates past year 9999,
and every route tried with odd input of every kind."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from werkzeug.datastructures import MultiDict

from intake.questionnaire import STEPS
from tests.factories import answers, field_names, formdata
from tests.http.clinic_helpers import (
    CLINICIAN,
    Staff,
    create_user,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    submit_many,
)
from tests.support import Html, Patient

ABOUT_YOU = STEPS[0]


def as_file(text: str):
    """A file part holding the text, as a multipart client may send any field."""
    return (io.BytesIO(text.encode()), "answer.txt")


@pytest.fixture
def clinician(app, client) -> Staff:
    create_user(app, CLINICIAN, "clinician")
    return Staff(client).signed_in()


# A text answer sent as a file part -----------------------------------------------------


def post_about_you(patient, **files):
    """Step 1 with valid answers, those named here sent as file parts instead of text."""
    data = formdata(ABOUT_YOU, answers()) | {name: as_file(text) for name, text in files.items()}
    return patient.client.post(
        "/questions/about-you",
        data={"csrf_token": patient.csrf_token("/questions/about-you"), **data},
        content_type="multipart/form-data",
    )


def test_a_text_answer_sent_as_a_file_part_gets_400_and_the_step_again(patient):
    patient.start()
    response = post_about_you(patient, full_name="Ada Lovelace")
    page = Html.of(response)
    assert response.status_code == 400
    assert [href for href, _ in page.error_links()] == ["#full_name"]
    assert page.value("phone") == answers()["phone"]  # the other answers as typed
    assert page.value("date_of_birth-year") == "1990"


def test_an_optional_answer_sent_as_a_file_part_is_not_saved_without_it(patient):
    patient.start()
    response = post_about_you(patient, phone="0123")
    assert response.status_code == 400
    assert Html.of(response).value("full_name") == "Ada Lovelace"
    # Nothing was saved: the step shown again from the draft is still empty.
    assert Html.of(patient.client.get("/questions/about-you")).value("full_name") == ""


def test_a_sign_in_email_sent_as_a_file_part_gets_400_and_the_form_again(app, client):
    create_user(app, CLINICIAN, "clinician")
    staff = Staff(client)
    response = client.post(
        "/clinic/login",
        data={
            "csrf_token": staff.csrf_token(),
            "email": as_file(CLINICIAN),
            "password": "correct horse battery",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert Html.of(response).error_links() == [("#email", "Enter your email address")]


def test_a_search_sent_as_a_file_part_gets_400_and_the_form_again(app, clinician):
    response = clinician.client.post(
        "/clinic/",
        data={"csrf_token": clinician.csrf_token(), "q": as_file("Ada"), "submitted": "2026-01-02"},
        content_type="multipart/form-data",
    )
    page = Html.of(response)
    assert response.status_code == 400
    assert page.value("submitted") == "2026-01-02"


def test_a_confirmation_sent_as_a_file_part_gets_400_and_the_check_page_again(patient):
    patient.answer_all(answers())
    data = patient.hidden_fields("/check-answers") | {"confirmed": as_file("y")}
    response = patient.client.post("/check-answers", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Check your answers" in Html.of(response).title
    assert patient.client.get("/confirmation").location.endswith("/")  # nothing was submitted


def test_a_form_ignores_a_json_body(app, client):
    """Flask-WTF reads JSON into a form: a number where text is expected crashed the validators."""
    create_user(app, CLINICIAN, "clinician")
    token = Staff(client).csrf_token()
    response = client.post(
        "/clinic/login", json={"email": 10**18, "password": 1}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert Html.of(response).error_links() == [
        ("#email", "Enter your email address"),
        ("#password", "Enter your password"),
    ]


# Control characters in next= -------------------------------------------------------------

CONTROL_IN_NEXT = ["/clinic/\r\nSet-Cookie: session=forged", "/a\nb", "/a\rb", "/\t/evil.example"]


@pytest.mark.parametrize("target", CONTROL_IN_NEXT)
def test_a_control_character_in_next_sends_the_language_choice_to_the_start(client, target):
    response = client.get("/language/es", query_string={"next": target})
    assert response.status_code == 302 and response.location == "/"


@pytest.mark.parametrize("target", CONTROL_IN_NEXT)
def test_a_control_character_in_next_sends_a_sign_in_to_the_list(app, client, target):
    create_user(app, CLINICIAN, "clinician")
    response = Staff(client).sign_in(next=target)
    assert response.status_code == 302 and response.location == "/clinic/"


def test_a_next_path_in_another_script_is_sent_as_ascii(client):
    response = client.get("/language/es", query_string={"next": "/questions/about-you?é=ü"})
    assert response.location == "/questions/about-you?%C3%A9=%C3%BC"


# Pages and date filters of the clinic list ---------------------------------------------


@pytest.mark.parametrize("number", [str(10**18), str(10**30), str(2**63)])
def test_a_page_past_the_last_shows_the_last_page(app, client, frozen_clock, number):
    references = submit_many(app, 51, clock=frozen_clock)
    create_user(app, CLINICIAN, "clinician")
    shown = Staff(client).signed_in().search(page=number)
    assert "51 submissions, page 2 of 2" in shown
    assert references[0] in shown and references[-1] not in shown


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
@pytest.mark.parametrize("field", ["submitted", "appointment"])
def test_a_date_filter_beyond_the_years_searched_gets_400_and_the_form_again(clinician, field, day):
    other = "appointment" if field == "submitted" else "submitted"
    response = clinician.post("/clinic/", q="Ada", **{field: day, other: "2026-03-04"})
    page = Html.of(response)
    assert response.status_code == 400
    error = page.by_id(f"{field}-error")["text"]
    assert " ".join(error.split()) == "Error: Enter a date between 1900 and 2100"
    assert (page.value("q"), page.value(field), page.value(other)) == ("Ada", day, "2026-03-04")


def test_a_reference_with_a_nul_byte_is_not_found(clinician):
    for url in ("/clinic/submissions/AB%00-2345", "/clinic/submissions/%00/fhir.json"):
        assert clinician.client.get(url).status_code == 404, url


# Every route, odd input of every kind --------------------------------------------------

ODD_TEXTS = {
    "NUL": "a\x00b",
    "line breaks": "/clinic/\r\nSet-Cookie: x=1",
    "ESC": "\x1b[2J\x1b]0;title\x07",
    "right-to-left override": "\u202eabc",
    "huge integer": "9" * 5000,
    "10^18": str(10**18),
    "negative": str(-(10**19)),
    "9999-12-31": "9999-12-31",
    "0001-01-01": "0001-01-01",
    "30 February": "2026-02-30",
    "long": "x" * 20_000,
}
QUERY_NAMES = ("next", "date", "check", "return", "changed", "url", "version", "page", "q")
FORM_FIELDS = {
    "clinic.login": ("email", "password"),
    "clinic.submissions": ("q", "submitted", "appointment", "page"),
    "wizard.check_answers": ("confirmed", "checked"),
}
SIGNS_OUT = ("clinic.logout", "clinic.tablet_mode", "wizard.tablet_reset")
_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str
    fields: tuple[str, ...]
    slug: str = ""

    def path(self, value: str) -> str:
        """The rule with each parameter given the (percent-encoded) value; a step's own slug."""
        return _PARAMETER.sub(lambda m: self.slug if m[1] == "slug" else value, self.rule)


def routes(app) -> list[Route]:
    """Every route and method of the app (a step per step); those that sign out come last."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "wizard.step":
                found += [
                    Route(rule.endpoint, method, rule.rule, tuple(field_names(step)), step.slug)
                    for step in STEPS
                ]
            else:
                fields = FORM_FIELDS.get(rule.endpoint, ("x",))
                found.append(Route(rule.endpoint, method, rule.rule, fields))
    return sorted(found, key=lambda route: route.endpoint in SIGNS_OUT)


def text_request(value: str):
    def build(route: Route, token: str) -> dict:
        request = {"query_string": dict.fromkeys(QUERY_NAMES, value)}
        if route.method == "POST":
            request["data"] = {"csrf_token": token, **dict.fromkeys(route.fields, value)}
        return {"path": route.path(quote(value, safe="")), **request}

    return build


def duplicate_fields(route: Route, token: str) -> dict:
    pairs = [(name, value) for name in route.fields for value in ("1", "2026-01-01")]
    request = {"path": route.path("ABCD-2345"), "query_string": "next=/a&next=/b&page=1&page=2"}
    if route.method == "POST":
        request["data"] = MultiDict([("csrf_token", token), *pairs])
    return request


def file_parts(route: Route, token: str) -> dict:
    request: dict = {"path": route.path("ABCD-2345")}
    if route.method == "POST":
        request["data"] = {"csrf_token": token} | {name: as_file("1") for name in route.fields}
        request["content_type"] = "multipart/form-data"
    return request


def invalid_utf8(route: Route, token: str) -> dict:
    escapes = "%ff%fe%c3%28"
    request: dict = {
        "path": route.path(escapes),
        "query_string": "&".join(f"{name}={escapes}" for name in QUERY_NAMES),
    }
    if route.method == "POST":
        body = "&".join(f"{name}={escapes}" for name in route.fields)
        request["data"] = f"csrf_token={quote(token)}&{body}"
        request["content_type"] = "application/x-www-form-urlencoded"
    return request


def json_body(route: Route, token: str) -> dict:
    request: dict = {"path": route.path("ABCD-2345"), "headers": {"X-CSRFToken": token}}
    if route.method == "POST":
        request["json"] = dict.fromkeys(route.fields, [10**18, {"a": None}])
    return request


ODD_REQUESTS = {
    **{f"text: {name}": text_request(value) for name, value in ODD_TEXTS.items()},
    "duplicate fields": duplicate_fields,
    "file parts": file_parts,
    "invalid UTF-8": invalid_utf8,
    "JSON body": json_body,
}


@pytest.mark.parametrize("odd_request", ODD_REQUESTS.values(), ids=ODD_REQUESTS.keys())
def test_no_route_answers_odd_input_with_a_server_error(app, odd_request):
    create_user(app, CLINICIAN, "clinician")
    patient = Patient(app.test_client())
    patient.answer_all(answers())
    anonymous, staff = Staff(app.test_client()), Staff(app.test_client()).signed_in()
    for route in routes(app):
        if route.endpoint == "clinic.login":
            client, token = anonymous.client, anonymous.csrf_token()
        elif (
            route.endpoint.startswith("clinic.") or route.endpoint == "fhir.questionnaire_response"
        ):
            client, token = staff.client, staff.csrf_token()
        else:
            client, token = patient.client, patient.csrf_token("/")
        response = client.open(method=route.method, **odd_request(route, token))
        assert response.status_code < 500, (route, response.status_code)
        location = response.headers.get("Location", "")
        assert location.isascii() and location.isprintable(), (route, location)
