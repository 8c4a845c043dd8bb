from mobile.messages import PATIENT_MESSAGES, UNEXPECTED, patient_message
from shared.errors import ErrorCode


def test_every_error_code_has_words_for_the_patient():
    missing = [code for code in ErrorCode if code not in PATIENT_MESSAGES]
    assert missing == []
    assert all(len(text) < 160 and "_" not in text for text in PATIENT_MESSAGES.values())


def test_an_unknown_code_gets_a_kind_general_message():
    assert patient_message("some_future_code") == UNEXPECTED
    assert "expired" in patient_message("invite_expired")
